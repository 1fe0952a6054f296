"""A plan pasted into GitHub reads as written: no made-up issue references, the house template's
risk columns first (Owner and Status only when used), clean approval and status lines, one Gantt
(Mermaid, whole days) and no chart image the paste would break."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from techplan_nb.inputs import load_path
from techplan_nb.model import PlanInput
from techplan_nb.render import render_plan

from helpers import BUNDLED_EXAMPLE

AS_OF = dt.date(2026, 11, 20)
ISSUE_REFERENCE = re.compile(r"(?<![\w/#-])(?:#|GH-|[\w.-]+/[\w.-]+#)(\d+)\b", re.IGNORECASE)
BASE: dict[str, Any] = {"issue": {"number": 57, "title": "Roast export"},
                        "timeline": {"start": "2026-11-09", "phases": [
                            {"name": "Design", "estimate": 3}, {"name": "Build", "estimate": "2-4"}]}}


def plan_with(**fields: Any) -> str:
    return render_plan(PlanInput.model_validate({**BASE, **fields}), as_of=AS_OF)


def risk_header(plan: str) -> str:
    return next(line for line in plan.splitlines() if line.startswith("| Risk |"))


@pytest.mark.parametrize("plan", ["bundled", "no ids"])
def test_the_only_issue_reference_is_the_issues_own_number(plan: str) -> None:
    if plan == "bundled":
        text = render_plan(load_path(BUNDLED_EXAMPLE), as_of=AS_OF)
        own = "57"
    else:
        text = plan_with(risks=[{"risk": "a", "probability": "High", "impact": "High"},
                                {"risk": "b", "probability": "Low", "impact": "High", "status": "closed"}])
        own = "57"
    # GitHub links after Markdown's escapes are gone, and inside code too in some renderers: check both.
    numbers = [m.group(1) for m in ISSUE_REFERENCE.finditer(text.replace("\\#", "#"))]
    assert numbers == [own], numbers


def test_risk_table_has_the_templates_four_columns_then_score_and_level() -> None:
    plan = plan_with(risks=[{"risk": "a", "probability": "High", "impact": "Low"}])
    assert risk_header(plan) == "| Risk | Probability | Impact | Mitigation | Score | Level |"
    assert "| a | High | Low |  | 3 | Medium |" in plan


def test_owner_and_status_columns_appear_only_when_some_risk_uses_them() -> None:
    owned = plan_with(risks=[{"risk": "a", "probability": "High", "impact": "Low", "owner": "Ann"},
                             {"risk": "b", "probability": "Low", "impact": "Low"}])
    assert risk_header(owned) == "| Risk | Probability | Impact | Mitigation | Score | Level | Owner |"
    assert "| b | Low | Low |  | 1 | Low |  |" in owned
    closed = plan_with(risks=[{"risk": "a", "probability": "High", "impact": "Low", "owner": "Ann"},
                              {"risk": "b", "probability": "Low", "impact": "Low", "status": "closed"}])
    assert risk_header(closed) == "| Risk | Probability | Impact | Mitigation | Score | Level | Owner | Status |"
    assert "| a | High | Low |  | 3 | Medium | Ann | Open |" in closed
    assert "| b | Low | Low |  | 1 | Low |  | Closed |" in closed
    assert "| # |" not in closed


def test_approval_lines_have_no_bare_colon_and_a_status_note_no_nested_brackets() -> None:
    plan = plan_with(status="Draft", status_note="Revised (Incorporating feedback)",
                     approvals=[{"role": "Engineering Manager"},
                                {"role": "Stakeholder", "approved": True, "by": "Maria", "date": "2026-11-19"}])
    assert "- [ ] Engineering Manager\n" in plan
    assert "- [x] Stakeholder: ✓ Maria (2026-11-19)\n" in plan
    assert "**Status**: Draft — Revised (Incorporating feedback)\n" in plan
    assert "**Status**: Draft (In review)\n" in plan_with(status="Draft", status_note="In review")


def test_one_gantt_in_whole_days_and_no_chart_images() -> None:
    text = render_plan(load_path(BUNDLED_EXAMPLE), as_of=AS_OF)
    assert text.count("```mermaid\ngantt\n") == 1
    gantt = text[text.index("```mermaid"):text.index("```", text.index("```mermaid") + 3)]
    assert "    dateFormat YYYY-MM-DD\n" in gantt and "    excludes weekends, 2026-11-26, 2026-11-27\n" in gantt
    assert not re.search(r"\d\d:\d\d", gantt)
    assert "![" not in text and "](" not in text.split("## Risk Assessment")[1].split("## Dependencies")[0]
    assert "(10,000 runs, seed 0; mean 11.7 working days)" in text


def test_the_importer_reads_the_new_table_and_the_older_nine_column_one() -> None:
    from techplan_nb.importers.markdown import import_markdown

    risks = [{"id": "R1", "risk": "a", "probability": "Low", "impact": "Low"},
             {"id": "R2", "risk": "b", "probability": "High", "impact": "High", "owner": "Ann", "status": "closed"}]
    new = plan_with(risks=risks)
    assert import_markdown(new, "plan.md").data["risks"] == risks
    old = new.replace(
        "| Risk | Probability | Impact | Mitigation | Score | Level | Owner | Status |\n"
        "|------|-------------|--------|------------|-------|-------|-------|--------|\n"
        "| **R1**: a | Low | Low |  | 1 | Low |  | Open |\n"
        "| **R2**: b | High | High |  | 9 | High | Ann | Closed |\n",
        "| Risk | Probability | Impact | Mitigation | Score | Level | Owner | Status | # |\n"
        "|------|-------------|--------|------------|-------|-------|-------|--------|---|\n"
        "| **R2**: b | High | High |  | 9 | High | Ann | closed | 2 |\n"
        "| **R1**: a | Low | Low |  | 1 | Low |  | open | 1 |\n")
    assert old != new
    assert import_markdown(old, "plan.md").data["risks"] == risks
