"""Import a Technical Plan written in Markdown (by hand from the house template, or by techplan)
back into inputs, losing nothing.

The plan is parsed with markdown-it; every top-level block keeps its source lines (token maps).
Headings are matched to the template's sections by title, whatever suffix a person added
("(REVISED)"), in any order. Each section reads the blocks it understands into fields; every other
block (extra paragraphs, sub-sections, tables, lists that do not fit, lines no parser claims) is
kept verbatim as `extra.<section>.before` / `.after`, and the template prints it back in place.
Computed material (scores, the risk matrix, dates, percentiles, charts, the Gantt block) is
recognised and skipped: rendering recomputes it.
"""

from __future__ import annotations

import builtins  # MarkdownImporter has a method named set: its signatures say builtins.set
import datetime as dt
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml
from markdown_it.token import Token

from ... import mdescape
from ...errors import InputError
from ...inputs import MAX_ITEMS, MAX_TEXT
from ...model import HTTP_METHODS, LEVEL_ALIASES, REVIEW_STATUSES, STATUSES
from ...plan_format import html
from ...plan_format import sections as catalogue
from ...verbatim import code_spans, parser
from .. import ImportResult, prose, strip_invisible
from ..mdtext import TextReader, plain, split_unescaped, table_cells, unescape

NOT_SPECIFIED = "_Not specified._"


# --- blocks ---------------------------------------------------------------------------------


@dataclass
class Block:
    """One top-level Markdown block and the source lines [start, end) it came from."""

    kind: str
    start: int
    end: int
    tokens: list[Token]
    level: int = 0

    @property
    def inline(self) -> Token | None:
        return next((t for t in self.tokens if t.type == "inline"), None)


def split_blocks(lines: list[str], env: dict[str, Any] | None = None) -> list[Block]:
    """Top-level blocks in order, plus "orphan" blocks for non-blank lines no token covers
    (link reference definitions), so that no line of the plan is ever dropped. `env` receives
    the link references, for reading the text that uses them."""
    tokens = parser().parse("\n".join(lines), env if env is not None else {})
    blocks: list[Block] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.nesting == 1:
            depth, stop = 0, index
            while True:
                depth += tokens[stop].nesting
                if depth == 0:
                    break
                stop += 1
            group = tokens[index:stop + 1]
            index = stop + 1
        else:
            group = [token]
            index += 1
        if token.map is None:
            continue
        start, end = token.map
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        kind = token.type[:-5] if token.type.endswith("_open") else token.type
        level = int(token.tag[1]) if kind == "heading" else 0
        blocks.append(Block(kind, start, end, group, level))
    covered = [False] * len(lines)
    for block in blocks:
        for line in range(block.start, block.end):
            covered[line] = True
    line = 0
    while line < len(lines):
        if covered[line] or not lines[line].strip():
            line += 1
            continue
        stop = line
        while stop < len(lines) and not covered[stop] and lines[stop].strip():
            stop += 1
        blocks.append(Block("orphan", line, stop, []))
        line = stop
    blocks.sort(key=lambda b: b.start)
    return blocks


# --- the template's outline -------------------------------------------------------------------

# The template's outline comes from the one catalogue (plan_format.sections); these names stay for
# the modules that import them.
H2_SECTIONS = catalogue.top_names()
SUBSECTIONS = {parent: catalogue.child_names(parent) for parent in catalogue.top_level()
               if catalogue.child_names(parent)}
TITLES = catalogue.titles()

# "Overview - revised ...": everything from the mark on is a suffix. No leading \s* and no trailing
# ".*\s*$": either would make the search quadratic on a heading with a long run of blanks.
_WORD_SUFFIX = re.compile(r"[-–—:]\s*(?:revised|updated|draft|new|v\d+)\b", re.I)
_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*[.)]?|[A-Z][.)])\s+")
PHASE_HEADING = re.compile(r"^phase\s+(\d+)\b", re.IGNORECASE)
REVIEW_HEADING = re.compile(r"^review\s+round\s+(\d+)\b", re.IGNORECASE)
_ROUND_HEADING = re.compile(r"^\s*round\s+(\d+)\b", re.IGNORECASE)  # "### Round 2 (2026-03-09)" under Review Feedback


def _strip_symbols(text: str) -> str:
    """Emoji and other symbols around a heading's words ("## 🚀 Implementation Timeline ✅")."""
    start, end = 0, len(text)
    while start < end and _is_symbol(text[start]):
        start += 1
    while end > start and _is_symbol(text[end - 1]):
        end -= 1
    return text[start:end]


def _suffixes_start(value: str) -> int:
    """Where the run of "(REVISED)", "[draft]" and "- updated ..." suffixes at the end of `value`
    starts, peeled off one at a time from the right. Index arithmetic rather than a regex applied
    in a loop: each step looks only at the suffix it removes, so "()" * 20,000 stays linear."""
    end = len(value)
    word = _WORD_SUFFIX.search(value)
    while True:
        while end > 0 and _is_symbol(value[end - 1]):
            end -= 1
        cut = word.start() if word is not None and word.end() <= end else end
        if end and value[end - 1] in ")]":
            opener = "(" if value[end - 1] == ")" else "["
            start = value.rfind(opener, 0, end - 1)
            if start >= 0 and value.find(value[end - 1], start + 1, end - 1) < 0:
                cut = min(cut, start)
        if cut >= end:
            return end
        end = cut
        if word is not None and word.start() >= end:
            # Cut below the first "- revised": the text left may hold one that ends at the new end.
            word = _WORD_SUFFIX.search(value, 0, end)


def _is_symbol(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] == "S" or unicodedata.category(char) in ("Mn", "Cf", "Co")


def core_title(text: str) -> str:
    """A heading's words for matching: emoji, numbering, "(REVISED)"-style suffixes and case removed.
    Backslash escapes go first: a heading techplan printed may read "1\\. Issue Summary"."""
    value = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
    value = _NUMBERING.sub("", _strip_symbols(value.strip()))
    value = _strip_symbols(value)
    value = value.replace("*", "").replace("_", " ").strip().rstrip(":").strip()
    value = _strip_symbols(value[:_suffixes_start(value)])
    value = value.replace("&", " and ").lower()
    return " ".join(value.split())


@dataclass
class Section:
    key: str
    heading: Block | None
    blocks: list[Block] = field(default_factory=list)
    kept: bool = False  # another heading of a section already read: kept verbatim under it


def heading_text(lines: list[str], block: Block) -> str:
    """A heading's source text (escapes and all), without its '#' marks."""
    inline = block.inline
    return inline.content.strip() if inline is not None else ""


def _is_section_name(core: str) -> bool:
    """A heading the catalogue knows by any name: the template's, or another kind of document's."""
    return core in catalogue.top_names() or bool(catalogue.alias_keys(core) or catalogue.own_name_keys(core))


def heading_levels(lines: list[str], blocks: list[Block]) -> dict[int, int]:
    """Each heading's level as the template would have it, by its first line. A plan pasted into an
    issue comment often has every heading one level down ("## Technical Plan", "### Issue Summary"),
    and some people write the sections at the title's level ("# Issue Summary"): the template's
    section titles tell which. An RFC written with H1 sections and no title ("# Summary",
    "# Motivation") has every heading one level up."""
    headings = [b for b in blocks if b.kind == "heading"]
    sections = [b.level for b in headings if core_title(heading_text(lines, b)) in catalogue.top_names()]
    if not sections:
        sections = [b.level for b in headings if _is_section_name(core_title(heading_text(lines, b)))]
    if not sections or not headings:
        return {}
    top = min(sections)
    if top > 2 and min(b.level for b in headings) >= top - 1:
        return {b.start: max(1, b.level - (top - 2)) for b in headings}
    first = headings[0]
    first_core = core_title(heading_text(lines, first))
    h1 = sum(1 for b in headings if b.level == 1)
    if top == 1 and first.level == 1 and first_core not in catalogue.top_names() and h1 > 1 and not any(
            b.level == 2 and core_title(heading_text(lines, b)) in catalogue.top_names() for b in headings):
        return {b.start: b.level if b is first else b.level + 1 for b in headings}
    if top == 1 and first.level == 1 and h1 > 1 and _is_section_name(first_core) and \
            first_core not in catalogue.top_names() and not any(b.level == 2 and core_title(heading_text(lines, b))
                                                      in catalogue.top_names() for b in headings):
        # "# Summary" first, "# Motivation" next: sections at H1 and no title.
        return {b.start: b.level + 1 for b in headings}
    if top == 1 and first.level == 1 and h1 > 1 and first_core in catalogue.top_names() and not any(
            b.level == 2 and core_title(heading_text(lines, b)) in catalogue.top_names() for b in headings) and \
            sum(1 for b in headings if b.level == 1 and _is_section_name(core_title(heading_text(lines, b)))) > 2:
        return {b.start: b.level + 1 for b in headings}
    return {}


# Alias sections are read at the template's section and sub-section levels (after heading_levels);
# a deeper heading with such a name ("#### Examples" inside a design) stays where it is.
_ALIAS_DEPTH = 3


def outline(lines: list[str], blocks: list[Block]) -> list[Section]:
    """The plan's sections by template key, in the order they appear; content before the
    title and under headings the template does not know stays with the section before it.

    Headings are read by the template's names first. Then, for the sections the document does not
    have under those names, by what other documents call them (the catalogue's aliases: "Goals",
    "Drawbacks", "Unresolved questions"): a second heading of the same kind ("Alternatives" after
    "Proposal") is kept, heading and all, under the section it belongs to (`kept`)."""
    levels = heading_levels(lines, blocks)
    strict = _outline(lines, blocks, levels, None)
    present = {section.key for section in strict}
    if not any(b.kind == "heading" and _is_section_name(core_title(heading_text(lines, b))) and
               any(k not in present for k in catalogue.alias_keys(core_title(heading_text(lines, b))) +
                   catalogue.own_name_keys(core_title(heading_text(lines, b)))) for b in blocks):
        return strict
    return _outline(lines, blocks, levels, present)


