"""What an audit notebook records and shows names the plan folder's own files (issue 15).

Runs install from a staging folder inside the plan folder, and the form's Generate and a review's
re-run read staged inputs: the record's inputs.path named that staged copy, and the notebook's
"Files written" table listed absolute staging paths, all gone once the files were installed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from techplan_nb.inputs import load_path
from techplan_nb.plan_folder import STAGING_PREFIX, PlanFolder

from helpers import AS_OF, BUNDLED_EXAMPLE, example_data, run_techplan

pytestmark = pytest.mark.kernel


def notebook(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "technical-plan.ipynb").read_text("utf-8"))
    return data


def files_written(nb: dict[str, Any]) -> str:
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            text = "".join((output.get("data") or {}).get("text/markdown", ""))
            if text.startswith("### Files written"):
                return text
    raise AssertionError("the notebook shows no Files written table")


def recorded(nb: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The parts of the record that describe the plan folder: the kernel's record and the audit's."""
    (kernel_record,) = PlanFolder(folder).audit_records()
    audit = nb["metadata"]["techplan"]
    return {"kernel": {k: v for k, v in kernel_record.items() if k not in ("analysis", "plan")},
            "plan": {k: v for k, v in kernel_record["plan"].items() if k != "text"},
            "audit": {k: audit.get(k) for k in ("inputs", "plan", "files", "staged_in")}}


def assert_names_only_the_plan_folder(folder: Path) -> None:
    nb = notebook(folder)
    table = files_written(nb)
    shown = re.findall(r"^\| `([^`]+)` \|", table, re.M)
    assert sorted(shown) == sorted(["inputs.yaml", "technical-plan.md", "risk-heatmap.png", "schedule-gantt.png",
                                    "finish-distribution.png"])
    assert f"`{folder.name}/`" in table and STAGING_PREFIX not in table
    facts = recorded(nb, folder)
    text = json.dumps(facts)
    assert STAGING_PREFIX not in text, text
    assert facts["kernel"]["inputs"]["path"] == "inputs.yaml"
    assert facts["audit"]["inputs"]["path"] == "inputs.yaml"
    assert facts["audit"]["staged_in"] is None
    # No absolute path where the record describes the folder's files.
    for part in (facts["kernel"]["inputs"], facts["kernel"]["files"], facts["plan"], facts["audit"]["files"]):
        assert not re.search(r"\"/", json.dumps(part)), part
    assert STAGING_PREFIX not in json.dumps(nb["metadata"]["techplan"]["parameters"])
    verified = run_techplan("verify", folder / "technical-plan.md", folder / "technical-plan.ipynb")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_run_records_and_shows_the_files_by_their_names_in_the_plan_folder(tmp_path: Path) -> None:
    made = run_techplan("run", BUNDLED_EXAMPLE, "--out", tmp_path / "plans", "--as-of", AS_OF)
    assert made.returncode == 0, made.stderr
    (folder,) = (tmp_path / "plans").iterdir()
    assert_names_only_the_plan_folder(folder)
    audit = run_techplan("audit", folder / "technical-plan.ipynb")
    assert "Inputs       inputs.yaml (SHA-256" in audit.stdout and STAGING_PREFIX not in audit.stdout


def test_a_review_rerun_records_the_folders_inputs_not_its_staged_copy(tmp_path: Path) -> None:
    made = run_techplan("run", BUNDLED_EXAMPLE, "--out", tmp_path / "plans", "--as-of", AS_OF)
    assert made.returncode == 0, made.stderr
    (folder,) = (tmp_path / "plans").iterdir()
    again = run_techplan("review", "add", folder, "--reviewer", "Dana", "--status", "Approved", "--as-of", AS_OF)
    assert again.returncode == 0, again.stderr
    assert "ran the plan notebook again" in again.stderr
    assert_names_only_the_plan_folder(folder)
    parameters = notebook(folder)["metadata"]["techplan"]["parameters"]
    assert parameters["inputs_path"] == str(folder.resolve() / "inputs.yaml")


def test_the_forms_generate_records_the_folders_inputs_not_its_staged_copy(tmp_path: Path) -> None:
    from techplan_nb.services.generate import generate

    out = tmp_path / "plans"
    data = json.loads(json.dumps(example_data(), default=str))  # the form holds dates as text
    result = generate(data, out, as_of=load_path(BUNDLED_EXAMPLE).created, seed=0, template=None,
                      notebook=None, force=False)
    assert result.status == "succeeded", result.message
    (folder,) = out.iterdir()
    assert_names_only_the_plan_folder(folder)
    parameters = notebook(folder)["metadata"]["techplan"]["parameters"]
    assert parameters["inputs_path"] == str(folder.resolve() / "inputs.yaml")
