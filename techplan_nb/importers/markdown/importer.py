"""The page being imported: its lines, the data read so far, what is kept verbatim and where, and the
readers every section shares (lists, `**Label**: value` lines, code blocks)."""

from __future__ import annotations

import builtins  # Page has a method named set: its signatures say builtins.set
import re
from typing import Any

from ... import mdescape
from ...inputs import MAX_ITEMS, MAX_TEXT
from ...plan_format import html
from ...plan_format.lines import split_label
from ..mdtext import TextReader, unescape
from .blocks import NOT_SPECIFIED, Block, closing, trimmed_end
from .computed import CHART_IMAGE
from .outline import TITLES, Section, heading_text

CHECKBOX = re.compile(r"^\[( |x|X)\](?:\s+|$)")

FRONTEND_LABELS = {"components": "components", "pages": "pages", "state management": "state_management",
                   "state": "state_management", "api integration": "api_integration", "styling": "styling",
                   "routing": "routing"}


BACKEND_LABELS = {"models": "models", "apis": "apis", "api": "apis", "authentication": "authentication",
                  "business logic": "business_logic", "data migration": "data_migration",
                  "migrations": "data_migration"}


SECURITY_LABELS = {"authentication": "authentication", "authorization": "authorization",
                   "data protection": "data_protection", "input validation": "input_validation",
                   "output sanitization": "output_sanitization", "output sanitisation": "output_sanitization"}


PERFORMANCE_LABELS = {"database performance": "database", "database": "database", "api performance": "api",
                      "api": "api", "frontend performance": "frontend", "frontend": "frontend",
                      "caching strategy": "caching", "caching": "caching"}


MONITORING_LABELS = {"metrics": "metrics", "logging": "logging", "logs": "logging", "alerts": "alerts",
                     "alerting": "alerts", "dashboards": "dashboards", "dashboard": "dashboards"}


# Fence languages that show exactly like a fence without one.
_PLAIN_LANGUAGES = {"text", "txt", "plain", "plaintext"}

_SQL_DIALECTS = {"postgresql", "postgres", "psql", "pgsql", "plpgsql", "mysql", "mariadb", "sqlite", "sqlite3",
                 "tsql", "mssql", "plsql", "ansi-sql", "sql92"}


def first_group(text: str) -> tuple[str, str] | None:
    """The first balanced "(...)" at the start of text (after spaces), and what follows it."""
    stripped = text.lstrip()
    if not stripped.startswith("("):
        return None
    depth = 0
    for pos, char in enumerate(stripped):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return stripped[1:pos], stripped[pos + 1:]
    return None


