"""`techplan check`: unfinished or inconsistent plans are found, line by line; finished ones pass."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from techplan_nb.lint import RULES, check_text

from helpers import AS_OF, ROOT, run_techplan, seed_template, shared_example

CASES = ROOT / "tests" / "cases" / "import"


@pytest.fixture(scope="module")
def example_plan(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("plan") / "plan.md"
    result = run_techplan("render", shared_example(), "--as-of", AS_OF, "-o", out)
    assert result.returncode == 0, result.stderr
    return out.read_text("utf-8")


def rules_of(text: str) -> list[tuple[int, str]]:
    return [(f.line, f.rule) for f in check_text(text, "plan.md")]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_seed_template_fails_and_lists_its_placeholders_by_line() -> None:
    seed = seed_template()
    result = run_techplan("check", seed)
    assert result.returncode == 1
    lines = seed.read_text("utf-8").splitlines()
    reported = {int(m.group(1)) for m in re.finditer(rf"^{re.escape(str(seed))}:(\d+): placeholder: ",
                                                     result.stdout, re.MULTILINE)}
    # Every line of the seed is a placeholder except headings, structure and the lines that are
    # legitimately the same in a finished plan.
    legit = re.compile(r"^(#(?!.*(\{|X days))|---|\|[-| ]+\||\| Method|\| Risk \| Prob|```|"
                       r"\*\*Created By\*\*|\*\*Feedback\*\*|"
                       r"\*\*Resolution\*\*|- \[ \] (System Architect|Staff UX|Engineering Manager|Stakeholder)|"
                       r"- \[ \] (Backend model creation|Database migrations|Basic API endpoints|Business logic|"
                       r"Frontend components|API integration|Comprehensive testing|Error handling|Performance opt))")
    expected = {n for n, line in enumerate(lines, start=1) if line.strip() and not legit.match(line.strip())}
    assert reported == expected
    assert f"{seed}:5: placeholder: '{{date}}' is left from the template" in result.stdout
    assert f"{seed}:121: placeholder: 'Risk 1'" in result.stdout


def test_a_plan_generated_from_the_shared_example_checks_clean(example_plan: str, tmp_path: Path) -> None:
    # Its one "_Not specified._" is Modified Tables, which a plan may leave out; its open question
    # is for stakeholders to answer, not a lint error.
    plan = tmp_path / "plan.md"
    plan.write_text(example_plan, "utf-8")
    result = run_techplan("check", plan)
    assert (result.returncode, result.stdout) == (0, "")


def test_a_missing_section_is_reported_where_it_belongs(example_plan: str) -> None:
    start = example_plan.index("## Rollback Strategy")
    end = example_plan.index("## Future Considerations")
    text = example_plan[:start] + example_plan[end:]
    findings = check_text(text, "plan.md")
    assert [(f.rule, f.line) for f in findings] == [("heading-missing", line_of(text, "## Future Considerations"))]
    assert "Rollback Strategy" in findings[0].message


def test_a_missing_subsection_is_reported_at_its_section(example_plan: str) -> None:
    text = example_plan.replace("### Out of Scope\n", "")
    assert ("heading-missing", line_of(text, "## Requirements Analysis")) in [
        (f.rule, f.line) for f in check_text(text, "plan.md")]


def test_sections_out_of_order_are_reported(example_plan: str) -> None:
    future = example_plan.index("## Future Considerations")
    questions = example_plan.index("## Questions & Assumptions")
    rollback = example_plan.index("## Rollback Strategy")
    text = example_plan[:rollback] + example_plan[future:questions] + example_plan[rollback:future] + \
        example_plan[questions:]
    assert rules_of(text) == [(line_of(text, "## Rollback Strategy"), "heading-order")]


def test_an_empty_section_and_an_unspecified_required_one_are_reported(example_plan: str) -> None:
    text = re.sub(r"(## Rollback Strategy\n\n)(- .*\n)+", r"\1", example_plan)
    text = re.sub(r"(### System Context\n)(- .*\n)+", r"\1_Not specified._\n", text)
    assert sorted(rules_of(text)) == sorted([(line_of(text, "## Rollback Strategy"), "empty-section"),
                                             (line_of(text, "### System Context"), "not-specified")])


def test_a_risk_without_mitigation_is_reported(example_plan: str) -> None:
    text = example_plan.replace("Quote-prefix formula-like cells; test with known payloads", "TBD")
    assert rules_of(text) == [(line_of(text, "CSV injection"), "risk-no-mitigation")]


def test_approved_with_unchecked_approvals_is_reported_per_role(example_plan: str) -> None:
    text = example_plan.replace("**Status**: Under Review", "**Status**: Approved")
    findings = [(f.line, f.rule) for f in check_text(text, "plan.md") if f.rule == "approval-missing"]
    # The plan has frontend work, so the UX designer must approve too.
    assert findings == [(line_of(text, "Staff UX Designer"), "approval-missing"),
                        (line_of(text, "- [ ] Engineering Manager"), "approval-missing"),
                        (line_of(text, "- [ ] Stakeholder"), "approval-missing")]


def test_approved_while_the_latest_review_asks_for_changes_without_a_resolution_is_reported(
        example_plan: str) -> None:
    text = example_plan.replace("**Status**: Under Review", "**Status**: Approved").replace("- [ ] ", "- [x] ")
    text = text.replace("- [x] Staff UX Designer (if UI changes):", "- [x] Staff UX Designer (if UI changes): ✓")
    # The example's latest round asked for changes and its Resolution says what was done: as
    # `techplan status Approved` allows, that round no longer stands in the way.
    assert [f.rule for f in check_text(text, "plan.md") if f.rule.startswith("approv")] == []
    unresolved = re.sub(r"(\*\*Resolution\*\*:\n)(- .*\n)+", r"\1_Not specified._\n", text)
    findings = [(f.line, f.rule) for f in check_text(unresolved, "plan.md") if f.rule.startswith("approv")]
    assert findings == [(line_of(unresolved, "**Status**: Changes Requested"), "approved-with-changes-requested")]


def test_the_ux_designer_is_not_required_without_frontend_work() -> None:
    text = (CASES / "handwritten-legacy.plan.md").read_text("utf-8")
    text = re.sub(r"(### Frontend \(Next.js\)\n)(- .*\n)+", r"\1_Not specified._\n", text)
    text = text.replace("**Status**: Approved (pending security sign-off)", "**Status**: Approved")
    missing = [f.message for f in check_text(text, "plan.md") if f.rule == "approval-missing"]
    assert missing == ["the plan is Approved but 'Stakeholder' has not approved it"]


def test_hand_written_deviations_are_reported() -> None:
    path = CASES / "handwritten-revised.plan.md"
    text = path.read_text("utf-8")
    found = {(f.line, f.rule) for f in check_text(text, str(path))}
    assert (line_of(text, "**Status**: In Progress"), "status-unknown") in found
    assert (line_of(text, "### Phase 3: UI and polish"), "phase-duration-missing") in found
    assert (line_of(text, "Malicious file"), "risk-no-mitigation") in found
    # With a phase lacking a duration the total cannot be checked, so no total-mismatch here.
    assert not any(rule == "total-mismatch" for _, rule in found)


def test_a_stated_total_that_disagrees_with_the_phases_is_reported() -> None:
    text = (CASES / "handwritten-revised.plan.md").read_text("utf-8").replace(
        "### Phase 3: UI and polish", "### Phase 3: UI and polish (2 days)")
    found = [f for f in check_text(text, "plan.md") if f.rule == "total-mismatch"]
    assert [(f.line, f.message) for f in found] == [(
        line_of(text, "Total Estimated Timeline"),
        "the stated total (10-12 days) disagrees with the phases, which add up to 10-11 days")]
    agreeing = text.replace("**Total Estimated Timeline**: 10-12 days", "**Total Estimated Timeline**: 10-11 days")
    assert not [f for f in check_text(agreeing, "plan.md") if f.rule == "total-mismatch"]


def test_a_total_in_weeks_is_compared_in_working_days() -> None:
    text = (CASES / "handwritten-legacy.plan.md").read_text("utf-8")
    found = [f.message for f in check_text(text, "plan.md") if f.rule == "total-mismatch"]
    assert found == ["the stated total (10 days) disagrees with the phases, which add up to 7-8 days"]


def test_json_format_lists_every_finding(tmp_path: Path) -> None:
    result = run_techplan("check", "--format", "json", seed_template())
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["count"] == len(payload["findings"]) > 50
    first = payload["findings"][0]
    assert set(first) == {"file", "line", "rule", "message"} and first["rule"] in RULES


def test_several_files_and_an_unreadable_one(tmp_path: Path, example_plan: str) -> None:
    good = tmp_path / "good.md"
    good.write_text(example_plan, "utf-8")
    result = run_techplan("check", good, tmp_path / "missing.md", seed_template())
    assert result.returncode == 2
    assert f"{tmp_path / 'missing.md'}: no such file" in result.stderr
    assert "placeholder" in result.stdout and "good.md" not in result.stdout


@pytest.mark.parametrize("content, expected", [
    (b"", ": is empty; nothing to check"),
    (b" \n\n", ": is empty; nothing to check"),
    (b"# Technical Plan: x\n\x00\n", ":2: contains NUL bytes"),
    ("# Technical Plan: x\n".encode("utf-16"), ":1: contains NUL bytes"),
    (b"# Technical Plan: caf\xe9\n", ": is not UTF-8 text"),
])
def test_a_file_that_is_no_plan_is_an_error_not_a_list_of_missing_sections(tmp_path: Path, content: bytes,
                                                                            expected: str) -> None:
    plan = tmp_path / "plan.md"
    plan.write_bytes(content)
    result = run_techplan("check", plan)
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"techplan: error: {plan}{expected}" in result.stderr


def test_every_rule_is_documented_in_the_command_reference() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text("utf-8")
    for rule in RULES:
        assert f"`{rule}`" in reference, f"docs/cli.md does not document the check rule {rule}"


def test_list_rules_prints_every_rule() -> None:
    result = run_techplan("check", "--list-rules")
    assert result.returncode == 0
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == list(RULES)


def test_numbered_stand_ins_are_placeholders_only_when_they_are_the_whole_item_or_cell() -> None:
    text = ("# Technical Plan: X\n\n**Issue Number**: #5\n\n## Requirements Analysis\n\n### Functional Requirements\n"
            "- [ ] Requirement 1\n- [ ] Replaces Requirement 2 of #57\n- [ ] Risk 3 is handled by the queue\n\n"
            "## Risk Assessment\n\n| Risk | Probability | Impact | Mitigation |\n|---|---|---|---|\n"
            "| Risk 1 | High | Low | retry |\n| Risk 2 of the old plan is gone | Low | Low | none needed |\n")
    found = [(f.line, f.message) for f in check_text(text, "plan.md") if f.rule == "placeholder"]
    assert found == [(line_of(text, "- [ ] Requirement 1"), "'Requirement 1' is left from the template; replace it"),
                     (line_of(text, "| Risk 1 |"), "'Risk 1' is left from the template; replace it")]


def test_a_loosely_written_latest_round_asking_for_changes_is_found() -> None:
    text = (ROOT / "tests" / "data" / "handwritten-loose-reviews.plan.md").read_text("utf-8")
    assert [f.rule for f in check_text(text, "plan.md")] == []
    # Round 1 is written "### Round 1 — Aug 15, 2026" with a plain "Status: Changes Requested" line;
    # renumbered as the latest round, it must be seen.
    latest = text.replace("### Round 1 — Aug 15, 2026", "### Round 4 — Aug 15, 2026")
    assert [(f.line, f.rule) for f in check_text(latest, "plan.md")] == [
        (line_of(latest, "Status: Changes Requested"), "approved-with-changes-requested")]


# --- check and import agree on what a document holds ---------------------------------------------


def test_placeholders_inside_code_spans_and_code_blocks_are_not_findings() -> None:
    text = ("# Technical Plan: X\n\n## Issue Summary\n\nDates are written `{date}`; a phase as `(X days)`.\n\n"
            "```yaml\ncreated: {date}\nrisk: High/Medium/Low\n```\n\n    Requirement 1\n\nLeft: {date}\n")
    found = [(f.line, f.message) for f in check_text(text, "plan.md") if f.rule == "placeholder"]
    assert found == [(line_of(text, "Left: {date}"), "'{date}' is left from the template; replace it")]


def test_a_missing_section_is_placed_before_the_next_one_present_and_at_the_last_line_with_text() -> None:
    # "Background" is the Architecture Overview's System Context: that section is there, and the
    # missing Requirements Analysis belongs before it; the end is the last line, not the one after it.
    text = "# Design\n\n## Abstract\n\nWhy.\n\n## Background\n\nHow it is.\n\n## Proposal\n\nWhat.\n"
    missing = {f.message.split("'")[1]: f.line for f in check_text(text, "doc.md") if f.rule == "heading-missing"}
    assert "## Architecture Overview" not in missing
    assert missing["## Requirements Analysis"] == line_of(text, "## Background")
    assert missing["## Approval"] == len(text.splitlines())
