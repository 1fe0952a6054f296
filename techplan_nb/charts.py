"""The plan's charts as PNG bytes: risk heat-map, Gantt chart, Monte-Carlo finish distribution.

The only module that imports matplotlib. It draws on Figure objects with the Agg canvas directly
(never pyplot), so no global figure state survives between plans in a reused kernel, and it fixes
the font, size and PNG metadata so the same analysis always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.dates
import matplotlib.patches
import matplotlib.ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis

DPI = 100
# DejaVu Sans ships inside matplotlib, so every machine draws the same glyphs.
_STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "path.simplify": True,
    "hatch.linewidth": 0.8,
    "svg.hashsalt": "techplan",
    # No mathtext anywhere: user text such as "$x^$" is shown as written, never parsed.
    "text.parse_math": False,
    # Unhinted glyphs: text is most of a chart's cost, and hinting adds two fifths to it.
    "text.hinting": "none",
}
LEVEL_COLOURS = {"High": "#d64541", "Medium": "#f2b134", "Low": "#5cb85c", "None": "#e0e0e0"}
CRITICAL = "#d64541"
NORMAL = "#4a78b5"


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(_STYLE):
        yield


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    # No "Software" or creation-time chunk: the bytes depend only on what is drawn.
    # Fast zlib level: batches draw thousands of charts, and the files stay small anyway.
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


# Speed matters: a batch draws three charts per plan, thousands of times. Axis ticks are the
# costly part of a matplotlib chart (each tick is several artists built by deep copy), so labels
# that never move are plain text, bars are drawn in one call, and margins are fixed (no
# tight_layout, which draws everything an extra time).


def risk_heatmap(analysis: Analysis) -> bytes:
    """Probability (rows, highest at the top) by impact (columns), each cell naming its open risks."""
    risk = analysis.risk
    matrix: Sequence[Sequence[Sequence[str]]] = risk.matrix
    rows, cols = len(matrix), len(matrix[0]) if matrix else 0
    with _style():
        fig = Figure(figsize=(5.6, 4.2))
        ax = fig.add_axes((0.17, 0.14, 0.8, 0.76))
        ax.set_axis_off()
        ax.set_xlim(0, cols)
        ax.set_ylim(0, rows)
        for r in range(rows):
            for c in range(cols):
                ids = list(matrix[r][c])
                # Row 0 (the highest probability) is drawn at the top.
                ax.add_patch(matplotlib.patches.Rectangle(
                    (c, rows - 1 - r), 1, 1, facecolor=LEVEL_COLOURS[risk.cell_level(r, c)],
                    alpha=0.9 if ids else 0.22, edgecolor="white", linewidth=2))
                if ids:
                    label = "\n".join(textwrap.wrap(", ".join(ids), 14)[:4])
                    ax.text(c + 0.5, rows - 0.5 - r, label, ha="center", va="center", fontsize=9,
                            fontweight="bold", color="#1a1a1a")
        for c, name in enumerate(risk.impact_labels):
            ax.text(c + 0.5, -0.06, name, ha="center", va="top")
        for r, name in enumerate(risk.probability_labels):
            ax.text(-0.06, rows - 0.5 - r, name, ha="right", va="center")
        ax.text(cols / 2, -0.3, "Impact", ha="center", va="top")
        ax.text(-0.55, rows / 2, "Probability", ha="center", va="center", rotation=90)
        ax.text(cols / 2, rows + 0.08, f"Risk heat-map: overall {risk.overall}", ha="center", va="bottom",
                fontsize=10, fontweight="bold")
        return _png(fig)


def _label(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _x_labels(ax: Any, positions: Sequence[float], labels: Sequence[str], *, grid: bool = True) -> None:
    """Axis labels as plain text (and a light grid): a fraction of what matplotlib's ticks cost."""
    ax.set_xticks([])
    transform = ax.get_xaxis_transform()
    for x, label in zip(positions, labels):
        ax.text(x, -0.03, label, ha="center", va="top", transform=transform)
    if grid and positions:
        ax.vlines(positions, 0, 1, transform=transform, colors="#dddddd", linewidth=0.6, zorder=0)


def _date_ticks(first: dt.date, last: dt.date, most: int = 7) -> list[dt.date]:
    span = max(1, (last - first).days)
    step = next(s for s in (1, 2, 7, 14, 28, 56, 91, 182, 364, 728, 1456) if span / s <= most - 1)
    if step >= 7:  # weekly and longer steps fall on Mondays
        first = first - dt.timedelta(days=first.weekday())
    count = span // step + 2
    return [first + dt.timedelta(days=step * n) for n in range(count) if first + dt.timedelta(days=step * n) <= last]


