"""HTML in a document being imported, as the Markdown it stands for.

Kept text is printed as written, and the plan shows no HTML but a short allow-list
(techplan_nb/verbatim.py): any other tag would be defused and show as text ("&lt;img src=...>").
So before an imported document's blocks are kept, the HTML in them that would be defused becomes
Markdown: an `<img>` a Markdown image, a `<table>` a GFM table, a link a Markdown link, bold and
italic their marks, lists lists; other tags go and their text stays. HTML the allow-list keeps
(`<details>`, `<br>`, `<sub>`, comments) is left exactly as written, so a plan techplan printed
imports byte for byte.

nh3 (html5ever, a browser's parser, maintained as ammonia's Python binding) does the sanitising:
every tag off the list below, event handlers and `javascript:` addresses are gone before anything
here reads the HTML (a script's text stays, as text), and what it returns is well-formed, which the
small walker below relies on.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .. import mdescape
from ..verbatim import ALLOWED_TAGS, code_spans, parser

# What the conversion understands; nh3 removes every other tag and keeps its text.
_TAGS = {
    "a", "b", "blockquote", "br", "caption", "center", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "picture", "pre", "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul",
}
# HTML's own elements. Anything else in angle brackets ("Vec<T>", "<none>", "<your-token>") is a
# person's text the sanitiser shows as written, never a tag to convert (nh3 would drop it).
ELEMENTS = frozenset("""
a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption center cite code
col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption figure font footer
form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link main map mark
menu meta meter nav noscript object ol optgroup option output p param picture pre progress q rp rt ruby s samp
script section select slot small source span strike strong style sub summary sup svg table tbody td template
textarea tfoot th thead time title tr track tt u ul var video wbr
""".split())
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
_SCHEMES = {"http", "https", "mailto"}
_VOID = {"br", "hr", "img"}
_BLOCKS = {"blockquote", "center", "details", "div", "dl", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
           "ol", "p", "picture", "pre", "table", "ul", "dd", "dt", "figcaption", "caption", "summary"}
# Tags the allow-list prints as they are, when written without attributes.
_KEPT_INLINE = {"sub", "sup", "kbd", "del", "ins", "s", "mark", "small"}
_MARKS = {"b": "**", "strong": "**", "i": "*", "em": "*", "u": ""}


def clean(html: str) -> str:
    import nh3

    # clean_content_tags empty: a script's or style's text stays, as text (shown, never run), since
    # the importer loses nothing a person wrote.
    return str(nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES, link_rel=None,
                         strip_comments=True, clean_content_tags=set()))


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Node | str] = field(default_factory=list)


# Deeper nesting is read flat: the walk below recurses once a level, and no document nests tables,
# lists or links this deep.
MAX_DEPTH = 60


class _Tree(HTMLParser):
    """nh3's well-formed output as a tree."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(self.stack) > MAX_DEPTH and tag not in _VOID:
            return
        node = _Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


_NAMED = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")


def _text_brackets(html: str) -> str:
    """`html` with the `<` of every name that is not an HTML element written `&lt;`, so it stays text."""
    html = _NAMED.sub(lambda m: m.group(0) if m.group(2).lower() in ELEMENTS else "&lt;" + m.group(0)[1:], html)
    last_open, last_close = html.rfind("<!--"), html.rfind("-->")
    if last_open > last_close:  # a comment never closed would hide all that follows: it is text
        html = html[:last_open] + "&lt;" + html[last_open + 1:]
    return html


def _tree(html: str) -> _Node:
    reader = _Tree()
    reader.feed(clean(_text_brackets(html)))
    reader.close()
    return reader.root


_URL_ESCAPES = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "\t": "%09", "\n": "%0A"}


def _destination(url: str) -> str:
    """A link or image address Markdown reads as one: blanks and brackets percent-encoded (the
    `<...>` form would read as a tag to the plan's sanitiser)."""
    return "".join(_URL_ESCAPES.get(char, char) for char in url.strip())


def image(node: _Node) -> str:
    src = node.attrs.get("src", "").strip()
    alt = " ".join(node.attrs.get("alt", "").split())
    if not src:
        return str(mdescape.inline(alt)) if alt else ""
    title = node.attrs.get("title", "").strip().replace('"', "'")
    shown_alt = alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    shown_title = f' "{title}"' if title else ""
    return f"![{shown_alt}]({_destination(src)}{shown_title})"


