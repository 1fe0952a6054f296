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


def risk_heatmap(analysis: Analysis) -> bytes:
    """Probability (rows, highest at the top) by impact (columns), each cell naming its open risks."""
    risk = analysis.risk
    matrix: Sequence[Sequence[Sequence[str]]] = risk.matrix
    rows, cols = len(matrix), len(matrix[0]) if matrix else 0
    with _style():
        fig = Figure(figsize=(5.6, 4.2))
        ax = fig.add_subplot()
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
        ax.set_xlim(0, cols)
        ax.set_ylim(0, rows)
        ax.set_xticks([c + 0.5 for c in range(cols)], list(risk.impact_labels))
        ax.set_yticks([r + 0.5 for r in range(rows)], list(reversed(risk.probability_labels)))
        ax.set_xlabel("Impact")
        ax.set_ylabel("Probability")
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_title(f"Risk heat-map: overall {risk.overall}")
        # Fixed margins, not tight_layout: it costs a whole extra draw per chart.
        fig.subplots_adjust(left=0.16, right=0.98, top=0.92, bottom=0.13)
        return _png(fig)


def _label(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def gantt(analysis: Analysis) -> bytes:
    """One bar per task from its start to its end; the critical path in red, slack as a hatched tail."""
    tasks = list(analysis.schedule.tasks)
    with _style():
        height = max(2.4, 0.34 * len(tasks) + 1.4)
        fig = Figure(figsize=(8.0, height))
        longest = max((len(_label(t.name)) for t in tasks), default=10)
        # Margins from the label length and the figure height (in inches), so no layout pass is needed.
        fig.subplots_adjust(left=min(0.45, (longest * 0.068 + 0.25) / 8.0), right=0.97, top=1 - 0.4 / height,
                            bottom=0.85 / height)
        ax = fig.add_subplot()
        for y, task in enumerate(tasks):
            start = matplotlib.dates.date2num(task.start)
            # End dates are inclusive working days: the bar covers the whole last day.
            width = matplotlib.dates.date2num(task.end) + 1 - start
            colour = CRITICAL if task.critical else NORMAL
            ax.barh(y, width, left=start, height=0.6, color=colour, edgecolor="none")
            if task.slack > 0:
                ax.barh(y, task.slack * 7 / 5, left=start + width, height=0.6, color="none",
                        edgecolor=colour, hatch="///", linewidth=0)
        ax.set_yticks(range(len(tasks)), [_label(t.name) for t in tasks])
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(matplotlib.dates.AutoDateLocator(maxticks=8))
        ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d %b"))
        handles: list[Any] = [matplotlib.patches.Patch(color=CRITICAL, label="critical path"),
                              matplotlib.patches.Patch(color=NORMAL, label="has slack (hatched)")]
        p80 = analysis.schedule.p80
        if p80 is not None:
            handles.append(ax.axvline(matplotlib.dates.date2num(p80) + 1, color="#333333", linestyle="--",
                                      linewidth=1, label=f"P80 finish {p80.isoformat()}"))
        fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False)
        ax.set_title("Schedule")
        return _png(fig)


def finish_distribution(analysis: Analysis) -> bytes:
    """Histogram of simulated project lengths in working days, with the P50/P80/P90 finish dates."""
    import numpy as np

    schedule = analysis.schedule
    samples = np.asarray(schedule.finish_samples, dtype=float)
    with _style():
        fig = Figure(figsize=(8.0, 2.8))
        ax = fig.add_subplot()
        low, high = float(samples.min()), float(samples.max())
        bins = max(1, min(40, int(np.ceil(high - low)) * 2 or 1))
        ax.hist(samples, bins=bins, range=(low, high if high > low else low + 1), color=NORMAL, alpha=0.8)
        marks: list[tuple[str, float, dt.date | None]] = [
            ("P50", 50.0, schedule.p50), ("P80", 80.0, schedule.p80), ("P90", 90.0, schedule.p90)]
        styles = {"P50": ":", "P80": "--", "P90": "-."}
        for name, q, when in marks:
            x = float(np.percentile(samples, q))
            label = f"{name} {when.isoformat()}" if when else name
            ax.axvline(x, color=CRITICAL if name == "P80" else "#333333", linestyle=styles[name], linewidth=1.2,
                       label=label)
        ax.legend(loc="upper right", fontsize=8, frameon=False)
        ax.set_xlabel("Working days to finish")
        ax.set_ylabel("Simulations")
        ax.set_title(f"Monte Carlo finish ({len(samples):,} runs)")
        fig.subplots_adjust(left=0.09, right=0.98, top=0.88, bottom=0.17)
        return _png(fig)


def plan_charts(analysis: Analysis) -> dict[str, bytes]:
    """Every chart the analysis has data for, keyed as render_plan's `charts` expects."""
    charts: dict[str, bytes] = {}
    if analysis.risk.register:
        charts["risk_heatmap"] = risk_heatmap(analysis)
    if analysis.schedule.tasks:
        charts["gantt"] = gantt(analysis)
        samples = analysis.schedule.finish_samples
        if samples is not None and len(samples):
            charts["finish_distribution"] = finish_distribution(analysis)
    return charts
