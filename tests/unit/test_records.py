"""The run's records as typed objects with one JSON form (issue 15): what they write is what the
dicts they replaced wrote, byte for byte, and a record read from a notebook has its types checked.

tests/data/audit-record.json is the metadata.techplan of a `techplan run` of the bundled example,
written by the dict-building code these classes replaced.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from techplan_nb.records import ABSENT, AuditRecord, PlanResult, RecordProblem, RunError

from helpers import ROOT

GOLDEN = ROOT / "tests" / "data" / "audit-record.json"


def golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text("utf-8"))
    return data


def as_notebook_writes(data: object) -> str:
    # nbformat writes a notebook's JSON with sorted keys and indent=1.
    return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False)


def test_a_committed_record_round_trips_byte_for_byte() -> None:
    record = AuditRecord.from_json(golden())
    assert as_notebook_writes(record.to_json()) == as_notebook_writes(golden())
    assert record.status == "succeeded" and record.run_error is None
    assert record.get("plan")["file"] == "technical-plan.md"


@pytest.mark.parametrize("change", [
    {"status": "failed", "plan": None,
     "error": {"reason": "cell-error", "cell": 4, "ename": "RenderError", "evalue": "boom"}},
    {"status": "failed", "plan": None,
     "error": {"reason": "internal", "cell": None, "ename": "", "evalue": "x", "traceback": "Traceback ..."}},
    {"staged_in": "/tmp/stage", "worker": {"name": "w0", "address": "tcp://127.0.0.1:1"}},
    {"input_problems": [{"file": "a.yaml", "line": 3, "field": "risks", "message": "bad"}],
     "kernel_versions": None, "a_key_from_a_later_version": [1, 2]},
], ids=["cell-error", "internal-with-traceback", "staged-on-a-worker", "problems-and-unknown-keys"])
def test_other_records_round_trip_too(change: dict[str, Any]) -> None:
    data = dict(golden(), **change)
    again = AuditRecord.from_json(data).to_json()
    assert as_notebook_writes(again) == as_notebook_writes(data)


def test_a_key_the_record_does_not_hold_stays_absent() -> None:
    data = {k: v for k, v in golden().items() if k not in ("kernel_versions", "started")}
    record = AuditRecord.from_json(data)
    assert record.kernel_versions is ABSENT and record.get("started", "n/a") == "n/a"
    assert "kernel_versions" not in record.to_json() and "started" not in record.to_json()


@pytest.mark.parametrize(("change", "field", "what"), [
    ({"seconds": "slow"}, "metadata.techplan.seconds", "the run's duration is str 'slow', not a number"),
    ({"error": ["x"]}, "metadata.techplan.error", "is a list, not a mapping"),
    ({"error": {"reason": "cell-error", "cell": "four"}}, "metadata.techplan.error.cell", "is a str"),
    ({"error": {"reason": 7}}, "metadata.techplan.error.reason", "is a int, not text"),
    ({"plan": 3}, "metadata.techplan.plan", "is a int, not a mapping"),
    ({"files": ["a.png"]}, "metadata.techplan.files", "is not a list of mappings"),
    ({"parameters": "x"}, "metadata.techplan.parameters", "is a str, not a mapping"),
])
def test_a_wrong_type_names_the_field(change: dict[str, Any], field: str, what: str) -> None:
    with pytest.raises(RecordProblem) as raised:
        AuditRecord.from_json(dict(golden(), **change))
    assert raised.value.field == field and what in raised.value.what


def test_a_notebook_with_a_wrong_type_in_its_record_exits_2_naming_the_field(tmp_path: Path) -> None:
    from helpers import run_techplan

    nb = json.loads((ROOT / "notebooks" / "technical_plan.ipynb").read_text("utf-8"))
    nb["metadata"]["techplan"] = dict(copy.deepcopy(golden()), error={"reason": "x", "cell": [1]})
    path = tmp_path / "damaged.ipynb"
    path.write_text(json.dumps(nb), "utf-8")
    result = run_techplan("audit", path)
    assert result.returncode == 2, result.stderr
    assert "metadata.techplan.error.cell" in result.stderr and "is a list, not a cell number" in result.stderr


def test_the_run_error_writes_the_four_keys_it_always_had() -> None:
    error = RunError("timeout", 6, "CellTimeoutError", "a cell ran longer than the 5 s timeout")
    assert json.dumps(error.to_json()) == json.dumps({"reason": "timeout", "cell": 6, "ename": "CellTimeoutError",
                                                      "evalue": "a cell ran longer than the 5 s timeout"})
    assert RunError.from_json(error.to_json()) == error
    assert error.message == "cell 6: CellTimeoutError: a cell ran longer than the 5 s timeout"
    assert error.line == "timeout: cell 6: CellTimeoutError: a cell ran longer than the 5 s timeout"
    assert RunError("refused", None, "", "x.yaml: no").line == "refused: x.yaml: no"


def test_a_plan_result_has_one_json_form() -> None:
    result = PlanResult(inputs_path="a.yaml", status="succeeded", notebook="p/technical-plan.ipynb",
                        plan="p/technical-plan.md", error=None, seconds=1.25, overall_risk="Medium", p80="2026-12-01",
                        kernel={"id": "k", "sequence": 2, "reused": True})
    # The keys and order of the dict the runner built with dataclasses.asdict and batch by hand.
    assert list(result.to_json()) == ["inputs_path", "status", "notebook", "plan", "error", "seconds",
                                      "overall_risk", "p80", "kernel"]
    assert PlanResult.from_json(result.to_json()) == result
    failed = PlanResult.failure("b.yaml", "duplicate", "makes the same plan folder").but(worker={"name": "w1"})
    assert failed.to_json() == {
        "inputs_path": "b.yaml", "status": "failed", "notebook": None, "plan": None,
        "error": {"reason": "duplicate", "cell": None, "ename": "", "evalue": "makes the same plan folder"},
        "seconds": 0.0, "overall_risk": None, "p80": None, "kernel": None, "worker": {"name": "w1"}}
    assert PlanResult.from_json(failed.to_json()) == failed
    assert failed.message == "makes the same plan folder"
