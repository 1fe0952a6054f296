"""The plan's charts as PNG bytes: risk heat-map, Gantt chart, Monte-Carlo finish distribution.

The only module that imports matplotlib. It draws on Figure objects with the Agg canvas directly
(never pyplot), so no global figure state survives between plans in a reused kernel, and it fixes
the font, size and PNG metadata so the same analysis always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math
import struct
import textwrap
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.lines
import matplotlib.patches
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font, RenderMode

from . import numfmt
from .schedule import percentiles

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.typing import RcKeyType

    from .analysis import Analysis
    from .schedule import TaskSchedule

DPI = 100
# DejaVu Sans ships inside matplotlib, so every machine draws the same glyphs.
_STYLE: dict[RcKeyType, Any] = {
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


_styled = threading.local()


@contextmanager
def _style() -> Iterator[None]:
    # Entered once for a plan's charts (plan_charts), not once per chart: an rc_context copies,
    # sets and restores every one of matplotlib's ~300 settings, validating each.
    if getattr(_styled, "active", False):
        yield
        return
    # From matplotlib's own defaults, not the settings it read at import: those include a
    # matplotlibrc in the working folder, which a repository can hold (it turned the HTML export's
    # charts red, or made them unreadable).
    defaults: dict[RcKeyType, Any] = {key: value for key, value in matplotlib.rcParamsDefault.items()
                                      if key != "backend"}
    with matplotlib.rc_context({**defaults, **_STYLE}):
        _styled.active = True
        try:
            yield
        finally:
            _styled.active = False


class _Renderer(RendererAgg):
    """Agg that remembers text it has measured and laid out, across figures.

    Text is most of a chart's cost, and matplotlib keeps its text caches per renderer, which a new
    figure replaces: a batch measured and shaped the same labels thousands of times. The glyphs are
    still drawn one by one as RendererAgg draws them, with the same FreeType calls and the same
    transforms, so the pixels are the same (a test compares them with the stock renderer's)."""

    def get_text_width_height_descent(self, s: str, prop: Any, ismath: Any) -> tuple[float, float, float]:
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        found = _METRICS.get((s, prop, self.dpi, get_hinting_flag()))
        if found is None:  # kept under a copy: a FontProperties' hash follows its mutable state
            found = _METRICS[(s, prop.copy(), self.dpi, get_hinting_flag())] = super().get_text_width_height_descent(
                s, prop, ismath)
        return found

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False,
                  mtext: Any = None) -> None:
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        flags = get_hinting_flag()
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        # Per thread, as matplotlib keeps its fonts: a layout holds the FT2Font objects it draws with.
        thread = threading.get_ident()
        items = _LAYOUTS.get((s, prop, self.dpi, flags, features, language, thread))
        if items is None:
            font = self._prepare_font(prop)
            items = _LAYOUTS[(s, prop.copy(), self.dpi, flags, features, language, thread)] = [
                (item.ft_object, item.glyph_index, item.x, item.y)
                for item in font._layout(s, flags=flags, features=features, language=language)]
        size = prop.get_size_in_points()
        # RendererAgg._draw_text_glyphs_and_boxes, with the transform (the same for every glyph of
        # a text) computed once instead of per glyph, and each glyph's bitmap kept: FreeType draws
        # a glyph at a position's fraction of a pixel (1/64ths) alike wherever the whole pixels put
        # it, and the labels of a batch's charts use about a thousand such glyphs in all.
        radians = math.radians(angle)
        cos, sin = math.cos(radians), math.sin(radians)
        matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]]) @ [[1, 0], [0, 1]]).round().astype(int)
        mode = RenderMode.NORMAL if gc.get_antialiased() else RenderMode.MONO
        height = self.height
        for font, glyph_index, dx, dy in items:
            across = round(0x40 * (x + dx * cos - dy * sin))
            up = round(0x40 * (height - y + dx * sin + dy * cos))
            key = (font, size, self.dpi, glyph_index, angle, across & 63, up & 63, flags, mode)
            glyph = _GLYPHS.get(key)
            if glyph is None:
                font.set_size(size, self.dpi)
                font._set_transform(matrix, [across & 63, up & 63])
                bitmap = font._render_glyph(glyph_index, flags, mode)
                buffer = bitmap.buffer
                if mode is RenderMode.MONO:
                    buffer *= 0xff
                glyph = _GLYPHS[key] = (np.array(buffer, copy=True), bitmap.left, bitmap.top)
            buffer, left, top = glyph
            self._renderer.draw_text_image(buffer, left + (across >> 6),
                                           int(height) - (top + (up >> 6)) + buffer.shape[0], 0, gc)
        return None