def _outline(lines: list[str], blocks: list[Block], levels: dict[int, int],
             present: set[str] | None) -> list[Section]:
    sections: list[Section] = [Section("header", None)]
    seen: set[str] = set()
    parent = ""
    for block in blocks:
        key = None
        kept = False
        level = levels.get(block.start, block.level)
        if block.kind == "heading":
            core = core_title(heading_text(lines, block))
            if level == 1 and "header" not in seen and sections[-1].key == "header":
                key = "header"
            elif level == 2:
                key = catalogue.top_names().get(core)
            elif level >= 3 and catalogue.child_names(parent):
                key = catalogue.child_names(parent).get(core)
                if key is None and parent == "technical_approach":
                    for stem in ("frontend", "backend"):
                        if core == stem or core.startswith(stem + " "):
                            key = stem
            if key is not None and key in seen:
                key = None  # a second "## Security Considerations" is kept as extra content
            if key is None and present is not None and 2 <= level <= _ALIAS_DEPTH:
                named = catalogue.own_name_keys(core) if level > 2 or core not in catalogue.top_names() else ()
                candidates = [k for k in catalogue.alias_keys(core) + named if k not in present]
                key = next((k for k in candidates if k not in seen), None)
                if key is None and candidates:
                    key, kept = candidates[0], True
        if key is None:
            sections[-1].blocks.append(block)
            continue
        if kept:
            sections.append(Section(key, block, kept=True))
            continue
        seen.add(key)
        if level == 2 or (key != "header" and catalogue.by_key(key).parent is None):
            parent = key
        if key == "header":
            sections[0].heading = block
            continue
        sections.append(Section(key, block))
    return sections


# --- the importer ------------------------------------------------------------------------------

_BOLD_LABEL = re.compile(r"^(\*\*|__)(?P<label>[^*_]{1,60}?)\1(?P<rest>.*)$", re.DOTALL)


def split_label(text: str) -> tuple[str, str] | None:
    """"**Label**: value" (as printed) or a person's "**Label:** value": (label, value source)."""
    match = _BOLD_LABEL.match(text.strip())
    if not match:
        return None
    label, rest = match.group("label").strip(), match.group("rest")
    if label.endswith(":"):
        label, value = label[:-1].strip(), rest
    elif rest.startswith(":"):
        value = rest[1:]
    else:
        return None
    return " ".join(label.lower().split()), value.strip()
_CHECK = re.compile(r"^\[( |x|X)\](?:\s+|$)")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
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


_DAYS_PLACEHOLDER = re.compile(r"\(\s*X\s+days?\s*\)\s*$", re.IGNORECASE)

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
# Table headings people use, by the field each column fills (matched after core_title).
RISK_COLUMNS = {
    "risk": "risk", "description": "risk", "risk description": "risk", "risks": "risk",
    "probability": "probability", "likelihood": "probability", "impact": "impact", "severity": "impact",
    "mitigation": "mitigation", "mitigation strategy": "mitigation", "mitigation plan": "mitigation",
    "mitigations": "mitigation", "owner": "owner", "status": "status", "id": "id", "#": "index",
}
API_COLUMNS = {
    "method": "method", "http method": "method", "verb": "method", "endpoint": "path", "path": "path",
    "url": "path", "route": "path", "description": "description", "purpose": "description",
    "request": "request", "request body": "request", "response": "response", "response body": "response",
}
# What the risk and schedule analysis adds to a plan: recomputed on render, so never imported.
COMPUTED_COLUMNS = {"score", "level", "exposure", "rank"}
# The analysis' own sub-headings (exactly as it prints them) and the one block under each.
COMPUTED_HEADINGS = {"Risk matrix (probability × impact)": "table", "Risk summary": "bullet_list",
                     "Schedule summary": "bullet_list", "Gantt chart": "fence"}
_COMPUTED_LABELS = {"overall risk", "open risks", "scale", "flags", "start", "weekends", "holidays",
                    "country holidays", "expected duration", "finish (monte carlo)", "p80 with contingency",
                    "contingency rule", "critical path", "holidays in range"}
_CHART_IMAGE = re.compile(r"^!\[(Risk heat-map|Schedule: Gantt chart|Monte Carlo distribution)[^\]]*\]\([^)]*\)\s*$")


