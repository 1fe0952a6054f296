"""What the risk and schedule analysis prints into a plan: recognised and skipped (rendering recomputes
it), except the settings it prints among its lines, which are inputs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...plan_format import lines
from ...plan_format.lines import split_label
from .blocks import Block
from .outline import heading_text

if TYPE_CHECKING:
    from .importer import Page


# The analysis' own sub-headings (exactly as it prints them) and the one block under each.
COMPUTED_HEADINGS = {"Risk matrix (probability × impact)": "table", "Risk summary": "bullet_list",
                     "Schedule summary": "bullet_list", "Gantt chart": "fence"}


_COMPUTED_LABELS = {"overall risk", "open risks", "scale", "flags", "start", "weekends", "holidays",
                    "country holidays", "expected duration", "finish (monte carlo)", "p80 with contingency",
                    "contingency rule", "critical path", "holidays in range"}


CHART_IMAGE = re.compile(r"^!\[(Risk heat-map|Schedule: Gantt chart|Monte Carlo distribution)[^\]]*\]\([^)]*\)\s*$")


def is_computed(page: Page, blocks: list[Block], index: int) -> bool:
    """A heading the analysis prints (risk matrix, schedule summary, ...) with its block after it;
    both are regenerated on render. A person's own "Risk Matrix" is kept as it is."""
    block = blocks[index]
    if block.kind != "heading" or block.level != 4 or index + 1 >= len(blocks):
        return False
    kind = COMPUTED_HEADINGS.get(heading_text(page.lines, block))
    return kind is not None and blocks[index + 1].kind == kind


def read_settings(page: Page, block: Block) -> None:
    """Inputs the analysis prints among its computed lines: the risk scale, the calendar, the
    Monte Carlo runs and the contingency rule (README, "How the analysis appears in the plan")."""
    if block.kind != "bullet_list":
        return
    for _item, text in page.items(block):
        parsed = split_label(text or "")
        if parsed is None:
            continue
        label, value = parsed
        if label == "scale":
            match = re.match(r"^`risk_scale: ([35])`", value)
            if match and match.group(1) == "5":
                page.data["risk_scale"] = 5
        elif label == "start":
            match = re.match(r"^(\d{4}-\d{2}-\d{2})\b", value)
            if match:
                page.set("timeline.start", match.group(1))
        elif label == "weekends":
            days = [] if value == "none" else [d.strip() for d in value.split(",")]
            if days != ["Sat", "Sun"]:
                page.set("timeline.calendar.weekends", days)
        elif label == "holidays":
            if value != "none":
                page.set("timeline.calendar.holidays", [d.strip() for d in value.split(",")])
        elif label == "country holidays":
            match = re.match(r"^`([A-Z]{2}(?:-[A-Z0-9]{1,3})?)`", value)
            if match:
                page.set("timeline.calendar.country", match.group(1))
        elif label in ("finish (monte carlo)", "monte carlo runs"):
            # "10,000 runs" (numfmt.count) and the older "10000 runs"
            match = re.search(r"\((\d{1,3}(?:,\d{3})+|\d+) runs, seed", value) or re.fullmatch(
                r"(\d{1,3}(?:,\d{3})+|\d+)", value)
            if match and int(match.group(1).replace(",", "")) != 10_000:
                page.set("timeline.simulations", int(match.group(1).replace(",", "")))
        elif label == "contingency rule":
            rule = lines.parse_contingency_rule(value)
            if rule is not None:
                high, max_score, top = rule
                if high != 15.0:
                    page.set("timeline.contingency.high_risk_percent", high)
                if top != 50.0:
                    page.set("timeline.contingency.max_percent", top)
                if max_score == 25:
                    page.data["risk_scale"] = 5


def keep_foreign_items(page: Page, key: str, block: Block) -> None:
    """A person's bullet list printed right after the computed risk summary joins that list when
    read back (one loose list); its items are not the analysis's, so they are kept, not dropped."""
    if block.kind != "bullet_list":
        return
    foreign = []
    for item, _ in page.items(block):
        label = split_label(re.sub(r"^\s*[-*+]\s+", "", page.lines[item.start]))
        if label is None or label[0] not in _COMPUTED_LABELS:
            foreign.append(item)
    if foreign:
        page.keep(key, "after", page.residual_list(foreign))
