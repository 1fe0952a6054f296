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
- Comments are kept only in the form every HTML parser ends at the same `-->` (not `<!-->`,
  `<!--->` or one holding `--!>`, which end earlier and let what follows through as live HTML).
- A fenced code block left open is closed, and an allowed tag left open (`<details>`) is closed
  at the end, so the content cannot swallow the rest of the plan; a closing tag with nothing to
  close is defused.
- Indented code becomes fenced code: printed after a list, indented lines would continue the
  list as Markdown and HTML instead of showing as code.
- `@name` outside code gets a zero-width space after the `@` (mdescape.defuse_mentions), so kept
  text pings no one on GitHub.

The text is judged as part of the plan it is printed in, not on its own: whatever stands before
it, the result holds no HTML but the allow-list (tests/unit/test_final_plan_html.py).

The result is a fixed point: sanitising it again changes nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .mdescape import defuse_mentions

ALLOWED_TAGS = frozenset({
    "b", "br", "code", "del", "details", "em", "hr", "i", "ins", "kbd", "mark", "p", "s", "small",
    "strong", "sub", "summary", "sup",
})

# Kept only where they start an HTML block: inside a line (a table cell, a paragraph) a browser
# closes them where Markdown's inline text ends, and the closer kept text gets at its end is then
# a stray tag outside any block ('| c | <details open>' in a table).
_BLOCK_TAGS = frozenset({"details", "summary", "p", "hr"})

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


def _defuse_tag(text: str, pos: int, *, allow_autolinks: bool, last_close: int) -> tuple[str, int]:
    """At a '<': the text to emit and where to continue. `last_close` is where the text's last
    `-->` starts: an unclosed `<!--` is known as such without searching the rest of the text again
    (which made a line of repeated `<!--` quadratic), and the patterns match in place, not on a copy
    of the text from `pos` on."""
    if text.startswith("<!--", pos):
        if last_close >= pos + 4:
            end = _comment_end(text, pos)
            if end != -1:
                # Whether Markdown reads it as a comment depends on where it lands: after
                # `### Heading<!--` the lines that follow are a paragraph, where an `@name` pinged
                # and a tag was live. So its text is defused as shown text would be; hidden, it
                # loses nothing by it.
                inner = text[pos + 4:end - 3].replace("<", "&lt;")
                return _mentions(f"<!--{inner}-->"), end
        return "&lt;", pos + 1
    tag = _TAG.match(text, pos)
    if tag:
        name = tag.group(2).lower()
        closing, opened, selfclose = tag.group(1), tag.group(3), tag.group(4)
        if name in ALLOWED_TAGS and not (opened and (closing or name != "details")) and not (
                selfclose and name not in ("br", "hr")) and not (allow_autolinks and name in _BLOCK_TAGS):
            return tag.group(0), tag.end()
        return "&lt;", pos + 1
    if allow_autolinks:
        link = _AUTOLINK.match(text, pos)
        if link:
            if link.group(1).lower() in _SCRIPT_SCHEMES:
                return "&lt;", pos + 1
            return link.group(0), link.end()
        email = _EMAIL.match(text, pos)
        if email:
            return email.group(0), email.end()
    if pos + 1 < len(text) and (text[pos + 1].isalpha() or text[pos + 1] in "/!?"):
        return "&lt;", pos + 1
    return "<", pos + 1


def _comment_end(text: str, pos: int) -> int:
    """Where the comment opened at `pos` ends for a browser, or -1 to defuse it.

    An HTML parser ends `<!-->` and `<!--->` at once, and a comment at `--!>` as well as `-->`:
    kept as one comment to the first `-->`, `<!--> <img onerror=...> -->` put a live tag in the
    plan. Only a comment every parser reads the same way is kept."""
    body = pos + 4
    if text.startswith((">", "->"), body):
        return -1
    end = text.find("-->", body)
    if end == -1 or text.find("--!>", body, end + 3) != -1:
        return -1
    return end + 3


def _defuse_html(text: str, balance: _Balance) -> str:
    """Inside an HTML block: Markdown does not apply, so every tag is checked."""
    out: list[str] = []
    pos = 0
    last_close = text.rfind("-->")
    while pos < len(text):
        lt = text.find("<", pos)
        if lt == -1:
            out.append(_mentions(text[pos:]))
            break
        out.append(_mentions(text[pos:lt]))
        piece, pos = _defuse_tag(text, lt, allow_autolinks=False, last_close=last_close)
        out.append(balance.track(piece))
    return "".join(out)


_VOID = frozenset({"br", "hr"})


class _Balance:
    """The allowed tags left open, in order. A closing tag with nothing to close is defused and
    whatever is still open is closed at the end: a `<details>` (or `<b>`) left open in kept text
    would otherwise take in every section printed after it."""

    def __init__(self) -> None:
        self.open: list[str] = []

    def track(self, piece: str) -> str:
        tag = _TAG.fullmatch(piece)
        if tag is None:
            return piece  # text, a comment, an autolink or a defused "&lt;"
        name = tag.group(2).lower()
        if name in _VOID or tag.group(4):
            return piece
        if not tag.group(1):
            self.open.append(name)
            return piece
        if name not in self.open:
            return "&lt;" + piece[1:]
        del self.open[len(self.open) - 1 - self.open[::-1].index(name)]
        return piece

    def closers(self) -> str:
        return "".join(f"</{name}>" for name in reversed(self.open))


