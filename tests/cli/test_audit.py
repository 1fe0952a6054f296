"""Reading audit records back from notebooks and verifying plans against them (no kernel needed)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from techplan_nb.audit import SCRAP_MIME, first_difference, format_text, read, verify
from techplan_nb.errors import UsageError, VerificationError
from techplan_nb.notebook import SCRAP_MIME as KERNEL_SIDE_MIME

from helpers import run_techplan

PLAN = "# Technical Plan: Demo\n\n**Status**: Draft\n\n## Risks\n\nNone.\n"


def _scrap(name: str, data: Any, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"output_type": "display_data", "data": {SCRAP_MIME: {"name": name, "data": data}, "text/plain": name},
            "metadata": {SCRAP_MIME: meta} if meta else {}}


def _notebook(tmp_path: Path, *, plan_text: str = PLAN, sha: str | None = None, techplan: dict[str, Any] | None = None,
              error: bool = False) -> Path:
    record = {"as_of": "2026-11-20", "seed": 7, "inputs": {"path": "in.yaml", "sha256": "ab" * 32},
              "template": {"path": "", "sha256": "cd" * 32, "bundle_sha256": "ef" * 32},
              "plan": {"folder": "issue-1-demo", "file": "technical-plan.md", "text": plan_text,
                       "bytes": len(plan_text), "sha256": sha or hashlib.sha256(plan_text.encode()).hexdigest()},
              "files": [{"name": "technical-plan.md", "bytes": len(plan_text), "sha256": "00" * 32}]}
    outputs = [_scrap("inputs", {"path": "in.yaml", "sha256": "ab" * 32, "normalised": {"issue": {"number": 1}}}),
               _scrap("risk_summary", {"overall": "Medium", "counts": {"High": 0, "Medium": 2, "Low": 1}, "flags": []}),
               _scrap("record", record, {"versions": {"python": "3.11.7", "techplan-nb": "0.1.0"},
                                         "charts": [{"name": "risk-heatmap.png", "bytes": 10, "sha256": "11" * 32}]})]
    if error:
        outputs.append({"output_type": "error", "ename": "RenderError", "evalue": "boom", "traceback": []})
    metadata: dict[str, Any] = {"papermill": {"start_time": "2026-11-26T10:00:00", "end_time": "2026-11-26T10:00:01",
                                              "duration": 1.0, "exception": True if error else None,
                                              "parameters": {"seed": 7}, "version": "2.7.0",
                                              "input_path": "technical_plan.ipynb"}}
    if techplan is not None:
        metadata["techplan"] = techplan
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata,
          "cells": [{"cell_type": "code", "source": "tp.write_outputs(run)", "metadata": {}, "outputs": outputs,
                     "execution_count": 1}]}
    path = tmp_path / "run.ipynb"
    path.write_text(json.dumps(nb), "utf-8")
    return path


def test_the_kernel_and_the_reader_agree_on_the_data_mime_type() -> None:
    assert SCRAP_MIME == KERNEL_SIDE_MIME


def test_a_plain_papermill_notebook_is_read_from_its_outputs(tmp_path: Path) -> None:
    audit = read(_notebook(tmp_path))
    assert audit.source == "outputs" and audit.status == "succeeded"
    assert audit.record["seed"] == 7 and audit.record["versions"]["papermill"] == "2.7.0"
    assert audit.record["summary"]["risk"]["overall"] == "Medium"
    assert [f["name"] for f in audit.record["files"]] == ["risk-heatmap.png", "technical-plan.md"]
    text = format_text(audit)
    assert "not run by techplan" in text and "overall Medium (2 Medium, 1 Low)" in text


def test_runner_metadata_takes_precedence_over_the_outputs(tmp_path: Path) -> None:
    meta = {"status": "failed",
            "error": {"reason": "timeout", "cell": 0, "ename": "CellTimeoutError", "evalue": "slow"},
            "plan": None}
    audit = read(_notebook(tmp_path, techplan=meta))
    assert audit.source == "techplan" and audit.status == "failed" and audit.plan_text is None
    assert "timeout: cell 0: CellTimeoutError: slow" in format_text(audit)


def test_a_notebook_with_an_error_output_reads_as_failed(tmp_path: Path) -> None:
    audit = read(_notebook(tmp_path, error=True))
    assert audit.status == "failed"
    assert audit.record["error"]["ename"] == "RenderError"
    assert audit.record["plan"] is None


def test_verify_accepts_the_identical_plan(tmp_path: Path) -> None:
    plan = tmp_path / "technical-plan.md"
    plan.write_text(PLAN, "utf-8")
    assert "identical" in verify(plan, _notebook(tmp_path))


def test_verify_names_the_first_differing_line(tmp_path: Path) -> None:
    plan = tmp_path / "technical-plan.md"
    plan.write_text(PLAN.replace("Draft", "Approved"), "utf-8")
    with pytest.raises(VerificationError, match=r"line 3 differs:\n  run produced: '\*\*Status\*\*: Draft'"):
        verify(plan, _notebook(tmp_path))


def test_verify_reports_extra_and_missing_lines() -> None:
    assert first_difference("a\nb\n", "a\nb\nc\n").startswith("line 3: the file has extra text: 'c'")
    assert first_difference("a\nb\nc\n", "a\nb\n").startswith("line 3: the file ends early")
    assert first_difference("a\nb\n", "a\r\nb\n") == (
        "line 1 differs in its line ending: the run produced '\\n', the file has '\\r\\n'")


def test_verify_refuses_a_record_whose_plan_text_does_not_match_its_hash(tmp_path: Path) -> None:
    plan = tmp_path / "technical-plan.md"
    plan.write_text(PLAN, "utf-8")
    with pytest.raises(VerificationError, match="altered"):
        verify(plan, _notebook(tmp_path, sha="0" * 64))


def test_verify_refuses_a_failed_run(tmp_path: Path) -> None:
    plan = tmp_path / "technical-plan.md"
    plan.write_text(PLAN, "utf-8")
    with pytest.raises(VerificationError, match="failed run"):
        verify(plan, _notebook(tmp_path, error=True))


def test_a_file_that_is_not_a_notebook_is_a_usage_error(tmp_path: Path) -> None:
    bogus = tmp_path / "x.ipynb"
    bogus.write_text("not json", "utf-8")
    with pytest.raises(UsageError, match="not a Jupyter notebook"):
        read(bogus)
    empty = tmp_path / "empty.ipynb"
    empty.write_text(json.dumps({"cells": [], "metadata": {}}), "utf-8")
    with pytest.raises(UsageError, match="no techplan audit record"):
        read(empty)


def test_audit_and_verify_commands_use_exit_codes(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path)
    plan = tmp_path / "technical-plan.md"
    plan.write_text(PLAN + "extra\n", "utf-8")
    assert run_techplan("verify", plan, notebook).returncode == 1
    assert run_techplan("verify", tmp_path / "missing.md", notebook).returncode == 2
    assert run_techplan("audit", tmp_path / "missing.ipynb").returncode == 2
    result = run_techplan("audit", notebook, "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["inputs"]["normalised"] == {"issue": {"number": 1}}


def test_verify_given_the_plan_folder_checks_its_plan_against_its_notebook(tmp_path: Path) -> None:
    folder = tmp_path / "issue-1-demo"
    folder.mkdir()
    (folder / "technical-plan.md").write_text(PLAN, "utf-8")
    _notebook(folder).rename(folder / "technical-plan.ipynb")
    for given in (folder, f"{folder}/"):
        result = run_techplan("verify", given)
        assert result.returncode == 0, result.stderr
        recorded = folder / "technical-plan.ipynb"
        assert f"{folder / 'technical-plan.md'}: identical to the plan recorded in {recorded}" in result.stdout
    (folder / "technical-plan.md").write_text(PLAN.replace("Draft", "Approved"), "utf-8")
    assert run_techplan("verify", folder).returncode == 1


def test_verify_names_a_folder_with_a_line_break_on_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "issue-1\nCan move to Approved: yes"
    folder.mkdir()
    (folder / "technical-plan.md").write_text(PLAN, "utf-8")
    result = run_techplan("verify", folder)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "issue-1\\nCan move to Approved: yes" in line
