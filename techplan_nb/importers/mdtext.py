"""Reading user text back out of a plan: the exact inverse of `mdescape` where the text was
written by techplan, and a plain-text reading of any other Markdown (a person's formatting).

Every field value is checked: escaping the recovered text again must give the source back, so a
plan the tool generated imports to inputs that render the same bytes. When the check fails the
source was written by a person, and markdown-it's reading of it (emphasis dropped, a link kept as
"text (url)", code spans kept) becomes the value.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any

from .. import mdescape
from ..verbatim import code_spans, parser

_PUNCT = frozenset(string.punctuation)
# Where `mdescape.paragraph` started a new source line: a line-start marker it escaped.
_LINE_BREAK_MARK = re.compile(r" (?=\\[#=+-]|\d+\\[.)])")


def unescape(src: str, *, cell: bool = False) -> str:
    """Undo `mdescape.inline` (and `mdescape.cell` with cell=True)."""
    out: list[str] = []
    pos = 0
    size = len(src)
    spans = code_spans(src)
    while pos < size:
        char = src[pos]
        if char == "\\" and pos + 1 < size and src[pos + 1] in _PUNCT:
            out.append(src[pos + 1])
            pos += 2
        elif char == "`":
            end = spans.get(pos, -1)
            if end == -1:
                while pos < size and src[pos] == "`":
                    out.append("`")
                    pos += 1
            else:
                span = src[pos:end]
                out.append(span.replace("\\|", "|") if cell else span)
                pos = end
        elif src.startswith("&amp;", pos):
            out.append("&")
            pos += 5
        elif src.startswith("@&#8203;", pos):
            out.append("@")
            pos += 8
        elif cell and src.startswith("<br>", pos):
            out.append("\n")
            pos += 4
        else:
            out.append(char)
            pos += 1
    return "".join(out)


def _fence_for(content: str) -> str:
    """A code span showing `content`: the shortest backtick run that is no run inside it (the one a
    person writes, so a span reads back as written), padded where CommonMark would strip."""
    inside = {len(run) for run in re.findall(r"`+", content)}
    ticks = "`" * next(n for n in range(1, len(inside) + 2) if n not in inside)
    strips = content[:1] == content[-1:] == " " and content.strip(" ") != ""
    pad = " " if content.startswith("`") or content.endswith("`") or strips else ""
    return f"{ticks}{pad}{content}{pad}{ticks}"


_RICH = {"em_open", "strong_open", "link_open", "image", "html_inline", "s_open"}


def plain(src: str, *, cell: bool = False, env: dict[str, Any] | None = None) -> tuple[str, bool]:
    """A person's inline Markdown as plain text; True when formatting had to be dropped.
    `env` holds the document's link reference definitions."""
    tokens = parser().parseInline(src.replace("\\|", "|") if cell else src, dict(env or {}))
    children = tokens[0].children or [] if tokens else []
    out: list[str] = []
    rich = False
    links: list[tuple[str, int]] = []
    for token in children:
        rich = rich or token.type in _RICH
        if token.type == "text":
            out.append(token.content)
        elif token.type == "code_inline":
            out.append(_fence_for(token.content))
        elif token.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif token.type == "html_inline" and re.fullmatch(r"</a\s*>", token.content, re.IGNORECASE) and links:
            _close_link(out, links)
        elif token.type == "html_inline":
            out.append(_html_text(token.content, cell, links, len(out)))
        elif token.type in ("s_open", "s_close"):
            out.append("~~")
        elif token.type == "link_open":
            links.append((str(token.attrs.get("href", "")), len(out)))
        elif token.type == "link_close" and links:
            _close_link(out, links)
        elif token.type == "image":
            alt = "".join(child.content for child in token.children or [])
            out.append(f"{alt} ({token.attrs.get('src', '')})".strip())
    text = "".join(out)
    if cell:
        return "\n".join(" ".join(line.split()) for line in text.split("\n")), rich
    return " ".join(text.split()), rich


def _close_link(out: list[str], links: list[tuple[str, int]]) -> None:
    href, start = links.pop()
    label = "".join(out[start:])
    if href and href != label and f"mailto:{label}" != href:
        out.append(f" ({href})")