class MarkdownImporter:
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

    # -- helpers --

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

    # -- lists --

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
            depth, stop = 0, index
            while True:
                depth += tokens[stop].nesting
                if depth == 0:
                    break
                stop += 1
            inner = tokens[index + 1:stop]
            start, end = token.map or (block.start, block.end)
            while end > start + 1 and not self.lines[end - 1].strip():
                end -= 1
            item = Block("list_item", start, end, tokens[index:stop + 1])
            simple = (len(inner) == 3 and inner[0].type == "paragraph_open" and inner[1].type == "inline")
            text = " ".join(line.strip() for line in inner[1].content.splitlines()) if simple else None
            result.append((item, text))
            index = stop + 1
        return result

    def keep_foreign_items(self, key: str, block: Block) -> None:
        """A person's bullet list printed right after the computed risk summary joins that list when
        read back (one loose list); its items are not the analysis's, so they are kept, not dropped."""
        if block.kind != "bullet_list":
            return
        foreign = []
        for item, _ in self.items(block):
            label = split_label(re.sub(r"^\s*[-*+]\s+", "", self.lines[item.start]))
            if label is None or label[0] not in _COMPUTED_LABELS:
                foreign.append(item)
        if foreign:
            self.keep(key, "after", self.residual_list(foreign))

    def residual_list(self, items: list[Block]) -> str:
        return "\n".join(self.source(item.start, item.end) for item in items)

    def list_kinds(self, blocks: list[Block]) -> tuple[str, ...]:
        """The lists a section's field may be read from. The template prints a bullet list or
        "_Not specified._"; a person's numbered list ("1.") is read too, but only where neither is
        present, so a numbered list kept beside them stays verbatim."""
        if any(b.kind == "bullet_list" or self.is_not_specified(b) for b in blocks):
            return ("bullet_list",)
        return ("bullet_list", "ordered_list")

    # -- generic readers: each returns the blocks it consumed --

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
        match = _CHECK.match(text)
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

    # -- sections --

    def run(self) -> ImportResult:
        matter = front_matter(self.lines)
        if matter is not None:
            self.read_front_matter(matter)
        blocks = split_blocks(self.lines, self.env)
        sections = outline(self.lines, blocks)
        for previous, following in itertools.pairwise(sections):
            # The template's rule above "## Approval" is printed by the template itself.
            if following.key == "approval" and previous.blocks and previous.blocks[-1].kind == "hr":
                previous.blocks.pop()
        for section in sections:
            if section.kept:
                assert section.heading is not None
                end = section.blocks[-1].end if section.blocks else section.heading.end
                self.keep(section.key, "after", self.source(section.heading.start, end))
                continue
            consumed = self.read_section(section)
            self.distribute(section, consumed)
        self.read_document_metadata(sections[0])
        if self.issue_number is not None:
            self.set("issue.number", self.issue_number)
        if self.title is not None:
            self.set("issue.title", self.title)
        if "issue" not in self.data or "number" not in self.data.get("issue", {}):
            raise InputError.single(self.name, "no issue number found in the document (no '**Issue Number**: #57', "
                                               "'Issue:' or issue link); give one with --issue N",
                                    field="issue.number")
        if not self.data["issue"].get("title"):
            raise InputError.single(self.name, "no title found; the plan needs a first line like '# Technical "
                                               "Plan: Export roasts to CSV', or give one with --title TEXT",
                                    line=1, field="issue.title")
        cleaned = {key: {k: v for k, v in slot.items() if v.strip()} for key, slot in self.extra.items()}
        cleaned = {key: slot for key, slot in cleaned.items() if slot}
        if cleaned:
            self.data["extra"] = cleaned
        if self.reader.simplified:
            lines = ", ".join(str(line + 1) for line in sorted(set(self.reader.simplified))[:12])
            self.notes.append(f"{self.name}: Markdown formatting (emphasis, links) in field text became plain "
                              f"text; lines {lines}")
        return ImportResult(self.data, self.notes)

    # -- a document's own metadata: front matter, "* Status: Accepted" lists, "Author(s):" lines --

    def read_front_matter(self, end: int) -> None:
        """YAML front matter (lines 0..end): the values a header takes are read; the block is kept as
        written above the title, and blanked here so the Markdown parser does not read it as a rule and
        a heading."""
        text = "\n".join(self.lines[1:end])
        kept = self.source(0, end + 1)
        for number in range(end + 1):
            self.lines[number] = ""
        self.keep("header", "before", kept)
        try:
            values = yaml.safe_load(text) if len(text) <= 65_536 else None
        except yaml.YAMLError:
            self.note(0, "the front matter is not YAML; it is kept as written")
            return
        if not isinstance(values, dict):
            return
        flat: list[tuple[Any, Any]] = []
        for label, value in values.items():
            # One level of nesting ("meta: {ember-issue: URL}") is read by the inner names.
            flat.extend(value.items() if isinstance(value, dict) else [(label, value)])
        for offset, (label, value) in enumerate(flat):
            if isinstance(value, (list, tuple)):
                value = ", ".join(str(v) for v in value if not isinstance(v, (dict, list)))
            elif isinstance(value, (dt.date, dt.datetime)):
                value = value.isoformat()
            elif isinstance(value, dict) or value is None:
                continue
            line = next((n for n in range(1, end) if self.lines_raw[n].lstrip().startswith(str(label))), offset + 1)
            self.metadata_value(str(label), str(value), line)

    def read_document_metadata(self, header: Section) -> None:
        """Header values a design document states in its own way, read into the fields the template's
        header has not set: "* Status: **Implemented (Swift 5.5)**", "- Start Date: 2018-03-07",
        "Author(s): Austin Clements", "| Status | Accepted |", "Discussion at https://golang.org/issue/N",
        a number in the title ("# KEP-2232: ..."). The lines stay as written (their words are the
        document's); only what the template's header lines did not give is taken."""
        for block in header.blocks:
            if header.heading is not None and block.start < header.heading.start and block.kind == "heading":
                continue
            if block.kind == "paragraph":
                for offset, raw in enumerate(self.lines[block.start:block.end]):
                    self.metadata_line(raw, block.start + offset)
            elif block.kind in ("bullet_list", "ordered_list"):
                for item, text in self.items(block):
                    if text is not None:
                        self.metadata_line(text, item.start)
            elif block.kind == "table":
                for offset, raw in enumerate(self.lines[block.start:block.end]):
                    cells = table_cells(raw)
                    if offset != 1 and len(cells) == 2:
                        self.metadata_value(cells[0], cells[1], block.start + offset)
        if header.heading is not None:
            src = heading_text(self.lines, header.heading)
            ident = _TITLE_NUMBER.match(unescape(src))
            if ident:
                self.metadata_candidate("number", 5, ident.group(1), header.heading.start)
        else:
            # No '# Title': a document whose first block is a heading the catalogue does not know
            # (a Setext "Title\n----") is titled by it.
            first = next((b for b in header.blocks if b.kind != "html_block"), None)
            if first is not None and first.kind == "heading" and first.level <= 2 and \
                    not _is_section_name(core_title(heading_text(self.lines, first))):
                self.metadata_candidate("title", 1, self.reader.heading(heading_text(self.lines, first), first.start),
                                        first.start)
        issue = self.data.setdefault("issue", {})
        number = self.metadata.get("number")
        if "number" not in issue and number is not None:
            self.set("issue.number", int(number[1]))
            self.note(number[2], f"issue number {number[1]} read from the document's own header")
        url = self.metadata.get("url")
        if not issue.get("url") and url is not None:
            self.set("issue.url", url[1])
        title = self.metadata.get("title")
        if not issue.get("title") and title is not None and title[1].strip():
            self.set("issue.title", title[1].strip()[:200])
        for field_name in ("created_by", "created", "last_updated"):
            found = self.metadata.get(field_name)
            if found is not None and field_name not in self.data:
                self.set(field_name, found[1])
        status = self.metadata.get("status")
        if status is not None and "status" not in self.data:
            self.read_status(status[1], status[2])
        if not issue:
            del self.data["issue"]

    def metadata_line(self, raw: str, line: int) -> None:
        text = raw.strip()
        text = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", text)
        discussion = re.match(r"^discussion at:?\s+<?(https?://\S+?)>?\.?$", text, re.IGNORECASE)
        if discussion:
            self.metadata_value("discussion", discussion.group(1), line)
            return
        match = _META_LINE.match(text)
        if match:
            self.metadata_value(match.group("label"), match.group("value"), line)

    def metadata_value(self, label_src: str, value_src: str, line: int) -> None:
        label = re.sub(r"[*_`]", "", unescape(label_src)).strip().rstrip(":").strip().lower()
        label = " ".join(label.replace("-", " ").split())
        value = value_src.strip()
        if not value or len(value) > 2000:
            return
        target = _META_LABELS.get(label) or ("number" if re.search(r"\bissues?$", label) else None)
        if target is None:
            return
        # A link shows its words only: "[John McCall](https://github.com/rjmccall)" is "John McCall".
        shown, _ = plain(re.sub(r"(?<!!)\[([^\]]*)\]\([^)]*\)", r"\1", value) if target != "number" else value,
                         env=self.env)
        shown = " ".join(shown.split())
        if target == "number":
            rank = 4 if re.search(r"issue|ticket|tracking|discussion", label) else 2
            url = re.search(r"https?://[^\s)>\]]+", value)
            number = re.search(r"/(?:issues?|pull)/(\d+)\b", url.group(0)) if url else None
            number = number or re.search(r"#(\d+)\b", shown) or re.match(r"\s*[A-Za-z]{1,6}-0*(\d+)\b", shown) or \
                re.fullmatch(r"\s*0*(\d+)\s*", shown) or re.match(r"\s*0*(\d+)\s*,", shown)
            if number is not None and 1 <= int(number.group(1)) <= 10**9:
                self.metadata_candidate("number", rank, number.group(1), line)
                if url is not None and rank == 4 and len(url.group(0)) <= 500:
                    self.metadata_candidate("url", rank, url.group(0), line)
        elif target in ("created", "last_updated"):
            iso = re.search(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)", shown)  # "2014-10-24T00:00:00Z" too
            day = iso.group(1) if iso else human_date(shown)
            if day is not None:
                try:
                    dt.date.fromisoformat(day)
                except ValueError:
                    return
                self.metadata_candidate(target, 1, day, line)
        elif target == "created_by":
            self.metadata_candidate(target, 1, shown[:200], line)
        elif target == "status":
            self.metadata_candidate(target, 1, shown, line)
        elif target == "title":
            self.metadata_candidate(target, 1 if label == "title" else 0, shown, line)

    def metadata_candidate(self, target: str, rank: int, value: str, line: int) -> None:
        if value and (target not in self.metadata or self.metadata[target][0] < rank):
            self.metadata[target] = (rank, value, line)

    def distribute(self, section: Section, consumed: builtins.set[int]) -> None:
        """What a section did not read: before its first read block, or after it."""
        first = min(consumed) if consumed else len(section.blocks)
        runs: dict[str, list[list[Block]]] = {"before": [], "after": []}
        previous = -2
        for index, block in enumerate(section.blocks):
            if index in consumed:
                previous = -2
                continue
            if block.kind == "paragraph" and _CHART_IMAGE.match(self.source(block.start, block.end)):
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

    def read_section(self, section: Section) -> builtins.set[int]:
        key, blocks = section.key, section.blocks
        if section.heading is not None and key != "header":
            self.read_heading(section)
        reader = getattr(self, f"section_{key}", None)
        if reader is not None:
            return set(reader(blocks, section))
        lists = {
            "functional": ("requirements.functional", True), "non_functional": ("requirements.non_functional", True),
            "out_of_scope": ("requirements.out_of_scope", False), "system_context": ("architecture.context", False),
            "migration_strategy": ("database.migration_strategy", False),
            "modified_endpoints": ("api.modified_endpoints", False), "unit_tests": ("testing.unit", False),
            "integration_tests": ("testing.integration", False), "e2e_tests": ("testing.e2e", False),
            "internal_dependencies": ("dependencies.internal", False),
            "external_dependencies": ("dependencies.external", False), "rollback": ("rollback", False),
            "future": ("future", False), "assumptions": ("assumptions", False),
        }
        if key in lists:
            path, checklist = lists[key]
            return self.read_list(blocks, key, path, checklist)
        codes = {"component_architecture": ("architecture.components", ""),
                 "new_tables": ("database.new_tables", "sql"), "modified_tables": ("database.modified_tables", "sql")}
        if key in codes:
            return self.read_code(blocks, key, *codes[key])
        labelled = {"frontend": ("approach.frontend", FRONTEND_LABELS), "backend": ("approach.backend", BACKEND_LABELS),
                    "security": ("security", SECURITY_LABELS), "performance": ("performance", PERFORMANCE_LABELS),
                    "monitoring": ("monitoring", MONITORING_LABELS)}
        if key in labelled:
            path, labels = labelled[key]
            return self.read_labelled(blocks, key, path, labels)
        return set()  # container sections: everything under them is extra content

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
        group = _first_group(rest)
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

    # header: title, metadata lines, status
    def section_header(self, blocks: list[Block], section: Section) -> builtins.set[int]:
        if section.heading is not None:
            src = heading_text(self.lines, section.heading)
            match = re.match(r"^technical plan\s*:\s*", src, re.IGNORECASE)
            if match and src[match.end():].strip():
                title_src = src[match.end():]
                title = self.reader.heading(title_src, section.heading.start)
                if f"Technical Plan: {mdescape.heading(title)}" != src:
                    self.extra.setdefault("header", {})["heading"] = self.reader.heading(src, section.heading.start)
            else:
                title = self.reader.heading(src, section.heading.start)
                self.extra.setdefault("header", {})["heading"] = title
            self.set("issue.title", title[:200])
            if len(title) > 200:
                self.note(section.heading.start, "the title is longer than 200 characters; the inputs keep "
                                                 "its first 200 (the full heading is kept in extra.header)")
                self.extra.setdefault("header", {})["heading"] = self.reader.heading(src, section.heading.start)
        consumed: set[int] = set()
        seen: set[str | None] = set()
        for index, block in enumerate(blocks):
            if section.heading is not None and block.start < section.heading.start:
                continue
            if block.kind == "table" and not consumed and self.header_table(block, seen):
                consumed.add(index)
                continue
            if block.kind != "paragraph" or block.inline is None:
                if consumed:
                    break
                continue
            leftover: list[int] = []
            used = False
            for offset, raw in enumerate(self.lines[block.start:block.end]):
                text = plain_header_line(raw.strip())
                parsed = split_label(text)
                field_key = _header_key(parsed[0]) if parsed else None
                # A field given twice is read once; the second line stays as written.
                if field_key not in seen and self.header_line(text, block.start + offset):
                    used = True
                    seen.add(field_key)
                else:
                    leftover.append(block.start + offset)
            if used:
                consumed.add(index)
                if leftover:
                    self.keep("header", "after", "\n".join(self.lines[n].rstrip() for n in leftover))
            elif consumed:
                break
            # People who do not know Markdown's two-space line break put each header line in a
            # paragraph of its own: the one-line paragraphs that follow are read too, while they hold
            # fields. The header block the template prints is one paragraph, and stops the reading.
            if consumed and block.end - block.start > 1:
                break
        return consumed

    def header_table(self, block: Block, seen: builtins.set[str | None]) -> bool:
        """The header kept as a two-column table ("| **Issue Number** | #57 |"), read when every row
        names a header field; a row that says more than its field stays, as a table, after the header."""
        rows = [(block.start + offset, table_cells(line))
                for offset, line in enumerate(self.lines[block.start:block.end]) if offset != 1]
        if len(rows) < 2 or any(len(cells) != 2 for _, cells in rows):
            return False

        def label(cell: str) -> str:
            return re.sub(r"^(\*\*|__)(.*)\1$", r"\2", unescape(cell).strip()).strip().rstrip(":").strip()

        head = [label(cell).lower() for cell in rows[0][1]]
        if head[0] in ("", "field", "key", "property", "item") and head[1] in ("", "value", "details"):
            rows = rows[1:]
        if not rows or any(_header_key(label(cells[0]).lower()) is None for _, cells in rows):
            return False
        kept = [line for line, cells in rows
                if not self.header_line(f"**{label(cells[0])}**: {cells[1].strip()}", line)]
        seen.update(_header_key(label(cells[0]).lower()) for _, cells in rows)
        if kept:
            self.keep("header", "after", "\n".join([self.lines[block.start], self.lines[block.start + 1]] +
                                                   [self.lines[n] for n in kept if n != block.start]))
        return True

    def header_line(self, text: str, line: int) -> bool:
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
            if number is not None and "number" not in self.data.get("issue", {}):
                self.set("issue.number", int(number.group(1)))
            if url is not None and not self.data.get("issue", {}).get("url") and len(url.group(0)) <= 500:
                self.set("issue.url", url.group(0))
            # The line is read whole only when the number and link are all it says: "#57, #58" or
            # "#57 (and #61)" keeps its words as written.
            rest = value.replace(url.group(0), " ") if url else value
            rest = "" if rest.strip().isdigit() else re.sub(r"#\d+\b", " ", rest, count=1)
            explained = not guessed and not re.search(r"\w", rest) and (
                url is None or self.data.get("issue", {}).get("url") == url.group(0))
            return number is not None and explained and (label != "github issue" or url is None or
                                                         value.strip("<>") == url.group(0))
        if label == "labels":
            self.set("issue.labels", self.read_labels(value, line))
            return True
        if label in ("created by", "author"):
            text_value = self.reader.inline(value, line)
            if text_value:
                self.set("created_by", text_value)
                return True
            return False
        if label in ("created date", "created", "date", "last updated", "updated"):
            target = "last_updated" if "updated" in label else "created"
            if value == NOT_SPECIFIED and target == "created":
                return True
            if _DATE.match(value):
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    return False
                self.set(target, value)
                return True
            written = human_date(unescape(value))
            if written is not None:
                self.set(target, written)
                self.note(line, f"the date {value!r} is imported as {written}")
                return True
            return False
        if label == "status":
            self.read_status(value, line)
            return True
        return False

    def read_labels(self, value: str, line: int) -> list[str]:
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
        return [text for text in (self.reader.inline(label, line) for label in labels) if text]

    def read_status(self, value: str, line: int) -> None:
        mark = STATUS_MARK.match(value)
        if mark and value[mark.end():].strip():
            # "✅ Approved": the mark stays with the status, as its note ("Approved (✅)").
            rest = value[mark.end():].strip()
            known = next((s for s in STATUSES if rest.lower() == s.lower()), None)
            if known is not None:
                self.set("status", known)
                self.set("status_note", mark.group(0).strip())
                return
        for status in sorted(STATUSES, key=len, reverse=True):
            if value.lower().startswith(status.lower()):
                rest = value[len(status):]
                if rest and rest[0] not in " (-–—:,":
                    continue
                self.set("status", status)
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
                    self.set("status_note", self.reader.inline(note_src, line))
                return
        mapped = workflow_status(value)
        self.set("status", mapped or "Draft")
        self.set("status_note", self.reader.inline(value, line))
        if mapped is not None:
            self.note(line, f"status {value!r} is not Draft, Under Review or Approved; it means {mapped} and is "
                            "imported so, with the words kept as status_note")
            return
        self.note(line, f"status {value!r} is not Draft, Under Review or Approved; imported as Draft with the "
                        "words kept as status_note; set `status` in the inputs")

    def section_issue_summary(self, blocks: list[Block], section: Section) -> builtins.set[int]:
        consumed: set[int] = set()
        # A paragraph showing an image stays verbatim: as summary text it would become "alt (src)".
        texts = [self.source(b.start, b.end).strip() if b.kind == "paragraph" and not has_image(b) else None
                 for b in blocks]
        marker = next((i for i, text in enumerate(texts) if text == NOT_SPECIFIED), None)
        if marker is not None:
            consumed.add(marker)
            start = marker + 1
        else:
            # The summary is the run of paragraphs just before "GitHub issue: <url>", or else the
            # first run of paragraphs; anything before it is extra content.
            url_at = next((i for i, text in enumerate(texts) if i > 0 and texts[i - 1] is not None and
                           self.is_url_line(text)), None)
            first = next((i for i, text in enumerate(texts) if text is not None), len(blocks))
            if url_at is not None:
                first = url_at - 1
                while first > 0 and texts[first - 1] is not None:
                    first -= 1
            stop, size = first, 0
            while stop < len(blocks) and texts[stop] is not None and not (
                    stop > first and self.is_url_line(texts[stop])):
                size += len(texts[stop] or "") + 2
                if size > MAX_TEXT:
                    # The summary takes the paragraphs a field holds; the rest follow it as written.
                    break
                stop += 1
            summary = self.summary_of(blocks, first, stop)
            stop = first + summary[0]
            if stop > first:
                self.set("issue.summary", summary[1])
                consumed.update(range(first, stop))
            start = stop
        # "GitHub issue: <url>" follows the summary (or its "_Not specified._").
        if consumed:
            for index in range(start, len(blocks)):
                text = texts[index]
                url = re.fullmatch(r"GitHub issue:\s+(\S+)", text or "")
                if url and self.read_url(url.group(1), blocks[index].start):
                    consumed.add(index)
                    break
        return consumed

    def summary_of(self, blocks: list[Block], first: int, stop: int) -> tuple[int, str]:
        """The most paragraphs from `first` on (at most up to `stop`) whose text a field holds, and
        that text: a link read as "text (url)" can make it longer than its source."""

        def text(count: int) -> str:
            sources = [self.source(b.start, b.end) for b in blocks[first:first + count]]
            return self.reader.paragraph(sources, blocks[first].start) if sources else ""

        low, high = 0, stop - first
        whole = text(high)
        if len(whole) <= MAX_TEXT:
            return high, whole
        while low < high:  # the longest run that fits, found in log2(paragraphs) readings
            middle = (low + high + 1) // 2
            if len(text(middle)) <= MAX_TEXT:
                low = middle
            else:
                high = middle - 1
        return low, text(low)

    def is_url_line(self, text: str | None) -> bool:
        """The template's "GitHub issue: <url>" line, printed exactly as the template prints it: a
        summary paragraph that merely starts with those words ("GitHub issue: https://x.io") is not."""
        url = re.fullmatch(r"GitHub issue:\s+(\S+)", text or "")
        return url is not None and self.url_value(url.group(1)) is not None

    def read_url(self, src: str, line: int) -> bool:
        value = self.url_value(src)
        if value is None:
            return False
        self.set("issue.url", value)
        return True

    def url_value(self, src: str) -> str | None:
        src = src.strip()
        if src.startswith("<") and src.endswith(">"):
            value = src[1:-1]
            ok = str(mdescape.url(value)) == src
        else:
            value = unescape(src)
            ok = str(mdescape.url(value)) == src
        if not ok or not re.fullmatch(r"https?://\S+", value) or len(value) > 500:
            return None
        return value

    # API table
    def section_new_endpoints(self, blocks: list[Block], section: Section) -> builtins.set[int]:
        for index, block in enumerate(blocks):
            if self.is_not_specified(block):
                return {index}
            if block.kind != "table":
                continue
            rows = [table_cells(line) for line in self.lines[block.start:block.end]]
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
                row = {columns[name]: self.reader.cell(cell, line) for name, cell in zip(header, cells, strict=True)}
                if joined:
                    both = re.fullmatch(r"(`?)([A-Za-z]+)\s+(/[^\s`]*)\1", row.get("path", "").strip())
                    row = {"method": both.group(2), **row, "path": both.group(3)} if both else row
                if row.get("method", "").strip().upper() not in HTTP_METHODS or not row.get("path"):
                    rejected.append(line)
                    continue
                endpoints.append(row)
            if not endpoints:
                continue
            self.set("api.new_endpoints", endpoints)
            if rejected:
                self.keep("new_endpoints", "after", "\n".join(self.lines[block.start:block.start + 2] +
                                                              [self.lines[n] for n in rejected]))
                self.note(rejected[0], "API table rows that are not 'METHOD | path | ...' are kept verbatim "
                                       "in a table after the endpoints")
            return {index}
        return set()

    # risks
    def section_risks(self, blocks: list[Block], section: Section) -> builtins.set[int]:
        consumed: set[int] = set()
        for index, block in enumerate(blocks):
            if self.is_not_specified(block) and not consumed:
                consumed.add(index)
                continue
            if self.is_computed(blocks, index):
                consumed.update((index, index + 1))
                self.read_settings(blocks[index + 1])
                self.keep_foreign_items("risks", blocks[index + 1])
                continue
            if block.kind != "table" or "risks" in self.data:
                continue
            if self.read_risk_table(block):
                consumed.add(index)
        if not consumed and "risks" not in self.data:
            consumed = self.read_risk_list(blocks)
        return consumed

    def read_risk_list(self, blocks: list[Block]) -> builtins.set[int]:
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
            text = self.reader.inline(parts.risk, line) if parts is not None else ""
            if parts is None or not text:
                return False
            risk: dict[str, Any] = {"risk": text, "probability": parts.probability or "Medium",
                                    "impact": parts.impact or "Medium"}
            mitigation = self.reader.inline(parts.mitigation, line) if parts.mitigation else ""
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
                for item, text in self.items(block):
                    if text is not None and add(text, item.start):
                        first = item.start if first is None else first
                    else:
                        leftovers.append(item)
                if first is None:
                    continue
                listed = True
                consumed.add(index)
                if leftovers:
                    self.keep_leftovers("risks", leftovers, first)
                    self.note(leftovers[0].start, "list items with nested content are kept verbatim around the "
                                                  f"list in '{TITLES['risks']}'")
            elif block.kind == "paragraph" and block.inline is not None and \
                    prose.is_labelled_risk(block.inline.content) and add(block.inline.content, block.start):
                consumed.add(index)
        if risks:
            self.data["risks"] = risks
        if unlevelled:
            self.note(unlevelled[0], f"{len(unlevelled)} risk(s) written in words give no probability or impact "
                                     "(levels were not given); they are imported as Medium, review them "
                                     "(lines " + ", ".join(str(n + 1) for n in unlevelled[:12]) + ")")
        return consumed

    def marker_seen(self, blocks: list[Block], consumed: builtins.set[int]) -> bool:
        return any(self.is_not_specified(blocks[i]) for i in consumed)

    def is_computed(self, blocks: list[Block], index: int) -> bool:
        """A heading the analysis prints (risk matrix, schedule summary, ...) with its block after it;
        both are regenerated on render. A person's own "Risk Matrix" is kept as it is."""
        block = blocks[index]
        if block.kind != "heading" or block.level != 4 or index + 1 >= len(blocks):
            return False
        kind = COMPUTED_HEADINGS.get(heading_text(self.lines, block))
        return kind is not None and blocks[index + 1].kind == kind

    def read_settings(self, block: Block) -> None:
        """Inputs the analysis prints among its computed lines: the risk scale, the calendar, the
        Monte Carlo runs and the contingency rule (README, "How the analysis appears in the plan")."""
        if block.kind != "bullet_list":
            return
        for _item, text in self.items(block):
            parsed = split_label(text or "")
            if parsed is None:
                continue
            label, value = parsed
            if label == "scale":
                match = re.match(r"^`risk_scale: ([35])`", value)
                if match and match.group(1) == "5":
                    self.data["risk_scale"] = 5
            elif label == "start":
                match = re.match(r"^(\d{4}-\d{2}-\d{2})\b", value)
                if match:
                    self.set("timeline.start", match.group(1))
            elif label == "weekends":
                days = [] if value == "none" else [d.strip() for d in value.split(",")]
                if days != ["Sat", "Sun"]:
                    self.set("timeline.calendar.weekends", days)
            elif label == "holidays":
                if value != "none":
                    self.set("timeline.calendar.holidays", [d.strip() for d in value.split(",")])
            elif label == "country holidays":
                match = re.match(r"^`([A-Z]{2}(?:-[A-Z0-9]{1,3})?)`", value)
                if match:
                    self.set("timeline.calendar.country", match.group(1))
            elif label in ("finish (monte carlo)", "monte carlo runs"):
                # "10,000 runs" (numfmt.count) and the older "10000 runs"
                match = re.search(r"\((\d{1,3}(?:,\d{3})+|\d+) runs, seed", value) or re.fullmatch(
                    r"(\d{1,3}(?:,\d{3})+|\d+)", value)
                if match and int(match.group(1).replace(",", "")) != 10_000:
                    self.set("timeline.simulations", int(match.group(1).replace(",", "")))
            elif label == "contingency rule":
                match = re.match(r"^each open High risk adds ([\d.]+)% of the P80 duration × score / (\d+), "
                                 r"at most ([\d.]+)% in all$", value)
                if match:
                    high, top = float(match.group(1)), float(match.group(3))
                    if high != 15.0:
                        self.set("timeline.contingency.high_risk_percent", _days_value(high))
                    if top != 50.0:
                        self.set("timeline.contingency.max_percent", _days_value(top))
                    if match.group(2) == "25":
                        self.data["risk_scale"] = 5

    def read_risk_table(self, block: Block) -> bool:
        rows = [table_cells(line) for line in self.lines[block.start:block.end]]
        header = [core_title(unescape(cell)) for cell in rows[0]]
        columns = RISK_COLUMNS
        if not {"risk", "probability", "impact"} <= {columns.get(h) for h in header}:
            return False
        if not all(name in columns or name in COMPUTED_COLUMNS for name in header):
            return False
        risks: list[dict[str, Any]] = []
        rejected: list[int] = []
        numeric = False
        lights: int | None = None
        for offset, cells in enumerate(rows[2:], start=2):
            line = block.start + offset
            if len(cells) != len(header):
                rejected.append(line)
                continue
            risk: dict[str, Any] = {}
            for name, cell in zip(header, cells, strict=True):
                field_name = columns.get(name)
                if field_name is None:
                    continue  # computed: score, level
                if field_name == "risk":
                    ident = re.match(r"^\*\*(?P<id>[A-Za-z0-9][A-Za-z0-9_.\\-]{0,80})\*\*:\s+", cell)
                    if ident and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", unescape(ident.group("id"))):
                        risk["id"] = unescape(ident.group("id"))
                        cell = cell[ident.end():]
                    risk["risk"] = self.reader.cell(cell, line)
                elif field_name in ("probability", "impact"):
                    value = self.reader.cell(cell, line)
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
                    value = self.reader.cell(cell, line).lower()
                    if value in ("open", "closed"):
                        risk["status"] = value
                    elif value:
                        risk["_bad"] = True
                elif field_name == "index":
                    risk["_index"] = int(cell) if cell.isdigit() else 10**9 + offset
                else:
                    risk[field_name] = self.reader.cell(cell, line)
            # A second "R1" (a copied row) cannot be a field beside the first: kept as written.
            duplicate = risk.get("id") is not None and any(r.get("id") == risk["id"] for r in risks)
            if risk.pop("_bad", False) or not self.risk_ok(risk) or duplicate:
                rejected.append(line)
                continue
            risks.append(risk)
        if not risks:
            return False
        risks.sort(key=lambda r: r.get("_index", 0))  # the inputs' order, when the plan gives it
        self.data["risks"] = [{k: v for k, v in r.items() if v != "" and not k.startswith("_") and
                               not (k == "status" and v == "open")} for r in risks]
        if numeric:
            self.data["risk_scale"] = 5
        if lights is not None:
            self.note(lights, "traffic lights in the risk table are read as levels (🔴 High, 🟠 or 🟡 Medium, "
                              "🟢 Low) and printed as the words")
        if rejected:
            self.keep("risks", "after", "\n".join(self.lines[block.start:block.start + 2] +
                                                  [self.lines[n] for n in rejected]))
            self.note(rejected[0], "risk rows whose probability or impact is not High, Medium or Low (or 1-5), "
                                   "or whose id is given twice, are kept verbatim in a table after the risks")
        return True

    @staticmethod
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

    # timeline
    def section_timeline(self, blocks: list[Block], section: Section) -> builtins.set[int]:
        consumed: set[int] = set()
        phases: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        for index, block in enumerate(blocks):
            if self.is_not_specified(block) and not phases and not self.marker_seen(blocks, consumed):
                consumed.add(index)
                continue
            if block.kind == "heading":
                title = heading_text(self.lines, block)
                if PHASE_HEADING.match(core_title(title)) or PHASE_HEADING.match(title):
                    current = self.read_phase(title, block.start, len(phases) + 1)
                    phases.append(current)
                    consumed.add(index)
                    continue
                if self.is_computed(blocks, index):
                    consumed.update((index, index + 1))
                    self.read_settings(blocks[index + 1])
                    current = None
                    continue
                current = None
                continue
            if current is None:
                continue
            if block.kind == "paragraph" and "_meta" not in current and not current.get("_listed"):
                meta = self.read_phase_meta(self.source(block.start, block.end).strip(), current)
                if meta:
                    current["_meta"] = True
                    consumed.add(index)
                    continue
            # Every phase the template prints has a list or "_Not specified._" (which sets
            # _listed), so a numbered list read here is a person's, not kept content after it.
            if block.kind in ("bullet_list", "ordered_list") and not current.get("_listed"):
                tasks: list[dict[str, Any]] = []
                items: list[Any] = []
                leftovers: list[Any] = []
                for item, text in self.items(block):
                    task = self.read_task(text, item.start) if text is not None else None
                    if task is not None and not items:
                        tasks.append(task)
                        continue
                    value = self.list_value(item, text, True)
                    (items if value is not None else leftovers).append(value if value is not None else item)
                if tasks or items:
                    current["_listed"] = True
                    if tasks:
                        current["tasks"] = tasks
                        current.pop("estimate", None)
                    if items:
                        current["items"] = items
                    consumed.add(index)
                    if leftovers:
                        self.keep("timeline", "after", self.residual_list(leftovers))
                continue
            if self.is_not_specified(block) and not current.get("_listed"):
                current["_listed"] = True
                consumed.add(index)
                continue
        for phase in phases:
            if phase.pop("_meta", False) and "_heading_estimate" in phase and "tasks" not in phase:
                # A generated plan states the estimate in its meta line; the heading's days are computed.
                phase.pop("estimate", None)
                if "_meta_estimate" in phase:
                    phase["estimate"] = phase["_meta_estimate"]
            for key in [k for k in phase if k.startswith("_")]:
                phase.pop(key)
        if phases:
            self.set("timeline.phases", phases)
        elif not consumed:
            consumed = self.read_work_plan(blocks, section.heading.level if section.heading is not None else 2)
        return consumed

    def read_work_plan(self, blocks: list[Block], level: int) -> builtins.set[int]:
        """Phases written the way prose documents write them, where there are no "Phase N" headings: a
        milestone or phase table (`| Milestone | Date |`, `| Phase | Duration | Deliverables |`), or
        else a numbered work plan above the section's first sub-heading ("1. Build X (2 weeks)"; a
        bullet list too when its steps state durations). Each row or step is a phase; its duration is
        the estimate, a date stays in the phase's name."""
        for index, block in enumerate(blocks):
            if block.kind == "table" and self.read_phase_table(block):
                return {index}
        milestones = self.read_milestone_headings(blocks, level)
        if milestones:
            return milestones
        for index, block in enumerate(blocks):
            if block.kind == "heading":
                break
            if block.kind not in ("bullet_list", "ordered_list"):
                continue
            steps = self.items(block)
            if block.kind == "bullet_list" and not any(text and prose.states_duration(text) for _, text in steps):
                continue
            phases: list[dict[str, Any]] = []
            leftovers: list[Block] = []
            first: int | None = None
            for item, text in steps:
                if text is None or not text.strip():
                    leftovers.append(item)
                    continue
                phase = self.read_phase(text, item.start, len(phases) + 1)
                phase.pop("_heading_estimate", None)
                phases.append(phase)
                first = item.start if first is None else first
            if first is None or not self.fits(phases, first, "timeline"):
                continue
            self.set("timeline.phases", phases)
            if leftovers:
                self.keep_leftovers("timeline", leftovers, first)
            self.note(first, f"the {'numbered ' if block.kind == 'ordered_list' else ''}list is read as the plan's "
                             f"phases, one a step ({len(phases)})")
            return {index}
        return set()

    def read_milestone_headings(self, blocks: list[Block], level: int) -> builtins.set[int]:
        """Milestones as sub-headings each with its list ("#### Alpha" and its criteria, "#### Beta ->
        GA"): a phase each, its items the list's. Read from the first such pair while they follow one
        another; a sub-heading with other content between it and its list ends the run, and it stays
        as written after the phases (so nothing changes order)."""
        consumed: set[int] = set()
        phases: list[dict[str, Any]] = []
        index = next((i for i, b in enumerate(blocks) if b.kind == "heading"), len(blocks))
        while index + 1 < len(blocks):
            heading, body = blocks[index], blocks[index + 1]
            if heading.kind != "heading" or heading.level <= level or body.kind not in ("bullet_list", "ordered_list"):
                break
            if index + 2 < len(blocks) and blocks[index + 2].kind != "heading":
                break  # more under the milestone than its list: it stays as written
            steps = self.items(body)
            items = [self.list_value(item, text, True) for item, text in steps]
            if not items or None in items:
                break
            phase = self.read_phase(heading_text(self.lines, heading), heading.start, len(phases) + 1)
            phase.pop("_heading_estimate", None)
            phase["items"] = items
            phases.append(phase)
            consumed.update((index, index + 1))
            index += 2
        if not phases:
            return set()
        self.set("timeline.phases", phases)
        self.note(blocks[min(consumed)].start, f"the sub-headings with a list each are read as the plan's phases "
                                               f"({len(phases)}), the lists as their items")
        return consumed

    def read_phase_table(self, block: Block) -> bool:
        rows = [table_cells(line) for line in self.lines[block.start:block.end]]
        columns = prose.phase_columns([core_title(unescape(cell)) for cell in rows[0]])
        if columns is None:
            return False
        phases: list[dict[str, Any]] = []
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
            phase = self.read_phase(title, line, len(phases) + 1)
            phase.pop("_heading_estimate", None)
            items = [self.reader.cell(cells[i], line) for i, part in enumerate(columns) if part == "items"]
            if any(items):
                phase["items"] = [item for item in items if item]
            phases.append(phase)
        if not phases:
            return False
        self.set("timeline.phases", phases)
        self.note(block.start, f"the table is read as the plan's phases, one a row ({len(phases)})" +
                  ("; a milestone's date is kept in its phase's name (a phase has an estimate, not a date)"
                   if dated else ""))
        if rejected:
            self.keep("timeline", "after", "\n".join(self.lines[block.start:block.start + 2] +
                                                     [self.lines[n] for n in rejected]))
        return True

    def read_phase(self, title: str, line: int, position: int) -> dict[str, Any]:
        match = re.match(r"^\s*Phase\s+(\d+)\s*[:.\-–—]?\s*", title, re.IGNORECASE)
        rest = title[match.end():] if match else title
        if match and int(match.group(1)) != position and not any("numbers phases from 1" in n for n in self.notes):
            self.note(line, f"'Phase {match.group(1)}' is the plan's phase {position}: the template numbers "
                            "phases from 1 in order, and prints it so")
        phase: dict[str, Any] = {}
        rest = bracketed_duration(rest)
        days = _DAYS.search(rest)
        if days and not 0 < float(days.group("low")) <= float(days.group("high") or days.group("low")):
            # "(0 days)" or "(5-3 days)" is no estimate: the words stay in the phase's name.
            self.note(line, f"the phase's duration {days.group(0).strip()!r} is not an estimate (zero, or a range "
                            "that runs backwards); it is kept in the phase's name")
            days = None
        if days:
            low, high = float(days.group("low")), float(days.group("high") or days.group("low"))
            if days.group("unit").lower().startswith("w"):
                low, high = low * 5, high * 5
                self.note(line, "a phase given in weeks is imported as working days (5 a week)")
            elif days.group("unit").lower().startswith("h"):
                low, high = low / 8, high / 8
                self.note(line, "a phase given in hours is imported as working days (8 hours a day)")
            phase["estimate"] = _days_value(low) if low == high else f"{_days_value(low)}-{_days_value(high)}"
            phase["_heading_estimate"] = True
            rest = rest[:days.start()].rstrip()
        elif _DAYS_PLACEHOLDER.search(rest):
            self.note(line, "the phase's duration is the template's '(X days)'; give it an estimate")
            rest = rest[:_DAYS_PLACEHOLDER.search(rest).start()].rstrip()  # type: ignore[union-attr]
        name = self.reader.heading(rest, line) if rest.strip() else ""
        phase["name"] = name or f"Phase {position}"
        return phase

    def read_phase_meta(self, text: str, phase: dict[str, Any]) -> bool:
        """``**Phase id**: `x` · **Depends on**: `a` · **Estimate**: 2-4 days · ...`` (all ours)."""
        parts = text.split(" · ")
        if not parts or not re.match(r"^\*\*(Phase id|Depends on|Estimate|Dates|Expected)\*\*: ", parts[0]):
            return False
        for part in parts:
            parsed = split_label(part)
            if parsed is None:
                continue
            label, value = parsed
            if label == "phase id":
                ident = re.fullmatch(r"`([A-Za-z0-9][A-Za-z0-9_.-]{0,63})`", value)
                if ident:
                    phase["id"] = ident.group(1)
            elif label == "depends on":
                phase["depends_on"] = [] if value.startswith("nothing") else re.findall(r"`([^`]+)`", value)
            elif label == "estimate":
                estimate = _estimate_of(value)
                if estimate is not None:
                    phase["_meta_estimate"] = estimate
        phase["_heading_estimate"] = True
        return True

    def read_task(self, text: str, line: int) -> dict[str, Any] | None:
        """``[ ] **id**: Name — 2-4 days · after `a` · 2026-11-09 → 2026-11-10 · critical``."""
        match = re.match(r"^\[( |x|X)\] \*\*([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\*\*: (.+) — ([^—]+)$", text)
        if not match:
            return None
        detail = match.group(4).split(" · ")
        estimate = _estimate_of(detail[0])
        if estimate is None:
            return None
        name = self.reader.inline(match.group(3), line)
        if not name:
            return None
        task: dict[str, Any] = {"id": match.group(2), "name": name, "estimate": estimate}
        for part in detail[1:]:
            if part == "at phase start":
                task["depends_on"] = []
            elif part.startswith("after "):
                task["depends_on"] = re.findall(r"`([^`]+)`", part)
        if match.group(1) != " ":
            task["done"] = True
        return task

    # questions
    def section_stakeholder_questions(self, blocks: list[Block], section: Section) -> builtins.set[int]:
        kinds = self.list_kinds(blocks)
        for index, block in enumerate(blocks):
            if self.is_not_specified(block):
                return {index}
            if block.kind not in kinds:
                continue
            questions, leftovers = [], []
            first: int | None = None
            for item, text in self.items(block):
                if text is None:
                    leftovers.append(item)
                    continue
                match = _CHECK.match(text)
                body = text[match.end():] if match else text
                question = self.read_question(body, item.start)
                if question is None:
                    leftovers.append(item)
                    continue
                if match and match.group(1) != " ":
                    question["answered"] = True
                questions.append(question)
                first = item.start if first is None else first
            if first is None or not self.fits(questions, first, "stakeholder_questions"):
                continue
            self.set("questions", questions)
            if leftovers:
                self.keep_leftovers("stakeholder_questions", leftovers, first)
            return {index}
        return set()

    def read_question(self, body: str, line: int) -> dict[str, Any] | None:
        for part in _candidate_splits(body, " — "):
            question_src, answer_src = part
            text = self.reader.inline(question_src, line)
            answer = self.reader.inline(answer_src, line) if answer_src is not None else ""
            printed = str(mdescape.inline(text)) + (f" — {mdescape.inline(answer)}" if answer else "")
            if text and printed == body.strip():
                return {"text": text, "answer": answer} if answer else {"text": text}
        text = self.reader.inline(body, line)
        return {"text": text} if text else None

    # reviews
    def section_reviews(self, blocks: list[Block], section: Section) -> builtins.set[int]:
        consumed: set[int] = set()
        reviews: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        pending: str | None = None
        marked: set[tuple[int, str]] = set()  # (round's position, label) printed as "_Not specified._"
        marker: int | None = None  # the template's "_Not specified._" for no rounds, after kept ones
        for index, block in enumerate(blocks):
            if self.is_not_specified(block) and not reviews and not consumed:
                consumed.add(index)
                continue
            if self.is_not_specified(block) and marker is None:
                marker = index
                continue
            if block.kind == "heading":
                title = heading_text(self.lines, block)
                match = REVIEW_HEADING.match(core_title(title)) or REVIEW_HEADING.match(title) or \
                    _ROUND_HEADING.match(title)
                parsed = self.read_round_heading(title, block.start) if match else None
                if parsed is not None:
                    current = parsed
                    reviews.append(current)
                    pending = None
                    consumed.add(index)
                    continue
                current = None
                continue
            if current is None:
                continue
            if block.kind == "paragraph":
                leftover: list[int] = []
                used = False
                for offset, raw in enumerate(self.lines[block.start:block.end]):
                    text = raw.strip()
                    label = split_label(text)
                    name, value = label if label else ("", "")
                    if label and name == "reviewer" and value:
                        current["reviewer"] = self.reader.inline(value, block.start + offset)
                        used = True
                    elif label and name == "status" and value:
                        current["status"] = self.reader.inline(value, block.start + offset)
                        used = True
                    elif label and name in ("feedback", "resolution") and not value:
                        pending = name
                        current.setdefault(name, [])
                        used = True
                    elif label and name in ("feedback", "resolution"):
                        # "**Feedback**: one line" prints back as a list under the label: the round
                        # is kept as written, in its place, instead.
                        current["_odd"] = f"its '{label[0]}' is written on the label's line"
                        leftover.append(block.start + offset)
                    elif text == NOT_SPECIFIED and pending:
                        used = True
                        marked.add((len(reviews), pending))
                    else:
                        leftover.append(block.start + offset)
                if used:
                    consumed.add(index)
                    if leftover:
                        current["_keep"].append("\n".join(self.lines[n].rstrip() for n in leftover))
                continue
            # A bullet or numbered list is the label's, unless the label said "_Not specified._"
            # (then it is content kept after the round).
            listed = block.kind in ("bullet_list", "ordered_list") and (len(reviews), pending) not in marked
            if listed and pending and not current.get(pending):
                values, leftovers = [], []
                for item, item_text in self.items(block):
                    value = self.reader.inline(item_text, item.start) if item_text is not None else ""
                    if value:
                        values.append(value)
                    else:
                        leftovers.append(item)
                current[pending] = values
                consumed.add(index)
                if leftovers and not values:
                    # Kept after the rounds, the items would leave the round's list printed as
                    # "_Not specified._": the round stays as written instead.
                    current["_odd"] = f"its {pending} has list items with nested content"
                elif leftovers:
                    current["_keep"].append(self.residual_list(leftovers))
        good: list[dict[str, Any]] = []
        bad: list[dict[str, Any]] = []
        numbers: set[int] = set()
        for review in reviews:
            if review["round"] in numbers:
                review["_odd"] = f"round {review['round']} is given twice"
            numbers.add(review["round"])
            status = str(review.get("status", "")).lower()
            bare = STATUS_MARK.sub("", re.sub(r"(?<!\s)\s*(?:✅|✔️|✔|☑️|☑|❌|✖️|✖)$", "", status)).strip()
            if bare != status and bare in [s.lower() for s in REVIEW_STATUSES]:
                # "✅ Approved" / "Changes Requested ❌": the mark only repeats the status.
                self.note(review["_line"], f"the review status {review['status']!r} is read as its words")
                status = bare
            if review.get("reviewer") and status in [s.lower() for s in REVIEW_STATUSES] and "_odd" not in review:
                if bad and good:
                    # After a round kept verbatim, later rounds are kept with it: the fields print
                    # before the kept content, and the rounds would change order.
                    review["_odd"] = "a round before it is kept verbatim, and the rounds keep their order"
                    bad.append(review)
                    continue
                review["status"] = next(s for s in REVIEW_STATUSES if s.lower() == status)
                good.append({k: v for k, v in review.items() if k.startswith("_") or v != []})
            else:
                bad.append(review)
        for review in good:
            for text in review.pop("_keep"):
                self.keep("reviews", "after", text)
            review.pop("_line", None)
        if good:
            self.data["reviews"] = good
        elif marker is not None:
            consumed.add(marker)
        if bad:
            # A round without a reviewer or a real status cannot be a field; keep it all as written.
            for review in bad:
                why = review.get("_odd") or ("it has no '**Reviewer**:' and a status of Approved or Changes "
                                             "Requested")
                self.note(review["_line"], f"a review round is kept verbatim: {why}")
            kept = _review_blocks(blocks, consumed, {r["_line"] for r in bad})
            return kept | ({marker} if marker is not None and not good else set())
        return consumed

    def read_round_heading(self, title: str, line: int) -> dict[str, Any] | None:
        match = re.match(r"^Review Round (\d+) \(Date: (\d{4}-\d{2}-\d{2}|not given)\)$", title)
        if match:
            review: dict[str, Any] = {"round": int(match.group(1))}
            if match.group(2) != "not given":
                review["date"] = match.group(2)
        else:
            loose = re.match(r"^\s*(?:Review\s+)?Round\s+(\d+)\b(.*)$", title, re.IGNORECASE)
            if not loose:
                return None
            review = {"round": int(loose.group(1))}
            rest = loose.group(2)
            date = re.search(r"\d{4}-\d{2}-\d{2}", rest)
            if date:
                review["date"] = date.group(0)
                rest = rest.replace(date.group(0), " ")
            else:
                written = re.search(r"(?:date\s*:\s*)?([A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{1,2} [A-Za-z]{3,9},? \d{4})",
                                    rest, re.IGNORECASE)
                day = human_date(written.group(1).replace(".", "")) if written else None
                if written and day:
                    review["date"] = day
                    rest = rest.replace(written.group(0), " ")
            # Words the printed heading has no room for ("Review Round 2 — security pass"): the
            # round is kept as written rather than lose them.
            if re.search(r"\w", re.sub(r"\bdate\b", "", rest, flags=re.IGNORECASE)):
                review["_odd"] = "its heading has words besides the round and date"
        review["_line"] = line
        review["_keep"] = []
        return review

    # approvals
    def section_approval(self, blocks: list[Block], section: Section) -> builtins.set[int]:
        kinds = self.list_kinds(blocks)
        for index, block in enumerate(blocks):
            if block.kind not in kinds:
                continue
            approvals, leftovers = [], []
            first: int | None = None
            for item, text in self.items(block):
                approval = self.read_approval(text, item.start) if text is not None else None
                if approval is None:
                    leftovers.append(item)
                else:
                    approvals.append(approval)
                    first = item.start if first is None else first
            if first is None or not self.fits(approvals, first, "approval"):
                continue
            self.data["approvals"] = approvals
            if leftovers:
                self.keep_leftovers("approval", leftovers, first)
            return {index}
        # No checklist: sign-offs kept as a table ("| Role | Name | Approved |").
        for index, block in enumerate(blocks):
            rows = approval_table(self.lines, block)
            if rows is None:
                continue
            approvals = []
            for line, cells in rows:
                role = self.reader.cell(cells["role"], line)
                signed: dict[str, Any] = {"role": role}
                if cells.get("approved") in ("yes",):
                    signed["approved"] = True
                if cells.get("by"):
                    signed["by"] = self.reader.cell(cells["by"], line)
                if cells.get("date"):
                    signed["date"] = cells["date"]
                approvals.append(signed)
            self.data["approvals"] = approvals
            return {index}
        return set()

    def approval_parts(self, role_src: str, rest: str, line: int) -> dict[str, Any] | None:
        role = self.reader.inline(role_src, line)
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
            approval["by"] = self.reader.inline(rest, line)
        return approval

    def read_approval(self, text: str, line: int) -> dict[str, Any] | None:
        match = _CHECK.match(text)
        mark = _APPROVAL_MARK.match(text)
        if not match and mark:
            # "✅ Stakeholder: Maria Costa" / "❌ Engineering Manager": a tick in words, no checkbox.
            body = text[mark.end():].strip()
            role_src, _, by_src = body.partition(": ")
            role = self.reader.inline(role_src.rstrip(":").strip(), line)
            if not role:
                return None
            if mark.group(1) not in _APPROVED_MARKS:
                return {"role": role} if not by_src.strip() else None
            ticked: dict[str, Any] = {"role": role, "approved": True}
            return self.approval_parts(role_src.rstrip(":").strip(), f" {by_src}" if by_src else "", line) or ticked
        if not match:
            return None
        body = text[match.end():].strip()
        approved = match.group(1) != " "
        if not approved:
            # "- [ ] Role:" and the seed's "- [ ] System Architect (Author): ✓" (ticked in words only)
            role_src = re.sub(r":\s*+✓?\s*+$", "", body)
            role = self.reader.inline(role_src, line)
            return {"role": role} if role else None
        parts = split_unescaped(body, ": ✓")
        # "ROLE: ✓ BY (DATE)": a role or name may itself hold ": ✓", so take the split that prints back.
        for cut in range(1, len(parts)):
            role_src, rest = ": ✓".join(parts[:cut]), ": ✓".join(parts[cut:])
            approval = self.approval_parts(role_src, rest, line)
            if approval is not None and _printed_approval(approval) == body:
                return approval
        if len(parts) > 1:
            approval = self.approval_parts(parts[0], ": ✓".join(parts[1:]), line)
            if approval is not None:
                return approval
        # "Tech Lead: @alice (2026-03-02)": the box is the tick, so the words after the role are who and when.
        role_src, sep, by_src = body.partition(": ")
        if sep and role_src.strip() and by_src.strip():
            approval = self.approval_parts(role_src.strip(), f" {by_src.strip()}", line)
            if approval is not None:
                return approval
        role = self.reader.inline(body.rstrip(":").strip(), line)
        return {"role": role, "approved": True} if role else None


