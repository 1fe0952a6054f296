"""Templates see plain data only: the whole context of several plans holds dict, list, str, int,
float, bool, None, date and SafeMarkdown, nothing with methods of its own (issue 14)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pytest
from markupsafe import Markup

from techplan_nb.inputs import load_path
from techplan_nb.mdescape import SafeMarkdown
from techplan_nb.model import PlanInput
from techplan_nb.plain import PLAIN_TYPES, NotPlainError, to_plain
from techplan_nb.plan_view import build_context

from helpers import AS_OF, BUNDLED_EXAMPLE, EXAMPLES

AS_OF_DATE = dt.date.fromisoformat(AS_OF)

# Every part of the analysis at once: a 5-point scale with closed and id-less risks, a calendar
# with country holidays, one-estimate and task phases with dependencies, contingency, and the
# verbatim sections an imported plan keeps.
ANALYSIS_HEAVY: dict[str, Any] = {
    "issue": {"number": 8, "title": "Everything", "labels": ["a", "b"], "url": "https://example.com/8"},
    "created": "2026-11-01",
    "risk_scale": 5,
    "risks": [
        {"risk": "No id", "probability": 2, "impact": 5, "owner": "Ann"},
        {"id": "R2", "risk": "Closed", "probability": "High", "impact": "Low", "status": "closed"},
        {"id": "R3", "risk": "Top", "probability": 5, "impact": 5},
    ],
    "timeline": {
        "start": "2026-11-07",
        "calendar": {"weekends": ["Fri", "Sat"], "holidays": ["2026-11-26", "2026-12-24"], "country": "GB"},
        "simulations": 500,
        "contingency": {"high_risk_percent": 12.5, "max_percent": 40},
        "phases": [
            {"id": "design", "name": "Design", "estimate": {"optimistic": 1, "likely": 2.5, "pessimistic": 7}},
            {"name": "Build", "depends_on": [], "tasks": [
                {"id": "x", "name": "Parse", "estimate": "1.5-3.25", "depends_on": ["design"]},
                {"id": "y", "name": "Print", "estimate": 0.5, "done": True},
            ], "items": ["Docs", {"text": "Done item", "done": True}]},
            {"id": "ship", "name": "Ship", "depends_on": ["design"], "items": ["Announce"]},
        ],
    },
    "dependencies": {"internal": ["auth"], "external": ["vendor"]},
    "monitoring": {"metrics": "p99"},
    "questions": ["Why?", {"text": "When?", "answered": True, "answer": "Now"}],
    "reviews": [{"round": 1, "date": "2026-11-10", "reviewer": "Bo", "status": "Changes Requested",
                 "feedback": ["More"], "resolution": ["Done"]}],
    "approvals": [{"role": "EM", "approved": True, "by": "Cy", "date": "2026-11-12"}],
    "extra": {"security": {"heading": "Security (REVISED)", "before": "Note.", "after": "Later."}},
}


def types_in(value: Any, seen: set[int] | None = None) -> set[type]:
    """Every type reachable from `value` through dict keys and values and list items."""
    seen = set() if seen is None else seen
    found = {type(value)}
    if type(value) in (dict, list) and id(value) not in seen:
        seen.add(id(value))
        children = [*value.keys(), *value.values()] if type(value) is dict else value
        for child in children:
            found |= types_in(child, seen)
    return found


@pytest.mark.parametrize("plan", [
    pytest.param(lambda: load_path(BUNDLED_EXAMPLE), id="issue-57-roast-export"),
    pytest.param(lambda: load_path(EXAMPLES / "minimal.yaml"), id="minimal"),
    pytest.param(lambda: PlanInput.model_validate(ANALYSIS_HEAVY), id="analysis-heavy"),
])
def test_the_whole_context_is_plain_data(plan: Any) -> None:
    context = build_context(plan(), as_of=AS_OF_DATE, seed=3)
    found = types_in(context)
    assert found <= PLAIN_TYPES, f"not plain: {sorted(t.__qualname__ for t in found - PLAIN_TYPES)}"
    # The walk really reached the analysis: dates, SafeMarkdown lines and numbers are all there.
    assert {dict, list, str, int, SafeMarkdown} <= found


def test_the_analysis_heavy_context_keeps_what_templates_read() -> None:
    context = build_context(PlanInput.model_validate(ANALYSIS_HEAVY), as_of=AS_OF_DATE, seed=3)
    build = context["phases"][1]
    assert build["phase"]["items"][0] == {"text": "Docs", "done": False}  # a field named like dict.items
    assert build["tasks"][0]["detail"].startswith("1.5-3.25 days")  # a property, computed once
    assert build["phase"] is context["plan"]["timeline"]["phases"][1]  # shared objects stay shared
    schedule = context["analysis"]["schedule"]
    assert type(schedule["p80"]) is dt.date and type(schedule["expected_days"]) is float
    assert type(schedule["critical_path_sigma"]) is float
    assert not {"samples_data", "finish_samples", "work_calendar"} & schedule.keys()
    assert context["analysis"]["risk"]["max_score"] == 25
    assert context["plan"]["extra"]["security"]["heading"] == "Security (REVISED)"


class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    hidden: str = "no"

    @property
    def double(self) -> int:
        return self.x * 2


@pytest.mark.parametrize("value, expected", [
    (np.float64(1.5), 1.5),
    (np.int64(3), 3),
    (np.bool_(True), True),
    (np.array([1, 2]), [1, 2]),
    (np.array([[0.5], [1.5]]), [[0.5], [1.5]]),
    ((1, (2, "a")), [1, [2, "a"]]),
    (Colour.RED, "red"),
    (PurePosixPath("a/b.png"), "a/b.png"),
    (Point(2), {"x": 2, "hidden": "no", "double": 4}),
    ({"k": (dt.date(2026, 1, 2),)}, {"k": [dt.date(2026, 1, 2)]}),
])
def test_to_plain_converts_known_kinds(value: Any, expected: Any) -> None:
    plain = to_plain(value)
    assert plain == expected
    assert types_in(plain) <= PLAIN_TYPES


def test_to_plain_leaves_omitted_fields_out_and_keeps_safe_markdown_safe() -> None:
    assert to_plain(Point(1), omit={Point: frozenset({"hidden"})}) == {"x": 1, "double": 2}
    assert type(to_plain(Markup("<b>"))) is SafeMarkdown
    assert type(to_plain(SafeMarkdown("x"))) is SafeMarkdown


@pytest.mark.parametrize("value, where", [
    ({"a": [1, print]}, "['a'][1]"),
    ({"f": open}, "['f']"),
    ({"t": dict}, "['t']"),
    ({"s": {1, 2}}, "['s']"),
    ({"d": dt.datetime(2026, 1, 1)}, "['d']"),
    ({"o": np.array([object()], dtype=object)}, "['o'][0]"),
    ([Point(1), Path], "[1]"),
])
def test_to_plain_refuses_anything_else_naming_where(value: Any, where: str) -> None:
    with pytest.raises(NotPlainError) as caught:
        to_plain(value)
    assert str(caught.value).startswith(f"{where}: a ")
    assert "cannot be given to a template" in str(caught.value)