def _inline(nodes: list[_Node | str], *, cell: bool = False) -> str:
    out: list[str] = []
    for child in nodes:
        if isinstance(child, str):
            text = re.sub(r"\s+", " ", child)
            shown = str(mdescape.inline(text, line_start=False, table=cell)) if text.strip() else ""
            # The escaper trims; the blanks between this text and the tags beside it are words' gaps.
            out.append((" " if text[:1] == " " else "") + shown + (" " if text[-1:] == " " and shown else ""))
            continue
        tag = child.tag
        if tag == "img":
            out.append(image(child))
        elif tag == "br":
            out.append("<br>")
        elif tag == "a":
            text = _inline(child.children, cell=cell).strip()
            href = child.attrs.get("href", "").strip()
            out.append(f"[{text or href}]({_destination(href)})" if href else text)
        elif tag == "code":
            span = _code_span(_text(child))
            out.append(span.replace("|", "\\|") if cell else span)
        elif tag in _MARKS:
            text = _inline(child.children, cell=cell)
            mark = _MARKS[tag]
            out.append(f"{mark}{text.strip()}{mark}" if mark and text.strip() else text)
        elif tag in _KEPT_INLINE:
            out.append(f"<{tag}>{_inline(child.children, cell=cell)}</{tag}>")
        elif tag in ("ul", "ol") and cell:
            out.append("; ".join(_inline(li.children, cell=True).strip() for li in child.children
                                 if isinstance(li, _Node)))
        else:
            text = _inline(child.children, cell=cell)
            out.append(f" {text} " if tag in _BLOCKS else text)
    return re.sub(r"[ \t]+", " ", "".join(out))


def _text(node: _Node) -> str:
    return "".join(child if isinstance(child, str) else _text(child) for child in node.children)


def _code_span(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return ""
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _rows(node: _Node) -> list[tuple[bool, list[str]]]:
    """A table's rows, each (is a heading row, cells as Markdown), in order."""
    rows: list[tuple[bool, list[str]]] = []
    for child in node.children:
        if not isinstance(child, _Node):
            continue
        if child.tag == "tr":
            cells = [c for c in child.children if isinstance(c, _Node) and c.tag in ("td", "th")]
            heading = node.tag == "thead" or (bool(cells) and all(c.tag == "th" for c in cells))
            rows.append((heading, [_inline(c.children, cell=True).strip() for c in cells]))
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(_rows(child))
    return rows


def table(node: _Node) -> str:
    rows = _rows(node)
    if not rows:
        return ""
    width = max(len(cells) for _, cells in rows)
    if not width:
        return ""
    # GFM needs a heading row: the table's own, or an empty one above rows that have none.
    head, body = (rows[0][1], rows[1:]) if rows[0][0] else ([""] * width, rows)
    lines = ["| " + " | ".join(head + [""] * (width - len(head))) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(cells + [""] * (width - len(cells))) + " |" for _, cells in body]
    caption = next((c for c in node.children if isinstance(c, _Node) and c.tag == "caption"), None)
    if caption is not None and _inline(caption.children).strip():
        lines.insert(0, _inline(caption.children).strip() + "\n")
    return "\n".join(lines)


def _blocks(node: _Node) -> list[str]:
    """Markdown blocks (each one or more lines) for the children of `node`."""
    out: list[str] = []
    run: list[_Node | str] = []

    def flush() -> None:
        text = _inline(run).strip()
        if text:
            out.append(text)
        run.clear()

    for child in node.children:
        if isinstance(child, str) or child.tag not in _BLOCKS:
            run.append(child)
            continue
        flush()
        tag = child.tag
        if tag == "table":
            out.append(table(child))
        elif tag in ("ul", "ol"):
            items = [c for c in child.children if isinstance(c, _Node) and c.tag == "li"]
            out.append("\n".join(
                f"{f'{n}.' if tag == 'ol' else '-'} " + " ".join(_inline(li.children).split())
                for n, li in enumerate(items, start=1)))
        elif tag == "pre":
            text = _text(child).strip("\n")
            fence = "`" * max(3, max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
            out.append(f"{fence}\n{text}\n{fence}")
        elif tag == "hr":
            out.append("---")
        elif tag == "blockquote":
            out.append("\n".join(f"> {line}" if line else ">" for line in "\n\n".join(_blocks(child)).split("\n")))
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6", "summary", "dt", "caption", "figcaption"):
            # A heading inside HTML (a README's centred title) would become one of the plan's own
            # headings and change its outline: it stays a line of its own, in bold.
            text = _inline(child.children).strip()
            if text:
                out.append(f"**{text}**" if tag.startswith("h") else text)
        else:
            out.extend(_blocks(child))
    flush()
    return [block for block in out if block.strip()]


def to_markdown(html: str) -> str:
    """An HTML block (or several, a table written with blank lines in it) as Markdown blocks."""
    return "\n\n".join(_blocks(_tree(html)))


def inline_to_markdown(html: str) -> str:
    """Inline HTML (a tag and what it wraps, on one line of a paragraph) as inline Markdown."""
    return _inline(_tree(html).children).strip()


# The allow-list's own reading of a tag (verbatim._TAG): a bare allowed tag is kept as written.
_ALLOWED = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+open)?)\s*(/?)>")