# --- a design document's own metadata ---------------------------------------------------------

_META_LABELS: dict[str, str] = {}
for _target, _labels in {
    "created_by": ("author", "authors", "author(s)", "owner", "owners", "owner(s)", "written by", "proposed by",
                   "champion", "champions", "champion(s)", "created by", "creator", "drivers", "driver"),
    "created": ("date", "start date", "created", "created date", "created at", "created on", "proposed",
                "proposed on", "published", "creation date"),
    "last_updated": ("last updated", "updated", "last modified", "last update", "updated at", "last revised"),
    "status": ("status", "state", "stage", "decision status"),
    "number": ("issue", "issues", "issue number", "ticket", "tracking issue", "rust issue", "react issue",
               "github issue", "discussion", "discussion at", "enhancement issue", "related issues",
               "proposal", "rfc pr", "pr", "pull request", "kep number", "rfc", "implementation"),
    "title": ("title", "feature name", "feature"),
}.items():
    for _label in _labels:
        _META_LABELS[_label] = _target
_META_LINE = re.compile(r"^(?:\*\*|__)?(?P<label>[A-Za-z][A-Za-z ()#/_-]{0,40}?)(?:\*\*|__)?\s*:(?:\*\*|__)?\s+"
                        r"(?P<value>\S.*)$")