_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b", re.ASCII)


def _html_text(tag: str, cell: bool, links: list[tuple[str, int]], at: int) -> str:
    """An inline HTML tag in field text as what a reader sees of it: `<img>` its alt text and
    address (like a Markdown image), `<br>` a break, a link's address after its words; any other
    HTML element shows nothing (its words are the text beside it). A name that is no element
    ("Vec<T>") is text and stays."""
    from ..plan_format.html import ELEMENTS, inline_to_markdown

    match = _HTML_TAG.match(tag)
    if match is None or match.group(2).lower() not in ELEMENTS:
        return tag
    name = match.group(2).lower()
    if name == "br":
        return "\n" if cell else " "
    if name == "img" and not match.group(1):
        image, _ = plain(inline_to_markdown(tag))
        return image
    if name == "a" and not match.group(1):
        href = re.search(r"""\bhref\s*=\s*["']?([^"'\s>]+)""", tag, re.IGNORECASE)
        links.append((href.group(1) if href and href.group(1).startswith(("http://", "https://")) else "", at))
        return ""
    return ""


class TextReader:
    """Recovers field values, remembering where a person's formatting became plain text."""

    def __init__(self, env: dict[str, Any] | None = None) -> None:
        self.simplified: list[int] = []
        self.env = env if env is not None else {}

    def _read(self, src: str, line: int, check: Callable[[str], str], cell: bool = False) -> str:
        src = src.strip()
        exact = unescape(src, cell=cell)
        if str(check(exact)) == src:
            return exact
        value, rich = plain(src, cell=cell, env=self.env)
        if rich:
            self.simplified.append(line)
        return value

    def inline(self, src: str, line: int) -> str:
        return self._read(src, line, mdescape.inline)

    def heading(self, src: str, line: int) -> str:
        return self._read(src, line, mdescape.heading)

    def cell(self, src: str, line: int) -> str:
        return self._read(src, line, mdescape.cell, cell=True)

    def paragraph(self, sources: list[str], line: int) -> str:
        """Paragraphs (one source paragraph each) as `mdescape.paragraph` would print them."""
        parts: list[str] = []
        for source in sources:
            flat = " ".join(part.strip() for part in source.splitlines())
            # mdescape.paragraph escapes each source line's start; such a mark means a line break.
            lines = _LINE_BREAK_MARK.split(flat)
            if len(lines) > 1 and _outside_spans(flat):
                parts.append("\n".join(self.inline(piece, line) for piece in lines))
            else:
                parts.append(self.inline(flat, line))
        text = "\n\n".join(part for part in parts if part)
        expected = "\n\n".join(" ".join(s.strip() for s in source.splitlines()) for source in sources)
        if str(mdescape.paragraph(text)) != expected:
            text = "\n\n".join(self.inline(" ".join(s.split()), line) for s in sources)
        return text


def _outside_spans(text: str) -> bool:
    """True when no line-break mark sits inside a code span (there it is literal text)."""
    return "`" not in text


def split_unescaped(src: str, sep: str) -> list[str]:
    """Split Markdown source on a separator outside code spans and backslash escapes."""
    parts: list[str] = []
    pos = start = 0
    spans = code_spans(src)
    while pos < len(src):
        if src[pos] == "\\":
            pos += 2
            continue
        if src[pos] == "`":
            end = spans.get(pos, -1)
            if end != -1:
                pos = end
                continue
            while pos < len(src) and src[pos] == "`":
                pos += 1
            continue
        if src.startswith(sep, pos):
            parts.append(src[start:pos])
            pos += len(sep)
            start = pos
            continue
        pos += 1
    parts.append(src[start:])
    return parts


def table_cells(line: str) -> list[str]:
    """A table row's cells as source text, split where markdown-it splits them."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells: list[str] = []
    current = 0
    escaped = False
    for pos, char in enumerate(text):
        if char == "|" and not escaped:
            cells.append(text[current:pos].strip())
            current = pos + 1
        escaped = char == "\\"
    cells.append(text[current:].strip())
    return cells
