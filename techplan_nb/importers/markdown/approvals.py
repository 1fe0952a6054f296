"""Approval: the sign-off checklist, or a sign-off table."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ... import mdescape
from ..mdtext import split_unescaped, table_cells, unescape
from .blocks import Block
from .importer import CHECKBOX
from .metadata import DATE, human_date
from .outline import Section, core_title

if TYPE_CHECKING:
    from .importer import Page


_APPROVED_MARKS = ("✅", "✔️", "✔", "☑️", "☑", "✓")

_APPROVAL_MARK = re.compile(r"^(✅|✔️|✔|☑️|☑|✓|❌|✖️|✖|⬜|☐|⏳)\s*")

_APPROVAL_COLUMNS = {"role": "role", "approver role": "role", "name": "by", "approver": "by", "by": "by",
                     "approved by": "by", "approved": "approved", "status": "approved", "approval": "approved",
                     "sign-off": "approved", "signed off": "approved", "signoff": "approved", "date": "date"}


_YES = {"✅", "✓", "✔", "✔️", "☑", "☑️", "yes", "y", "approved", "x", "[x]", "done", "signed", "signed off"}

_NO = {"", "❌", "✖", "✖️", "no", "n", "pending", "-", "—", "[ ]", "⏳", "waiting", "tbd", "not yet"}


def approval_table(lines: list[str], block: Block) -> list[tuple[int, dict[str, str]]] | None:
    """A sign-off table ("| Role | Name | Approved |"), row by row: (line, {"role", "approved": "yes"/"no",
    "by", "date"}); None unless every column and every value is understood, so a table this does
    not fully read is kept as it is."""
    if block.kind != "table":
        return None
    header = [_APPROVAL_COLUMNS.get(core_title(unescape(cell))) for cell in table_cells(lines[block.start])]
    if "role" not in header or "approved" not in header or None in header or len(set(header)) != len(header):
        return None
    columns = [column for column in header if column is not None]  # all of them, checked above
    rows: list[tuple[int, dict[str, str]]] = []
    for line in range(block.start + 2, block.end):
        cells = table_cells(lines[line])
        if len(cells) != len(columns):
            return None
        row = dict(zip(columns, cells, strict=True))
        verdict = unescape(row["approved"]).strip().lower()
        if verdict in _YES or verdict.startswith("approved"):
            row["approved"] = "yes"
        elif verdict in _NO:
            row["approved"] = "no"
        else:
            return None
        if row.get("date"):
            day = row["date"].strip()
            row["date"] = day if DATE.match(day) else (human_date(day) or "")
            if not row["date"]:
                return None
        if not unescape(row["role"]).strip():
            return None
        rows.append((line, row))
    return rows or None


def _printed_approval(approval: dict[str, Any]) -> str:
    by = f" {mdescape.inline(approval['by'])}" if approval.get("by") else ""
    date = f" ({approval['date']})" if approval.get("date") else ""
    return f"{mdescape.inline(approval['role'])}: ✓{by}{date}"


def read_approvals(page: Page, blocks: list[Block], section: Section) -> set[int]:
    kinds = page.list_kinds(blocks)
    for index, block in enumerate(blocks):
        if block.kind not in kinds:
            continue
        approvals, leftovers = [], []
        first: int | None = None
        for item, text in page.items(block):
            approval = read_approval(page, text, item.start) if text is not None else None
            if approval is None:
                leftovers.append(item)
            else:
                approvals.append(approval)
                first = item.start if first is None else first
        if first is None or not page.fits(approvals, first, "approval"):
            continue
        page.data["approvals"] = approvals
        if leftovers:
            page.keep_leftovers("approval", leftovers, first)
        return {index}
    # No checklist: sign-offs kept as a table ("| Role | Name | Approved |").
    for index, block in enumerate(blocks):
        rows = approval_table(page.lines, block)
        if rows is None:
            continue
        approvals = []
        for line, cells in rows:
            role = page.reader.cell(cells["role"], line)
            signed: dict[str, Any] = {"role": role}
            if cells.get("approved") in ("yes",):
                signed["approved"] = True
            if cells.get("by"):
                signed["by"] = page.reader.cell(cells["by"], line)
            if cells.get("date"):
                signed["date"] = cells["date"]
            approvals.append(signed)
        page.data["approvals"] = approvals
        return {index}
    return set()


def approval_parts(page: Page, role_src: str, rest: str, line: int) -> dict[str, Any] | None:
    role = page.reader.inline(role_src, line)
    if not role or (rest and not rest.startswith(" ")):
        return None
    approval: dict[str, Any] = {"role": role, "approved": True}
    rest = rest.strip()
    date = re.search(r"(?:^|\s)\((\d{4}-\d{2}-\d{2})\)$", rest)
    written = re.search(r"(?:^|\s)\(([^()]+)\)$", rest) if date is None else None
    if date:
        approval["date"] = date.group(1)
        rest = rest[:date.start()].strip()
    elif written and human_date(written.group(1)):
        approval["date"] = human_date(written.group(1))
        rest = rest[:written.start()].strip()
    if rest:
        approval["by"] = page.reader.inline(rest, line)
    return approval


def read_approval(page: Page, text: str, line: int) -> dict[str, Any] | None:
    match = CHECKBOX.match(text)
    mark = _APPROVAL_MARK.match(text)
    if not match and mark:
        # "✅ Stakeholder: Maria Costa" / "❌ Engineering Manager": a tick in words, no checkbox.
        body = text[mark.end():].strip()
        role_src, _, by_src = body.partition(": ")
        role = page.reader.inline(role_src.rstrip(":").strip(), line)
        if not role:
            return None
        if mark.group(1) not in _APPROVED_MARKS:
            return {"role": role} if not by_src.strip() else None
        ticked: dict[str, Any] = {"role": role, "approved": True}
        return approval_parts(page, role_src.rstrip(":").strip(), f" {by_src}" if by_src else "", line) or ticked
    if not match:
        return None
    body = text[match.end():].strip()
    approved = match.group(1) != " "
    if not approved:
        # "- [ ] Role:" and the seed's "- [ ] System Architect (Author): ✓" (ticked in words only)
        role_src = re.sub(r":\s*+✓?\s*+$", "", body)
        role = page.reader.inline(role_src, line)
        return {"role": role} if role else None
    parts = split_unescaped(body, ": ✓")
    # "ROLE: ✓ BY (DATE)": a role or name may itself hold ": ✓", so take the split that prints back.
    for cut in range(1, len(parts)):
        role_src, rest = ": ✓".join(parts[:cut]), ": ✓".join(parts[cut:])
        approval = approval_parts(page, role_src, rest, line)
        if approval is not None and _printed_approval(approval) == body:
            return approval
    if len(parts) > 1:
        approval = approval_parts(page, parts[0], ": ✓".join(parts[1:]), line)
        if approval is not None:
            return approval
    # "Tech Lead: @alice (2026-03-02)": the box is the tick, so the words after the role are who and when.
    role_src, sep, by_src = body.partition(": ")
    if sep and role_src.strip() and by_src.strip():
        approval = approval_parts(page, role_src.strip(), f" {by_src.strip()}", line)
        if approval is not None:
            return approval
    role = page.reader.inline(body.rstrip(":").strip(), line)
    return {"role": role, "approved": True} if role else None