_TITLE_NUMBER = re.compile(r"^\s*(?:KEP|RFC|SE|ADR|OTEP|PEP|MCP|GEP|AIP)[- ]?0*(\d{1,9})\b\s*[:.—–-]", re.IGNORECASE)


def front_matter(lines: list[str]) -> int | None:
    """The closing line of YAML front matter ("---" first, "---" or "..." within 200 lines), or None."""
    if not lines or lines[0].rstrip() != "---":
        return None
    for number in range(1, min(len(lines), 200)):
        if lines[number].rstrip() in ("---", "...") and number > 1:
            return number
    return None


# Other workflows' statuses by the one they mean here; a status that ends the plan's life (Rejected,
# Withdrawn, Superseded) has no place in Draft -> Under Review -> Approved and is kept as a note on Draft.
_WORKFLOW_WORDS = {
    "Approved": ("accepted", "implemented", "approved", "final", "released", "done", "merged", "completed",
                 "complete", "shipped", "active", "adopted", "agreed", "decided", "landed", "stable", "ga",
                 "implementable", "in effect"),
    "Under Review": ("under review", "in review", "review", "active review", "reviewing", "final comment period",
                     "fcp", "last call", "awaiting review", "scheduled for review", "ready for review"),
    "Draft": ("proposed", "draft", "provisional", "wip", "work in progress", "in progress", "pre draft", "open",
              "new", "idea", "exploring", "pitch", "awaiting implementation", "pending", "discussion",
              "experimental", "alpha", "beta", "planned"),
}


