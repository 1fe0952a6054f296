"""The section-wise three-way merge: hand-edited prose survives, computed sections regenerate."""

from __future__ import annotations

import datetime as dt

import pytest

from techplan_nb.update import join_sections, merge_sections, split_sections

from golden import pairs, render_example

BASE = """\
# Technical Plan: T

**Status**: Draft

## Security Considerations

- **Authentication**: session

## Risk Assessment

| Risk | Probability | Impact | Mitigation |
|------|-------------|--------|------------|
| R1 | Low | Low | none |

## Rollback Strategy

- Flag off
"""


def edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


@pytest.mark.parametrize("inputs, _", pairs())
def test_splitting_and_joining_a_generated_plan_gives_it_back(inputs: object, _: object) -> None:
    text = render_example(inputs)  # type: ignore[arg-type]
    assert join_sections(split_sections(text)) == text
    assert merge_sections(text, text, text).text == text


def test_headings_inside_code_blocks_do_not_split_sections() -> None:
    text = BASE.replace("- Flag off", "```\n## not a heading\n```")
    assert [s.key for s in split_sections(text)] == ["header", "security considerations", "risk assessment",
                                                     "rollback strategy"]


def test_without_hand_edits_the_new_render_is_taken_whole() -> None:
    theirs = edit(BASE, "- Flag off", "- Flag off\n- Drop the table")
    result = merge_sections(BASE, BASE, theirs)
    assert result.text == theirs
    assert [o.action for o in result.outcomes if o.action != "unchanged"] == ["updated"]


def test_a_hand_edited_prose_section_is_kept_while_computed_sections_regenerate() -> None:
    ours = edit(BASE, "- **Authentication**: session", "- **Authentication**: session, plus WebAuthn for admins")
    theirs = edit(edit(BASE, "| R1 | Low | Low | none |", "| R1 | Low | Low | none |\n| R2 | High | High | x |"),
                  "**Status**: Draft", "**Status**: Under Review")
    result = merge_sections(BASE, ours, theirs)
    assert "plus WebAuthn for admins" in result.text
    assert "| R2 | High | High | x |" in result.text and "**Status**: Under Review" in result.text
    actions = {o.key: o.action for o in result.outcomes}
    assert actions == {"header": "regenerated", "security considerations": "kept",
                       "risk assessment": "regenerated", "rollback strategy": "unchanged"}
    assert not result.conflicts and not result.replaced


def test_a_section_changed_by_both_keeps_the_hand_edit_and_reports_the_inputs_change() -> None:
    ours = edit(BASE, "- Flag off", "- Flag off (ask on-call first)")
    theirs = edit(BASE, "- Flag off", "- Flag off\n- Restore the snapshot")
    result = merge_sections(BASE, ours, theirs)
    assert "(ask on-call first)" in result.text and "Restore the snapshot" not in result.text
    (conflict,) = result.conflicts
    assert conflict.title == "Rollback Strategy"
    assert "+- Restore the snapshot" in conflict.diff


def test_the_same_change_made_by_hand_and_by_the_inputs_is_no_conflict() -> None:
    both = edit(BASE, "- Flag off", "- Flag off\n- Restore the snapshot")
    result = merge_sections(BASE, both, both)
    assert result.text == both and not result.conflicts


def test_a_hand_edit_in_a_computed_section_is_replaced_and_reported() -> None:
    ours = edit(BASE, "| R1 | Low | Low | none |", "| R1 | Low | Low | none, honestly |")
    result = merge_sections(BASE, ours, BASE)
    assert result.text == BASE
    (replaced,) = result.replaced
    assert replaced.key == "risk assessment" and "change inputs.yaml instead" in replaced.detail


def test_a_section_added_by_hand_stays_where_it_was_put() -> None:
    ours = edit(BASE, "## Risk Assessment", "## Threat Model\n\nSTRIDE walk-through, see wiki.\n\n## Risk Assessment")
    theirs = edit(BASE, "- Flag off", "- Flag off\n- Restore the snapshot")
    result = merge_sections(BASE, ours, theirs)
    keys = [s.key for s in split_sections(result.text)]
    assert keys == ["header", "security considerations", "threat model", "risk assessment", "rollback strategy"]
    assert "Restore the snapshot" in result.text


def test_a_section_deleted_by_hand_stays_deleted_unless_the_inputs_changed_it() -> None:
    ours = BASE[:BASE.index("## Rollback Strategy")].rstrip() + "\n"
    assert "Rollback" not in merge_sections(BASE, ours, BASE).text
    theirs = edit(BASE, "- Flag off", "- Flag off\n- Restore the snapshot")
    result = merge_sections(BASE, ours, theirs)
    assert "Rollback" not in result.text
    assert [c.key for c in result.conflicts] == ["rollback strategy"]


def test_without_a_base_differing_prose_is_kept_and_reported() -> None:
    ours = edit(BASE, "- Flag off", "- Flag off (ask on-call first)")
    theirs = edit(BASE, "**Status**: Draft", "**Status**: Under Review")
    result = merge_sections(None, ours, theirs)
    assert "(ask on-call first)" in result.text and "**Status**: Under Review" in result.text
    assert [c.key for c in result.conflicts] == ["rollback strategy"]
    assert not result.had_base


def test_trailing_spaces_and_windows_line_endings_are_not_hand_edits() -> None:
    ours = BASE.replace("- Flag off", "- Flag off   ").replace("\n", "\r\n")
    theirs = edit(BASE, "- Flag off", "- Flag off\n- Restore the snapshot")
    result = merge_sections(BASE, ours, theirs)
    assert result.text == theirs


def test_merging_the_example_keeps_a_security_edit_and_shows_a_new_risk() -> None:
    from techplan_nb.inputs import load_path
    from techplan_nb.model import Risk
    from techplan_nb.render import render_plan

    from golden import EXAMPLES

    plan = load_path(EXAMPLES / "issue-57-roast-export.yaml")
    as_of = dt.date(2026, 11, 20)
    base = render_plan(plan, as_of=as_of)
    ours = edit(base, "- **Authorization**: Only the roast's owner may export or share it",
                "- **Authorization**: Only the roast's owner may export or share it; staff need a support ticket")
    risk = Risk(id="R5", risk="Export floods the database", probability="Low", impact="Medium")
    theirs = render_plan(plan.model_copy(update={"risks": [*plan.risks, risk]}), as_of=as_of)
    result = merge_sections(base, ours, theirs)
    assert "staff need a support ticket" in result.text
    assert "| **R5**: Export floods the database | Low | Medium |" in result.text
    assert not result.conflicts
