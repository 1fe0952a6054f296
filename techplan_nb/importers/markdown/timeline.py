"""Implementation Timeline: `### Phase N` headings with their meta line and task lines, or the work
plans prose documents write (milestone tables, numbered steps, milestone sub-headings)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...plan_format import lines
from .. import prose
from ..mdtext import table_cells, unescape
from .blocks import Block
from .computed import is_computed, read_settings
from .outline import PHASE_HEADING, Section, core_title, heading_text

if TYPE_CHECKING:
    from .importer import Page


_DAYS = re.compile(
    r"\((?:~|≈)?\s*(?P<low>\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(?P<high>\d+(?:\.\d+)?))?\s*"
    r"(?:working\s+|business\s+)?(?P<unit>days?|d|weeks?|w|hours?|hrs?|h)\)\s*$",
    re.IGNORECASE)


_SPAN = (r"(?:~|≈)?\s*\d+(?:\.\d+)?(?:\s*(?:-|–|to)\s*\d+(?:\.\d+)?)?\s*(?:working\s+|business\s+)?"
         r"(?:days?|d|weeks?|w|hours?|hrs?|h)")


# (?<!\s): a match starts where a run of blanks does, not at each of its characters (quadratic).
_SPAN_ELSEWHERE = re.compile(rf"(?<!\s)(?:\s+[—–-]\s+({_SPAN})|\s*\[\s*({_SPAN})\s*\])\s*$", re.IGNORECASE)


def bracketed_duration(title: str) -> str:
    """A phase heading's duration after a dash or in brackets ("Foundation — 3 days", "Build [2-3 days]")
    written the template's way, "Foundation (3 days)"; any other title as it is."""
    match = _SPAN_ELSEWHERE.search(title)
    return f"{title[:match.start()]} ({(match.group(1) or match.group(2)).strip()})" if match else title


