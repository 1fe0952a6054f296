"""API Design's New Endpoints: the endpoints table."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...model import HTTP_METHODS
from ..mdtext import table_cells, unescape
from .blocks import Block
from .outline import Section, core_title

if TYPE_CHECKING:
    from .importer import Page


API_COLUMNS = {
    "method": "method", "http method": "method", "verb": "method", "endpoint": "path", "path": "path",
    "url": "path", "route": "path", "description": "description", "purpose": "description",
    "request": "request", "request body": "request", "response": "response", "response body": "response",
}


def read_new_endpoints(page: Page, blocks: list[Block], section: Section) -> set[int]:
    for index, block in enumerate(blocks):
        if page.is_not_specified(block):
            return {index}
        if block.kind != "table":
            continue
        rows = [table_cells(line) for line in page.lines[block.start:block.end]]
        header = [core_title(unescape(cell)) for cell in rows[0]]
        columns = API_COLUMNS
        named = [columns.get(name) for name in header]
        # "| Endpoint | Description |" with "`GET /api/x`": the method is written in the path's cell.
        joined = "method" not in named and "path" in named
        if not ("method" in named or joined) or not all(name in columns for name in header):
            continue
        endpoints, rejected = [], []
        for offset, cells in enumerate(rows[2:], start=2):
            line = block.start + offset
            if len(cells) != len(header):
                rejected.append(line)
                continue
            row = {columns[name]: page.reader.cell(cell, line) for name, cell in zip(header, cells, strict=True)}
            if joined:
                both = re.fullmatch(r"(`?)([A-Za-z]+)\s+(/[^\s`]*)\1", row.get("path", "").strip())
                row = {"method": both.group(2), **row, "path": both.group(3)} if both else row
            if row.get("method", "").strip().upper() not in HTTP_METHODS or not row.get("path"):
                rejected.append(line)
                continue
            endpoints.append(row)
        if not endpoints:
            continue
        page.set("api.new_endpoints", endpoints)
        if rejected:
            page.keep("new_endpoints", "after", "\n".join(page.lines[block.start:block.start + 2] +
                                                          [page.lines[n] for n in rejected]))
            page.note(rejected[0], "API table rows that are not 'METHOD | path | ...' are kept verbatim "
                                   "in a table after the endpoints")
        return {index}
    return set()
