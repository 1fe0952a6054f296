"""The live preview: the rendered plan, its Markdown, and the risk heat-map and Gantt chart.

Text is cheap (a render is about a millisecond) and is redrawn on every refresh. Charts cost tens
of milliseconds each, so they are drawn only while the Charts tab is open and only when the part
of the inputs they show (risks, or timeline) has changed since the last drawing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import html
import json
import re
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as W
from markdown_it import MarkdownIt

from ..errors import TechPlanError
from ..model import PlanInput
from ..render import render_plan
from .gantt import diagram_note, gantt_html

DEBOUNCE_SECONDS = 0.25
"""Quiet time after the last keystroke before the preview is redrawn: typing stays smooth."""


class Debouncer:
    """Run `callback` once, `delay` seconds after the last trigger (at once when no event loop runs).

    In a kernel (JupyterLab, Voilà) widget events arrive on the kernel's asyncio loop, so the
    timer is that loop's `call_later`. Plain Python (tests, scripts) has no loop: the callback
    runs straight away, which keeps headless use simple and deterministic.
    """

    def __init__(self, delay: float, callback: Callable[[], None]) -> None:
        self.delay = delay
        self.callback = callback
        self._handle: asyncio.TimerHandle | None = None

    def trigger(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        loop = _running_loop()
        if self.delay <= 0 or loop is None:
            self.callback()
            return
        self._handle = loop.call_later(self.delay, self._fire)

    @property
    def pending(self) -> bool:
        return self._handle is not None

    def flush(self) -> None:
        """Run a pending callback now (before Save or Generate read the form)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
            self.callback()

    def _fire(self) -> None:
        self._handle = None
        self.callback()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"])
_TASK_ITEM = re.compile(r"<li>(?:<p>)?\[( |x)\] ")
_default_fence = _MD.renderer.rules["fence"]  # type: ignore[attr-defined]