def days_value(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


_DAYS_PLACEHOLDER = re.compile(r"\(\s*X\s+days?\s*\)\s*$", re.IGNORECASE)


@dataclass
class PhaseDraft:
    """One phase as it is read, before it becomes the inputs' phase."""

    name: str
    estimate: Any = None  # from its heading ("(3 days)"), a table's duration or a step's
    id: str | None = None
    depends_on: list[str] | None = None
    meta_estimate: Any = None  # the **Estimate** of the meta line a generated plan prints under the heading
    meta_read: bool = False
    listed: bool = False  # its task list (or "_Not specified._") has been read
    tasks: list[dict[str, Any]] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        # A phase with tasks is estimated by them. A generated plan states a phase's own estimate
        # in its meta line: the days in its heading were computed, so the meta line's is the one.
        if self.estimate is not None and not self.tasks and not self.meta_read:
            data["estimate"] = self.estimate
        data["name"] = self.name
        if self.id is not None:
            data["id"] = self.id
        if self.depends_on is not None:
            data["depends_on"] = self.depends_on
        if self.tasks:
            data["tasks"] = self.tasks
        if self.items:
            data["items"] = self.items
        if self.meta_read and not self.tasks and self.meta_estimate is not None:
            data["estimate"] = self.meta_estimate
        return data


def read_timeline(page: Page, blocks: list[Block], section: Section) -> set[int]:
    consumed: set[int] = set()
    phases: list[PhaseDraft] = []
    current: PhaseDraft | None = None
    for index, block in enumerate(blocks):
        if page.is_not_specified(block) and not phases and not marker_seen(page, blocks, consumed):
            consumed.add(index)
            continue
        if block.kind == "heading":
            title = heading_text(page.lines, block)
            if PHASE_HEADING.match(core_title(title)) or PHASE_HEADING.match(title):
                current = read_phase(page, title, block.start, len(phases) + 1)
                phases.append(current)
                consumed.add(index)
                continue
            if is_computed(page, blocks, index):
                consumed.update((index, index + 1))
                read_settings(page, blocks[index + 1])
                current = None
                continue
            current = None
            continue
        if current is None:
            continue
        if block.kind == "paragraph" and not current.meta_read and not current.listed:
            if read_phase_meta(page, page.source(block.start, block.end).strip(), current):
                current.meta_read = True
                consumed.add(index)
                continue
        # Every phase the template prints has a list or "_Not specified._" (which sets
        # `listed`), so a numbered list read here is a person's, not kept content after it.
        if block.kind in ("bullet_list", "ordered_list") and not current.listed:
            tasks: list[dict[str, Any]] = []
            items: list[Any] = []
            leftovers: list[Any] = []
            for item, text in page.items(block):
                task = read_task(page, text, item.start) if text is not None else None
                if task is not None and not items:
                    tasks.append(task)
                    continue
                value = page.list_value(item, text, True)
                (items if value is not None else leftovers).append(value if value is not None else item)
            if tasks or items:
                current.listed = True
                current.tasks, current.items = tasks, items
                consumed.add(index)
                if leftovers:
                    page.keep("timeline", "after", page.residual_list(leftovers))
            continue
        if page.is_not_specified(block) and not current.listed:
            current.listed = True
            consumed.add(index)
            continue
    if phases:
        page.set("timeline.phases", [phase.to_data() for phase in phases])
    elif not consumed:
        consumed = read_work_plan(page, blocks, section.heading.level if section.heading is not None else 2)
    return consumed


def read_work_plan(page: Page, blocks: list[Block], level: int) -> set[int]:
    """Phases written the way prose documents write them, where there are no "Phase N" headings: a
    milestone or phase table (`| Milestone | Date |`, `| Phase | Duration | Deliverables |`), or
    else a numbered work plan above the section's first sub-heading ("1. Build X (2 weeks)"; a
    bullet list too when its steps state durations). Each row or step is a phase; its duration is
    the estimate, a date stays in the phase's name."""
    for index, block in enumerate(blocks):
        if block.kind == "table" and read_phase_table(page, block):
            return {index}
    milestones = read_milestone_headings(page, blocks, level)
    if milestones:
        return milestones
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            break
        if block.kind not in ("bullet_list", "ordered_list"):
            continue
        steps = page.items(block)
        if block.kind == "bullet_list" and not any(text and prose.states_duration(text) for _, text in steps):
            continue
        phases: list[PhaseDraft] = []
        leftovers: list[Block] = []
        first: int | None = None
        for item, text in steps:
            if text is None or not text.strip():
                leftovers.append(item)
                continue
            phases.append(read_phase(page, text, item.start, len(phases) + 1))
            first = item.start if first is None else first
        if first is None or not page.fits(phases, first, "timeline"):
            continue
        page.set("timeline.phases", [phase.to_data() for phase in phases])
        if leftovers:
            page.keep_leftovers("timeline", leftovers, first)
        page.note(first, f"the {'numbered ' if block.kind == 'ordered_list' else ''}list is read as the plan's "
                         f"phases, one a step ({len(phases)})")
        return {index}
    return set()


def read_milestone_headings(page: Page, blocks: list[Block], level: int) -> set[int]:
    """Milestones as sub-headings each with its list ("#### Alpha" and its criteria, "#### Beta ->
    GA"): a phase each, its items the list's. Read from the first such pair while they follow one
    another; a sub-heading with other content between it and its list ends the run, and it stays
    as written after the phases (so nothing changes order)."""
    consumed: set[int] = set()
    phases: list[PhaseDraft] = []
    index = next((i for i, b in enumerate(blocks) if b.kind == "heading"), len(blocks))
    while index + 1 < len(blocks):
        heading, body = blocks[index], blocks[index + 1]
        if heading.kind != "heading" or heading.level <= level or body.kind not in ("bullet_list", "ordered_list"):
            break
        if index + 2 < len(blocks) and blocks[index + 2].kind != "heading":
            break  # more under the milestone than its list: it stays as written
        steps = page.items(body)
        items = [page.list_value(item, text, True) for item, text in steps]
        if not items or None in items:
            break
        phase = read_phase(page, heading_text(page.lines, heading), heading.start, len(phases) + 1)
        phase.items = items
        phases.append(phase)
        consumed.update((index, index + 1))
        index += 2
    if not phases:
        return set()
    page.set("timeline.phases", [phase.to_data() for phase in phases])
    page.note(blocks[min(consumed)].start, f"the sub-headings with a list each are read as the plan's phases "
                                           f"({len(phases)}), the lists as their items")
    return consumed


def read_phase_table(page: Page, block: Block) -> bool:
    rows = [table_cells(line) for line in page.lines[block.start:block.end]]
    columns = prose.phase_columns([core_title(unescape(cell)) for cell in rows[0]])
    if columns is None:
        return False
    phases: list[PhaseDraft] = []
    rejected: list[int] = []
    dated = False
    for offset, cells in enumerate(rows[2:], start=2):
        line = block.start + offset
        row = dict(zip(columns, cells, strict=True)) if len(cells) == len(columns) else {}
        name = row.get("name", "").strip()
        if not name or not re.search(r"\w", unescape(name)):
            rejected.append(line)
            continue
        title = name
        if row.get("date", "").strip():
            title, dated = f"{title} ({row['date'].strip()})", True
        if row.get("duration", "").strip():
            title = f"{title} ({row['duration'].strip()})"
        phase = read_phase(page, title, line, len(phases) + 1)
        items = [page.reader.cell(cells[i], line) for i, part in enumerate(columns) if part == "items"]
        phase.items = [item for item in items if item]
        phases.append(phase)
    if not phases:
        return False
    page.set("timeline.phases", [phase.to_data() for phase in phases])
    page.note(block.start, f"the table is read as the plan's phases, one a row ({len(phases)})" +
              ("; a milestone's date is kept in its phase's name (a phase has an estimate, not a date)"
               if dated else ""))
    if rejected:
        page.keep("timeline", "after", "\n".join(page.lines[block.start:block.start + 2] +
                                                 [page.lines[n] for n in rejected]))
    return True


def read_phase(page: Page, title: str, line: int, position: int) -> PhaseDraft:
    match = re.match(r"^\s*Phase\s+(\d+)\s*[:.\-–—]?\s*", title, re.IGNORECASE)
    rest = title[match.end():] if match else title
    if match and int(match.group(1)) != position and not any("numbers phases from 1" in n for n in page.notes):
        page.note(line, f"'Phase {match.group(1)}' is the plan's phase {position}: the template numbers "
                        "phases from 1 in order, and prints it so")
    estimate: Any = None
    rest = bracketed_duration(rest)
    days = _DAYS.search(rest)
    if days and not 0 < float(days.group("low")) <= float(days.group("high") or days.group("low")):
        # "(0 days)" or "(5-3 days)" is no estimate: the words stay in the phase's name.
        page.note(line, f"the phase's duration {days.group(0).strip()!r} is not an estimate (zero, or a range "
                        "that runs backwards); it is kept in the phase's name")
        days = None
    if days:
        low, high = float(days.group("low")), float(days.group("high") or days.group("low"))
        if days.group("unit").lower().startswith("w"):
            low, high = low * 5, high * 5
            page.note(line, "a phase given in weeks is imported as working days (5 a week)")
        elif days.group("unit").lower().startswith("h"):
            low, high = low / 8, high / 8
            page.note(line, "a phase given in hours is imported as working days (8 hours a day)")
        estimate = days_value(low) if low == high else f"{days_value(low)}-{days_value(high)}"
        rest = rest[:days.start()].rstrip()
    elif _DAYS_PLACEHOLDER.search(rest):
        page.note(line, "the phase's duration is the template's '(X days)'; give it an estimate")
        rest = rest[:_DAYS_PLACEHOLDER.search(rest).start()].rstrip()  # type: ignore[union-attr]
    name = page.reader.heading(rest, line) if rest.strip() else ""
    return PhaseDraft(name or f"Phase {position}", estimate)


def read_phase_meta(page: Page, text: str, phase: PhaseDraft) -> bool:
    """The line under a phase heading (plan_format.lines.phase_meta), into the phase."""
    meta = lines.parse_phase_meta(text)
    if meta is None:
        return False
    phase.id = meta.id if meta.id is not None else phase.id
    phase.depends_on = meta.depends_on if meta.depends_on is not None else phase.depends_on
    phase.meta_estimate = meta.estimate
    return True


def read_task(page: Page, text: str, line: int) -> dict[str, Any] | None:
    """A task line the plan printed (plan_format.lines.task_line) as the inputs' task."""
    parsed = lines.parse_task_line(text)
    name = page.reader.inline(parsed.name, line) if parsed is not None else ""
    if parsed is None or not name:
        return None
    task: dict[str, Any] = {"id": parsed.id, "name": name, "estimate": parsed.estimate}
    if parsed.depends_on is not None:
        task["depends_on"] = parsed.depends_on
    if parsed.done:
        task["done"] = True
    return task


def marker_seen(page: Page, blocks: list[Block], consumed: set[int]) -> bool:
    return any(page.is_not_specified(blocks[i]) for i in consumed)
