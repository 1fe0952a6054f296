"""The plan's charts: PNGs that depend only on the analysis, drawn without pyplot's global state."""

from __future__ import annotations

import datetime as dt
import io
import sys
from typing import Any

import pytest
from PIL import Image

from techplan_nb.inputs import load_path

from helpers import BUNDLED_EXAMPLE, EXAMPLES

AS_OF = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def analysis():  # type: ignore[no-untyped-def]
    from techplan_nb.analysis import analyse

    return analyse(load_path(BUNDLED_EXAMPLE), as_of=AS_OF, seed=0)


def test_the_same_analysis_always_gives_the_same_png_bytes(analysis) -> None:  # type: ignore[no-untyped-def]
    from techplan_nb.charts import plan_charts

    first, second = plan_charts(analysis), plan_charts(analysis)
    assert sorted(first) == ["finish_distribution", "gantt", "risk_heatmap"]
    assert first == second


def test_pngs_carry_no_software_or_time_stamp(analysis) -> None:  # type: ignore[no-untyped-def]
    from techplan_nb.charts import plan_charts

    for png in plan_charts(analysis).values():
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG"
        assert not {"Software", "Creation Time", "date:create"} & set(image.info)


def test_the_gantt_chart_grows_with_the_number_of_tasks(analysis) -> None:  # type: ignore[no-untyped-def]
    from techplan_nb.charts import gantt, risk_heatmap

    width, height = Image.open(io.BytesIO(gantt(analysis))).size
    assert width == 800 and height >= 0.34 * len(analysis.schedule.tasks) * 100
    assert Image.open(io.BytesIO(risk_heatmap(analysis))).size == (560, 420)


def test_a_plan_without_risks_or_tasks_gets_no_charts() -> None:
    from techplan_nb.analysis import analyse
    from techplan_nb.charts import plan_charts

    assert plan_charts(analyse(load_path(EXAMPLES / "minimal.yaml"), as_of=AS_OF, seed=0)) == {}


def test_charts_leave_no_pyplot_figures_behind(analysis) -> None:  # type: ignore[no-untyped-def]
    from techplan_nb.charts import plan_charts

    plan_charts(analysis)
    pyplot = sys.modules.get("matplotlib.pyplot")
    assert pyplot is None or pyplot.get_fignums() == []


@pytest.mark.parametrize("start, days", [("9999-11-01", 40), ("9999-12-27", 4)])
def test_a_schedule_ending_at_the_end_of_the_calendar_still_gets_its_gantt(start: str, days: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The date axis computed one tick past the last day; near 9999-12-31 that date does not exist
    # (OverflowError in the notebook's chart cell, so `techplan run` made no plan).
    from techplan_nb.analysis import analyse
    from techplan_nb.charts import plan_charts

    source = tmp_path / "inputs.yaml"
    source.write_text(f"issue: {{number: 9, title: T}}\ntimeline:\n  start: {start}\n  phases:\n"
                      f"    - name: P\n      estimate: {days}\n", "utf-8")
    charts = plan_charts(analyse(load_path(source), as_of=dt.date(2026, 11, 20)))
    assert Image.open(io.BytesIO(charts["gantt"])).size[0] > 0


def test_the_png_holds_exactly_the_pixels_and_density_matplotlibs_savefig_writes(analysis) -> None:  # type: ignore[no-untyped-def]
    # For speed, charts.encode_png replaces savefig's Pillow encoder and charts._Renderer reuses the
    # text it measured and laid out for earlier figures: what the image shows must not change.
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from techplan_nb import charts

    drawn: list[Any] = []

    def keep(fig: Any) -> bytes:
        drawn.append(fig)
        return original(fig)

    original = charts._png
    charts.plan_charts(analysis)  # the labels below are drawn from the text caches
    charts._png = keep
    try:
        ours = charts.plan_charts(analysis)
    finally:
        charts._png = original
    assert len(drawn) == len(ours) == 3
    for fig, png in zip(drawn, ours.values(), strict=True):
        FigureCanvasAgg(fig)
        theirs = io.BytesIO()
        with charts._style():
            fig.savefig(theirs, format="png", dpi=charts.DPI)
        expected, got = Image.open(theirs), Image.open(io.BytesIO(png))
        assert (got.mode, got.size, got.info.get("dpi")) == (expected.mode, expected.size, expected.info.get("dpi"))
        assert np.array_equal(np.asarray(got), np.asarray(expected))


def test_the_text_caches_are_in_use_with_the_installed_matplotlib() -> None:
    # charts._Renderer leans on RendererAgg's and FT2Font's private text calls; should a matplotlib
    # release rename them, charts fall back to the stock renderer at twice the cost, and this says so.
    from techplan_nb import charts

    assert charts._FAST_TEXT