def _fence(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    # The plan's Mermaid Gantt drawn as HTML bars (the preview has no Mermaid): never its source.
    token = tokens[idx]
    if token.info.strip().split(" ")[0] == "mermaid":
        return gantt_html(token.content) or diagram_note()
    return str(_default_fence(tokens, idx, options, env))


_MD.add_render_rule("fence", _fence)


def _cell_open(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    # A cell's text in a box as wide as it needs up to a limit (style.py): a table is as wide as its
    # text and scrolls sideways in a narrow preview, instead of squeezing each column to a word.
    return str(renderer.renderToken(tokens, idx, options, env)) + "<div class='tp-cell'>"


def _cell_close(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    return "</div>" + str(renderer.renderToken(tokens, idx, options, env))


for _kind in ("td", "th"):
    _MD.add_render_rule(f"{_kind}_open", _cell_open)
    _MD.add_render_rule(f"{_kind}_close", _cell_close)


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SPLIT_HEADING = re.compile(r"^#{2,3} ")


def sections(text: str) -> list[str]:
    """The plan split before each `##`/`###` heading outside code fences (each renders on its own).

    A heading always closes the paragraph, list or table before it, so the pieces render to the
    same HTML as the whole (tests/test_widgets.py checks this on real plans).
    """
    parts: list[list[str]] = [[]]
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence) and not line.strip()[len(marker):]:
                fence = None
        elif fence is None and _SPLIT_HEADING.match(line) and parts[-1]:
            parts.append([])
        parts[-1].append(line)
    return ["".join(part) for part in parts if part]


class MarkdownCache:
    """HTML of each plan section, kept while its text is unchanged.

    markdown-it is pure Python: the whole plan takes ~25 ms, longer than everything else a
    keystroke costs. A keystroke changes one section, so only that one is converted again.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._html: dict[str, str] = {}

    def render(self, text: str) -> str:
        out = []
        for part in sections(text):
            html_part = self._html.pop(part, None)
            if html_part is None:
                html_part = markdown_html(part)
            self._html[part] = html_part  # most recent last
            out.append(html_part)
        while len(self._html) > self.size:
            self._html.pop(next(iter(self._html)))
        return "".join(out)


def markdown_html(text: str) -> str:
    """Markdown as HTML for the preview. Raw HTML in the Markdown is shown as text, never run."""
    body = _MD.render(text)
    body = _TASK_ITEM.sub(lambda m: "<li class='tp-task-item'>" + ("☑ " if m.group(1) == "x" else "☐ "), body)
    return body.replace("<a href=", "<a target='_blank' rel='noopener noreferrer' href=")


def _chart_key(plan: PlanInput, part: str, as_of: dt.date, seed: int) -> str:
    if part == "risks":
        data: Any = [plan.risk_scale, [r.model_dump(mode="json") for r in plan.risks]]
    else:
        data = plan.timeline.model_dump(mode="json")
    return json.dumps([part, data, as_of.isoformat(), seed], sort_keys=True)


class Preview:
    """What the plan will look like, kept in step with the form."""

    CHART_TITLES = {"risk_heatmap": "Risk heat-map", "gantt": "Gantt chart", "finish_distribution": "Finish dates"}

    def __init__(self) -> None:
        self.note = W.HTML()
        self.note.add_class("tp-preview-note")
        self.plan_html = W.HTML()
        self.plan_html.add_class("tp-preview-plan")
        self.markdown = W.HTML()
        self.markdown.add_class("tp-preview-markdown")
        self.chart_note = W.HTML()
        # At their own size (one image pixel a screen pixel, so chart text is 11-12.5 px as drawn),
        # scrolling sideways in a narrow preview: shrunk to the column, it was 7-9 px.
        self.images = {key: W.Image(format="png", layout=W.Layout(width="auto", height="auto", display="none"))
                       for key in self.CHART_TITLES}
        for key, image in self.images.items():
            image.add_class(f"tp-chart-{key.replace('_', '-')}")
        # The histogram is drawn on request: the live preview keeps to the heat-map and the Gantt
        # chart, which is what a timeline edit needs to see (every generated plan has all three).
        self.show_finish = W.Checkbox(value=False, indent=False, layout=W.Layout(width="auto"),
                                      description="Also draw the Monte Carlo finish-date histogram (slower)")
        self.show_finish.add_class("tp-show-finish")
        self.show_finish.observe(self._on_show_finish, "value")
        # Each chart scrolls sideways in its own box, its scrollbar under it.
        frames = [W.Box([image], layout=W.Layout(width="100%", overflow="auto hidden"))
                  for image in self.images.values()]
        for frame in frames:
            frame.add_class("tp-chart-frame")
        charts_box = W.VBox([self.chart_note, *frames, self.show_finish], layout=W.Layout(width="100%"))
        self.tabs = W.Tab(children=[self._scroll(self.plan_html), self._scroll(charts_box),
                                    self._scroll(self.markdown)],
                          titles=["Plan", "Charts", "Markdown"])
        self.tabs.add_class("tp-preview-tabs")
        self.tabs.observe(self._on_tab, "selected_index")
        # Where the preview should scroll to (the section being edited): the page's script reads it.
        self.follow_marker = W.HTML(layout=W.Layout(height="0", overflow="hidden"))
        self.follow_marker.add_class("tp-follow-marker")
        self._follows = 0
        self.widget = W.VBox([self.note, self.tabs, self.follow_marker], layout=W.Layout(width="100%"))
        self.widget.add_class("tp-preview")
        self.text = ""
        self.html_cache = MarkdownCache()
        self.plan: PlanInput | None = None
        self._context: tuple[dt.date, int, Path | None] | None = None
        self._chart_keys: dict[str, str] = {}
        self._charts_pending: dict[str, str] | None = None
        self._chart_token = 0
        self._chart_executor: concurrent.futures.ThreadPoolExecutor | None = None
        self.timings: dict[str, float] = {}

    @staticmethod
    def _scroll(child: W.Widget) -> W.Box:
        box = W.Box([child], layout=W.Layout(width="100%", max_height="78vh", overflow="auto"))
        box.add_class("tp-scroll")
        return box

    def follow(self, heading: str | None) -> None:
        """Ask the page to scroll the Plan tab to `heading` (None: its top), as a section is opened."""
        self._follows += 1
        self.follow_marker.value = (f"<span class='tp-follow' data-heading='{html.escape(heading or '')}' "
                                    f"data-n='{self._follows}'></span>")

    @property
    def charts_visible(self) -> bool:
        return bool(self.tabs.selected_index == 1)

    def _on_show_finish(self, change: dict[str, Any]) -> None:
        if not change["new"]:
            self.images["finish_distribution"].layout.display = "none"
        self._chart_keys.pop("timeline", None)  # draw the timeline's charts again, with or without it
        if self.charts_visible and self.plan is not None and self._context is not None:
            self._update_charts(self.plan, *self._context[:2])

    def _on_tab(self, change: dict[str, Any]) -> None:
        if change["new"] == 1 and self.plan is not None and self._context is not None:
            self._update_charts(self.plan, *self._context[:2])

    def update(self, plan: PlanInput, *, as_of: dt.date, seed: int, template: Path | None) -> None:
        started = time.perf_counter()
        self.plan = plan
        self._context = (as_of, seed, template)
        try:
            text = render_plan(plan, as_of=as_of, seed=seed, template_path=template)
        except TechPlanError as exc:  # a team template's mistake, or a schedule that cannot be built
            self.note.value = f"<div class='tp-error'>⚠ The plan cannot be rendered: {html.escape(str(exc))}</div>"
            return
        rendered = time.perf_counter()
        if text != self.text:
            self.text = text
            self.plan_html.value = self.html_cache.render(text)
            self.markdown.value = f"<pre>{html.escape(text)}</pre>"
        self.note.value = ""
        self.timings = {"render": rendered - started, "text": time.perf_counter() - started}
        if self.charts_visible:
            self._update_charts(plan, as_of, seed)
        self.timings["total"] = time.perf_counter() - started

    def stale(self, problems: int) -> None:
        """Keep the last good preview, saying it is out of date until the problems are fixed."""
        them = "they are" if problems != 1 else "it is"
        what = "the preview shows the last valid version" if self.text else f"the preview appears once {them} fixed"
        if not self.text:
            # Not an empty frame that looks like a preview that failed to load.
            listed = "problems listed at the bottom are" if problems != 1 else "problem listed at the bottom is"
            self.plan_html.value = (f"<p class='tp-muted'>The plan appears here as you type, once the {listed} "
                                    "fixed.</p>")
        self.note.value = (f"<div class='tp-stale'>{problems} problem{'s' if problems != 1 else ''} in the form: "
                           f"{what}.</div>")

    def _update_charts(self, plan: PlanInput, as_of: dt.date, seed: int) -> None:
        wanted = {"risks": _chart_key(plan, "risks", as_of, seed),
                  "timeline": _chart_key(plan, "timeline", as_of, seed)}
        if wanted == self._chart_keys or wanted == self._charts_pending:
            return
        keys: list[str] = []
        if wanted["risks"] != self._chart_keys.get("risks"):
            keys.append("risk_heatmap")
        if wanted["timeline"] != self._chart_keys.get("timeline"):
            keys += ["gantt", "finish_distribution"] if self.show_finish.value else ["gantt"]
        self._chart_token += 1
        token = self._chart_token
        loop = _running_loop()
        if loop is None:  # plain Python: draw now
            self._apply_charts(token, wanted, _capture_charts(plan, as_of, seed, keys))
            return
        # In a kernel, matplotlib draws on a worker thread (a Gantt chart takes a tenth of a second
        # or more), so keystrokes keep arriving; a drawing overtaken by a newer change is dropped.
        self._charts_pending = wanted
        self.chart_note.value = "<span class='tp-muted'>Updating the charts…</span>"
        if self._chart_executor is None:
            self._chart_executor = concurrent.futures.ThreadPoolExecutor(max_workers=1,
                                                                         thread_name_prefix="techplan-charts")
        future = self._chart_executor.submit(_capture_charts, plan, as_of, seed, keys)
        future.add_done_callback(
            lambda done: loop.call_soon_threadsafe(self._apply_charts, token, wanted, done.result()))

    def _apply_charts(self, token: int, wanted: dict[str, str], outcome: tuple[dict[str, bytes | None], str]) -> None:
        if token != self._chart_token:
            return  # a newer change is being drawn
        self._charts_pending = None
        drawn, problem = outcome
        if problem:
            self.chart_note.value = problem
            return
        for key, png in drawn.items():
            image = self.images[key]
            if png is None:
                image.layout.display = "none"
            else:
                image.value = png
                image.layout.display = None
        missing = [self.CHART_TITLES[k] for k, image in self.images.items() if image.layout.display == "none"
                   and (k != "finish_distribution" or self.show_finish.value)]
        undated = self.plan is not None and self.plan.timeline.start is None and self.plan.timeline.phases
        self.chart_note.value = (f"<span class='tp-muted'>No data yet for: {', '.join(missing)} "
                                 + ("(the Gantt chart needs the timeline's start date)" if undated else
                                    "(add risks, or phases with tasks)") + ".</span>" if missing else "")
        self._chart_keys = wanted


def _capture_charts(plan: PlanInput, as_of: dt.date, seed: int,
                    keys: list[str]) -> tuple[dict[str, bytes | None], str]:
    """The PNG of each chart in `keys` (None when the plan has no data for it), or a problem to show."""
    started = time.perf_counter()
    try:
        from .. import charts
        from ..analysis import analyse
    except ImportError as exc:  # an install without matplotlib or the analysis
        return {}, f"<span class='tp-muted'>Charts are not available: {html.escape(str(exc))}</span>"
    try:
        analysis = analyse(plan, as_of=as_of, seed=seed)
        tasks = analysis.schedule.tasks
        # As charts.plan_charts decides for a generated plan: bars need dates, so a timeline
        # without a start date has no Gantt chart (drawing one anyway raised, and the preview
        # said "Updating the charts…" for ever).
        has = {"risk_heatmap": bool(analysis.risk.register),
               "gantt": bool(tasks) and all(t.start is not None and t.end is not None for t in tasks),
               "finish_distribution": bool(tasks) and len(analysis.schedule.finish_samples) > 0}
        draw: dict[str, Callable[[Any], bytes]] = {"risk_heatmap": charts.risk_heatmap, "gantt": charts.gantt,
                                                   "finish_distribution": charts.finish_distribution}
        drawn = {key: draw[key](analysis) if has[key] else None for key in keys}
    except TechPlanError as exc:
        return {}, f"<div class='tp-error'>⚠ {html.escape(str(exc))}</div>"
    except Exception as exc:  # noqa: BLE001 - on the worker thread it would vanish, leaving the note for ever
        traceback.print_exc()
        return {}, (f"<div class='tp-error'>⚠ The charts could not be drawn: {html.escape(type(exc).__name__)}: "
                    f"{html.escape(str(exc))}. This is a bug in techplan; please report it.</div>")
    CHART_SECONDS.append(time.perf_counter() - started)
    return drawn, ""


CHART_SECONDS: list[float] = []
"""How long each chart drawing took (read by benchmarks/form_preview.py)."""