# Cleared when full: the labels that repeat (dates, levels, axis names) are back after a plan or
# two, and a reused kernel's memory stays bounded (a layout holds a few KiB at most).
_METRICS: dict[tuple[Any, ...], tuple[float, float, float]] = {}
_LAYOUTS: dict[tuple[Any, ...], list[tuple[Any, int, float, float]]] = {}
_GLYPHS: dict[tuple[Any, ...], tuple[Any, int, int]] = {}
_CACHE_LIMIT = 4000
_FAST_TEXT = all(hasattr(RendererAgg, name) for name in ("_prepare_font", "_draw_text_glyphs_and_boxes")) and all(
    hasattr(FT2Font, name) for name in ("_layout", "_set_transform", "_render_glyph"))


class _Canvas(FigureCanvasAgg):
    def get_renderer(self) -> RendererAgg:
        if not _FAST_TEXT:  # another matplotlib than the one these internals are written for
            return super().get_renderer()
        w, h = self.get_width_height(physical=True)
        key = (w, h, self.figure.dpi)
        if self._lastKey != key:
            self.renderer = _Renderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def _png(fig: Figure) -> bytes:
    for cache in (_METRICS, _LAYOUTS, _GLYPHS):
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
    canvas = _Canvas(fig)
    canvas.draw()
    return encode_png(np.asarray(canvas.buffer_rgba()))


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PIXELS_PER_METRE = round(DPI / 0.0254)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(rgba: np.ndarray) -> bytes:
    """An RGBA image (height x width x 4, uint8) as PNG bytes: the pixels savefig would write.

    savefig hands the pixels to Pillow, whose encoder tries five row filters on every row and keeps
    the best (a fifth of a batch plan's CPU for three charts); these charts are mostly flat colour,
    which zlib's fastest level packs about as small without filtering, in a third of the time. No
    "Software" or creation-time chunk: the bytes depend only on what is drawn."""
    height, width, _ = rgba.shape
    rows = np.empty((height, width * 4 + 1), dtype=np.uint8)
    rows[:, 0] = 0  # filter type None
    rows[:, 1:] = rgba.reshape(height, width * 4)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA, not interlaced
    density = struct.pack(">IIB", _PIXELS_PER_METRE, _PIXELS_PER_METRE, 1)
    return (_PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"pHYs", density)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + _chunk(b"IEND", b""))


# Speed matters: a batch draws three charts per plan, thousands of times. Creating a matplotlib
# Axes costs a fifth of a chart (spines, axes, ticks built by deep copy) and tight_layout draws
# everything twice, so these charts have no Axes: a _Frame maps data coordinates to figure
# fractions and every mark is a figure-level artist. Text, the rest of the cost, is kept short.


class _Frame:
    """A rectangle of the figure with data limits: where an Axes would be, without its cost."""

    def __init__(self, fig: Figure, rect: tuple[float, float, float, float], xlim: tuple[float, float],
                 ylim: tuple[float, float]) -> None:
        self.fig = fig
        self.left, self.bottom, self.width, self.height = rect
        self.x0, self.x1 = xlim
        self.y0, self.y1 = ylim

    def fx(self, x: float) -> float:
        return self.left + (x - self.x0) / (self.x1 - self.x0) * self.width

    def fy(self, y: float) -> float:
        return self.bottom + (y - self.y0) / (self.y1 - self.y0) * self.height

    def rect(self, x: float, y: float, w: float, h: float, **style: Any) -> None:
        x0, y0, x1, y1 = self.fx(x), self.fy(y), self.fx(x + w), self.fy(y + h)
        self.fig.add_artist(matplotlib.patches.Rectangle(
            (min(x0, x1), min(y0, y1)), abs(x1 - x0), abs(y1 - y0), transform=self.fig.transFigure, **style))

    def line(self, xs: Sequence[float], ys: Sequence[float], **style: Any) -> None:
        self.fig.add_artist(matplotlib.lines.Line2D([self.fx(x) for x in xs], [self.fy(y) for y in ys],
                                                    transform=self.fig.transFigure, **style))

    def polygon(self, points: Sequence[tuple[float, float]], **style: Any) -> None:
        self.fig.add_artist(matplotlib.patches.Polygon([(self.fx(x), self.fy(y)) for x, y in points],
                                                       closed=True, transform=self.fig.transFigure, **style))

    def text(self, x: float, y: float, text: str, **style: Any) -> None:
        self.fig.text(self.fx(x), self.fy(y), text, **style)


