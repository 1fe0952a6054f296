"""Risk Assessment: the risk table (any column names people use), or risks written as a list or
`Risk: ... Mitigation: ...` paragraphs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...model import LEVEL_ALIASES
from .. import prose
from ..mdtext import table_cells, unescape
from .blocks import Block
from .computed import is_computed, keep_foreign_items, read_settings
from .outline import TITLES, Section, core_title

if TYPE_CHECKING:
    from .importer import Page


# Table headings people use, by the field each column fills (matched after core_title).
RISK_COLUMNS = {
    "risk": "risk", "description": "risk", "risk description": "risk", "risks": "risk",
    "probability": "probability", "likelihood": "probability", "impact": "impact", "severity": "impact",
    "mitigation": "mitigation", "mitigation strategy": "mitigation", "mitigation plan": "mitigation",
    "mitigations": "mitigation", "owner": "owner", "status": "status", "id": "id", "#": "index",
}


# What the risk and schedule analysis adds to a plan: recomputed on render, so never imported.
COMPUTED_COLUMNS = {"score", "level", "exposure", "rank"}

_TRAFFIC_LIGHTS = {"🔴": "High", "🟥": "High", "🟠": "Medium", "🟧": "Medium", "🟡": "Medium", "🟨": "Medium",
                   "🟢": "Low", "🟩": "Low"}


_LIGHTS = "🔴🟥🟠🟧🟡🟨🟢🟩"


def _traffic_light(value: str) -> str | None:
    """"🔴", "🔴 High" or "High 🔴" as the level "High"; None when there is no light, or it says
    another level than the word beside it (then the row stays as written)."""
    # Ends of the string, not a regex: "(.*?)\s*[🔴...]$" was quadratic on a long run of blanks.
    value = value.strip()
    if value[:1] and value[0] in _LIGHTS:
        light, word = _TRAFFIC_LIGHTS[value[0]], value[1:]
    elif value[-1:] and value[-1] in _LIGHTS:
        light, word = _TRAFFIC_LIGHTS[value[-1]], value[:-1]
    else:
        return None
    if not word.strip():
        return light
    return word.strip() if LEVEL_ALIASES.get(word.strip().lower()) == light else None


def read_risks(page: Page, blocks: list[Block], section: Section) -> set[int]:
    consumed: set[int] = set()
    for index, block in enumerate(blocks):
        if page.is_not_specified(block) and not consumed:
            consumed.add(index)
            continue
        if is_computed(page, blocks, index):
            consumed.update((index, index + 1))
            read_settings(page, blocks[index + 1])
            keep_foreign_items(page, "risks", blocks[index + 1])
            continue
        if block.kind != "table" or "risks" in page.data:
            continue
        if read_risk_table(page, block):
            consumed.add(index)
    if not consumed and "risks" not in page.data:
        consumed = read_risk_list(page, blocks)
    return consumed


def read_risk_list(page: Page, blocks: list[Block]) -> set[int]:
    """Risks written in words, above the section's first sub-heading: a list (each item one risk:
    "X — mitigation: Y", "Risk: X. Mitigation: Y", or just the risk) and "Risk: ... Mitigation: ..."
    paragraphs. The inputs need a probability and an impact: "probability: high" / "impact: low" in
    the text are read, and a risk that states neither gets Medium, with a note to review it."""
    consumed: set[int] = set()
    risks: list[dict[str, Any]] = []
    unlevelled: list[int] = []
    listed = False

    def add(src: str, line: int) -> bool:
        parts = prose.risk_parts(src)
        text = page.reader.inline(parts.risk, line) if parts is not None else ""
        if parts is None or not text:
            return False
        risk: dict[str, Any] = {"risk": text, "probability": parts.probability or "Medium",
                                "impact": parts.impact or "Medium"}
        mitigation = page.reader.inline(parts.mitigation, line) if parts.mitigation else ""
        if mitigation:
            risk["mitigation"] = mitigation
        if parts.probability is None or parts.impact is None:
            unlevelled.append(line)
        risks.append(risk)
        return True

    for index, block in enumerate(blocks):
        if block.kind == "heading":
            break
        if block.kind in ("bullet_list", "ordered_list") and not listed:
            leftovers: list[Block] = []
            first: int | None = None
            for item, text in page.items(block):
                if text is not None and add(text, item.start):
                    first = item.start if first is None else first
                else:
                    leftovers.append(item)
            if first is None:
                continue
            listed = True
            consumed.add(index)
            if leftovers:
                page.keep_leftovers("risks", leftovers, first)
                page.note(leftovers[0].start, "list items with nested content are kept verbatim around the "
                                              f"list in '{TITLES['risks']}'")
        elif block.kind == "paragraph" and block.inline is not None and \
                prose.is_labelled_risk(block.inline.content) and add(block.inline.content, block.start):
            consumed.add(index)
    if risks:
        page.data["risks"] = risks
    if unlevelled:
        page.note(unlevelled[0], f"{len(unlevelled)} risk(s) written in words give no probability or impact "
                                 "(levels were not given); they are imported as Medium, review them "
                                 "(lines " + ", ".join(str(n + 1) for n in unlevelled[:12]) + ")")
    return consumed


def read_risk_table(page: Page, block: Block) -> bool:
    rows = [table_cells(line) for line in page.lines[block.start:block.end]]
    header = [core_title(unescape(cell)) for cell in rows[0]]
    columns = RISK_COLUMNS
    if not {"risk", "probability", "impact"} <= {columns.get(h) for h in header}:
        return False
    if not all(name in columns or name in COMPUTED_COLUMNS for name in header):
        return False
    risks: list[tuple[int, dict[str, Any]]] = []  # (its place in the inputs when the table gives it, the risk)
    rejected: list[int] = []
    numeric = False
    lights: int | None = None
    for offset, cells in enumerate(rows[2:], start=2):
        line = block.start + offset
        if len(cells) != len(header):
            rejected.append(line)
            continue
        risk: dict[str, Any] = {}
        bad, place = False, 0
        for name, cell in zip(header, cells, strict=True):
            field_name = columns.get(name)
            if field_name is None:
                continue  # computed: score, level
            if field_name == "risk":
                ident = re.match(r"^\*\*(?P<id>[A-Za-z0-9][A-Za-z0-9_.\\-]{0,80})\*\*:\s+", cell)
                if ident and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", unescape(ident.group("id"))):
                    risk["id"] = unescape(ident.group("id"))
                    cell = cell[ident.end():]
                risk["risk"] = page.reader.cell(cell, line)
            elif field_name in ("probability", "impact"):
                value = page.reader.cell(cell, line)
                level = _traffic_light(value)
                if level is not None:
                    lights = lights or line
                    value = level
                if value.isdigit():
                    numeric = True
                    risk[field_name] = int(value)
                else:
                    risk[field_name] = value
            elif field_name == "status":
                value = page.reader.cell(cell, line).lower()
                if value in ("open", "closed"):
                    risk["status"] = value
                elif value:
                    bad = True
            elif field_name == "index":
                place = int(cell) if cell.isdigit() else 10**9 + offset
            else:
                risk[field_name] = page.reader.cell(cell, line)
        # A second "R1" (a copied row) cannot be a field beside the first: kept as written.
        duplicate = risk.get("id") is not None and any(r.get("id") == risk["id"] for _, r in risks)
        if bad or not risk_ok(risk) or duplicate:
            rejected.append(line)
            continue
        risks.append((place, risk))
    if not risks:
        return False
    risks.sort(key=lambda row: row[0])  # the inputs' order, when the plan gives it
    page.data["risks"] = [{k: v for k, v in r.items() if v != "" and not (k == "status" and v == "open")}
                          for _, r in risks]
    if numeric:
        page.data["risk_scale"] = 5
    if lights is not None:
        page.note(lights, "traffic lights in the risk table are read as levels (🔴 High, 🟠 or 🟡 Medium, "
                          "🟢 Low) and printed as the words")
    if rejected:
        page.keep("risks", "after", "\n".join(page.lines[block.start:block.start + 2] +
                                              [page.lines[n] for n in rejected]))
        page.note(rejected[0], "risk rows whose probability or impact is not High, Medium or Low (or 1-5), "
                               "or whose id is given twice, are kept verbatim in a table after the risks")
    return True


def risk_ok(risk: dict[str, Any]) -> bool:
    if not risk.get("risk"):
        return False
    for name in ("probability", "impact"):
        value = risk.get(name)
        if isinstance(value, int):
            if not 1 <= value <= 5:
                return False
        elif not isinstance(value, str) or value.strip().lower() not in (
                "h", "high", "m", "med", "medium", "l", "low"):
            return False
    return True
