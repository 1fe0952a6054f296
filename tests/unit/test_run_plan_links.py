"""Plans link the charts `techplan run` writes beside them, and only when charts are given."""

from __future__ import annotations

import datetime as dt

import pytest

from techplan_nb.errors import RenderError
from techplan_nb.inputs import load_path
from techplan_nb.render import render_plan

from helpers import BUNDLED_EXAMPLE

AS_OF = dt.date(2026, 11, 20)
CHARTS = {"risk_heatmap": "risk-heatmap.png", "gantt": "schedule-gantt.png",
          "finish_distribution": "finish-distribution.png"}


def test_charts_are_linked_with_relative_paths_under_their_sections() -> None:
    text = render_plan(load_path(BUNDLED_EXAMPLE), as_of=AS_OF, charts=CHARTS)
    risk = text.index("## Risk Assessment")
    timeline = text.index("## Implementation Timeline")
    deps = text.index("## Dependencies")
    assert risk < text.index("](risk-heatmap.png)") < timeline
    assert timeline < text.index("](schedule-gantt.png)") < text.index("](finish-distribution.png)") < deps


def test_without_charts_the_plan_links_no_images() -> None:
    plan = load_path(BUNDLED_EXAMPLE)
    assert render_plan(plan, as_of=AS_OF) == render_plan(plan, as_of=AS_OF, charts={})
    assert "![" not in render_plan(plan, as_of=AS_OF)


@pytest.mark.parametrize("path", ["../escape.png", "/abs/chart.png", "chart.svg", "a b.png", "x)(javascript:1).png"])
def test_chart_paths_that_could_escape_or_inject_are_refused(path: str) -> None:
    with pytest.raises(RenderError, match="relative .png path"):
        render_plan(load_path(BUNDLED_EXAMPLE), as_of=AS_OF, charts={"gantt": path})


def test_unknown_chart_names_are_refused() -> None:
    with pytest.raises(RenderError, match="unknown chart 'pie'"):
        render_plan(load_path(BUNDLED_EXAMPLE), as_of=AS_OF, charts={"pie": "pie.png"})
