"""Import a Technical Plan written in Markdown (by hand from the house template, by techplan, or a
design document of another shape: an RFC, a KEP, an ADR) back into inputs, losing nothing.

The plan is parsed with markdown-it: every top-level block keeps its source lines (token maps).
Headings are matched to the template's sections (outline.py, from the one catalogue in
plan_format/sections.py), whatever suffix a person added ("(REVISED)"), in any order. Each section is
read by its reader (readers.py: one table keyed by section) into fields; every other block (extra
paragraphs, sub-sections, tables, lists that do not fit, lines no parser claims) is kept verbatim as
`extra.<section>.before` / `.after`, and the template prints it back in place. Computed material
(scores, the risk matrix, dates, percentiles, charts, the Gantt block) is recognised and skipped:
rendering recomputes it.
"""

from __future__ import annotations

import itertools

from ...errors import InputError
from .. import ImportResult, strip_invisible
from .blocks import split_blocks
from .header import read_document_metadata, read_front_matter
from .importer import Page
from .metadata import front_matter
from .outline import TITLES, outline
from .readers import read_section

__all__ = ["TITLES", "import_markdown"]


def import_markdown(text: str, name: str, *, issue: int | None = None, title: str | None = None) -> ImportResult:
    """A plan's Markdown as inputs data (validated by the caller with the usual loader). `issue` and
    `title` (the command's --issue and --title) win over what the document states."""
    if not text.strip():
        raise InputError.single(name, "the plan is empty; give a Markdown Technical Plan", line=1)
    text, removed = strip_invisible(text)
    page = Page(text, name)
    page.issue_number = issue
    page.title = " ".join(title.split())[:200] if title and title.strip() else None
    result = run(page)
    if removed:
        shown = "; ".join(removed[:8]) + ("; ..." if len(removed) > 8 else "")
        result.notes.append(f"{name}: invisible control characters were removed ({shown})")
    return result


def run(page: Page) -> ImportResult:
    matter = front_matter(page.lines)
    if matter is not None:
        read_front_matter(page, matter)
    blocks = split_blocks(page.lines, page.env)
    sections = outline(page.lines, blocks, titled="title" in page.metadata)
    for previous, following in itertools.pairwise(sections):
        # The template's rule above "## Approval" is printed by the template itself.
        if following.key == "approval" and previous.blocks and previous.blocks[-1].kind == "hr":
            previous.blocks.pop()
    for section in sections:
        if section.kept:
            assert section.heading is not None
            end = section.blocks[-1].end if section.blocks else section.heading.end
            page.keep(section.key, "after", page.source(section.heading.start, end))
            continue
        consumed = read_section(page, section)
        page.distribute(section, consumed)
    read_document_metadata(page, sections[0])
    if page.issue_number is not None:
        page.set("issue.number", page.issue_number)
    if page.title is not None:
        page.set("issue.title", page.title)
    if "issue" not in page.data or "number" not in page.data.get("issue", {}):
        raise InputError.single(page.name, "no issue number found in the document's header (read from "
                                           "'**Issue Number**: #57', 'Issue: #57', 'eip: 57' in front matter, "
                                           "a header line linking .../issues/57 or 'KEP-57:' in the title); "
                                           "give one with --issue N",
                                field="issue.number")
    if not page.data["issue"].get("title"):
        raise InputError.single(page.name, "no title found; the plan needs a first line like '# Technical "
                                           "Plan: Export roasts to CSV', or give one with --title TEXT",
                                line=1, field="issue.title")
    cleaned = {key: {k: v for k, v in slot.items() if v.strip()} for key, slot in page.extra.items()}
    cleaned = {key: slot for key, slot in cleaned.items() if slot}
    if cleaned:
        page.data["extra"] = cleaned
    if page.reader.simplified:
        lines = ", ".join(str(line + 1) for line in sorted(set(page.reader.simplified))[:12])
        page.notes.append(f"{page.name}: Markdown formatting (emphasis, links) in field text became plain "
                          f"text; lines {lines}")
    return ImportResult(page.data, page.notes)