class Page:
    """One document being imported: its lines, the data read so far, what is kept verbatim, and the
    readers every section shares (lists, labelled lines, code)."""

    def __init__(self, text: str, name: str) -> None:
        self.name = name
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.lines_raw = list(self.lines)
        self.env: dict[str, Any] = {}
        self.reader = TextReader(self.env)
        self.notes: list[str] = []
        self.data: dict[str, Any] = {}
        self.extra: dict[str, dict[str, str]] = {}
        self.leading: dict[str, list[str]] = {}  # list items kept just above a field's list
        self.issue_number: int | None = None  # --issue: wins over the document
        self.title: str | None = None  # --title: wins over the document
        self.metadata: dict[str, tuple[int, str, int]] = {}  # field -> (rank, value, line), front matter & lists

    def where(self, line: int) -> str:
        return f"{self.name}:{line + 1}"

    def note(self, line: int, message: str) -> None:
        self.notes.append(f"{self.where(line)}: {message}")

    def source(self, start: int, end: int) -> str:
        return "\n".join(self.lines[start:end])

    def set(self, path: str, value: Any) -> None:
        target = self.data
        parts = path.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value

    def keep(self, key: str, where: str, text: str) -> None:
        # HTML the plan would show as tag text ("&lt;img ...>") is kept as the Markdown it stands for.
        text = html.convert(text)
        if not text.strip():
            return
        slot = self.extra.setdefault(key, {})
        slot[where] = f"{slot[where]}\n\n{text}" if slot.get(where) else text

    def is_not_specified(self, block: Block) -> bool:
        return block.kind == "paragraph" and self.source(block.start, block.end).strip() == NOT_SPECIFIED

    def items(self, block: Block) -> list[tuple[Block, str | None]]:
        """A list's items with their text (None when an item holds more than one paragraph)."""
        result: list[tuple[Block, str | None]] = []
        tokens = block.tokens
        index = 1
        while index < len(tokens) - 1:
            token = tokens[index]
            if token.type != "list_item_open":
                index += 1
                continue
            stop = closing(tokens, index)
            inner = tokens[index + 1:stop]
            start, end = token.map or (block.start, block.end)
            item = Block("list_item", start, trimmed_end(self.lines, start, end), tokens[index:stop + 1])
            simple = (len(inner) == 3 and inner[0].type == "paragraph_open" and inner[1].type == "inline")
            text = " ".join(line.strip() for line in inner[1].content.splitlines()) if simple else None
            result.append((item, text))
            index = stop + 1
        return result

    def residual_list(self, items: list[Block]) -> str:
        return "\n".join(self.source(item.start, item.end) for item in items)

    def list_kinds(self, blocks: list[Block]) -> tuple[str, ...]:
        """The lists a section's field may be read from. The template prints a bullet list or
        "_Not specified._"; a person's numbered list ("1.") is read too, but only where neither is
        present, so a numbered list kept beside them stays verbatim."""
        if any(b.kind == "bullet_list" or self.is_not_specified(b) for b in blocks):
            return ("bullet_list",)
        return ("bullet_list", "ordered_list")

    def read_list(self, blocks: list[Block], key: str, path: str, checklist: bool) -> builtins.set[int]:
        kinds = self.list_kinds(blocks)
        for index, block in enumerate(blocks):
            if self.is_not_specified(block):
                return {index}
            if block.kind in kinds:
                values: list[Any] = []
                leftovers: list[Block] = []
                first: int | None = None
                for item, text in self.items(block):
                    value = self.list_value(item, text, checklist)
                    if value is None:
                        leftovers.append(item)
                    else:
                        values.append(value)
                        first = item.start if first is None else first
                if first is None or not self.fits(values, first, key):
                    # Nothing a field takes: the list stays verbatim, and the template's
                    # "_Not specified._" after it is still to be found.
                    continue
                self.set(path, values)
                if leftovers:
                    self.keep_leftovers(key, leftovers, first)
                    self.note(leftovers[0].start, "list items with nested content are kept verbatim "
                                                  f"around the list in '{TITLES.get(key, key)}'")
                return {index}
        return set()

    def keep_leftovers(self, key: str, leftovers: list[Block], first: int) -> None:
        """List items no field takes, kept where they stood: those above the first item read go
        before the field (after the section's other content above it), the rest after it."""
        above = [item for item in leftovers if item.start < first]
        below = [item for item in leftovers if item.start > first]
        if above:
            self.leading.setdefault(key, []).append(self.residual_list(above))
        if below:
            self.keep(key, "after", self.residual_list(below))

    def fits(self, values: list[Any], line: int, key: str) -> bool:
        """A list a field may hold: more entries than an inputs list takes (MAX_ITEMS) stay as written."""
        if len(values) <= MAX_ITEMS:
            return True
        self.note(line, f"the list of {len(values):,} entries in '{TITLES.get(key, key)}' is kept as written: a "
                        f"field holds at most {MAX_ITEMS:,}")
        return False

    def list_value(self, item: Block, text: str | None, checklist: bool) -> Any:
        if text is None or len(text) > MAX_TEXT:  # past a field's size, the item is kept as written
            return None
        match = CHECKBOX.match(text)
        if checklist:
            if match:
                value = self.reader.inline(text[match.end():], item.start)
                return {"text": value, "done": match.group(1) != " "} if value else None
            value = self.reader.inline(text, item.start)
            return value or None
        value = self.reader.inline(text, item.start)
        return value or None

    def read_labelled(self, blocks: list[Block], key: str, path: str, labels: dict[str, str]) -> builtins.set[int]:
        """"- **Label**: value" bullets, or a person's "**Label**: value" paragraphs."""
        consumed: set[int] = set()
        found: dict[str, str] = {}
        kinds = self.list_kinds(blocks)
        for index, block in enumerate(blocks):
            if self.is_not_specified(block) and not consumed:
                return {index}
            if block.kind in kinds:
                pairs = [(item, text, self.label_of(text, labels)) for item, text in self.items(block)]
                if not any(label for _, _, label in pairs):
                    continue
                leftovers = []
                for item, _text, label in pairs:
                    if label and label[0] not in found:
                        found[label[0]] = self.reader.inline(label[1], item.start)
                    else:
                        leftovers.append(item)
                if leftovers:
                    self.keep(key, "after", self.residual_list(leftovers))
                consumed.add(index)
            elif block.kind == "paragraph" and block.inline is not None:
                parts = block.inline.content.split("\n")
                parsed = [self.label_of(part, labels) for part in parts]
                if not all(parsed):
                    continue
                first = block.start
                for offset, label in enumerate(parsed):
                    assert label is not None
                    if label[0] in found:
                        break
                    found[label[0]] = self.reader.inline(label[1], first + offset)
                else:
                    consumed.add(index)
        for name, value in found.items():
            if value:
                self.set(f"{path}.{name}", value)
        return consumed

    @staticmethod
    def label_of(text: str | None, labels: dict[str, str]) -> tuple[str, str] | None:
        parsed = split_label(text) if text is not None else None
        if parsed is None:
            return None
        name = labels.get(parsed[0])
        return (name, parsed[1]) if name else None

    def read_code(self, blocks: list[Block], key: str, path: str, info: str) -> builtins.set[int]:
        """The first code block in the language the template prints (`info`) is the field. Another
        language ("```mermaid", "```json") would lose its name in the field, so that block stays
        verbatim where it is."""
        other: Block | None = None
        for index, block in enumerate(blocks):
            if self.is_not_specified(block):
                return {index}
            if block.kind in ("fence", "code_block"):
                language = block.tokens[0].info.strip().lower()
                # An indented block names no language, so it has none to lose.
                if block.kind == "fence" and language != info and not (
                        info == "" and language in _PLAIN_LANGUAGES) and not (
                        info == "sql" and language in _SQL_DIALECTS):
                    other = other or block
                    continue
                if block.kind == "fence" and language != info and info == "sql":
                    self.note(block.start, f"the ```{language} block under '{TITLES[key]}' is read as the field "
                                           "and printed as ```sql")
                content = block.tokens[0].content
                self.set(path, content[:-1] if content.endswith("\n") else content)
                return {index}
        if other is not None:
            self.note(other.start, f"the ```{other.tokens[0].info.strip()} block under '{TITLES[key]}' is kept as "
                                   f"written; the field takes {'```' + info if info else 'plain ```'} code only")
        return set()

    def distribute(self, section: Section, consumed: builtins.set[int]) -> None:
        """What a section did not read: before its first read block, or after it."""
        first = min(consumed) if consumed else len(section.blocks)
        runs: dict[str, list[list[Block]]] = {"before": [], "after": []}
        previous = -2
        for index, block in enumerate(section.blocks):
            if index in consumed:
                previous = -2
                continue
            if block.kind == "paragraph" and CHART_IMAGE.match(self.source(block.start, block.end)):
                continue
            if section.key == "header":  # above the title, or anywhere after it
                where = "before" if section.heading is not None and block.start < section.heading.start else "after"
            else:
                where = "before" if index < first else "after"
            if previous == index - 1 and runs[where]:
                runs[where][-1].append(block)
            else:
                runs[where].append([block])
            previous = index
        for where in ("before", "after"):
            for run in runs[where]:
                self.keep(section.key, where, self.source(run[0].start, run[-1].end))
            if where == "before":
                for text in self.leading.pop(section.key, []):
                    self.keep(section.key, "before", text)

    def read_heading(self, section: Section) -> None:
        assert section.heading is not None
        block = section.heading
        src = heading_text(self.lines, block)
        key = section.key
        if key in ("frontend", "backend"):
            default = self.read_stack(key, src, block.start)
        else:
            default = TITLES[key]
        if src != default or not block.tokens[0].markup.startswith("#"):
            self.extra.setdefault(key, {})["heading"] = self.reader.heading(src, block.start)

    def read_stack(self, key: str, src: str, line: int) -> str:
        """The stack named in "Frontend (Next.js)"; returns the heading as the template would print it,
        so a person's "Frontend (Next.js) (REVISED)" is kept as a changed heading."""
        stem = "Frontend" if key == "frontend" else "Backend"
        rest = src[len(stem):] if src.lower().startswith(stem.lower()) else ""
        group = first_group(rest)
        if group is not None:
            inner, after = group
            value = self.reader.heading(inner, line)
            suffix_like = re.match(r"^\s+[(\[—–-]", after) is not None
            if value and suffix_like and str(mdescape.heading(unescape(src))) == src:
                self.set(f"stack.{key}", value)
                return f"{stem} ({mdescape.heading(value)})"
        if rest.startswith(" (") and rest.endswith(")"):
            value = self.reader.heading(rest[2:-1], line)
            if value:
                self.set(f"stack.{key}", value)
                return f"{stem} ({mdescape.heading(value)})"
        return f"{stem} ({'Next.js' if key == 'frontend' else 'Django'})"

