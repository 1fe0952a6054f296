"""Labels the plan makes up (a risk or phase without an id) are never GitHub issue references.

They were "#1", "#2": posted as an issue comment, "**High (9): #1**" linked to issue 1 and
"P80 with contingency ... risk: \\#1" too (GitHub links after Markdown's escapes are gone).
"""

from __future__ import annotations

import datetime as dt
import re

from techplan_nb.analysis import analyse
from techplan_nb.model import PlanInput
from techplan_nb.render import render_plan

# GitHub's short references: #N, GH-N and owner/repo#N, where # or GH- is not glued to a word.
ISSUE_REFERENCE = re.compile(r"(?<![\w/#-])(?:#|GH-|[\w.-]+/[\w.-]+#)\d+\b", re.IGNORECASE)


def plan_without_ids() -> PlanInput:
    return PlanInput.model_validate({
        "issue": {"number": 57, "title": "Roast export"},
        "risks": [{"risk": "Public route leaks data", "probability": "High", "impact": "High"},
                  {"risk": "CSV formula injection", "probability": "Low", "impact": "High"},
                  {"risk": "Closed one", "probability": "High", "impact": "High", "status": "closed"}],
        "timeline": {"start": "2026-11-02", "phases": [
            {"name": "Design", "estimate": 3},
            {"name": "Spike", "estimate": 2, "depends_on": []},
            {"name": "Build", "tasks": [{"id": "api", "name": "API", "estimate": 2}]}]},
    })


def test_an_id_less_risk_or_phase_is_named_risk_n_or_phase_n() -> None:
    analysis = analyse(plan_without_ids(), as_of=dt.date(2026, 11, 20))
    assert [r.id for r in analysis.risk.register] == ["risk 1", "risk 3", "risk 2"]
    assert [p.id for p in analysis.schedule.phases] == ["phase 1", "phase 2", "phase 3"]


def test_the_rendered_plan_holds_no_issue_reference_but_its_own() -> None:
    plan = render_plan(plan_without_ids(), as_of=dt.date(2026, 11, 20))
    assert "**High (9): risk 1**" in plan
    assert "open High risk: risk 1)" in plan
    assert "risk 1 (High, score 9) has no mitigation" in plan
    references = [m.group() for m in ISSUE_REFERENCE.finditer(plan.replace("\\#", "#"))]
    assert references == ["#57"], references
