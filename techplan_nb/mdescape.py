"""Escaping of user text for GitHub-flavoured Markdown, by context.

Whatever a user writes must show literally and must not change the document's structure:
no raw HTML, no table with an extra column, no fence closed early, no @mention that pings.
Balanced `code spans` are kept, since their content is literal in Markdown anyway.
"""

from __future__ import annotations

import re

from markupsafe import Markup


class SafeMarkdown(Markup):
    """Text already escaped for Markdown (or made by the template itself); never escaped again.

    A Markup subclass so that Jinja's autoescaping, which would HTML-escape plain strings,
    leaves it alone; our finalize hook escapes every other string for Markdown first.
    """

    __slots__ = ()


_BACKTICK_RUN = re.compile(r"`+")
# Always escaped: links, tables and backslash itself. '>' only where a line starts (a quote,
# _LINE_START): the tag or autolink it could end starts with a '<' escaped below.
_ALWAYS = re.compile(r"([\\\[\]|])")
# Emphasis and strikethrough marks, except one between blanks ("5 * 3", "a ~ b"), which opens and
# closes nothing in CommonMark or GFM. A value's first mark has no blank before it, so a list item's
# "* " is escaped; a paragraph's later lines are printed on its first.
_EMPHASIS = re.compile(r"(?<=\s)([*~])(?=\s)|([*~])")
# '<' only where CommonMark could read a tag, comment, declaration or autolink from it ("<b", "</",
# "<!", "<?", "<me@x.org>"): "<100ms" and "a < b" show as written. The class stops at the next '<',
# so the lookahead runs over each character once.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?]|[A-Za-z0-9.!#$%&'*+=^_`{|}~-]+@)")
# `_` only opens or closes emphasis next to a non-alphanumeric character (CommonMark).
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# GitHub pings `@name` wherever the `@` follows no ASCII letter, digit or `_` ("x-@alice",
# "(@bob)", "é@carol" all ping; "a@b" does not). A zero-width space after the `@` stops it.
_MENTION = re.compile(r"(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])")
# In Markdown printed as written, a "_" before the "@" may be emphasis ("_@alice_"), gone on the page.
_MENTION_IN_MARKDOWN = re.compile(r"(?<![A-Za-z0-9])@(?=[A-Za-z0-9])")
# A web address GitHub turns into a link (a dotted host): an `@` inside it is part of the link,
# which pings no one, and a zero-width space there would break the address.
WEB_ADDRESS = re.compile(r"(?i)(?:https?://|www\.)[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+[^\s<>]*")
# In Markdown printed as written, an address may be a link's text or destination, which ends at the
# "]" or ")" after it: "[x](https://a.b)@bob" pings @bob. (An address of its own holding "]" or ")"
# then gets a zero-width space it did not need, which is safe.)
_WEB_ADDRESS_IN_MARKDOWN = re.compile(r"(?i)(?:https?://|www\.)[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+[^\s<>\])]*")
# Blanks within the line only: "\s*" ran on over the following lines from every line start, quadratic
# in a value of many blank lines (and reached a marker on a later line from a start it then skipped).
_LINE_START = re.compile(r"^([^\S\n]*)([#>=+-]|\d+(?=[.)]))", re.MULTILINE)
_URL_SCHEME = re.compile(r"(?i)\b(javascript|vbscript|data):")
_ZWSP = "&#8203;"
# Any character one of the steps below would touch; most text has none and is returned as it is.
_TOUCHED = re.compile(r"[\\*\[\]<>|~_&@`]")


def _escape_plain(text: str, hashes: bool = False) -> str:
    text = _ALWAYS.sub(r"\\\1", text)
    text = _EMPHASIS.sub(lambda m: m.group(1) or "\\" + m.group(2), text)
    text = _TAG_START.sub(r"\\<", text)
    if hashes:
        text = text.replace("#", "\\#")
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _ENTITY.sub("&amp;", text)
    return defuse_mentions(text)


def defuse_mentions(text: str, *, markdown: bool = False) -> str:
    """Every `@name` that would ping on GitHub, with a zero-width space after its `@`; `markdown`:
    the text is Markdown printed as written, not text escaped here."""
    if "@" not in text:
        return text
    address = _WEB_ADDRESS_IN_MARKDOWN if markdown else WEB_ADDRESS
    links = [m.span() for m in address.finditer(text)] if ("//" in text or "www." in text.lower()) else []
    pattern = _MENTION_IN_MARKDOWN if markdown else _MENTION
    return pattern.sub(lambda m: m.group() if any(a < m.start() < b for a, b in links) else "@" + _ZWSP, text)