def _title(fig: Figure, text: str, top: float) -> None:
    fig.text(0.5, top, text, ha="center", va="bottom", fontsize=10, fontweight="bold")


def risk_heatmap(analysis: Analysis) -> bytes:
    """Probability (rows, highest at the top) by impact (columns), each cell naming its open risks."""
    risk = analysis.risk
    matrix: Sequence[Sequence[Sequence[str]]] = risk.matrix
    rows, cols = len(matrix), len(matrix[0]) if matrix else 0
    with _style():
        fig = Figure(figsize=(5.6, 4.2))
        frame = _Frame(fig, (0.17, 0.14, 0.8, 0.76), (0, cols), (0, rows))
        for r in range(rows):
            for c in range(cols):
                ids = list(matrix[r][c])
                # Row 0 (the highest probability) is drawn at the top.
                frame.rect(c, rows - 1 - r, 1, 1, facecolor=LEVEL_COLOURS[risk.cell_level(r, c)],
                           alpha=0.9 if ids else 0.22, edgecolor="white", linewidth=2)
                if ids:
                    label = "\n".join(textwrap.wrap(", ".join(ids), 14)[:4])
                    frame.text(c + 0.5, rows - 0.5 - r, label, ha="center", va="center", fontweight="bold",
                               color="#1a1a1a")
        for c, name in enumerate(risk.impact_labels):
            frame.text(c + 0.5, -0.06, name, ha="center", va="top")
        for r, name in enumerate(risk.probability_labels):
            frame.text(-0.06, rows - 0.5 - r, name, ha="right", va="center")
        frame.text(cols / 2, -0.3, "Impact", ha="center", va="top")
        frame.text(-0.55, rows / 2, "Probability", ha="center", va="center", rotation=90)
        _title(fig, f"Risk heat-map: overall {risk.overall}", frame.fy(rows) + 0.02)
        return _png(fig)


