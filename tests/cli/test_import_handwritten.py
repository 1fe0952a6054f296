"""Plans written by real teams from the house template, deviating the way people do: `techplan
import markdown` reads what it can, keeps every other line in place, and `techplan check` says
something sensible about each."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from techplan_nb.importers import dump_inputs
from techplan_nb.importers.markdown import import_markdown
from techplan_nb.inputs import load_bytes, load_path
from techplan_nb.lint import check_text
from techplan_nb.model import PlanInput
from techplan_nb.render import render_plan
from techplan_nb.verbatim import parser

from helpers import ROOT, is_subsequence, run_techplan, visible_words

DATA = ROOT / "tests" / "data"
AS_OF = dt.date(2026, 11, 20)
PLANS = sorted(p.name for p in DATA.glob("handwritten-*.plan.md"))

# Lines the importer rewrites on purpose, by plan: the words that must be there instead.
CONVERTED: dict[str, dict[str, str]] = {
    "handwritten-numbered.plan.md": {
        "**Created Date**: Nov 2, 2026": "**Created Date**: 2026-11-02",
        "**Last Updated**: Nov 20, 2026": "**Last Updated**: 2026-11-20",
        "### Phase 1 - Setup (1 week)": "### Phase 1: Setup (5 days)",
        "| # | Risk | Likelihood | Severity | Mitigation |": "| # | Risk | Probability | Impact | Mitigation |",
        "* [x] System Architect (Author): ✓ Kim Nguyen (Nov 20, 2026)":
            "- [x] System Architect (Author): ✓ Kim Nguyen (2026-11-20)",
        "### Review Round 1 (Date: Nov 10, 2026)": "### Review Round 1 (Date: 2026-11-10)",
    },
    "handwritten-setext-crlf.plan.md": {
        "**Issue Number**: [#301](https://github.com/example-org/coffee-roast-tracker/issues/301)":
            "GitHub issue: https://github.com/example-org/coffee-roast-tracker/issues/301",
    },
    "handwritten-emoji-minimal.plan.md": {"**Author**: Marta Silva": "**Created By**: Marta Silva"},
    # The sign-off table becomes the approvals checklist: its column headings have no line of their own.
    "handwritten-tables.plan.md": {"| Role | Name | Approved |": ""},
    "handwritten-paragraph-header.plan.md": {
        "| Safari evicts IndexedDB | med | high | warn when storage is under pressure<br>and sync eagerly |":
            "| Safari evicts IndexedDB | Medium | High | warn when storage is under pressure<br>and sync eagerly |",
        "### Phase 0 — Spike (1 day)": "### Phase 1: Spike (1 day)",
        "### Phase 1 — Queue (2–3 days)": "### Phase 2: Queue (2-3 days)",
        "### Phase 2 — Sync (~3 days)": "### Phase 3: Sync (3 days)",
    },
    # The template's "(X days)" is no estimate: the phase keeps its name and `check` asks for one.
    "handwritten-draft-placeholders.plan.md": {"### Phase 1: Foundation (X days)": "### Phase 1: Foundation"},
    "handwritten-phase-styles.plan.md": {
        "### Phase 2 - Backend (1 week)": "### Phase 2: Backend (5 days)",
        "### Phase 3: QA (3 to 5 days)": "### Phase 3: QA (3-5 days)",
    },
    # The header table becomes the header lines; its column headings have no line of their own.
    "handwritten-header-table.plan.md": {
        "| Field | Value |": "",
        "| **Issue Number** | [#913](https://github.com/example-org/coffee-roast-tracker/issues/913) |":
            "| **Issue Number**: #913 | GitHub issue: https://github.com/example-org/coffee-roast-tracker/issues/913 |",
        "| **Created Date** | September 1st, 2026 |": "**Created Date**: 2026-09-01",
        "| **Last Updated** | September 22nd, 2026 |": "**Last Updated**: 2026-09-22",
        "### Phase 1: Models and API (16h)": "### Phase 1: Models and API (2 days)",
        "### Phase 3: Burr reminders (6 hours)": "### Phase 3: Burr reminders (0.8 days)",
    },
    "handwritten-round-headings.plan.md": {
        "### Round 2 - Nov 13, 2026": "### Review Round 2 (Date: 2026-11-13)",
        "- [x] Stakeholder: Finance lead (Nov 16, 2026)": "- [x] Stakeholder: ✓ Finance lead (2026-11-16)",
    },
    "handwritten-risk-register.plan.md": {
        "```text": "```",
        "```postgresql": "```sql",
        "| ID | Risk | Impact | Likelihood | Owner | Status | Mitigation |":
            "| ID | Risk | Impact | Probability | Owner | Status | Mitigation |",
        "| R1 | Backfill links a batch to the wrong lot | high | med | Femi | Open | backfilled rows are flagged and QA reviews them |":
            "| R1 | Backfill links a batch to the wrong lot | High | Medium | Femi | Open | backfilled rows are flagged and QA reviews them |",
        "| R3 | Recursive trace is slow on blends | med | low | Femi | Closed | measured: 300 ms on a year of data |":
            "| R3 | Recursive trace is slow on blends | Medium | Low | Femi | Closed | measured: 300 ms on a year of data |",
        "| R4 | Import documents are scans, not searchable | low | med | QA team | Open | store them as they are; search is out of scope |":
            "| R4 | Import documents are scans, not searchable | Low | Medium | QA team | Open | store them as they are; search is out of scope |",
    },
}


def reimport(markdown: str, name: str = "plan.md") -> PlanInput:
    result = import_markdown(markdown, name)
    return load_bytes(dump_inputs(result, [], "inputs.yaml").encode("utf-8"), "inputs.yaml")


def lost_lines(source: str, rendered: str, converted: dict[str, str]) -> list[str]:
    """Non-blank source lines whose words no rendered line shows in order. A table row is checked
    cell by cell: the risk register prints its columns in its own order."""
    env: dict[str, Any] = {}
    parser().parse(source, env)
    out_lines = [visible_words(line, env) for line in rendered.splitlines() if line.strip()]
    lost = []
    for raw in source.splitlines():
        line = converted.get(raw.strip(), raw)
        if not line.strip() or re.fullmatch(r"\|?[-:| ]+\|?|-{3,}|\*{3,}|={3,}", line.strip()):
            continue
        if line.strip().startswith("|"):
            pieces = [cell for cell in re.split(r"(?<!\\)\|", line.strip().strip("|")) if cell.strip()]
        else:
            pieces = [line]
        for piece in pieces:
            words = visible_words(piece, env)
            if not any(is_subsequence(words, candidate) for candidate in out_lines):
                lost.append(raw)
                break
    return lost


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Any, Path]]:
    """Each plan imported once with the real command: (the finished process, the inputs file)."""
    folder = tmp_path_factory.mktemp("imported")
    done = {}
    for name in PLANS:
        out = folder / f"{name}.yaml"
        done[name] = (run_techplan("import", "markdown", DATA / name, "-o", out), out)
    return done


def test_there_are_at_least_seven_hand_written_plans() -> None:
    assert len(PLANS) >= 7, PLANS


@pytest.mark.parametrize("name", PLANS)
def test_a_hand_written_plan_imports_without_error_and_keeps_every_line(
        name: str, imported: dict[str, tuple[Any, Path]]) -> None:
    result, out = imported[name]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    rendered = render_plan(load_path(out), as_of=AS_OF)
    source = (DATA / name).read_bytes().decode("utf-8")
    assert lost_lines(source, rendered, CONVERTED.get(name, {})) == []


@pytest.mark.parametrize("name", PLANS)
def test_a_re_rendered_hand_written_plan_imports_to_the_same_bytes_again(
        name: str, imported: dict[str, tuple[Any, Path]]) -> None:
    # Once a person's plan is under the tool, it is a generated plan: import then render is stable.
    _, out = imported[name]
    first = render_plan(load_path(out), as_of=AS_OF)
    assert render_plan(reimport(first), as_of=AS_OF) == first


@pytest.mark.parametrize("name", PLANS)
def test_check_on_a_hand_written_plan_reports_findings_without_crashing(name: str) -> None:
    result = run_techplan("check", DATA / name, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr


def test_the_crlf_plan_really_has_crlf_line_endings() -> None:
    raw = (DATA / "handwritten-setext-crlf.plan.md").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") > 100


# --- what is read, and what is kept --------------------------------------------------------------


def load(imported: dict[str, tuple[Any, Path]], name: str) -> PlanInput:
    result, out = imported[name]
    assert result.returncode == 0, result.stderr
    return load_path(out)


def test_numbered_headings_front_matter_and_star_lists_are_read(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-numbered.plan.md")
    assert (plan.issue.number, plan.issue.title) == (214, "Roast schedule reminders 🔔")
    # Kept after the header it was read into, under a line naming it, not above the title.
    assert plan.extra["header"].after.startswith(
        "Front matter (what the header above has is read from it):\n\n```yaml\ntitle: Roast schedule reminders")
    assert plan.extra["functional"].heading == "2.1 Functional Requirements"
    assert [(i.text, i.done) for i in plan.requirements.functional][:1] == [("Schedule a reminder per roast", True)]
    assert plan.requirements.out_of_scope == ["SMS reminders", "Calendar (iCal) export"]
    assert (plan.stack.frontend, plan.stack.backend) == ("Next.js 14", "Django 5")


def test_a_numbered_list_is_read_where_the_template_has_bullets(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-numbered.plan.md")
    assert [i.text for i in plan.requirements.non_functional] == [
        "Reminders fire within 60 seconds of their time", "No reminder is sent twice"]
    assert plan.approach.backend.models == "Reminder (roast FK, channel, fire_at, sent_at)"
    assert plan.rollback == ["Turn off the `reminders` flag", "Stop the beat entry"]
    loose = load(imported, "handwritten-loose-reviews.plan.md")
    assert loose.database.migration_strategy[0] == "Create the default location per account"


def test_a_numbered_list_beside_the_templates_bullets_stays_verbatim() -> None:
    text = render_plan(reimport((DATA / "handwritten-tables.plan.md").read_text("utf-8")), as_of=AS_OF)
    text = text.replace("### Out of Scope\n", "### Out of Scope\n\n1. first of mine\n2. second of mine\n\n", 1)
    again = reimport(text)
    assert again.requirements.out_of_scope == ["Voice notes"]
    assert again.extra["out_of_scope"].before == "1. first of mine\n2. second of mine"


def test_a_mermaid_or_json_component_diagram_keeps_its_language(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-numbered.plan.md")
    assert plan.architecture.components == ""
    assert plan.extra["component_architecture"].before.startswith("```mermaid\nflowchart LR")
    result, _ = imported["handwritten-numbered.plan.md"]
    assert "```mermaid block under 'Component Architecture' is kept as written" in result.stderr
    json_plan = load(imported, "handwritten-extra-sections.plan.md")
    assert json_plan.extra["component_architecture"].before.startswith("```json\n{")


def test_a_text_fence_is_read_as_the_component_diagram(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-tables.plan.md")
    assert plan.architecture.components == "CurveChart ── NoteLayer ── NotePopover"


def test_header_dates_written_in_words_are_read_as_dates(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-numbered.plan.md")
    assert (str(plan.created), str(plan.last_updated)) == ("2026-11-02", "2026-11-20")
    assert (plan.status, plan.status_note) == ("Approved", "✅")
    result, _ = imported["handwritten-numbered.plan.md"]
    assert "the date 'Nov 2, 2026' is imported as 2026-11-02" in result.stderr


def test_phases_in_weeks_and_half_days_and_a_stated_total_in_weeks(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-numbered.plan.md")
    assert [(p.name, p.estimate.optimistic, p.estimate.pessimistic) for p in plan.timeline.phases if p.estimate] == [
        ("Setup", 5, 5), ("Sending", 2, 3), ("Snooze UI", 0.5, 0.5)]
    assert plan.extra["timeline"].after == "Total Estimated Timeline: ~3 weeks"
    findings = [(f.rule, f.message) for f in check_text((DATA / "handwritten-numbered.plan.md").read_text("utf-8"),
                                                         "plan.md") if f.rule == "total-mismatch"]
    assert findings == [("total-mismatch", "the stated total (15 days) disagrees with the phases, which add up to "
                                           "7.5-8.5 days")]


def test_setext_headings_and_crlf_read_like_the_template(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-setext-crlf.plan.md")
    assert (plan.issue.number, plan.issue.title, plan.status) == (301, "Green coffee inventory sync", "Under Review")
    assert plan.issue.url == "https://github.com/example-org/coffee-roast-tracker/issues/301"
    assert plan.extra["header"].before == "<!-- Template: technical-plan-template.md v2. Delete the hints before review. -->"
    assert plan.extra["issue_summary"].before == "<!-- hint: one paragraph, what and why -->"
    assert plan.database.modified_tables == "ALTER TABLE inventory_lot ADD COLUMN importer_ref TEXT;"
    assert [r.round for r in plan.reviews] == [1]
    assert not any("\r" in str(value) for value in plan.model_dump().values())
    # A Setext plan's sections are all there for `check`.
    text = (DATA / "handwritten-setext-crlf.plan.md").read_text("utf-8")
    assert [f.rule for f in check_text(text, "plan.md")] == []


def test_emoji_in_headings_do_not_hide_the_sections(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-emoji-minimal.plan.md")
    assert plan.issue.summary.startswith("Baristas dial in a new coffee")
    assert plan.extra["issue_summary"].heading == "📝 Issue Summary"
    assert [p.name for p in plan.timeline.phases] == ["Shot log", "Suggestions", "Sync (TBD)"]
    assert [r.risk for r in plan.risks] == ["Rules give bad advice for light roasts", "Local storage cleared by the browser"]
    found = {(f.rule, f.line) for f in check_text((DATA / "handwritten-emoji-minimal.plan.md").read_text("utf-8"),
                                                  "plan.md")}
    assert ("phase-duration-missing", 44) in found and ("risk-no-mitigation", 54) in found
    missing = [f.message for f in check_text((DATA / "handwritten-emoji-minimal.plan.md").read_text("utf-8"), "p")
               if f.rule == "heading-missing"]
    assert not any(f"no '## {title}' section" in m for m in missing for title in (
        "Issue Summary", "Requirements Analysis", "Architecture Overview", "Implementation Timeline",
        "Risk Assessment", "Questions & Assumptions"))


def test_an_image_in_the_summary_stays_an_image(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-emoji-minimal.plan.md")
    assert "mock-up" not in plan.issue.summary
    assert plan.extra["issue_summary"].after == \
        '![Dial-in screen mock-up](https://example.com/mockups/dial-in.png "mock-up v2")'


def test_tables_with_missing_or_extra_columns_escaped_pipes_and_no_outer_pipes(
        imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-tables.plan.md")
    assert [(e.method, e.path) for e in plan.api.new_endpoints] == [
        ("GET", "/api/roasts/{id}/notes"), ("POST", "/api/roasts/{id}/notes"), ("DELETE", "/api/roasts/{id}/notes/{note}")]
    kept = plan.extra["new_endpoints"].after
    assert "PUT or PATCH | /api/roasts/{id}/notes/{note}" in kept  # not a method: kept, not dropped
    assert "| GET | /api/notes/search | Search notes by text | `?q=` | `[Note]` | session |" in kept
    assert [(r.id, r.risk, r.status) for r in plan.risks] == [
        ("R1", "Notes overlap on dense curves", "open"), ("R2", "Pipe | in a note breaks CSV export", "closed"),
        ("R3", "Canvas text is not accessible", "open")]
    assert "| R4 | Undo across devices | Low | | - | | Open |" in plan.extra["risks"].after
    assert "`GET /api/roasts?has_notes=true\\|false`" in plan.extra["modified_endpoints"].before


def test_extra_sections_blockquotes_and_sub_sections_stay_in_place(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-extra-sections.plan.md")
    # Kept text pings no one on GitHub: a zero-width space follows each "@".
    assert plan.extra["header"].after.startswith("**Reviewers**: @&#8203;ana, @&#8203;lee\n**Target release**: 2026.06")
    assert "## Overview & Goals" in plan.extra["header"].after
    assert plan.extra["non_functional"].after == "#### Accessibility\nNot applicable: no UI."
    assert plan.extra["backend"].after.startswith("#### Serializers")
    # Appendices after the last template section stay after it, in order.
    after = plan.extra["timeline"].after
    assert after.startswith("**Total**: 5 days\n\n## Appendix A: Glossary")
    assert after.index("| SCA | Specialty Coffee Association |") < after.index("## Appendix B: Open Issues")
    assert plan.security.authentication == "API key per partner, hashed at rest"
    assert plan.security.authorization == "partners see published sessions only"


def test_nested_list_items_are_kept_after_the_list(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-extra-sections.plan.md")
    assert [i.text for i in plan.requirements.functional] == ["List published cupping sessions", "Filter by origin"]
    assert plan.extra["functional"].after == ("- [ ] Get one session's scores, per taster\n"
                                             "  - [ ] with the SCA form fields\n  - [ ] and the free-text notes")


# --- reviews and approvals written loosely -----------------------------------------------------


def test_review_rounds_that_do_not_fit_the_fields_are_kept_whole_and_in_order(
        imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-loose-reviews.plan.md")
    assert plan.reviews == []
    kept = plan.extra["reviews"].before
    assert kept.index("### Round 1 — Aug 15, 2026") < kept.index("### Review Round 2 - 2026-09-01") < \
        kept.index("### Review Round 3 (2026-09-10)")
    assert "**Feedback**: none" in kept


def test_a_review_round_heading_with_a_date_in_words_keeps_the_date() -> None:
    text = ("# Technical Plan: R\n\n**Issue Number**: #5\n\n## Review Feedback\n\n"
            "### Review Round 1 (Date: Nov 10, 2026)\n**Reviewer**: Lee\n**Status**: Approved\n**Feedback**:\n- ok\n")
    plan = reimport(text)
    assert [(r.round, str(r.date), r.reviewer) for r in plan.reviews] == [(1, "2026-11-10", "Lee")]


def test_a_review_round_heading_with_extra_words_is_kept_verbatim() -> None:
    text = ("# Technical Plan: R\n\n**Issue Number**: #5\n\n## Review Feedback\n\n"
            "### Review Round 2 — security pass\n**Reviewer**: Ana\n**Status**: Changes Requested\n")
    plan = reimport(text)
    assert plan.reviews == []
    assert plan.extra["reviews"].before.startswith("### Review Round 2 — security pass")


def test_rounds_after_a_verbatim_round_stay_after_it() -> None:
    text = ("# Technical Plan: R\n\n**Issue Number**: #5\n\n## Review Feedback\n\n"
            "### Review Round 1 (Date: 2026-01-02)\n**Reviewer**: Lee\n**Status**: Approved\n\n"
            "### Review Round 2\n**Reviewer**: Ana\n**Status**: Changes Requested\n**Feedback**: rotate the keys\n\n"
            "### Review Round 3\n**Reviewer**: Bo\n**Status**: Approved\n")
    plan = reimport(text)
    assert [r.round for r in plan.reviews] == [1]
    rendered = render_plan(plan, as_of=AS_OF)
    assert rendered.index("Review Round 1") < rendered.index("Review Round 2") < rendered.index("Review Round 3")
    assert "**Feedback**: rotate the keys" in rendered


def test_numbered_feedback_is_read_as_the_rounds_feedback() -> None:
    text = ("# Technical Plan: R\n\n**Issue Number**: #5\n\n## Review Feedback\n\n"
            "### Review Round 1 (Date: 2026-01-02)\n**Reviewer**: Lee\n**Status**: Approved\n**Feedback**:\n"
            "1. first\n2. second\n")
    assert [r.feedback for r in reimport(text).reviews] == [["first", "second"]]


def test_approvals_ticked_with_an_emoji_or_struck_out_are_read(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-loose-reviews.plan.md")
    assert [(a.role.split(" —")[0], a.approved, a.by) for a in plan.approvals] == [
        ("System Architect (Author)", True, "Tomás Ruiz"),
        ("~~Staff UX Designer (if UI changes)~~", True, ""),
        ("Engineering Manager", True, ""),
        ("Stakeholder", True, "Maria Costa")]
    assert str(plan.approvals[0].date) == "2026-09-12"


def test_an_approval_date_in_words_is_read(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-numbered.plan.md")
    first = plan.approvals[0]
    assert (first.by, str(first.date)) == ("Kim Nguyen", "2026-11-20")


def test_check_reads_emoji_and_numbered_approvals() -> None:
    text = (DATA / "handwritten-loose-reviews.plan.md").read_text("utf-8")
    assert [f.rule for f in check_text(text, "plan.md")] == []
    refused = text.replace("- ✅ Stakeholder: Maria Costa", "- ❌ Stakeholder: Maria Costa")
    assert [(f.rule, f.message) for f in check_text(refused, "plan.md")] == [
        ("approval-missing", "the plan is Approved but 'Stakeholder' has not approved it")]
    numbered = text.replace("- ✅ Stakeholder: Maria Costa", "4. [ ] Stakeholder:").replace(
        "- [x] System Architect", "1. [x] System Architect").replace(
        "- [x] ~~Staff", "2. [x] ~~Staff").replace("- [X] Engineering", "3. [X] Engineering")
    assert [f.rule for f in check_text(numbered, "plan.md")] == ["approval-missing"]


def test_a_question_ending_in_a_dash_with_an_answer_reads_back_the_same() -> None:
    plan = PlanInput.model_validate({"issue": {"number": 1, "title": "t"}, "questions": [
        {"text": "Q  —", "answer": "#"}, {"text": "A — B", "answer": "C — D"}, {"text": "Q —", "answer": "1. x"}]})
    first = render_plan(plan, as_of=AS_OF)
    assert render_plan(reimport(first), as_of=AS_OF) == first


# --- header lines as paragraphs, BOM, odd durations ---------------------------------------------


def test_header_lines_each_in_a_paragraph_of_their_own_are_all_read(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-paragraph-header.plan.md")
    assert (plan.issue.number, plan.created_by, str(plan.created), plan.status) == (
        612, "Noor Haddad", "2026-10-01", "Under Review")
    assert plan.issue.title == "Cupping form offline mode"
    assert "header" not in plan.extra


def test_a_header_field_given_twice_is_read_once_and_the_second_kept() -> None:
    plan = reimport("# Technical Plan: X\n\n**Issue Number**: #5\n\n**Status**: Draft\n\n**Status**: Approved\n")
    assert plan.status == "Draft"
    assert plan.extra["header"].after == "**Status**: Approved"


def test_the_generated_header_block_stops_the_reading_of_header_paragraphs() -> None:
    # A person's "**Labels**: ..." kept after a generated header is content, not the labels field.
    plan = PlanInput.model_validate({"issue": {"number": 3, "title": "t"}, "extra": {
        "header": {"after": "**Labels**: not mine"}}})
    first = render_plan(plan, as_of=AS_OF)
    again = reimport(first)
    assert again.issue.labels == [] and again.extra["header"].after == "**Labels**: not mine"


def test_approximate_and_working_day_durations_are_read_and_checked(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-paragraph-header.plan.md")
    assert [(p.name, p.estimate and (p.estimate.optimistic, p.estimate.pessimistic)) for p in plan.timeline.phases] \
        == [("Spike", (1, 1)), ("Queue", (2, 3)), ("Sync", (3, 3))]
    result, _ = imported["handwritten-paragraph-header.plan.md"]
    assert result.stderr.count("numbers phases from 1") == 1
    text = (DATA / "handwritten-paragraph-header.plan.md").read_text("utf-8-sig")
    rules = [f.rule for f in check_text(text, "plan.md")]
    assert "phase-duration-missing" not in rules and "total-mismatch" not in rules
    assert "phase-duration-missing" not in [f.rule for f in check_text(
        text.replace("(~3 days)", "(3 working days)"), "plan.md")]


def test_a_second_copy_of_a_section_is_kept_verbatim(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-paragraph-header.plan.md")
    assert plan.security.authentication.startswith("the session may expire offline")
    kept = plan.extra["security"].after
    assert "<details>" in kept and "## Security Considerations\n\n- A second security section" in kept


def test_risk_and_api_tables_with_the_column_names_people_use_are_read() -> None:
    text = ("# Technical Plan: X\n\n**Issue Number**: #5\n\n## API Design\n\n### New Endpoints\n\n"
            "| HTTP Method | Route | Purpose |\n|---|---|---|\n| GET | /api/x | list |\n\n## Risk Assessment\n\n"
            "| ID | Risk Description | Likelihood (H/M/L) | Severity | Mitigation Strategy |\n|---|---|---|---|---|\n"
            "| R1 | Data loss | Low | High | backups |\n| R2 | Slow | Medium | Low | TBD |\n")
    plan = reimport(text)
    assert [(e.method, e.path, e.description) for e in plan.api.new_endpoints] == [("GET", "/api/x", "list")]
    assert [(r.id, r.risk, r.probability, r.impact, r.mitigation) for r in plan.risks] == [
        ("R1", "Data loss", "Low", "High", "backups"), ("R2", "Slow", "Medium", "Low", "TBD")]
    slow = text.split("\n").index("| R2 | Slow | Medium | Low | TBD |") + 1
    assert [(f.rule, f.line) for f in check_text(text, "plan.md") if f.rule == "risk-no-mitigation"] == [
        ("risk-no-mitigation", slow)]


def test_invisible_control_characters_from_copy_and_paste_are_removed_with_a_note(tmp_path: Path) -> None:
    text = (DATA / "handwritten-tables.plan.md").read_text("utf-8")
    text = text.replace("Roasters want to pin notes", "Roasters\ufeff want to pin notes").replace(
        "- NoteLayer hit-testing", "- NoteLayer hit-testing\n\n```\n\x1b[31mFAIL\x1b[0m test_hit\n```")
    source = tmp_path / "plan.md"
    source.write_text(text, "utf-8")
    out = tmp_path / "inputs.yaml"
    result = run_techplan("import", "markdown", source, "-o", out)
    assert result.returncode == 0, result.stderr
    assert "invisible control characters were removed (line 11: U+FEFF; line 101: U+001B)" in result.stderr
    plan = load_path(out)
    assert plan.issue.summary.startswith("Roasters want to pin notes")
    assert "[31mFAIL[0m test_hit" in plan.extra["unit_tests"].after


def test_a_summary_paragraph_that_looks_like_the_issue_link_stays_in_the_summary() -> None:
    plan = PlanInput.model_validate({"issue": {"number": 1, "title": "t", "url": "https://github.com/o/r/issues/1",
                                               "summary": "Intro.\n\nGitHub issue: https://x.io"}})
    first = render_plan(plan, as_of=AS_OF)
    again = reimport(first)
    assert (again.issue.summary, again.issue.url) == (plan.issue.summary, plan.issue.url)
    assert render_plan(again, as_of=AS_OF) == first


def _shift_down(text: str) -> str:
    """Every heading one level down, as a plan pasted into an issue comment often is."""
    return re.sub(r"^(#{1,5}) ", r"#\1 ", text, flags=re.MULTILINE)


@pytest.mark.parametrize("shift", [_shift_down, lambda text: re.sub(r"^## ", "# ", text, flags=re.MULTILINE)],
                         ids=["one-level-down", "sections-at-title-level"])
def test_heading_levels_shifted_as_a_whole_read_like_the_template(shift: Any) -> None:
    text = (DATA / "handwritten-tables.plan.md").read_text("utf-8")
    original, shifted = reimport(text), reimport(shift(text))
    assert shifted.model_dump(exclude={"extra"}) == original.model_dump(exclude={"extra"})
    assert [(f.line, f.rule) for f in check_text(shift(text), "plan.md")] == \
        [(f.line, f.rule) for f in check_text(text, "plan.md")]


@pytest.mark.parametrize("value, number, url, kept", [
    ("#57", 57, None, False),
    ("57", 57, None, False),
    ("[#57](https://github.com/o/r/issues/57)", 57, "https://github.com/o/r/issues/57", False),
    ("<https://github.com/org2/r/issues/57>", 57, "https://github.com/org2/r/issues/57", False),
    ("#57 — https://github.com/o/r/issues/57", 57, "https://github.com/o/r/issues/57", False),
    ("#57, #58", 57, None, True),
    ("#57 (and #61)", 57, None, True),
    ("GH-57", 57, None, True),
    ("o/r#57", 57, None, True),
])
def test_the_issue_number_line_is_read_and_kept_when_it_says_more(value: str, number: int, url: str | None,
                                                                   kept: bool) -> None:
    plan = reimport(f"# Technical Plan: X\n\n**Issue Number**: {value}\n**Status**: Draft\n")
    assert (plan.issue.number, plan.issue.url) == (number, url)
    after = plan.extra["header"].after if "header" in plan.extra else ""
    assert (after == f"**Issue Number**: {value}") is kept


def test_a_plan_too_big_for_an_inputs_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    text = (DATA / "handwritten-tables.plan.md").read_text("utf-8")
    log = "```\n" + "".join(f"2026-11-20 12:00:{i % 60:02d} worker-{i} parsed roast {i} in 31 ms\n"
                            for i in range(25000)) + "```\n"
    source = tmp_path / "plan.md"
    source.write_text(text.replace("## Future Considerations\n", "## Future Considerations\n\n" + log), "utf-8")
    out = tmp_path / "inputs.yaml"
    result = run_techplan("import", "markdown", source, "-o", out)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "the plan's inputs would be over the 1 MiB an inputs file may hold" in result.stderr
    assert not out.exists()


def test_sign_offs_kept_in_a_table_are_read_as_approvals(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-tables.plan.md")
    assert [(a.role, a.approved, a.by) for a in plan.approvals] == [
        ("System Architect", True, "Jonas Berg"), ("Engineering Manager", False, "")]
    text = (DATA / "handwritten-tables.plan.md").read_text("utf-8").replace("**Status**: In Progress",
                                                                             "**Status**: Approved")
    assert [(f.line, f.message) for f in check_text(text, "plan.md") if f.rule == "approval-missing"] == [
        (text.split("\n").index("| Engineering Manager | | ❌ |") + 1,
         "the plan is Approved but 'Engineering Manager' has not approved it")]
    # A table with a column or a value it does not understand stays as it is.
    odd = text.replace("| Engineering Manager | | ❌ |", "| Engineering Manager | | maybe |")
    again = reimport(odd)
    assert "| Engineering Manager | | maybe |" in again.extra["approval"].before


def test_a_risk_id_or_review_round_given_twice_is_kept_verbatim_not_refused(tmp_path: Path) -> None:
    source = tmp_path / "plan.md"
    source.write_text("# Technical Plan: X\n\n**Issue Number**: #5\n\n## Risk Assessment\n\n"
                      "| ID | Risk | Probability | Impact | Mitigation |\n|---|---|---|---|---|\n"
                      "| R1 | a | High | Low | x |\n| R1 | b | Low | Low | y |\n\n## Review Feedback\n\n"
                      "### Review Round 1 (Date: 2026-01-01)\n**Reviewer**: A\n**Status**: Approved\n\n"
                      "### Review Round 1 (Date: 2026-01-05)\n**Reviewer**: B\n**Status**: Changes Requested\n", "utf-8")
    out = tmp_path / "inputs.yaml"
    result = run_techplan("import", "markdown", source, "-o", out)
    assert result.returncode == 0, result.stderr
    plan = load_path(out)
    assert [(r.id, r.risk) for r in plan.risks] == [("R1", "a")]
    assert "| R1 | b | Low | Low | y |" in plan.extra["risks"].after
    assert [(r.round, r.reviewer) for r in plan.reviews] == [(1, "A")]
    assert plan.extra["reviews"].after.startswith("### Review Round 1 (Date: 2026-01-05)\n**Reviewer**: B")
    assert "round 1 is given twice" in result.stderr


@pytest.mark.parametrize("duration", ["(0 days)", "(5-3 days)"])
def test_a_duration_that_is_no_estimate_stays_in_the_phase_name(duration: str) -> None:
    text = f"# Technical Plan: X\n\n**Issue Number**: #5\n\n## Implementation Timeline\n\n### Phase 1: Build {duration}\n- [ ] a\n"
    plan = reimport(text)
    assert [(p.name, p.estimate) for p in plan.timeline.phases] == [(f"Build {duration}", None)]


def test_an_overlong_issue_link_in_the_header_is_not_the_issue_url() -> None:
    url = "https://github.com/o/r/issues/5?" + "x" * 600
    plan = reimport(f"# Technical Plan: X\n\n**Issue Number**: #5 ({url})\n")
    assert (plan.issue.number, plan.issue.url) == (5, None)
    assert url in plan.extra["header"].after


# --- plans in the middle of review, with odd phases, risk registers, drafts, casing, tabs -----------


def test_a_plan_mid_review_reads_both_rounds_and_the_partial_approvals(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-mid-review.plan.md")
    assert (plan.issue.number, plan.issue.title, plan.status) == (438, "Wholesale price lists per customer",
                                                                  "Under Review")
    assert (plan.created_by, str(plan.created), str(plan.last_updated)) == ("Alice Moreau", "2026-02-23", "2026-03-09")
    assert [i.done for i in plan.requirements.functional] == [True, True, False, False, False, False]
    assert [i.done for i in plan.requirements.non_functional] == [False, True, False, False]
    assert [(r.round, str(r.date), r.reviewer, r.status, len(r.feedback), len(r.resolution)) for r in plan.reviews] == [
        (1, "2026-03-02", "Bram de Vries", "Changes Requested", 3, 3), (2, "2026-03-09", "Chen Wei", "Approved", 1, 1)]
    # "- [x] Tech Lead: @bram (2026-03-09)": the box is the tick; the name and the date are read.
    assert [(a.role, a.approved, a.by, a.date and str(a.date)) for a in plan.approvals] == [
        ("System Architect (Author)", True, "Alice Moreau", "2026-02-23"), ("Tech Lead", True, "@bram", "2026-03-09"),
        ("Staff UX Designer (if UI changes)", False, "", None), ("Engineering Manager", False, "", None),
        ("Stakeholder: @sales-lead", False, "", None)]
    assert [(p.name, p.estimate and (p.estimate.optimistic, p.estimate.pessimistic)) for p in plan.timeline.phases] \
        == [("Models and resolver", (3, 3)), ("Staff editor and import", (4, 5)), ("Checkout and invoices", (3, 3))]
    assert plan.extra["timeline"].after == "**Total Estimated Timeline**: 10-11 days"
    # Under review, with its changes requested and then approved: nothing to report.
    assert check_text((DATA / "handwritten-mid-review.plan.md").read_text("utf-8"), "plan.md") == []


def test_approval_lines_without_the_tick_in_words_print_back_the_same() -> None:
    text = ("# Technical Plan: R\n\n**Issue Number**: #5\n\n## Approval\n\n- [x] Tech Lead: @alice (2026-03-02)\n"
            "- [x] QA: Jo Park (Mar 3, 2026)\n- [x] Engineering Manager: ✓ Lee\n- [ ] Stakeholder:\n")
    plan = reimport(text)
    assert [(a.role, a.approved, a.by, a.date and str(a.date)) for a in plan.approvals] == [
        ("Tech Lead", True, "@alice", "2026-03-02"), ("QA", True, "Jo Park", "2026-03-03"),
        ("Engineering Manager", True, "Lee", None), ("Stakeholder", False, "", None)]
    first = render_plan(plan, as_of=AS_OF)
    assert render_plan(reimport(first), as_of=AS_OF) == first


def test_phase_headings_in_weeks_dashes_ranges_in_words_and_a_deeper_level_are_read(
        imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-phase-styles.plan.md")
    assert (plan.issue.number, plan.status, str(plan.created)) == (517, "Draft", "2026-04-06")
    assert [(p.name, p.estimate and (p.estimate.optimistic, p.estimate.likely, p.estimate.pessimistic))
            for p in plan.timeline.phases] == [
        ("Data model and service", (2, 2, 2)), ("Backend", (5, 5, 5)), ("QA", (3, 4, 5)), ("Frontend", (3, 3, 3))]
    # Tasks with their own estimates in a numbered list stay the phase's checklist, words and all.
    assert [i.text for i in plan.timeline.phases[0].items] == [
        "SubscriptionPause model and migration (0.5d)", "`is_billable` with tests (1d)",
        "Wire it into `billing.run_cycle` (4h)"]
    assert [(r.probability, r.impact) for r in plan.risks] == [("High", "High"), ("Low", "High"), ("Medium", "Medium")]
    assert [(r.round, r.status) for r in plan.reviews] == [(1, "Changes Requested")]
    text = (DATA / "handwritten-phase-styles.plan.md").read_text("utf-8")
    # The plan's real mistake: 2 + 5 + 3-5 + 3 days is 13-15, not the stated 12-14.
    assert [(f.rule, f.message) for f in check_text(text, "plan.md")] == [
        ("total-mismatch", "the stated total (12-14 days) disagrees with the phases, which add up to 13-15 days")]


def test_a_risk_register_with_owner_status_and_lowercase_levels_in_its_own_column_order_is_read(
        imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-risk-register.plan.md")
    assert (plan.issue.number, plan.status) == (702, "Approved")
    assert [(r.id, r.probability, r.impact, r.owner, r.status) for r in plan.risks] == [
        ("R1", "Medium", "High", "Femi", "open"), ("R2", "High", "High", "Sara", "open"),
        ("R3", "Low", "Medium", "Femi", "closed"), ("R4", "Medium", "Low", "QA team", "open")]
    # A second register whose only level is a traffic-light emoji is no risk table: kept as written.
    assert plan.extra["risks"].after.startswith("### Supplier risks\n\n| Risk | Level | Owner |")
    assert "| EUDR deadline moves earlier | 🔴 | Femi |" in plan.extra["risks"].after
    assert [(r.round, r.reviewer, r.status) for r in plan.reviews] == [
        (1, "Sara Lindqvist", "Changes Requested"), (2, "Sara Lindqvist", "Approved")]
    assert all(a.approved for a in plan.approvals) and [a.by for a in plan.approvals] == [
        "Femi Adeyemi", "Jo Park", "Sara Lindqvist", "Head of QA"]
    assert check_text((DATA / "handwritten-risk-register.plan.md").read_text("utf-8"), "plan.md") == []


def test_sql_in_an_indented_block_or_a_postgresql_fence_is_read_as_the_tables(
        imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-risk-register.plan.md")
    assert plan.database.new_tables.startswith("CREATE TABLE roasting_batchlotusage (\n    id BIGSERIAL")
    assert plan.database.modified_tables == ("ALTER TABLE inventory_greenlot ADD COLUMN harvest_year SMALLINT;\n"
                                             "CREATE INDEX roasting_batchlotusage_lot ON roasting_batchlotusage (lot_id);")
    result, _ = imported["handwritten-risk-register.plan.md"]
    assert "the ```postgresql block under 'Modified Tables' is read as the field and printed as ```sql" in result.stderr
    tabs = load(imported, "handwritten-crlf-tabs.plan.md")
    assert tabs.database.new_tables.startswith("CREATE TABLE staff_shiftoffer (\n\tid BIGSERIAL PRIMARY KEY,")
    # A language that is not SQL keeps its name, so it stays as written.
    other = reimport("# Technical Plan: X\n\n**Issue Number**: #5\n\n## Technical Approach\n\n### Database Design\n\n"
                     "#### New Tables\n```prisma\nmodel Lot { id Int @id }\n```\n")
    assert other.database.new_tables == "" and other.extra["new_tables"].before.startswith("```prisma")


def test_an_api_table_with_extra_columns_stays_as_written_and_one_without_descriptions_is_read(
        imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-risk-register.plan.md")
    assert [(e.method, e.path, e.request, e.response) for e in plan.api.new_endpoints] == [
        ("POST", "/api/roasting/batches/{id}/lots", "`[{lot_id, kg}]`", "201")]
    assert "| GET | /api/trace/bag/{code} | QA | 60/min | Backward trace from a bag code |" in \
        plan.extra["new_endpoints"].before


def test_a_draft_left_with_template_text_and_todo_comments_is_read_and_checked(
        imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-draft-placeholders.plan.md")
    assert (plan.issue.number, plan.status, str(plan.created), plan.last_updated) == (745, "Draft", "2026-06-02", None)
    # The header line left as the template's stays as written, and the TODO comment with it.
    assert plan.extra["header"].after == ("**Last Updated**: {date}\n\n"
                                          "<!-- TODO: link the issue once product files it -->")
    assert plan.extra["issue_summary"].after == "<!-- TODO: add the numbers from the June survey -->"
    assert plan.extra["performance"].before == "<!-- TODO Hana: numbers after the load test -->"
    assert [(p.name, p.estimate is None) for p in plan.timeline.phases] == [
        ("Foundation", True), ("Live view", False), ("Polish & Testing", True)]
    assert plan.reviews == [] and plan.extra["reviews"].before.startswith("### Review Round 1 (Date: {date})")
    assert "## Hardware" in plan.extra["timeline"].after  # a section the template does not have
    text = (DATA / "handwritten-draft-placeholders.plan.md").read_text("utf-8")
    findings = check_text(text, "plan.md")
    lines = text.split("\n")
    assert {f.rule for f in findings} == {"placeholder", "empty-section", "risk-no-mitigation",
                                          "phase-duration-missing", "heading-missing"}
    assert [(f.rule, lines[f.line - 1]) for f in findings if f.rule != "placeholder"] == [
        ("empty-section", "### End-to-End Tests"),
        ("risk-no-mitigation", "| Timescale extension not available on managed Postgres | Medium | High | TBD |"),
        ("phase-duration-missing", "### Phase 3: Polish & Testing"),
        ("heading-missing", "## Rollback Strategy")]
    assert "no '## Monitoring & Observability' section" in next(f.message for f in findings
                                                                 if f.rule == "heading-missing")
    # Every placeholder is on a line with the template's words; the plan's own lines are not flagged.
    flagged = {lines[f.line - 1] for f in findings if f.rule == "placeholder"}
    assert "- [ ] Read BT, ET and burner power from both roasters every second" not in flagged
    assert "**Last Updated**: {date}  " in flagged and "- [ ] Requirement 5" in flagged
    assert not any(line.startswith("<!--") or "Hardware" in line or "Raspberry" in line for line in flagged)


def test_a_table_of_contents_lowercase_headings_and_trailing_colons_find_every_section(
        imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-toc-casing.plan.md")
    assert (plan.issue.number, plan.issue.title, plan.status, plan.created_by) == (
        809, "Café loyalty stamps", "Under Review", "Rafael Ortiz")
    assert (str(plan.created), str(plan.last_updated)) == ("2026-07-13", "2026-07-21")
    assert plan.extra["issue_summary"].heading == "ISSUE SUMMARY:"
    assert plan.extra["functional"].heading == "functional requirements:"
    assert plan.extra["header"].after.startswith("## Table of Contents\n\n1. [Issue Summary](#issue-summary)")
    assert [(i.text, i.done) for i in plan.requirements.functional] == [
        ("One stamp per paid drink, up to 3 per visit", False),
        ("The tenth stamp gives a free-drink voucher valid for 60 days", True),
        ("Paper cards can be converted once, at the till, by the barista", False)]
    assert plan.extra["functional"].before.startswith("- [ ] A customer shows a QR code from the app")
    assert plan.extra["issue_summary"].after == "![Stamp card mock-up](https://example.com/mockups/stamps.png)"
    assert [(e.method, e.path, e.description) for e in plan.api.new_endpoints][0] == (
        "POST", "/api/loyalty/stamp", "")
    assert [(p.name, p.estimate and (p.estimate.optimistic, p.estimate.pessimistic)) for p in plan.timeline.phases] \
        == [("Cards and stamps", (3, 3)), ("Till extension", (4, 6)), ("App screens", (3, 3))]
    assert [(a.role, a.approved, a.by) for a in plan.approvals][0] == ("System Architect (Author)", True, "Rafael Ortiz")
    # Only the real gaps: the database design has no Modified Tables or Data Migration Strategy.
    text = (DATA / "handwritten-toc-casing.plan.md").read_text("utf-8")
    assert sorted(f.message for f in check_text(text, "plan.md")) == [
        "no '#### Data Migration Strategy' under '## Technical Approach'",
        "no '#### Modified Tables' under '## Technical Approach'"]


def test_a_crlf_plan_indented_with_tabs_reads_like_the_template(imported: dict[str, tuple[Any, Path]]) -> None:
    raw = (DATA / "handwritten-crlf-tabs.plan.md").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") > 150 and b"\n\t" in raw
    plan = load(imported, "handwritten-crlf-tabs.plan.md")
    assert (plan.issue.number, plan.status, str(plan.last_updated)) == (866, "Under Review", "2026-08-12")
    assert [(i.text[:24], i.done) for i in plan.requirements.functional] == [
        ("A barista offers one of ", True), ("A colleague takes an off", False), ("The rota and payroll exp", False),
        ("Push notification to the", False)]
    assert plan.extra["functional"].after == ("- [ ] Colleagues with the same role at the same café see open offers\n"
                                              "\t- sorted by shift date\n"
                                              "\t- hidden when taking it would exceed 48 hours that week")
    assert plan.architecture.components.startswith("ShiftOfferList -> /api/shift-offers -> SwapService -> Rota")
    assert [(p.name, p.estimate and (p.estimate.optimistic, p.estimate.pessimistic), len(p.items))
            for p in plan.timeline.phases] == [("Backend", (4, 4), 4), ("Staff app", (3, 4), 3), ("Pilot", (5, 5), 1)]
    assert [(r.probability, r.impact) for r in plan.risks] == [("Medium", "Medium"), ("High", "Medium"), ("Low", "High")]
    assert not any("\r" in str(value) for value in plan.model_dump().values())
    assert check_text(raw.decode("utf-8"), "plan.md") == []


def test_a_review_round_whose_feedback_has_sub_items_stays_whole_in_its_place(
        imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-crlf-tabs.plan.md")
    assert plan.reviews == []
    assert plan.extra["reviews"].before == (
        "### Review Round 1 (Date: 2026-08-10)\n**Reviewer**: Lotte Jansen\n**Status**: Changes Requested\n"
        "**Feedback**:\n- Payroll export must be in the same transaction as the approval\n"
        "\t- otherwise a crash leaves them apart\n\n**Resolution**:\n- Done; see Integration Tests")
    result, _ = imported["handwritten-crlf-tabs.plan.md"]
    assert "a review round is kept verbatim: its feedback has list items with nested content" in result.stderr


def test_a_header_kept_as_a_table_with_ordinal_dates_and_ticked_statuses_is_read(
        imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-header-table.plan.md")
    assert (plan.issue.number, plan.issue.url, plan.created_by) == (
        913, "https://github.com/example-org/coffee-roast-tracker/issues/913", "Priya Raman")
    assert (str(plan.created), str(plan.last_updated), plan.status, plan.status_note) == (
        "2026-09-01", "2026-09-22", "Approved", "✅")
    assert plan.extra["header"].after == "> Owner: Café Ops. Reviewers: @&#8203;lee, @&#8203;tess. Slack: #cafe-ops-eng"
    assert [(r.round, r.reviewer, r.status) for r in plan.reviews] == [
        (1, "Lee Park", "Changes Requested"), (2, "Tess Okafor", "Approved")]
    assert [(a.role, a.approved, a.by) for a in plan.approvals][-1] == ("Stakeholder: Head of Café Ops", False, "")
    text = (DATA / "handwritten-header-table.plan.md").read_text("utf-8")
    # Approved, the latest round approved, but the stakeholder has not signed: the one real problem.
    assert [(f.rule, text.split("\n")[f.line - 1]) for f in check_text(text, "plan.md")] == [
        ("approval-missing", "- [ ] Stakeholder: Head of Café Ops")]
    # The status in the table is what `check` judges: a latest round asking for changes is found.
    changed = text.replace("**Status**: ✅ Approved", "**Status**: ❌ Changes Requested")
    assert "approved-with-changes-requested" in [f.rule for f in check_text(changed, "plan.md")]
    draft = text.replace("| **Status** | ✅ Approved |", "| **Status** | Draft |")
    assert check_text(draft, "plan.md") == []


def test_a_header_table_with_a_row_that_is_no_header_field_stays_as_written() -> None:
    text = ("# Technical Plan: X\n\n| Field | Value |\n|---|---|\n| **Issue Number** | #5 |\n| Budget | 3k |\n\n"
            "**Issue Number**: #6\n")
    plan = reimport(text)
    assert plan.issue.number == 6
    assert plan.extra["header"].after.startswith("| Field | Value |\n|---|---|\n| **Issue Number** | #5 |")


def test_traffic_light_levels_hours_and_a_score_column_are_read(imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-header-table.plan.md")
    assert [(r.probability, r.impact, r.owner) for r in plan.risks] == [
        ("Medium", "Medium", "Priya"), ("High", "Medium", "Café leads"), ("Low", "Low", "Priya")]
    assert [(p.name, p.estimate and p.estimate.likely) for p in plan.timeline.phases] == [
        ("Models and API", 2), ("Staff app", 3), ("Burr reminders", 0.75)]
    result, _ = imported["handwritten-header-table.plan.md"]
    assert "a phase given in hours is imported as working days (8 hours a day)" in result.stderr
    # A light that says another level than its word is not guessed at: the row stays as written.
    odd = reimport("# Technical Plan: X\n\n**Issue Number**: #5\n\n## Risk Assessment\n\n"
                   "| Risk | Probability | Impact | Mitigation |\n|---|---|---|---|\n| a | 🟢 High | Low | b |\n"
                   "| c | 🔴 | 🟠 | d |\n")
    assert [(r.risk, r.probability, r.impact) for r in odd.risks] == [("c", "High", "Medium")]
    assert "| a | 🟢 High | Low | b |" in odd.extra["risks"].after


def test_a_review_round_heading_date_in_words_with_a_ticked_status_is_read(
        imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-numbered.plan.md")
    assert [(r.round, str(r.date), r.reviewer, r.status, r.feedback) for r in plan.reviews] == [
        (1, "2026-11-10", "Lee Park", "Approved", ["Fine by me"])]


@pytest.mark.parametrize("name", PLANS)
def test_check_on_a_re_rendered_plan_raises_no_new_kind_of_finding(name: str) -> None:
    # Rendering may only say the same things again; a missing section prints "_Not specified._".
    source = (DATA / name).read_bytes().decode("utf-8-sig")
    before = {f.rule for f in check_text(source, name)}
    after = {f.rule for f in check_text(render_plan(reimport(source, name), as_of=AS_OF), name)}
    allowed = {"not-specified"} if "heading-missing" in before else set()
    assert after - before <= allowed


def test_header_lines_without_bold_and_the_names_people_give_sections_are_read(
        imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-plain-labels.plan.md")
    assert (plan.issue.number, plan.created_by, str(plan.created), str(plan.last_updated), plan.status) == (
        958, "Mateo García", "2026-10-05", "2026-10-19", "Draft")
    assert plan.extra["header"].after.startswith("Related: [RFC-12 profile format][rfc12]")
    assert plan.extra["header"].after.endswith("[rfc12]: https://wiki.example.com/rfc/12-profile-format")
    headings = {key: plan.extra[key].heading for key in (
        "issue_summary", "non_functional", "testing", "risks", "timeline", "monitoring", "rollback",
        "stakeholder_questions", "approval")}
    assert headings == {"issue_summary": "Summary", "non_functional": "Non functional requirements",
                        "testing": "Test Plan", "risks": "Risks & Mitigations", "timeline": "Implementation Plan",
                        "monitoring": "Monitoring", "rollback": "Rollback Plan",
                        "stakeholder_questions": "Open questions", "approval": "Sign-off"}
    assert [i.text for i in plan.requirements.non_functional][0] == "A file opens only for the partner account it was made for"
    assert [(r.probability, r.impact) for r in plan.risks] == [("Medium", "High"), ("Low", "Low"), ("High", "Medium")]
    assert [p.estimate and p.estimate.likely for p in plan.timeline.phases] == [3, 4, 2]
    assert plan.extra["timeline"].after == "Total Estimated Timeline: 9 days"
    assert plan.testing.unit[0] == "Signature: tampered file, wrong partner, revoked, expired key"
    assert [a.approved for a in plan.approvals] == [False, False, False]
    text = (DATA / "handwritten-plain-labels.plan.md").read_text("utf-8")
    # The one real gap: no Database Design at all. The renamed sections are all found.
    assert {f.rule for f in check_text(text, "plan.md")} == {"heading-missing"}
    assert sorted(f.message for f in check_text(text, "plan.md")) == [
        "no '### Database Design' under '## Technical Approach'",
        "no '#### Data Migration Strategy' under '## Technical Approach'",
        "no '#### Modified Tables' under '## Technical Approach'",
        "no '#### New Tables' under '## Technical Approach'"]
    approved = text.replace("Status: Draft", "Status: Approved")
    assert [f.rule for f in check_text(approved, "plan.md") if f.rule != "heading-missing"] == [
        "approval-missing", "approval-missing", "approval-missing"]


def test_review_rounds_headed_round_n_under_review_feedback_are_read() -> None:
    text = ("# Technical Plan: R\n\n**Issue Number**: #5\n**Status**: Approved\n\n## Review Feedback\n\n"
            "### Round 1 (2026-03-02)\n**Reviewer**: Lee\n**Status**: Changes Requested\n**Feedback**:\n- add an index\n\n"
            "### Round 2 - Mar 9, 2026\n**Reviewer**: Ana\n**Status**: Approved\n**Feedback**:\n- ok\n")
    plan = reimport(text)
    assert [(r.round, str(r.date), r.reviewer, r.status, r.feedback) for r in plan.reviews] == [
        (1, "2026-03-02", "Lee", "Changes Requested", ["add an index"]), (2, "2026-03-09", "Ana", "Approved", ["ok"])]
    first = render_plan(plan, as_of=AS_OF)
    assert render_plan(reimport(first), as_of=AS_OF) == first
    # A "Round N" heading elsewhere is not a review round.
    other = reimport("# Technical Plan: R\n\n**Issue Number**: #5\n\n## Testing Strategy\n\n### Round 1\n- load test\n")
    assert other.reviews == []


def test_phase_durations_after_a_dash_in_brackets_or_on_an_estimate_line_are_read_and_checked() -> None:
    text = ("# Technical Plan: X\n\n**Issue Number**: #5\n\n## Implementation Timeline\n\n"
            "### Phase 1: Foundation — 3 days\n- [ ] a\n\n### Phase 2: Build [2-3 days]\n- [ ] b\n\n"
            "### Phase 3: Ship\n**Estimate**: 2 days\n- [ ] c\n\nTotal Estimated Timeline: 7-8 days\n")
    plan = reimport(text)
    assert [(p.name, p.estimate and (p.estimate.optimistic, p.estimate.pessimistic)) for p in plan.timeline.phases] \
        == [("Foundation", (3, 3)), ("Build", (2, 3)), ("Ship", (2, 2))]
    rules = [f.rule for f in check_text(text, "plan.md")]
    assert "phase-duration-missing" not in rules and "total-mismatch" not in rules
    wrong = text.replace("7-8 days", "9 days")
    assert "total-mismatch" in [f.rule for f in check_text(wrong, "plan.md")]
    # A name that merely ends in a number stays the name.
    named = reimport(text.replace("### Phase 1: Foundation — 3 days", "### Phase 1: Foundation - v2"))
    assert named.timeline.phases[0].name == "Foundation - v2" and named.timeline.phases[0].estimate is None


def test_endpoint_cells_with_the_method_numeric_risks_and_round_headings_are_read(
        imported: dict[str, tuple[Any, Path]]) -> None:
    plan = load(imported, "handwritten-round-headings.plan.md")
    assert (plan.issue.number, plan.status, str(plan.last_updated)) == (1024, "Approved", "2026-11-16")
    assert [(e.method, e.path, e.description) for e in plan.api.new_endpoints] == [
        ("GET", "/api/reports/energy", "Monthly energy report"), ("GET", "/api/reports/energy.csv", "The same as CSV"),
        ("POST", "/api/tariffs", "Add a gas tariff")]
    assert plan.risk_scale == 5
    assert [(r.probability, r.impact, r.owner) for r in plan.risks] == [
        (3, 4, "Sven"), (2, 5, "Head roaster"), (4, 2, "Finance")]
    assert [(p.name, p.estimate and (p.estimate.optimistic, p.estimate.pessimistic)) for p in plan.timeline.phases] \
        == [("Energy per batch", (3, 3)), ("Tariffs and report", (3, 4)), ("Meter reconciliation", (2, 2))]
    assert [(r.round, str(r.date), r.status, len(r.feedback)) for r in plan.reviews] == [
        (1, "2026-11-09", "Changes Requested", 2), (2, "2026-11-13", "Approved", 1)]
    assert [(a.by, str(a.date)) for a in plan.approvals] == [
        ("Sven Olsen", "2026-11-02"), ("Jo Park", "2026-11-13"), ("Ines Duarte", "2026-11-13"),
        ("Finance lead", "2026-11-16")]
    assert plan.extra["system_context"].before.startswith("- Inputs:\n  - burner power per second")
    text = (DATA / "handwritten-round-headings.plan.md").read_text("utf-8")
    assert check_text(text, "plan.md") == []
    reopened = text.replace("### Round 2 - Nov 13, 2026\n**Reviewer**: Ines Duarte\n**Status**: Approved",
                            "### Round 2 - Nov 13, 2026\n**Reviewer**: Ines Duarte\n**Status**: Changes Requested")
    assert [f.rule for f in check_text(reopened, "plan.md")] == ["approved-with-changes-requested"]


def test_a_resolution_list_that_gains_a_nested_item_reads_back_the_same() -> None:
    # A nested item the first import kept after the round joins the Resolution list when re-read.
    text = ("# Technical Plan: R\n\n**Issue Number**: #5\n\n## Review Feedback\n\n"
            "### Review Round 1 (Date: 2026-08-10)\n**Reviewer**: Lee\n**Status**: Changes Requested\n"
            "- Payroll export in the same transaction\n\t- otherwise they drift\n\n"
            "**Resolution**:\n- Done\n")
    first = render_plan(reimport(text), as_of=AS_OF)
    assert render_plan(reimport(first), as_of=AS_OF) == first


def test_a_list_kept_after_a_round_with_no_resolution_stays_after_it() -> None:
    plan = PlanInput.model_validate({"issue": {"number": 5, "title": "t"}, "reviews": [
        {"round": 1, "reviewer": "Lee", "status": "Approved", "feedback": ["ok"]}],
        "extra": {"reviews": {"after": "- [x] Engineering Manager: Ines (Nov 13, 2026)"}}})
    first = render_plan(plan, as_of=AS_OF)
    again = reimport(first)
    assert again.reviews[0].resolution == [] and again.extra["reviews"].after == plan.extra["reviews"].after
    assert render_plan(again, as_of=AS_OF) == first


def test_a_bullet_list_kept_after_the_risk_table_survives_a_second_import() -> None:
    # Printed right after the computed risk summary, it reads back as part of that (loose) list.
    plan = PlanInput.model_validate({"issue": {"number": 5, "title": "t"}, "risks": [
        {"risk": "a", "probability": "High", "impact": "High", "mitigation": "m"}],
        "extra": {"risks": {"after": "- **Alerts**: paged above 5 a day\n- watch the queue"}}})
    first = render_plan(plan, as_of=AS_OF)
    again = reimport(first)
    assert again.extra["risks"].after == plan.extra["risks"].after
    assert render_plan(again, as_of=AS_OF) == first
