"""The plan's Mermaid Gantt block drawn as HTML for the preview (no script, nothing downloaded).

A generated plan carries its schedule as a Mermaid `gantt` block (GitHub draws it). The preview
has no Mermaid: the block's source read as text is no chart at all, and fetching Mermaid from a
CDN is refused (the app loads nothing from outside). The block is written by
`analysis.mermaid_gantt` in a fixed form -- `section NAME` lines, then `NAME :[done, ][crit, ]ID,
START, END` with ISO dates and END the day after the last -- so it is read back here and drawn as
bars in HTML, whose text is the page's own (readable at any preview width). A block this does
not understand (a team template's own diagram) is said to be a diagram, never shown as source.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

_TASK = re.compile(r"^(?P<name>.+?) :(?P<meta>[^:]+)$")
_STEPS = (1, 2, 7, 14, 28, 56, 91, 182, 364, 728)


@dataclass(frozen=True)
class Bar:
    section: str
    name: str
    start: dt.date
    end: dt.date  # the day after the last (Mermaid's end)
    critical: bool
    done: bool


def parse(source: str) -> tuple[str, list[Bar]] | None:
    """(title, bars) of a Mermaid gantt as `mermaid_gantt` writes it; None for anything else."""
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    if not lines or lines[0] != "gantt":
        return None
    title, section, bars = "Schedule", "", []
    for line in lines[1:]:
        keyword, _, rest = line.partition(" ")
        if keyword == "title":
            title = rest.strip()
        elif keyword == "section":
            section = rest.strip()
        elif keyword in ("dateFormat", "axisFormat", "excludes", "todayMarker"):
            continue
        else:
            match = _TASK.match(line)
            if match is None:
                return None
            meta = [part.strip() for part in match.group("meta").split(",")]
            tags = {part for part in meta if part in ("done", "crit", "active", "milestone")}
            dates = [part for part in meta if part not in tags]
            try:
                start, end = dt.date.fromisoformat(dates[-2]), dt.date.fromisoformat(dates[-1])
            except (IndexError, ValueError):
                return None
            if end < start:
                return None
            bars.append(Bar(section, match.group("name").strip().removeprefix("‣ "), start, end,
                            "crit" in tags, "done" in tags))
    return (title, bars) if bars else None


def _ticks(first: dt.date, last: dt.date, most: int = 6) -> list[dt.date]:
    span = max(1, (last - first).days)
    step = next((s for s in _STEPS if span / s <= most - 1), _STEPS[-1])
    if step >= 7:  # weekly and longer steps fall on Mondays
        first = first + dt.timedelta(days=(7 - first.weekday()) % 7)
    return [first + dt.timedelta(days=step * n) for n in range(span // step + 2)
            if first + dt.timedelta(days=step * n) <= last]


def gantt_html(source: str) -> str | None:
    """The Gantt chart as HTML (bars placed in percent of the plan's span), or None if not ours."""
    parsed = parse(source)
    if parsed is None:
        return None
    title, bars = parsed
    first = min(bar.start for bar in bars)
    last = max(bar.end for bar in bars)
    span = max(1, (last - first).days)

    def at(day: dt.date) -> float:
        return round(100 * (day - first).days / span, 3)

    days = _ticks(first, last)
    grid = "".join(f"<span class='tp-gantt-grid' style='left:{at(day)}%'></span>" for day in days)
    rows: list[str] = []
    section = None
    for bar in bars:
        if bar.section != section:
            section = bar.section
            if section:
                rows.append(f"<div class='tp-gantt-section'>{html.escape(section)}</div>")
        kind = "tp-gantt-done" if bar.done else "tp-gantt-crit" if bar.critical else "tp-gantt-normal"
        last_day = bar.end - dt.timedelta(days=1)
        when = f"{bar.start.isoformat()} to {last_day.isoformat()}"
        what = ", critical path" if bar.critical else ""
        what += ", done" if bar.done else ""
        left, width = at(bar.start), max(0.6, at(bar.end) - at(bar.start))
        rows.append(
            f"<div class='tp-gantt-row' title='{html.escape(bar.name)}: {when}{what}'>"
            f"<span class='tp-gantt-label'>{html.escape(bar.name)}</span>"
            f"<span class='tp-gantt-track'>{grid}<span class='tp-gantt-bar {kind}' "
            f"style='left:{left}%;width:{min(width, 100 - left)}%'></span></span></div>")
    ticks = "".join(f"<span class='tp-gantt-tick' style='left:{at(day)}%'>{day.strftime('%d %b')}</span>"
                    for day in days)
    count = f"{len(bars)} task{'s' if len(bars) != 1 else ''}"
    return (f"<figure class='tp-gantt' aria-label='{html.escape(title)}: Gantt chart'>"
            f"<figcaption class='tp-gantt-title'>Schedule: {count}, {first.isoformat()} to "
            f"{(last - dt.timedelta(days=1)).isoformat()}</figcaption>{''.join(rows)}"
            f"<div class='tp-gantt-row tp-gantt-axis'><span class='tp-gantt-label'></span>"
            f"<span class='tp-gantt-track'>{ticks}</span></div>"
            "<div class='tp-gantt-key'><span class='tp-gantt-swatch tp-gantt-crit'></span> critical path "
            "<span class='tp-gantt-swatch tp-gantt-normal'></span> has slack "
            "<span class='tp-gantt-swatch tp-gantt-done'></span> done</div></figure>")


def diagram_note() -> str:
    """What the preview shows for a Mermaid block it cannot draw: a note, never the source."""
    return ("<div class='tp-diagram-note'>A Mermaid diagram: GitHub draws it where the plan is viewed "
            "(its text is in the Markdown tab).</div>")