def _label(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _date_ticks(first: dt.date, last: dt.date, most: int = 7) -> list[dt.date]:
    span = max(1, (last - first).days)
    step = next(s for s in (1, 2, 7, 14, 28, 56, 91, 182, 364, 728, 1456) if span / s <= most - 1)
    if step >= 7:  # weekly and longer steps fall on Mondays
        first = first - dt.timedelta(days=first.weekday())
    # Compared in days, not as dates: the tick after the last may lie past 9999-12-31.
    days = (last - first).days
    return [first + dt.timedelta(days=step * n) for n in range(span // step + 2) if step * n <= days]


def _dates(task: TaskSchedule) -> tuple[dt.date, dt.date]:
    if task.start is None or task.end is None:
        raise ValueError(f"task {task.id} has no dates (plan_charts draws a Gantt only when every task has them)")
    return task.start, task.end


def gantt(analysis: Analysis) -> bytes:
    """One bar per task from its start to its end; the critical path in red, slack as a hatched tail."""
    tasks = list(analysis.schedule.tasks)
    spans = [_dates(t) for t in tasks]
    height = max(2.4, 0.34 * len(tasks) + 1.4)
    longest = max((len(_label(t.name)) for t in tasks), default=10)
    left = min(0.45, (longest * 0.068 + 0.25) / 8.0)
    first = min(start for start, _ in spans)
    last = max(end for _, end in spans) + dt.timedelta(days=1)
    p80 = analysis.schedule.p80
    if p80 is not None:
        last = max(last, p80 + dt.timedelta(days=1))
    origin = first.toordinal()
    with _style():
        fig = Figure(figsize=(8.0, height))
        # Margins from the label length and the figure height (in inches), so no layout pass is needed.
        frame = _Frame(fig, (left, 0.85 / height, 0.97 - left, 1 - 1.25 / height),
                       (-0.5, last.toordinal() - origin + 0.5), (len(tasks) - 0.5, -0.7))
        ticks = _date_ticks(first, last)
        for day in ticks:
            frame.line([day.toordinal() - origin] * 2, [len(tasks) - 0.5, -0.7], color="#dddddd", linewidth=0.6,
                       zorder=0.5)
            fig.text(frame.fx(day.toordinal() - origin), frame.fy(len(tasks) - 0.5) - 0.06 / height,
                     day.strftime("%d %b"), ha="center", va="top")
        frame.line([-0.5, last.toordinal() - origin + 0.5], [len(tasks) - 0.5] * 2, color="black", linewidth=0.8)
        for y, (task, (task_start, task_end)) in enumerate(zip(tasks, spans, strict=True)):
            start = task_start.toordinal() - origin
            # End dates are inclusive working days: a bar covers the whole of its last day.
            width = task_end.toordinal() + 1 - task_start.toordinal()
            colour = CRITICAL if task.critical else NORMAL
            frame.rect(start, y - 0.3, width, 0.6, facecolor=colour, edgecolor="none")
            if task.slack > 0:
                # Slack is in working days; drawn on the calendar as 7/5 of that, near enough for a glance.
                frame.rect(start + width, y - 0.3, task.slack * 7 / 5, 0.6, facecolor="none", edgecolor=colour,
                           hatch="///", linewidth=0)
            # parse_math=False: a name such as "$x^$" is text, not mathtext that fails the whole chart.
            fig.text(left - 0.01, frame.fy(y), _label(task.name), ha="right", va="center", parse_math=False)
        if p80 is not None:
            x = p80.toordinal() + 1 - origin
            frame.line([x, x], [len(tasks) - 0.5, -0.7], color="#333333", linestyle="--", linewidth=1)
        # One line of key under the chart (a legend costs as much as the rest of the chart).
        key = "red: critical path    blue: has slack (hatched)"
        if p80 is not None:
            key += f"    dashed line: P80 finish {p80.isoformat()}"
        fig.text(0.5, 0.03, key, ha="center", va="bottom", fontsize=8, color="#333333")
        _title(fig, "Schedule", frame.fy(-0.7) + 0.01)
        return _png(fig)


def finish_distribution(analysis: Analysis) -> bytes:
    """Histogram of simulated project lengths in working days, with the P50/P80/P90 finish dates."""
    schedule = analysis.schedule
    samples = np.asarray(schedule.finish_samples, dtype=float)
    low, high = float(samples.min()), float(samples.max())
    bins = max(1, min(40, int(np.ceil(high - low)) * 2 or 1))
    counts, edges = np.histogram(samples, bins=bins, range=(low, high if high > low else low + 1))
    top = float(counts.max()) * 1.18
    with _style():
        fig = Figure(figsize=(8.0, 2.8))
        frame = _Frame(fig, (0.04, 0.2, 0.94, 0.68), (float(edges[0]) - 0.25, float(edges[-1]) + 0.25), (0, top))
        outline = [(float(edges[0]), 0.0)]
        for n, count in enumerate(counts):
            outline += [(float(edges[n]), float(count)), (float(edges[n + 1]), float(count))]
        outline.append((float(edges[-1]), 0.0))
        frame.polygon(outline, facecolor=NORMAL, alpha=0.8, edgecolor="none")
        frame.line([frame.x0, frame.x1], [0, 0], color="black", linewidth=0.8)
        whole = list(range(int(np.ceil(edges[0])), int(np.floor(edges[-1])) + 1))
        for value in whole[:: max(1, len(whole) // 10 + 1)]:
            frame.text(value, -top * 0.03, str(value), ha="center", va="top")
        frame.text((frame.x0 + frame.x1) / 2, -top * 0.2, "Working days to finish", ha="center", va="top")
        marks: list[tuple[str, float, dt.date | None]] = [
            ("P50", 50.0, schedule.p50), ("P80", 80.0, schedule.p80), ("P90", 90.0, schedule.p90)]
        styles = {"P50": ":", "P80": "--", "P90": "-."}
        for name, q, _ in marks:
            x = float(percentiles(samples, (q,))[0])
            colour = CRITICAL if name == "P80" else "#333333"
            frame.line([x, x], [0, top], color=colour, linestyle=styles[name], linewidth=1.2)
            frame.text(x, top * 0.98, f" {name}", color=colour, fontsize=8, ha="left", va="top")
        dates = ", ".join(f"{name} {when.isoformat()}" for name, _, when in marks if when)
        _title(fig, f"Monte Carlo finish ({numfmt.count(len(samples))} runs)" + (f": {dates}" if dates else ""), 0.9)
        return _png(fig)


def plan_charts(analysis: Analysis) -> dict[str, bytes]:
    """Every chart the analysis has data for, keyed as render_plan's `charts` expects."""
    with _style():
        return _plan_charts(analysis)


def _plan_charts(analysis: Analysis) -> dict[str, bytes]:
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
