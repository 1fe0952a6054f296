"""Round-trip edits of inputs files: comments, key order and layout survive; only edits change."""

from __future__ import annotations

import datetime as dt
import difflib
import shutil
from pathlib import Path

import pytest

from techplan_nb.errors import InputError
from techplan_nb.inputs import load_path
from techplan_nb.inputs_edit import InputsDocument, guess_indent

from helpers import example_data, shared_example, write_inputs

DAY = dt.date(2026, 11, 21)


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.fixture
def example(tmp_path: Path) -> Path:
    path = tmp_path / "inputs.yaml"
    shutil.copy(shared_example(), path)
    return path


def test_opening_and_saving_without_edits_is_byte_identical(example: Path, tmp_path: Path) -> None:
    assert InputsDocument.open(example).text() == example.read_text("utf-8")
    pyyaml_style = write_inputs(tmp_path, example_data(), "dumped.yaml")
    assert InputsDocument.open(pyyaml_style).text() == pyyaml_style.read_text("utf-8")


def test_an_edit_changes_only_its_own_lines_and_keeps_comments(example: Path) -> None:
    document = InputsDocument.open(example)
    document.set_status("Approved", DAY)
    document.set_last_updated(DAY)
    after = document.text()
    assert changed_lines(example.read_text("utf-8"), after) == [
        "-status: Under Review            # Draft | Under Review | Approved",
        "+last_updated: 2026-11-21",
        "+status: Approved                # Draft | Under Review | Approved",
        "+status_since: 2026-11-21",
    ]
    assert after.startswith("# Inputs for one Technical Plan, as a user writes them.\n")
    assert "stack:                          # names the two \"Technical Approach\" headings" in after


def test_a_new_review_round_goes_after_the_last_one_and_before_the_blank_line(example: Path) -> None:
    document = InputsDocument.open(example)
    document.add_review(round=2, date=DAY, reviewer="Dana: QA", status="Changes Requested",
                        feedback=["Explain: the ZIP size cap", "# not a comment"])
    after = document.text()
    tail = after[after.index("      - Added R4\n"):after.index("approvals:")]
    assert tail == ("      - Added R4\n"
                    "  - round: 2\n"
                    "    date: 2026-11-21\n"
                    "    reviewer: 'Dana: QA'\n"
                    "    status: Changes Requested\n"
                    "    feedback:\n"
                    "      - 'Explain: the ZIP size cap'\n"
                    "      - '# not a comment'\n"
                    "\n")
    plan = document.validate()
    assert plan.reviews[1].reviewer == "Dana: QA"
    assert plan.reviews[1].feedback == ["Explain: the ZIP size cap", "# not a comment"]


def test_resolution_and_approval_edits_validate_and_keep_the_rest(example: Path) -> None:
    document = InputsDocument.open(example)
    document.add_resolution(1, ["Also re-ran the schedule"])
    document.set_approval("Engineering Manager", approved=True, by="Mo", date=DAY)
    example.write_text(document.text(), "utf-8")
    plan = load_path(example)
    assert plan.reviews[0].resolution[-1] == "Also re-ran the schedule"
    em = next(a for a in plan.approvals if a.role == "Engineering Manager")
    assert (em.approved, em.by, em.date) == (True, "Mo", DAY)
    document = InputsDocument.open(example)
    document.set_approval("Engineering Manager", approved=False, by="", date=None)
    assert "by: Mo" not in document.text()


def test_missing_sections_are_added_in_template_order(tmp_path: Path) -> None:
    path = tmp_path / "inputs.yaml"
    path.write_text("# minimal\nissue:\n  number: 3\n  title: Small\nrisks: []\n", "utf-8")
    document = InputsDocument.open(path)
    document.add_review(round=1, date=DAY, reviewer="Ann", status="Approved", feedback=[])
    document.ensure_approvals(["A", "B"])
    document.set_last_updated(DAY)
    text = document.text()
    keys = [line.split(":")[0] for line in text.splitlines() if line[:1].isalpha()]
    assert keys == ["issue", "last_updated", "risks", "reviews", "approvals"]
    assert text.startswith("# minimal\n")
    assert document.validate().approvals[1].role == "B"