# `@` written as a character reference still pings once the page shows it.
_AT_ENTITY = re.compile(r"&(?:#0*64|#[xX]0*40|commat);")


def _mentions(text: str) -> str:
    """Text GitHub will show: no `@name` in it may ping (see mdescape.defuse_mentions)."""
    if "&" in text:
        text = _AT_ENTITY.sub("@", text)
    return defuse_mentions(text, markdown=True) if "@" in text else text


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


def _defuse_inline(text: str, balance: _Balance) -> str:
    """Paragraph text: code spans and backslash escapes are literal; tags elsewhere are checked,
    and mentions defused (GitHub pings no one from code, so code keeps its `@`)."""
    out: list[str] = []
    plain: list[str] = []  # text since the last code span or tag, checked for mentions as one

    def emit(piece: str) -> None:
        if plain:
            out.append(_mentions("".join(plain)))
            plain.clear()
        out.append(piece)

    pos = 0
    size = len(text)
    spans = code_spans(text)
    last_close = text.rfind("-->")
    while pos < size:
        char = text[pos]
        if char == "\\" and pos + 1 < size:
            plain.append(text[pos:pos + 2])
            pos += 2
        elif char == "`":
            end = spans.get(pos)
            if end is None:
                run_end = pos
                while run_end < size and text[run_end] == "`":
                    run_end += 1
                plain.append(text[pos:run_end])
                pos = run_end
            else:
                emit(text[pos:end])
                pos = end
        elif char == "<":
            piece, pos = _defuse_tag(text, pos, allow_autolinks=True, last_close=last_close)
            if piece in ("&lt;", "<"):
                plain.append(piece)
            else:
                emit(balance.track(piece))
        else:
            plain.append(char)
            pos += 1
    emit("")
    return "".join(out)


def _as_fence(content: str) -> list[str]:
    body = content.rstrip("\n").split("\n")
    longest = max((len(run) for line in body for run in _BACKTICKS.findall(line)), default=0)
    marker = "`" * max(3, longest + 1)
    return [marker, *body, marker]


def sanitize(text: str) -> str:
    """Verbatim Markdown made safe to print as it is (see the module's policy).

    Defusing can change how the rest parses: a defused `</details>` no longer starts an HTML
    block, so a "```" below it now opens a fence. So the text is sanitised again until nothing
    changes; each pass only defuses or closes more, and in the (never seen) case it does not
    settle, the text is shown as code."""
    current = _sanitize_once(text)
    for _ in range(8):
        again = _sanitize_once(current)
        if again == current:
            return current
        current = again
    from .mdescape import fence

    return str(fence(current))


def _sanitize_once(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return ""
    source = "\n".join(lines)
    if not any(char in source for char in "<`~@&") and not any(line[:1] in (" ", "\t") for line in lines):
        return source
    tokens = parser().parse(source)
    # Per line: what it is, and for the first line of a block, the block's end. Blocks are taken
    # in the order they appear, so a closing tag is judged against what was opened above it.
    kind = ["text"] * len(lines)
    blocks: dict[int, tuple[int, str, str]] = {}
    unclosed: str | None = None
    for token in tokens:
        if token.map is None or token.type not in ("fence", "code_block", "html_block"):
            continue
        start, end = token.map[0], min(token.map[1], len(lines))
        if token.type == "code_block" and token.level == 0:
            # Indented code is code only where it stands: printed after a list, the same lines
            # continue the list's last item as Markdown and HTML. A fence means code anywhere.
            blocks[start] = (end, "indented", token.content)
        elif token.type == "html_block":
            blocks[start] = (end, "html", "")
        else:
            blocks[start] = (end, "code", "")
            if token.type == "fence" and token.level == 0 and end >= len(lines):
                last = lines[end - 1].strip() if end - 1 > start else ""
                if not (last.startswith(token.markup) and not last.strip(token.markup[0]).strip()):
                    unclosed = token.markup
        for index in range(start, end):
            kind[index] = "block"
    balance = _Balance()
    out: list[str] = []
    index = 0
    while index < len(lines):
        if index in blocks:
            end, what, content = blocks[index]
            if what == "indented":
                out.extend(_as_fence(content))
            elif what == "html":
                out.extend(_defuse_html("\n".join(lines[index:end]), balance).split("\n"))
            else:
                out.extend(lines[index:end])
            index = end
        elif kind[index] == "block" or not lines[index].strip():
            out.append(lines[index])  # inside a block that began higher up (a list's), or blank
            index += 1
        else:
            stop = index
            while stop < len(lines) and kind[stop] == "text" and lines[stop].strip():
                stop += 1
            out.extend(_defuse_inline("\n".join(lines[index:stop]), balance).split("\n"))
            index = stop
    if unclosed:
        out.append(unclosed)
    closers = balance.closers()
    if closers:
        out.extend(["", closers])
    return "\n".join(out)
