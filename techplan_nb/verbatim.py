"""Verbatim Markdown: content kept exactly as a person wrote it (an imported plan's extra sections,
tables and paragraphs that have no field), made safe to print unescaped.

Pure. The policy, documented in the README:

- Markdown structure is kept as written: headings, lists, tables, code, links, emphasis.
- Raw HTML is defused, not deleted: every tag except a short allow-list of harmless, attribute-free
  formatting tags (and complete `<!-- comments -->`) has its `<` written as `&lt;`, so it shows as
  text and nothing a person wrote disappears. Inside code (fenced, indented or `spans`) nothing is
  touched, since Markdown shows it literally anyway. In HTML blocks every tag is checked, code
  spans or not, because Markdown does not apply there.
- Autolinks with a script scheme (`<javascript:...>`) are defused the same way.
- A fenced code block left open is closed, so the content cannot swallow the rest of the plan.

The result is a fixed point: sanitising it again changes nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

ALLOWED_TAGS = frozenset({
    "b", "br", "code", "del", "details", "em", "hr", "i", "ins", "kbd", "mark", "p", "s", "small",
    "strong", "sub", "summary", "sup",
})

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+open)?)\s*(/?)>")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}):[^\s<>]*>")
_EMAIL = re.compile(r"<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*>")
_SCRIPT_SCHEMES = {"javascript", "vbscript", "data", "file"}


@lru_cache(maxsize=1)
def parser() -> Any:
    """The Markdown parser the importer and the linter use too: CommonMark plus GFM tables and ~~strike~~."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def _defuse_tag(text: str, pos: int, *, allow_autolinks: bool) -> tuple[str, int]:
    """At a '<': the text to emit and where to continue."""
    rest = text[pos:]
    if rest.startswith("<!--"):
        end = text.find("-->", pos + 4)
        if end != -1:
            return text[pos:end + 3], end + 3
        return "&lt;", pos + 1
    tag = _TAG.match(rest)
    if tag:
        name = tag.group(2).lower()
        closing, opened, selfclose = tag.group(1), tag.group(3), tag.group(4)
        if name in ALLOWED_TAGS and not (opened and (closing or name != "details")) and not (
                selfclose and name not in ("br", "hr")):
            return tag.group(0), pos + tag.end()
        return "&lt;", pos + 1
    if allow_autolinks:
        link = _AUTOLINK.match(rest)
        if link:
            if link.group(1).lower() in _SCRIPT_SCHEMES:
                return "&lt;", pos + 1
            return link.group(0), pos + link.end()
        email = _EMAIL.match(rest)
        if email:
            return email.group(0), pos + email.end()
    if len(rest) > 1 and (rest[1].isalpha() or rest[1] in "/!?"):
        return "&lt;", pos + 1
    return "<", pos + 1


def _defuse_html(text: str) -> str:
    """Inside an HTML block: Markdown does not apply, so every tag is checked."""
    out: list[str] = []
    pos = 0
    while pos < len(text):
        lt = text.find("<", pos)
        if lt == -1:
            out.append(text[pos:])
            break
        out.append(text[pos:lt])
        piece, pos = _defuse_tag(text, lt, allow_autolinks=False)
        out.append(piece)
    return "".join(out)


_BACKTICKS = re.compile(r"`+")


def code_spans(text: str) -> dict[int, int]:
    """Start -> end of every code span, as CommonMark pairs backtick runs: a run is closed by the
    next run of the same length, scanning left to right. Linear, whatever the runs."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    closer: list[int | None] = [None] * len(runs)
    last_of_length: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        closer[index] = last_of_length.get(length)
        last_of_length[length] = index
    spans: dict[int, int] = {}
    index = 0
    while index < len(runs):
        match = closer[index]
        if match is None:
            index += 1
            continue
        spans[runs[index][0]] = runs[match][1]
        index = match + 1
    return spans


def _defuse_inline(text: str) -> str:
    """Paragraph text: code spans and backslash escapes are literal; tags elsewhere are checked."""
    out: list[str] = []
    pos = 0
    size = len(text)
    spans = code_spans(text)
    while pos < size:
        char = text[pos]
        if char == "\\" and pos + 1 < size:
            out.append(text[pos:pos + 2])
            pos += 2
        elif char == "`":
            end = spans.get(pos)
            if end is None:
                run_end = pos
                while run_end < size and text[run_end] == "`":
                    run_end += 1
                out.append(text[pos:run_end])
                pos = run_end
            else:
                out.append(text[pos:end])
                pos = end
        elif char == "<":
            piece, pos = _defuse_tag(text, pos, allow_autolinks=True)
            out.append(piece)
        else:
            out.append(char)
            pos += 1
    return "".join(out)


def sanitize(text: str) -> str:
    """Verbatim Markdown made safe to print as it is (see the module's policy)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return ""
    source = "\n".join(lines)
    if "<" not in source and "`" not in source and "~" not in source:
        return source
    tokens = parser().parse(source)
    kind = ["text"] * len(lines)
    html_blocks: list[tuple[int, int]] = []
    unclosed: str | None = None
    for token in tokens:
        if token.map is None:
            continue
        start, end = token.map
        if token.type in ("fence", "code_block"):
            for index in range(start, min(end, len(lines))):
                kind[index] = "code"
            if token.type == "fence" and token.level == 0 and end >= len(lines):
                last = lines[end - 1].strip() if end - 1 > start else ""
                if not (last.startswith(token.markup) and not last.strip(token.markup[0]).strip()):
                    unclosed = token.markup
        elif token.type == "html_block":
            html_blocks.append((start, end))
            for index in range(start, min(end, len(lines))):
                kind[index] = "html"
    out = list(lines)
    for start, end in html_blocks:
        block = _defuse_html("\n".join(lines[start:end]))
        out[start:end] = block.split("\n")
    index = 0
    while index < len(lines):
        if kind[index] != "text" or not lines[index].strip():
            index += 1
            continue
        stop = index
        while stop < len(lines) and kind[stop] == "text" and lines[stop].strip():
            stop += 1
        chunk = _defuse_inline("\n".join(lines[index:stop]))
        out[index:stop] = chunk.split("\n")
        index = stop
    if unclosed:
        out.append(unclosed)
    return "\n".join(out)