def workflow_status(value: str) -> str | None:
    """The workflow status another process's word means ("Accepted" -> Approved), by its first words;
    None when it is not clear."""
    words = " ".join(re.sub(r"[^\w\s]", " ", unescape(value)).lower().replace("-", " ").split())
    best: tuple[int, str] | None = None
    for status, names in _WORKFLOW_WORDS.items():
        for name in names:
            if (words == name or words.startswith(name + " ")) and (best is None or len(name) > best[0]):
                best = (len(name), status)
    return best[1] if best else None


_APPROVED_MARKS = ("✅", "✔️", "✔", "☑️", "☑", "✓")
_APPROVAL_MARK = re.compile(r"^(✅|✔️|✔|☑️|☑|✓|❌|✖️|✖|⬜|☐|⏳)\s*")


def _header_key(label: str) -> str | None:
    """The field a header label sets (the labels `header_line` reads), for telling repeats apart."""
    if label in ("issue number", "issue", "github issue", "issue #"):
        return "number"
    if label in ("created by", "author"):
        return "created_by"
    if label in ("created date", "created", "date"):
        return "created"
    if label in ("last updated", "updated"):
        return "last_updated"
    return label if label in ("labels", "status") else None


_PLAIN_LABEL = re.compile(r"^(?P<label>[A-Za-z][A-Za-z #]{0,30}?)\s*:\s+(?P<value>\S.*)$")


