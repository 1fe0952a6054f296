"""The header: the title, the `**Label**: value` lines (or a two-column table) under it, and the
metadata a document states in its own way (front matter, `Status:` lists, issue links)."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import yaml

from ... import mdescape
from ...model import STATUSES
from ...plan_format.lines import split_label
from ..mdtext import plain, split_unescaped, table_cells, unescape
from .blocks import NOT_SPECIFIED, Block
from .metadata import (
    DATE,
    META_LABELS,
    META_LINE,
    NUMBER_LABEL,
    STATUS_MARK,
    TITLE_NUMBER,
    header_key,
    human_date,
    plain_header_line,
    workflow_status,
)
from .outline import Section, core_title, heading_text, is_section_name

if TYPE_CHECKING:
    from .importer import Page


def read_header(page: Page, blocks: list[Block], section: Section) -> set[int]:
    if section.heading is not None:
        src = heading_text(page.lines, section.heading)
        match = re.match(r"^technical plan\s*:\s*", src, re.IGNORECASE)
        if match and src[match.end():].strip():
            title_src = src[match.end():]
            title = page.reader.heading(title_src, section.heading.start)
            if f"Technical Plan: {mdescape.heading(title)}" != src:
                page.extra.setdefault("header", {})["heading"] = page.reader.heading(src, section.heading.start)
        else:
            title = page.reader.heading(src, section.heading.start)
            page.extra.setdefault("header", {})["heading"] = title
        page.set("issue.title", title[:200])
        if len(title) > 200:
            page.note(section.heading.start, "the title is longer than 200 characters; the inputs keep "
                                             "its first 200 (the full heading is kept in extra.header)")
            page.extra.setdefault("header", {})["heading"] = page.reader.heading(src, section.heading.start)
    consumed: set[int] = set()
    seen: set[str | None] = set()
    for index, block in enumerate(blocks):
        if section.heading is not None and block.start < section.heading.start:
            continue
        if block.kind == "table" and not consumed and header_table(page, block, seen):
            consumed.add(index)
            continue
        if block.kind != "paragraph" or block.inline is None:
            if consumed:
                break
            continue
        leftover: list[int] = []
        used = False
        for offset, raw in enumerate(page.lines[block.start:block.end]):
            text = plain_header_line(raw.strip())
            parsed = split_label(text)
            field_key = header_key(parsed[0]) if parsed else None
            # A field given twice is read once; the second line stays as written.
            if field_key not in seen and header_line(page, text, block.start + offset):
                used = True
                seen.add(field_key)
            else:
                leftover.append(block.start + offset)
        if used:
            consumed.add(index)
            if leftover:
                page.keep("header", "after", "\n".join(page.lines[n].rstrip() for n in leftover))
        elif consumed:
            break
        # People who do not know Markdown's two-space line break put each header line in a
        # paragraph of its own: the one-line paragraphs that follow are read too, while they hold
        # fields. The header block the template prints is one paragraph, and stops the reading.
        if consumed and block.end - block.start > 1:
            break
    return consumed


def header_table(page: Page, block: Block, seen: set[str | None]) -> bool:
    """The header kept as a two-column table ("| **Issue Number** | #57 |"), read when every row
    names a header field; a row that says more than its field stays, as a table, after the header."""
    rows = [(block.start + offset, table_cells(line))
            for offset, line in enumerate(page.lines[block.start:block.end]) if offset != 1]
    if len(rows) < 2 or any(len(cells) != 2 for _, cells in rows):
        return False

    def label(cell: str) -> str:
        return re.sub(r"^(\*\*|__)(.*)\1$", r"\2", unescape(cell).strip()).strip().rstrip(":").strip()

    head = [label(cell).lower() for cell in rows[0][1]]
    if head[0] in ("", "field", "key", "property", "item") and head[1] in ("", "value", "details"):
        rows = rows[1:]
    if not rows or any(header_key(label(cells[0]).lower()) is None for _, cells in rows):
        return False
    kept = [line for line, cells in rows
            if not header_line(page, f"**{label(cells[0])}**: {cells[1].strip()}", line)]
    seen.update(header_key(label(cells[0]).lower()) for _, cells in rows)
    if kept:
        page.keep("header", "after", "\n".join([page.lines[block.start], page.lines[block.start + 1]] +
                                               [page.lines[n] for n in kept if n != block.start]))
    return True


def header_line(page: Page, text: str, line: int) -> bool:
    parsed = split_label(text)
    if parsed is None:
        return False
    label, value = parsed
    if label in ("issue number", "issue", "github issue", "issue #"):
        url = re.search(r"https?://[^\s)>\]]+", value)
        # "#57", a bare "57", or the number in the issue's link; any digits only as a last resort
        # ("GH-57"), and then the line is also kept as written.
        number = re.search(r"#(\d+)\b", value) or re.fullmatch(r"\s*(\d+)\s*", value) or (
            re.search(r"/(?:issues|pull)/(\d+)\b", url.group(0)) if url else None)
        guessed = number is None and re.search(r"(\d+)", value) is not None
        number = number or re.search(r"(\d+)", value)
        if number is None and url is None:
            return False
        if number is not None and "number" not in page.data.get("issue", {}):
            page.set("issue.number", int(number.group(1)))
        if url is not None and not page.data.get("issue", {}).get("url") and len(url.group(0)) <= 500:
            page.set("issue.url", url.group(0))
        # The line is read whole only when the number and link are all it says: "#57, #58" or
        # "#57 (and #61)" keeps its words as written.
        rest = value.replace(url.group(0), " ") if url else value
        rest = "" if rest.strip().isdigit() else re.sub(r"#\d+\b", " ", rest, count=1)
        explained = not guessed and not re.search(r"\w", rest) and (
            url is None or page.data.get("issue", {}).get("url") == url.group(0))
        return number is not None and explained and (label != "github issue" or url is None or
                                                     value.strip("<>") == url.group(0))
    if label == "labels":
        page.set("issue.labels", read_labels(page, value, line))
        return True
    if label in ("created by", "author"):
        text_value = page.reader.inline(value, line)
        if text_value:
            page.set("created_by", text_value)
            return True
        return False
    if label in ("created date", "created", "date", "last updated", "updated"):
        target = "last_updated" if "updated" in label else "created"
        if value == NOT_SPECIFIED and target == "created":
            return True
        if DATE.match(value):
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                return False
            page.set(target, value)
            return True
        written = human_date(unescape(value))
        if written is not None:
            page.set(target, written)
            page.note(line, f"the date {value!r} is imported as {written}")
            return True
        return False
    if label == "status":
        read_status(page, value, line)
        return True
    return False


def read_labels(page: Page, value: str, line: int) -> list[str]:
    # A label may itself hold ", ": pieces that do not print back alone belong to their neighbour.
    def exact(src: str) -> bool:
        return str(mdescape.inline(unescape(src))) == src.strip()

    parts = split_unescaped(value, ", ")
    labels: list[str] = []
    current = parts[0]
    for part in parts[1:]:
        if exact(current) and exact(part):
            labels.append(current)
            current = part
        else:
            current = f"{current}, {part}"
    labels.append(current)
    return [text for text in (page.reader.inline(label, line) for label in labels) if text]


def read_status(page: Page, value: str, line: int) -> None:
    mark = STATUS_MARK.match(value)
    if mark and value[mark.end():].strip():
        # "✅ Approved": the mark stays with the status, as its note ("Approved (✅)").
        rest = value[mark.end():].strip()
        known = next((s for s in STATUSES if rest.lower() == s.lower()), None)
        if known is not None:
            page.set("status", known)
            page.set("status_note", mark.group(0).strip())
            return
    for status in sorted(STATUSES, key=len, reverse=True):
        if value.lower().startswith(status.lower()):
            rest = value[len(status):]
            if rest and rest[0] not in " (-–—:,":
                continue
            page.set("status", status)
            note_src = rest.strip()
            if rest.startswith(" — "):
                # The separator the template prints before a note holding brackets: the note is
                # what follows it, as written (":)" kept its colon only this way).
                note_src = rest[3:].strip()
            elif note_src.startswith("(") and note_src.endswith(")"):
                note_src = note_src[1:-1]
            else:
                note_src = note_src.lstrip("-–—:, ").strip()
            if note_src:
                page.set("status_note", page.reader.inline(note_src, line))
            return
    mapped = workflow_status(value)
    page.set("status", mapped or "Draft")
    page.set("status_note", page.reader.inline(value, line))
    if mapped is not None:
        page.note(line, f"status {value!r} is not Draft, Under Review or Approved; it means {mapped} and is "
                        "imported so, with the words kept as status_note")
        return
    page.note(line, f"status {value!r} is not Draft, Under Review or Approved; imported as Draft with the "
                    "words kept as status_note; set `status` in the inputs")


FRONT_MATTER_NOTE = "Front matter (what the header above has is read from it):"


def read_front_matter(page: Page, end: int) -> None:
    """YAML front matter (lines 0..end): the values a header takes are read into it. The block is
    kept as written after the header, under a line that says what it is: above the title it read as
    a stray rule and text, and its other keys (reviewers, teams) have no field. The lines are
    blanked here so the Markdown parser does not read them as a rule and a heading."""
    text = "\n".join(page.lines[1:end])
    raw = page.lines[:end + 1]
    for number in range(end + 1):
        page.lines[number] = ""
    if text.strip():
        page.keep("header", "after", _front_matter_block(raw[1:end]))
    try:
        values = yaml.safe_load(text) if len(text) <= 65_536 else None
    except yaml.YAMLError:
        page.note(0, "the front matter is not YAML; it is kept as written")
        return
    if not isinstance(values, dict):
        return
    for offset, (label, value) in enumerate(values.items()):
        # One level of nesting ("meta: {ember-issue: URL}") is read by the inner names.
        inner = value.items() if isinstance(value, dict) else [(label, value)]
        line = next((n for n in range(1, end) if raw[n].lstrip().startswith(str(label))), offset + 1)
        for name, item in inner:
            if isinstance(item, (list, tuple)):
                item = ", ".join(str(v) for v in item if not isinstance(v, (dict, list)))
            elif isinstance(item, (dt.date, dt.datetime)):
                item = item.isoformat()
            elif isinstance(item, dict) or item is None:
                continue
            metadata_value(page, str(name), str(item), line)


def _front_matter_block(lines: list[str]) -> str:
    fence = "`" * max(3, 1 + max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0))
    body = "\n".join(lines).strip("\n")
    return f"{FRONT_MATTER_NOTE}\n\n{fence}yaml\n{body}\n{fence}"


def read_document_metadata(page: Page, header: Section) -> None:
    """Header values a design document states in its own way, read into the fields the template's
    header has not set: "* Status: **Implemented (Swift 5.5)**", "- Start Date: 2018-03-07",
    "Author(s): Austin Clements", "| Status | Accepted |", "Discussion at https://golang.org/issue/N",
    a number in the title ("# KEP-2232: ..."). The lines stay as written (their words are the
    document's); only what the template's header lines did not give is taken."""
    for index, block in enumerate(header.blocks):
        if header.heading is not None and block.start < header.heading.start and block.kind == "heading":
            continue
        if block.kind == "heading" and core_title(heading_text(page.lines, block)) in ("status", "decision status"):
            # An ADR's "## Status" section holding one line ("Accepted", "[Approved](.../pull/918)").
            body = header.blocks[index + 1:index + 2]
            following = header.blocks[index + 2:index + 3]
            if body and body[0].kind == "paragraph" and body[0].end - body[0].start == 1 and \
                    (not following or following[0].kind == "heading"):
                metadata_value(page, "status", page.lines[body[0].start], body[0].start)
            continue
        if block.kind == "paragraph":
            for offset, raw in enumerate(page.lines[block.start:block.end]):
                metadata_line(page, raw, block.start + offset)
        elif block.kind in ("bullet_list", "ordered_list"):
            for item, text in page.items(block):
                if text is not None:
                    metadata_line(page, text, item.start)
        elif block.kind == "table":
            for offset, raw in enumerate(page.lines[block.start:block.end]):
                cells = table_cells(raw)
                if offset != 1 and len(cells) == 2:
                    metadata_value(page, cells[0], cells[1], block.start + offset)
    if header.heading is not None:
        src = heading_text(page.lines, header.heading)
        ident = TITLE_NUMBER.match(unescape(src))
        if ident:
            metadata_candidate(page, "number", 5, ident.group(1) or ident.group(2), header.heading.start)
    else:
        # No '# Title': a document whose first block is a heading the catalogue does not know
        # (a Setext "Title\n----") is titled by it.
        first = next((b for b in header.blocks if b.kind != "html_block"), None)
        if first is not None and first.kind == "heading" and first.level <= 2 and \
                not is_section_name(core_title(heading_text(page.lines, first))):
            metadata_candidate(page, "title", 1, page.reader.heading(heading_text(page.lines, first), first.start),
                                    first.start)
    issue = page.data.setdefault("issue", {})
    number = page.metadata.get("number")
    if "number" not in issue and number is not None:
        page.set("issue.number", int(number[1]))
        page.note(number[2], f"issue number {number[1]} read from the document's own header")
    url = page.metadata.get("url")
    if not issue.get("url") and url is not None:
        page.set("issue.url", url[1])
    title = page.metadata.get("title")
    if not issue.get("title") and title is not None and title[1].strip():
        page.set("issue.title", title[1].strip()[:200])
    for field_name in ("created_by", "created", "last_updated"):
        found = page.metadata.get(field_name)
        if found is not None and field_name not in page.data:
            page.set(field_name, found[1])
    status = page.metadata.get("status")
    if status is not None and "status" not in page.data:
        read_status(page, status[1], status[2])
    if not issue:
        del page.data["issue"]


def metadata_line(page: Page, raw: str, line: int) -> None:
    text = raw.strip()
    text = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", text)
    discussion = re.match(r"^discussion at:?\s+<?(https?://\S+?)>?\.?$", text, re.IGNORECASE)
    if discussion:
        metadata_value(page, "discussion", discussion.group(1), line)
        return
    match = META_LINE.match(text)
    if match:
        metadata_value(page, match.group("label"), match.group("value"), line)


def metadata_value(page: Page, label_src: str, value_src: str, line: int) -> bool:
    """Reads a header label's value into the field it names; whether the label names one."""
    label = re.sub(r"[*_`]", "", unescape(label_src)).strip().rstrip(":").strip().lower()
    label = " ".join(label.replace("-", " ").split())
    value = value_src.strip()
    if not value or len(value) > 2000:
        return False
    target = META_LABELS.get(label) or ("number" if NUMBER_LABEL.search(label) else None)
    if target is None:
        return False
    # A link shows its words only: "[John McCall](https://github.com/rjmccall)" is "John McCall".
    shown, _ = plain(re.sub(r"(?<!!)\[([^\]]*)\]\([^)]*\)", r"\1", value) if target != "number" else value,
                     env=page.env)
    shown = " ".join(shown.split())
    if target == "number":
        rank = 4 if re.search(r"issue|ticket|tracking|discussion", label) else 2
        url = re.search(r"https?://[^\s)>\]]+", value)
        number = re.search(r"/(?:issues?|pull|discussions)/(\d+)\b", url.group(0)) if url else None
        number = number or re.search(r"#(\d+)\b", shown) or re.match(r"\s*[A-Za-z]{1,6}-0*(\d+)\b", shown) or \
            re.fullmatch(r"\s*0*(\d+)\s*", shown) or re.match(r"\s*0*(\d+)\s*,", shown)
        if number is None or not 1 <= int(number.group(1)) <= 10**9:
            return False
        metadata_candidate(page, "number", rank, number.group(1), line)
        if url is not None and rank == 4 and len(url.group(0)) <= 500:
            metadata_candidate(page, "url", rank, url.group(0), line)
    elif target in ("created", "last_updated"):
        iso = re.search(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)", shown)  # "2014-10-24T00:00:00Z" too
        day = iso.group(1) if iso else human_date(shown)
        if day is None:
            return False
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            return False
        metadata_candidate(page, target, 1, day, line)
    elif target == "created_by":
        metadata_candidate(page, target, 1, shown[:200], line)
    elif target == "status":
        metadata_candidate(page, target, 1, shown, line)
    elif target == "title":
        metadata_candidate(page, target, 1 if label == "title" else 0, shown, line)
    return True


def metadata_candidate(page: Page, target: str, rank: int, value: str, line: int) -> None:
    if value and (target not in page.metadata or page.metadata[target][0] < rank):
        page.metadata[target] = (rank, value, line)