def _code_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each code span: a backtick run up to the next run of the same length.

    Linear: a regex with a back-reference rescanned the rest of the text from every unmatched
    run, which took 19 s on one 1 MiB field made of runs of different lengths.
    """
    runs = [(m.start(), m.end()) for m in _BACKTICK_RUN.finditer(text)]
    closer: list[int | None] = [None] * len(runs)
    last_of_length: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        closer[index] = last_of_length.get(length)
        last_of_length[length] = index
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        match = closer[index]
        if match is None:
            index += 1
            continue
        spans.append((runs[index][0], runs[match][1]))
        index = match + 1
    return spans


def _escape_spans(text: str, hashes: bool, table: bool = False, line_starts: bool = False) -> str:
    """Escape text outside balanced code spans; an unbalanced backtick is escaped.

    In a table cell GFM splits on every unescaped '|', even inside a code span, and takes one
    backslash off each escaped one; so a span's pipes get a backslash, and a span already holding
    a backslash before a pipe (which no escaping shows intact in code in both cmark-gfm and
    markdown-it) is shown as plain text instead, backticks and all.
    With `line_starts`, a line-start marker is escaped at the start of every line outside spans.
    """
    out: list[str] = []
    pos = 0

    def plain(end: int) -> str:
        escaped = _escape_plain(text[pos:end], hashes).replace("`", "\\`")
        if not line_starts:
            return escaped
        at_line_start = pos == 0 or text[pos - 1] == "\n"
        return _LINE_START.sub(lambda m: _escape_line_start(m) if at_line_start or m.start() else m.group(0),
                               escaped)

    for start, end in _code_spans(text):
        span = text[start:end]
        if table and "\\|" in span:
            continue  # left in the plain text around it, escaped with it
        out.append(plain(start))
        out.append(span.replace("|", "\\|") if table else span)
        pos = end
    out.append(plain(len(text)))
    return "".join(out)


def _escape_line_start(match: re.Match[str]) -> str:
    lead, marker = match.group(1), match.group(2)
    # "1." is escaped as "1\." (a backslash before a digit is not an escape).
    return lead + (marker + "\\" if marker[0].isdigit() else "\\" + marker)


def inline(text: object, *, hashes: bool = False, line_start: bool = True, table: bool = False) -> SafeMarkdown:
    """One line of text inside a paragraph, list item or heading: newlines become spaces."""
    if isinstance(text, SafeMarkdown):
        return text
    flat = " ".join(str(text).split())
    if not _TOUCHED.search(flat) and not (hashes and "#" in flat):
        escaped = flat
    else:
        escaped = _escape_spans(flat, hashes, table)
    if line_start:
        # A line that starts like a heading, quote, list or ordered list must not become one.
        escaped = _LINE_START.sub(_escape_line_start, escaped, count=1)
    return SafeMarkdown(escaped)


def heading(text: object) -> SafeMarkdown:
    """Text inside a heading: also '#', which could close the heading early."""
    return inline(text, hashes=True)


def paragraph(text: object) -> SafeMarkdown:
    """Multi-line text: paragraphs separated by blank lines survive; each line is escaped."""
    if isinstance(text, SafeMarkdown):
        return text
    paragraphs = re.split(r"\n\s*\n", str(text).strip())
    return SafeMarkdown("\n\n".join(_one_paragraph(p) for p in paragraphs if p.strip()))


def _one_paragraph(text: str) -> str:
    """A paragraph printed on one line. Code spans are paired across the whole paragraph, as the
    reader's Markdown pairs them; each source line's start is escaped as a line start would be."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    return _escape_spans("\n".join(lines), hashes=False, line_starts=True).replace("\n", " ")


def cell(text: object) -> SafeMarkdown:
    """A table cell: keeps the table's column count whatever the text holds."""
    if isinstance(text, SafeMarkdown):
        return text
    lines = [inline(line, line_start=False, table=True) for line in str(text).splitlines() if line.strip()]
    return SafeMarkdown("<br>".join(lines))


def fence(text: object, info: str = "") -> SafeMarkdown:
    """A fenced code block that no content can close early."""
    body = str(text).rstrip()
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    marker = "`" * max(3, longest + 1)
    return SafeMarkdown(f"{marker}{info}\n{body}\n{marker}")


def url(text: object) -> SafeMarkdown:
    """A link target shown as text: only http(s), never a script scheme."""
    value = str(text)
    if _URL_SCHEME.search(value) or not re.match(r"(?i)^https?://", value):
        return inline(value)
    return SafeMarkdown("<" + value.replace(">", "%3E").replace("<", "%3C").replace(" ", "%20") + ">")


_FENCE_OPEN = re.compile(r"^(`{3,}|~{3,})")


def tidy(document: str) -> str:
    """Collapse runs of blank lines outside fenced blocks, so templates need no whitespace fiddling."""
    out: list[str] = []
    fence_marker = ""
    blank = False
    for line in document.split("\n"):
        if fence_marker:
            out.append(line)
            if line.startswith(fence_marker) and not line.strip(fence_marker[0]).strip():
                fence_marker = ""
            continue
        opening = _FENCE_OPEN.match(line)
        if opening:
            fence_marker = opening.group(1)
        if not line.strip():
            if blank or not out:
                continue
            blank = True
            out.append("")
            continue
        blank = False
        out.append(line.rstrip(" ") if not line.endswith("  ") else line)
    return "\n".join(out).rstrip("\n") + "\n"
