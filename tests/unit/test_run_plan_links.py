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


def test_only_the_finish_distribution_is_linked_the_gantt_and_matrix_are_text() -> None:
    """The Gantt is the Mermaid block and the risk matrix the table: their PNGs stay in the
    notebook and the HTML export, not twice in the Markdown."""
    text = render_plan(load_path(BUNDLED_EXAMPLE), as_of=AS_OF, charts=CHARTS)
    timeline = text.index("## Implementation Timeline")
    deps = text.index("## Dependencies")
    assert "](risk-heatmap.png)" not in text and "](schedule-gantt.png)" not in text
    assert timeline < text.index("](finish-distribution.png)") < deps
    assert text.count("```mermaid") == 1 and text.count("#### Risk matrix") == 1
    # A plan pasted elsewhere shows the alt text where the image breaks: it says where the chart is.
    assert "![Monte Carlo distribution of the finish date (the chart file finish-distribution.png beside" in text


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
