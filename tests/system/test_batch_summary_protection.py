"""`techplan batch` treats summary.md and summary.json like every other file it generates: it
replaces its own, and refuses to replace a person's (issue 14, class 13). They used to be
replaced silently, whoever wrote them.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from helpers import AS_OF, BUNDLED_EXAMPLE, files_under, run_techplan


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "inputs.yaml").write_bytes(BUNDLED_EXAMPLE.read_bytes())
    (tmp_path / "out").mkdir()
    return tmp_path


def batch(work: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_techplan("batch", "inputs.yaml", "--out", "out", "--jobs", "1", "--as-of", AS_OF, "--no-progress",
                        *extra, cwd=work)


@pytest.mark.parametrize("name", ["summary.md", "summary.json"])
def test_a_hand_written_summary_in_out_is_refused_before_any_work_and_kept(name: str, work: Path) -> None:
    mine = work / "out" / name
    mine.write_text("# my notes about last week's plans\n", "utf-8")
    result = batch(work)
    assert result.returncode == 2, result.stderr
    stderr = result.stderr
    assert f"{mine.resolve()}: was not written by techplan batch" in stderr
    assert "--force" in stderr and "Traceback" not in stderr
    assert mine.read_text("utf-8") == "# my notes about last week's plans\n"
    assert files_under(work / "out") == [mine]  # no plan folder, no other summary


def test_a_summary_that_is_a_folder_is_refused_naming_it(work: Path) -> None:
    (work / "out" / "summary.md").mkdir()
    result = batch(work)
    assert result.returncode == 2
    assert "summary.md: is a folder" in result.stderr
    assert files_under(work / "out") == []


@pytest.mark.kernel
def test_batch_replaces_its_own_summary_and_force_replaces_a_hand_edit_keeping_a_backup(work: Path) -> None:
    first = batch(work)
    assert first.returncode == 0, first.stderr
    summary_json = work / "out" / "summary.json"
    started = json.loads(summary_json.read_text("utf-8"))["started"]

    again = batch(work)  # the summary is its own: replaced without --force
    assert again.returncode == 0, again.stderr
    assert json.loads(summary_json.read_text("utf-8"))["started"] != started

    summary_md = work / "out" / "summary.md"
    summary_md.write_text(summary_md.read_text("utf-8") + "\nReviewed by Ana.\n", "utf-8")
    refused = batch(work)
    assert refused.returncode == 2
    assert summary_md.read_text("utf-8").endswith("Reviewed by Ana.\n")

    forced = batch(work, "--force")
    assert forced.returncode == 0, forced.stderr
    assert not summary_md.read_text("utf-8").endswith("Reviewed by Ana.\n")
    assert (work / "out" / "summary.md.bak").read_text("utf-8").endswith("Reviewed by Ana.\n")