def gantt(analysis: Analysis) -> bytes:
    """One bar per task from its start to its end; the critical path in red, slack as a hatched tail."""
    import numpy as np

    tasks = list(analysis.schedule.tasks)
    height = max(2.4, 0.34 * len(tasks) + 1.4)
    longest = max((len(_label(t.name)) for t in tasks), default=10)
    left = min(0.45, (longest * 0.068 + 0.25) / 8.0)
    with _style():
        fig = Figure(figsize=(8.0, height))
        # Margins from the label length and the figure height (in inches), so no layout pass is needed.
        ax = fig.add_axes((left, 0.85 / height, 0.97 - left, 1 - 1.25 / height))
        starts = np.array([matplotlib.dates.date2num(t.start) for t in tasks])
        # End dates are inclusive working days: a bar covers the whole of its last day.
        widths = np.array([matplotlib.dates.date2num(t.end) + 1 for t in tasks]) - starts
        colours = [CRITICAL if t.critical else NORMAL for t in tasks]
        ax.barh(np.arange(len(tasks)), widths, left=starts, height=0.6, color=colours, edgecolor="none")
        slack = [(y, t) for y, t in enumerate(tasks) if t.slack > 0]
        if slack:
            # Slack is in working days; drawn on the calendar as 7/5 of that, near enough for a glance.
            ax.barh([y for y, _ in slack], [t.slack * 7 / 5 for _, t in slack],
                    left=[starts[y] + widths[y] for y, _ in slack], height=0.6, color="none",
                    edgecolor=[colours[y] for y, _ in slack], hatch="///", linewidth=0)
        first = min(t.start for t in tasks)
        last = max(t.end for t in tasks) + dt.timedelta(days=1)
        p80 = analysis.schedule.p80
        if p80 is not None:
            last = max(last, p80 + dt.timedelta(days=1))
            ax.axvline(matplotlib.dates.date2num(p80) + 1, color="#333333", linestyle="--", linewidth=1)
        ax.set_xlim(matplotlib.dates.date2num(first) - 0.5, matplotlib.dates.date2num(last) + 0.5)
        ax.set_ylim(len(tasks) - 0.5, -0.7)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        for y, task in enumerate(tasks):
            # parse_math=False: a name such as "$x^$" is text, not mathtext that fails the whole chart.
            ax.text(-0.01, y, _label(task.name), ha="right", va="center", transform=ax.get_yaxis_transform(),
                    parse_math=False)
        ticks = _date_ticks(first, last)
        _x_labels(ax, [float(matplotlib.dates.date2num(d)) for d in ticks], [d.strftime("%d %b") for d in ticks])
        # One line of key under the chart (a legend costs as much as the rest of the chart).
        key = "red: critical path    blue: has slack (hatched)"
        if p80 is not None:
            key += f"    dashed line: P80 finish {p80.isoformat()}"
        fig.text(0.5, 0.03, key, ha="center", va="bottom", fontsize=8, color="#333333")
        ax.set_title("Schedule")
        return _png(fig)


def finish_distribution(analysis: Analysis) -> bytes:
    """Histogram of simulated project lengths in working days, with the P50/P80/P90 finish dates."""
    import numpy as np

    schedule = analysis.schedule
    samples = np.asarray(schedule.finish_samples, dtype=float)
    with _style():
        fig = Figure(figsize=(8.0, 2.8))
        ax = fig.add_axes((0.04, 0.2, 0.94, 0.68))
        low, high = float(samples.min()), float(samples.max())
        bins = max(1, min(40, int(np.ceil(high - low)) * 2 or 1))
        counts, edges = np.histogram(samples, bins=bins, range=(low, high if high > low else low + 1))
        ax.stairs(counts, edges, fill=True, color=NORMAL, alpha=0.8)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_xlim(edges[0] - 0.25, edges[-1] + 0.25)
        ax.set_ylim(0, counts.max() * 1.18)
        whole = list(range(int(np.ceil(edges[0])), int(np.floor(edges[-1])) + 1))
        step = max(1, len(whole) // 10 + 1)
        _x_labels(ax, whole[::step], [str(v) for v in whole[::step]], grid=False)
        ax.text(0.5, -0.2, "Working days to finish", ha="center", va="top", transform=ax.transAxes)
        marks: list[tuple[str, float, dt.date | None]] = [
            ("P50", 50.0, schedule.p50), ("P80", 80.0, schedule.p80), ("P90", 90.0, schedule.p90)]
        styles = {"P50": ":", "P80": "--", "P90": "-."}
        for name, q, when in marks:
            x = float(np.percentile(samples, q))
            colour = CRITICAL if name == "P80" else "#333333"
            ax.axvline(x, color=colour, linestyle=styles[name], linewidth=1.2)
            ax.text(x, counts.max() * 1.16, f" {name}", color=colour, fontsize=8, ha="left", va="top")
        dates = ", ".join(f"{name} {when.isoformat()}" for name, _, when in marks if when)
        ax.set_title(f"Monte Carlo finish ({len(samples):,} runs)" + (f": {dates}" if dates else ""))
        return _png(fig)


def plan_charts(analysis: Analysis) -> dict[str, bytes]:
    """Every chart the analysis has data for, keyed as render_plan's `charts` expects."""
    charts: dict[str, bytes] = {}
    if analysis.risk.register:
        charts["risk_heatmap"] = risk_heatmap(analysis)
    if analysis.schedule.tasks:
        # Without timeline.start the schedule has working-day offsets but no dates to draw bars at.
        if all(t.start is not None and t.end is not None for t in analysis.schedule.tasks):
            charts["gantt"] = gantt(analysis)
        samples = analysis.schedule.finish_samples
        if samples is not None and len(samples):
            charts["finish_distribution"] = finish_distribution(analysis)
    return charts
