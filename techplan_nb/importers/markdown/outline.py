"""The document's outline: headings matched to the template's sections (the catalogue's names and
aliases), at whatever level the document writes them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ...plan_format import sections as catalogue
from .blocks import Block

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

ROUND_HEADING = re.compile(r"^\s*round\s+(\d+)\b", re.IGNORECASE)  # "### Round 2 (2026-03-09)" under Review Feedback


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
    level: int = 0  # its heading's level as the template would have it (heading_levels)
    own: int | None = None  # its blocks before an unknown heading at its level or above, when one follows

    @property
    def own_blocks(self) -> list[Block]:
        """The blocks that are this section's own: "## Glossary" after "## Future work" starts a
        section the template does not have, whose list is no Future Consideration."""
        return self.blocks if self.own is None else self.blocks[:self.own]


def heading_text(lines: list[str], block: Block) -> str:
    """A heading's source text (escapes and all), without its '#' marks."""
    inline = block.inline
    return inline.content.strip() if inline is not None else ""


def is_section_name(core: str) -> bool:
    """A heading the catalogue knows by any name: the template's, or another kind of document's."""
    return core in catalogue.top_names() or bool(catalogue.alias_keys(core) or catalogue.own_name_keys(core))


def heading_levels(lines: list[str], blocks: list[Block], titled: bool = False) -> dict[int, int]:
    """Each heading's level as the template would have it, by its first line. A plan pasted into an
    issue comment often has every heading one level down ("## Technical Plan", "### Issue Summary"),
    and some people write the sections at the title's level ("# Issue Summary"): the template's
    section titles tell which. An RFC written with H1 sections and no title ("# Summary",
    "# Motivation") has every heading one level up."""
    headings = [b for b in blocks if b.kind == "heading"]
    if titled and headings and headings[0].level == 1 and is_section_name(core_title(heading_text(lines, headings[0]))):
        # The front matter gives the title: a first "# Overview" is a section, as is every H1.
        return {b.start: b.level + 1 for b in headings}
    sections = [b.level for b in headings if core_title(heading_text(lines, b)) in catalogue.top_names()]
    if not sections:
        sections = [b.level for b in headings if is_section_name(core_title(heading_text(lines, b)))]
    if not sections or not headings:
        return {}
    top = min(sections)
    if top > 2 and min(b.level for b in headings) >= top - 1:
        return {b.start: max(1, b.level - (top - 2)) for b in headings}
    first = headings[0]
    first_core = core_title(heading_text(lines, first))
    h1 = sum(1 for b in headings if b.level == 1)
    if top == 1 and first.level == 1 and h1 > 1 and is_section_name(first_core) and \
            first_core not in catalogue.top_names() and not any(b.level == 2 and core_title(heading_text(lines, b))
                                                      in catalogue.top_names() for b in headings):
        # "# Overview" first, "# Syntax" next: sections at H1 and no title (front matter may give it).
        return {b.start: b.level + 1 for b in headings}
    if top == 1 and first.level == 1 and first_core not in catalogue.top_names() and h1 > 1 and not any(
            b.level == 2 and core_title(heading_text(lines, b)) in catalogue.top_names() for b in headings):
        return {b.start: b.level if b is first else b.level + 1 for b in headings}
    if top == 1 and first.level == 1 and h1 > 1 and first_core in catalogue.top_names() and not any(
            b.level == 2 and core_title(heading_text(lines, b)) in catalogue.top_names() for b in headings) and \
            sum(1 for b in headings if b.level == 1 and is_section_name(core_title(heading_text(lines, b)))) > 2:
        return {b.start: b.level + 1 for b in headings}
    return {}


# Alias sections are read at the template's section and sub-section levels (after heading_levels);
# a deeper heading with such a name ("#### Examples" inside a design) stays where it is.
_ALIAS_DEPTH = 3


def outline(lines: list[str], blocks: list[Block], titled: bool = False) -> list[Section]:
    """The plan's sections by template key, in the order they appear; content before the
    title and under headings the template does not know stays with the section before it. `titled`:
    the front matter gives the title, so a first H1 with a section's name is that section.

    Headings are read by the template's names first. Then, for the sections the document does not
    have under those names, by what other documents call them (the catalogue's aliases: "Goals",
    "Drawbacks", "Unresolved questions"): a second heading of the same kind ("Alternatives" after
    "Proposal") is kept, heading and all, under the section it belongs to (`kept`)."""
    levels = heading_levels(lines, blocks, titled)
    strict = _outline(lines, blocks, levels, None)
    present = {section.key for section in strict}
    if not any(b.kind == "heading" and is_section_name(core_title(heading_text(lines, b))) and
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
            current = sections[-1]
            if block.kind == "heading" and current.key != "header" and current.own is None and \
                    level <= current.level:
                current.own = len(current.blocks)
            current.blocks.append(block)
            continue
        if kept:
            sections.append(Section(key, block, kept=True, level=level))
            continue
        seen.add(key)
        if level == 2 or (key != "header" and catalogue.by_key(key).parent is None):
            parent = key
        if key == "header":
            sections[0].heading = block
            continue
        sections.append(Section(key, block, level=level))
    return sections