def is_defused(fragment: str) -> bool:
    """True when the plan's sanitiser would show some HTML element of `fragment` as text: a tag off
    its allow-list, or one with attributes. A closing tag is judged alone, not by what it closes (the
    `</details>` of a `<details>` kept in another block); a name that is no element ("<T>") is text."""
    last_close = fragment.rfind("-->")
    pos = fragment.find("<")
    while pos != -1:
        if fragment.startswith("<!--", pos):
            # An unclosed comment is shown as text by the sanitiser, and as HTML it would hide the rest.
            # (Known unclosed from the last "-->", without searching the rest again for each "<!--".)
            end = fragment.find("-->", pos + 4) if last_close >= pos + 4 else -1
            pos = fragment.find("<", pos + 4 if end == -1 else end + 3)
            continue
        tag = _ALLOWED.match(fragment, pos)
        if tag is not None and tag.group(2).lower() in ALLOWED_TAGS and not (
                tag.group(3) and (tag.group(1) or tag.group(2).lower() != "details")) and not (
                tag.group(4) and tag.group(2).lower() not in ("br", "hr")):
            pos = fragment.find("<", tag.end())
            continue
        named = _NAMED.match(fragment, pos)
        if named is not None and named.group(2).lower() in ELEMENTS:
            return True
        pos = fragment.find("<", pos + 1)
    return False


_TABLE_OPEN = re.compile(r"<table\b", re.IGNORECASE)
_TABLE_CLOSE = re.compile(r"</table\s*>", re.IGNORECASE)


def convert(markdown: str) -> str:
    """Kept Markdown with the HTML the sanitiser would defuse written as Markdown; anything else,
    code above all, as written. The fast path (no tag at all) is most text."""
    if not re.search(r"<[A-Za-z]", markdown):
        return markdown
    lines = markdown.split("\n")
    closes = [n for n, line in enumerate(lines) if "</" in line and _TABLE_CLOSE.search(line)]
    tokens = parser().parse(markdown, {})
    edits: list[tuple[int, int, str]] = []  # [start, end) lines -> their new text
    reach = 0
    for token in tokens:
        if token.map is None or token.map[0] < reach:
            continue
        start, end = token.map
        if token.type == "html_block" and is_defused(token.content):
            html = token.content
            if len(_TABLE_OPEN.findall(html)) > len(_TABLE_CLOSE.findall(html)):
                # A table with blank lines in it is several HTML blocks (and indented code between):
                # it is one table up to its closing tag.
                close = bisect.bisect_left(closes, end)
                if close < len(closes):
                    end = closes[close] + 1
                    html = "\n".join(lines[start:end])
            text = to_markdown(html)
            before = "\n" if text and start > 0 and lines[start - 1].strip() else ""
            after = "\n" if text and end < len(lines) and lines[end].strip() else ""
            edits.append((start, end, before + text + after))
            reach = end
        elif token.type == "inline" and any(child.type == "html_inline" and is_defused(child.content)
                                            for child in token.children or []):
            source = "\n".join(lines[start:end])
            edits.append((start, end, _inline_edit(source, [c.content for c in token.children or []
                                                            if c.type == "html_inline"])))
            reach = end
    for start, end, text in reversed(edits):
        lines[start:end] = [text]
    return "\n".join(lines)


def _inline_edit(source: str, tags: list[str]) -> str:
    """`source` (a paragraph's, a list item's or a table row's lines) with its inline HTML, found in
    order outside code spans, written as Markdown: an `<img>` an image, `<a href>…</a>` a link, other
    tags the Markdown marks they stand for or nothing, their text kept."""
    spans = sorted(code_spans(source).items())
    places: list[tuple[int, int]] = []
    pos = span = 0
    for tag in tags:
        found = source.find(tag, pos)
        while found != -1:
            # Spans and tags are both met in order: one pass over each, however many there are.
            while span < len(spans) and spans[span][1] <= found:
                span += 1
            if span < len(spans) and spans[span][0] <= found:
                found = source.find(tag, spans[span][1])
                continue
            break
        if found == -1:
            return source
        places.append((found, found + len(tag)))
        pos = found + len(tag)
    out: list[str] = []
    last = 0
    links: list[str] = []
    for (start, stop), tag in zip(places, tags, strict=True):
        out.append(source[last:start])
        last = stop
        out.append(_inline_tag(tag, links))
    out.append(source[last:])
    return "".join(out)


_OPEN = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)\b", re.ASCII)
_CLOSE = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>", re.ASCII)


def _inline_tag(tag: str, links: list[str]) -> str:
    if not is_defused(tag):
        return tag
    close = _CLOSE.fullmatch(tag.strip())
    if close is not None:
        name = close.group(1).lower()
        if name == "a":
            return f"]({links.pop()})" if links and links[-1] else ("" if not links else links.pop())
        if name in _MARKS:
            return _MARKS[name]
        return f"</{name}>" if name in _KEPT_INLINE else ""
    opened = _OPEN.match(tag)
    name = opened.group(1).lower() if opened else ""
    if name == "img":
        return inline_to_markdown(tag)
    if name == "a":
        node = next((c for c in _tree(tag + "</a>").children if isinstance(c, _Node)), None)
        href = node.attrs.get("href", "").strip() if node is not None else ""
        links.append(_destination(href) if href else "")
        return "[" if href else ""
    if name in _MARKS:
        return _MARKS[name]
    if name == "br":
        return "<br>"
    return f"<{name}>" if name in _KEPT_INLINE else ""