def test_clear_approvals_reports_the_roles_withdrawn(example: Path) -> None:
    document = InputsDocument.open(example)
    assert document.clear_approvals() == ["System Architect (Author)"]
    assert all(not a.approved for a in document.validate().approvals)


def test_a_file_the_safe_loader_refuses_is_never_opened_for_editing(tmp_path: Path) -> None:
    path = tmp_path / "inputs.yaml"
    path.write_text("issue: &i {number: 1, title: t}\nother: *i\n", "utf-8")
    with pytest.raises(InputError, match="anchors and aliases"):
        InputsDocument.open(path)


def test_an_edit_that_breaks_the_schema_is_reported_against_the_file(example: Path) -> None:
    document = InputsDocument.open(example)
    document.add_review(round=2, date=DAY, reviewer="bad\u202ename", status="Approved", feedback=[])
    with pytest.raises(InputError) as info:
        document.validate()
    assert str(example) in str(info.value) and "reviews[1].reviewer" in str(info.value)


def test_json_inputs_are_not_edited_in_place(tmp_path: Path) -> None:
    path = write_inputs(tmp_path, {"issue": {"number": 1, "title": "t"}}, "inputs.json")
    with pytest.raises(InputError, match="only YAML inputs files"):
        InputsDocument.open(path)


@pytest.mark.parametrize("text, expected", [
    ("a:\n  b: 1\nc:\n  - x\n", (2, 4, 2)),
    ("a:\n    b: 1\nc:\n    - x\n", (4, 6, 4)),
    ("a:\n  b: 1\nc:\n- x\n", (2, 2, 0)),
    ("a:\n  b: 1\nc:\n  - d: 1\n    e: 2\n", (2, 4, 2)),
    ("a:\n  b: 1\nc:\n    - d: 1\n      e: 2\n", (2, 6, 4)),
    ("c:\n- x\n", (2, 2, 0)),
])
def test_indentation_is_read_from_the_file(text: str, expected: tuple[int, int, int]) -> None:
    assert guess_indent(text) == expected


@pytest.mark.parametrize("last_line", ["  title: Small", "  title: Small  # the last line has no newline"])
def test_a_file_without_a_final_newline_gets_its_new_keys_on_their_own_lines(tmp_path: Path, last_line: str) -> None:
    path = tmp_path / "inputs.yaml"
    path.write_text(f"issue:\n  number: 3\n{last_line}", "utf-8")
    document = InputsDocument.open(path)
    document.set_status("Under Review", DAY)
    document.set_last_updated(DAY)
    plan = document.validate()
    assert (plan.issue.title, plan.status, plan.last_updated, plan.status_since) == (
        "Small", "Under Review", DAY, DAY)
    assert document.text().startswith(f"issue:\n  number: 3\n{last_line}\nlast_updated: 2026-11-21\n")


def test_a_document_end_marker_does_not_leave_new_keys_outside_the_document(tmp_path: Path) -> None:
    path = tmp_path / "inputs.yaml"
    path.write_text("---\n# kept\nissue:\n  number: 3\n  title: Small\n...\n", "utf-8")
    document = InputsDocument.open(path)
    document.set_last_updated(DAY)
    plan = document.validate()
    assert plan.last_updated == DAY
    assert "# kept\n" in document.text()


def test_a_file_with_windows_line_endings_keeps_them_on_every_line(tmp_path: Path) -> None:
    path = tmp_path / "inputs.yaml"
    path.write_bytes(b"# top\r\nissue:\r\n  number: 3\r\n  title: Small  # c\r\nstatus: Draft\r\n")
    document = InputsDocument.open(path)
    document.set_status("Under Review", DAY)
    document.add_review(round=1, date=DAY, reviewer="Ann", status="Approved", feedback=["ok"])
    text = document.text()
    assert text.count("\n") == text.count("\r\n") > 8
    assert text.startswith("# top\r\nissue:\r\n  number: 3\r\n  title: Small  # c\r\nstatus: Under Review\r\n")
    assert document.validate().reviews[0].feedback == ["ok"]