def plain_header_line(text: str) -> str:
    """A header line a person wrote without the bold ("Status: Draft") as the template's
    "**Status**: Draft"; any other text as it is."""
    match = _PLAIN_LABEL.match(text) if split_label(text) is None else None
    if match and _header_key(" ".join(match.group("label").lower().split())) is not None:
        return f"**{match.group('label').strip()}**: {match.group('value')}"
    return text


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
            row["date"] = day if _DATE.match(day) else (human_date(day) or "")
            if not row["date"]:
                return None
        if not unescape(row["role"]).strip():
            return None
        rows.append((line, row))
    return rows or None


def has_image(block: Block) -> bool:
    """A paragraph showing an image: Markdown's, or an HTML `<img>`."""
    inline = block.inline
    return inline is not None and any(child.type == "image" or (
        child.type == "html_inline" and re.match(r"<img\b", child.content, re.IGNORECASE) is not None)
        for child in inline.children or [])


def _printed_approval(approval: dict[str, Any]) -> str:
    by = f" {mdescape.inline(approval['by'])}" if approval.get("by") else ""
    date = f" ({approval['date']})" if approval.get("date") else ""
    return f"{mdescape.inline(approval['role'])}: ✓{by}{date}"


# Fence languages that show exactly like a fence without one.
_PLAIN_LANGUAGES = {"text", "txt", "plain", "plaintext"}
_SQL_DIALECTS = {"postgresql", "postgres", "psql", "pgsql", "plpgsql", "mysql", "mariadb", "sqlite", "sqlite3",
                 "tsql", "mssql", "plsql", "ansi-sql", "sql92"}
