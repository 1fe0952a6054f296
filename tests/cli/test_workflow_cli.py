"""The review workflow from the command line: a plan folder carried from Draft to Approved."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from techplan_nb.inputs import load_path
from techplan_nb.update import split_sections

from helpers import example_data, files_under, run_techplan, write_inputs


def draft_data() -> dict[str, Any]:
    data = example_data()
    data["status"] = "Draft"
    data.pop("reviews")
    data.pop("approvals")
    return data


def make_plan_folder(root: Path, data: dict[str, Any] | None = None, name: str = "issue-57-roast-export") -> Path:
    folder = root / "plans" / name
    folder.mkdir(parents=True)
    write_inputs(folder, data or draft_data())
    made = run_techplan("update", folder, "--as-of", "2026-11-02")
    assert made.returncode == 0, made.stderr
    return folder


def section(folder: Path, key: str) -> str:
    plan = (folder / "technical-plan.md").read_text("utf-8")
    return next(s.text for s in split_sections(plan) if s.key == key)


def header(folder: Path) -> str:
    return section(folder, "header")


def techplan(*args: str | Path) -> str:
    result = run_techplan(*args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in files_under(folder)}


def test_draft_to_approved_through_a_round_that_asks_for_changes(tmp_path: Path) -> None:
    folder = make_plan_folder(tmp_path)
    assert "**Status**: Draft" in header(folder)
    assert "_Not specified._" in section(folder, "review feedback")

    # Round 1 asks for changes: the Draft goes under review and the round shows in the plan.
    out = techplan("review", "add", folder, "--reviewer", "Engineering Manager", "--status", "Changes Requested",
                   "--feedback", "Timeline ignores the Thanksgiving holidays",
                   "--feedback", "Add a risk for the public route", "--as-of", "2026-11-04")
    assert "status: Draft -> Under Review" in out
    feedback = section(folder, "review feedback")
    assert "### Review Round 1 (Date: 2026-11-04)" in feedback
    assert "**Reviewer**: Engineering Manager" in feedback and "**Status**: Changes Requested" in feedback
    assert "- Timeline ignores the Thanksgiving holidays\n- Add a risk for the public route" in feedback
    assert "**Last Updated**: 2026-11-04" in header(folder) and "**Status**: Under Review" in header(folder)

    # Approving now is refused: the round is unresolved and nobody has approved.
    refused = run_techplan("status", folder, "Approved", "--as-of", "2026-11-05")
    assert refused.returncode == 2
    assert "review round 1 (Engineering Manager) asked for changes and has no resolution" in refused.stderr

    techplan("review", "resolve", folder, "--round", "1", "--resolution", "Calendar now skips 26-27 November",
             "--resolution", "Added R4", "--as-of", "2026-11-05")
    assert "**Resolution**:\n- Calendar now skips 26-27 November\n- Added R4" in section(folder, "review feedback")

    # The plan has frontend work, so the Staff UX Designer is one of the four required roles.
    for role, person, day in [("System Architect", "Ada", "2026-11-06"), ("UX", "Uma", "2026-11-06"),
                              ("Engineering Manager", "Mo", "2026-11-07"), ("Stakeholder", "Sam", "2026-11-08")]:
        out = techplan("approve", folder, "--role", role, "--by", person, "--as-of", day)
    assert "required approvals: 4 of 4" in out
    assert section(folder, "approval").splitlines()[2:] == [
        "- [x] System Architect (Author): ✓ Ada (2026-11-06)",
        "- [x] Staff UX Designer (if UI changes): ✓ Uma (2026-11-06)",
        "- [x] Engineering Manager: ✓ Mo (2026-11-07)",
        "- [x] Stakeholder: ✓ Sam (2026-11-08)",
    ]

    out = techplan("status", folder, "Approved", "--as-of", "2026-11-09")
    assert "status: Under Review -> Approved" in out
    assert "**Status**: Approved" in header(folder) and "**Last Updated**: 2026-11-09" in header(folder)
    inputs = load_path(folder / "inputs.yaml")
    day = dt.date(2026, 11, 9)
    assert (inputs.status, inputs.status_since, inputs.last_updated) == ("Approved", day, day)
    # Every step is still in the plan at the end.
    feedback = section(folder, "review feedback")
    assert feedback.count("### Review Round") == 1 and "Added R4" in feedback

    shown = run_techplan("status", folder)
    assert shown.returncode == 0
    assert "Status: Approved since 2026-11-09" in shown.stdout and "Approvals: 4 of 4 required" in shown.stdout


def test_approval_with_a_required_role_missing_is_refused_with_the_reason(tmp_path: Path) -> None:
    folder = make_plan_folder(tmp_path)
    techplan("status", folder, "Under Review", "--as-of", "2026-11-03")
    for role in ("System Architect", "UX", "Engineering Manager"):
        techplan("approve", folder, "--role", role, "--as-of", "2026-11-04")
    before = snapshot(folder)
    refused = run_techplan("status", folder, "Approved", "--as-of", "2026-11-05")
    assert refused.returncode == 2
    assert "cannot change the status from Under Review to Approved" in refused.stderr
    assert "required approvals missing (3 of 4 given): 'Stakeholder'" in refused.stderr
    assert "techplan approve PLAN_DIR --role ROLE" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert snapshot(folder) == before


def test_without_frontend_work_the_ux_designer_is_not_required(tmp_path: Path) -> None:
    data = draft_data()
    data["approach"].pop("frontend")
    folder = make_plan_folder(tmp_path, data)
    techplan("status", folder, "Under Review")
    for role in ("System Architect", "Engineering Manager", "Stakeholder"):
        techplan("approve", folder, "--role", role)
    shown = run_techplan("status", folder).stdout
    assert "Approvals: 3 of 3 required" in shown and "not required: the plan has no frontend work" in shown
    techplan("status", folder, "Approved")
    assert "- [ ] Staff UX Designer (if UI changes)" in section(folder, "approval").splitlines()


def test_approving_a_draft_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    folder = make_plan_folder(tmp_path)
    before = snapshot(folder)
    refused = run_techplan("approve", folder, "--role", "Stakeholder")
    assert refused.returncode == 2 and "the plan is a Draft" in refused.stderr
    assert snapshot(folder) == before


def test_changes_requested_on_an_approved_plan_reopens_it_and_withdraws_approvals(tmp_path: Path) -> None:
    data = draft_data()
    data.update(status="Approved", approvals=[{"role": r, "approved": True} for r in
                                              ("System Architect (Author)", "Staff UX Designer (if UI changes)",
                                               "Engineering Manager", "Stakeholder")])
    folder = make_plan_folder(tmp_path, data)
    out = techplan("review", "add", folder, "--reviewer", "Security", "--status", "changes requested",
                   "--feedback", "Rate-limit the public share route", "--as-of", "2026-11-12")
    assert "status: Approved -> Under Review" in out
    assert "approvals withdrawn" in out and "Stakeholder" in out
    assert "**Status**: Under Review" in header(folder)
    assert "- [ ] Engineering Manager" in section(folder, "approval").splitlines()


def test_withdrawing_an_approval_reopens_an_approved_plan(tmp_path: Path) -> None:
    data = draft_data()
    data.update(status="Approved", approvals=[{"role": r, "approved": True} for r in
                                              ("System Architect (Author)", "Staff UX Designer (if UI changes)",
                                               "Engineering Manager", "Stakeholder")])
    folder = make_plan_folder(tmp_path, data)
    out = techplan("approve", folder, "--role", "Stakeholder", "--revoke")
    assert "status: Approved -> Under Review" in out
    assert "- [ ] Stakeholder" in section(folder, "approval").splitlines()


@pytest.mark.parametrize("args, message", [
    (["review", "add", "{dir}", "--reviewer", "A", "--status", "Changes Requested"], "--feedback is required"),
    (["review", "add", "{dir}", "--reviewer", "A", "--status", "Maybe"], "is not a review status"),
    (["review", "resolve", "{dir}", "--round", "3", "--resolution", "x"], "this plan has no review rounds yet"),
    (["approve", "{dir}", "--role", "Security Lead"], "is not one of this plan's roles"),
    (["status", "{dir}", "Finished"], "is not a status"),
    (["review", "add", "{dir}", "--reviewer", "A\u202eB", "--status", "Approved"], "--reviewer: contains"),
    # Refused naming the option, not as "inputs.yaml:11: reviews[0].reviewer", a line the user never wrote.
    (["review", "add", "{dir}", "--reviewer", "\u200b\u2060", "--status", "Approved"], "--reviewer: an item is empty"),
    (["review", "add", "{dir}", "--reviewer", "A", "--status", "Changes Requested", "--feedback", "x" * 70_000],
     "--feedback: an item is 70,000 characters long; a text is limited to 65,536"),
])
def test_bad_arguments_exit_2_with_the_fix_and_write_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    folder = make_plan_folder(tmp_path)
    before = snapshot(folder)
    result = run_techplan(*[arg.format(dir=folder) for arg in args])
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert snapshot(folder) == before


def test_a_folder_without_inputs_is_an_error_naming_the_file(tmp_path: Path) -> None:
    result = run_techplan("status", tmp_path)
    assert result.returncode == 2
    assert f"{tmp_path / 'inputs.yaml'}: missing" in result.stderr


def test_edits_keep_the_inputs_comments_and_key_order(tmp_path: Path) -> None:
    folder = make_plan_folder(tmp_path)
    inputs = folder / "inputs.yaml"
    inputs.write_text("# Reviewed weekly; keep this note.\n" + inputs.read_text("utf-8"), "utf-8")
    techplan("review", "add", folder, "--reviewer", "Ann", "--status", "Approved", "--as-of", "2026-11-04")
    text = inputs.read_text("utf-8")
    assert text.startswith("# Reviewed weekly; keep this note.\nissue:\n")
    keys = [line.split(":")[0] for line in text.splitlines() if line[:1].isalpha()]
    assert keys[:5] == ["issue", "created_by", "created", "last_updated", "status"]
    assert json.loads((folder / ".techplan-state.json").read_text("utf-8"))["technical-plan.md"]