_HUMAN_DATES = ("%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y", "%d %b, %Y",
                "%d %B, %Y", "%Y/%m/%d")


def human_date(text: str) -> str | None:
    """"Nov 20, 2026", "20 November 2026" or "2026/11/20" as YYYY-MM-DD; None for anything else
    (a date with words after it stays verbatim). Month names are English whatever the locale."""
    value = " ".join(text.replace("Sept ", "Sep ").split())
    value = re.sub(r"\b(\d{1,2})(?:st|nd|rd|th)\b", r"\1", value)  # "March 9th, 2026"
    for pattern in _HUMAN_DATES:
        try:
            return dt.datetime.strptime(value, pattern).date().isoformat()
        except ValueError:
            continue
    return None


STATUS_MARK = re.compile(r"^(?:✅|✔️|✔|☑️|☑|❌|✖️|✖|⚠️|⚠|⏳|🚧|🟢|🟡|🟠|🔴)\s*")
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


def _days_value(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _estimate_of(label: str) -> Any:
    """"1 day", "3 days", "2-4 days", "2/3/5 days (o/m/p)" as an inputs estimate."""
    text = label.strip()
    three = re.fullmatch(r"([\d.]+)/([\d.]+)/([\d.]+) days \(o/m/p\)", text)
    if three:
        o, m, p = (float(g) for g in three.groups())
        return {"optimistic": _days_value(o), "likely": _days_value(m), "pessimistic": _days_value(p)}
    span = re.fullmatch(r"([\d.]+)-([\d.]+) days", text)
    if span:
        return f"{span.group(1)}-{span.group(2)}"
    single = re.fullmatch(r"([\d.]+) days?", text)
    if single:
        return _days_value(float(single.group(1)))
    return None


def _first_group(text: str) -> tuple[str, str] | None:
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


def _candidate_splits(body: str, sep: str) -> list[tuple[str, str | None]]:
    """Every way to cut `body` at one `sep` outside code spans and escapes, then no cut. Cuts may
    overlap ("Q — — A" cuts after "Q" or after "Q —"), so the text is searched at every position."""
    candidates: list[tuple[str, str | None]] = []
    spans = code_spans(body)
    pos = 0
    while pos < len(body):
        if body[pos] == "\\":
            pos += 2
            continue
        if body[pos] == "`" and pos in spans:
            pos = spans[pos]
            continue
        if body.startswith(sep, pos):
            candidates.append((body[:pos], body[pos + len(sep):]))
        pos += 1
    candidates.append((body, None))
    return candidates


def _review_blocks(blocks: list[Block], consumed: set[int], bad_lines: set[int]) -> set[int]:
    """Drop the blocks of rounds that could not be read from `consumed`, so they stay verbatim."""
    keep: set[int] = set()
    skipping = False
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            skipping = block.start in bad_lines
        if index in consumed and not skipping:
            keep.add(index)
    return keep


def import_markdown(text: str, name: str, *, issue: int | None = None, title: str | None = None) -> ImportResult:
    """A plan's Markdown as inputs data (validated by the caller with the usual loader). `issue` and
    `title` (the command's --issue and --title) win over what the document states."""
    if not text.strip():
        raise InputError.single(name, "the plan is empty; give a Markdown Technical Plan", line=1)
    text, removed = strip_invisible(text)
    importer = MarkdownImporter(text, name)
    importer.issue_number = issue
    importer.title = " ".join(title.split())[:200] if title and title.strip() else None
    result = importer.run()
    if removed:
        shown = "; ".join(removed[:8]) + ("; ..." if len(removed) > 8 else "")
        result.notes.append(f"{name}: invisible control characters were removed ({shown})")
    return result
