"""What GitHub would make of a plan: live HTML, `<details>` left open, `@mentions` that ping and
issue references. Shared by the final-plan property tests and fuzz/fuzz_sanitizer.py.

Each HTML piece is read by nh3 (html5ever, a browser's HTML parser), not by the code under test;
the Markdown is parsed as GitHub would (CommonMark, HTML on).
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Iterator

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from techplan_nb.plan_format import sections
from techplan_nb.verbatim import ALLOWED_TAGS

MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
ALLOWED_ATTRIBUTES = {"details": {"open"}}

# --- what GitHub would do -------------------------------------------------------------------

# GitHub's mention rule (github/html-pipeline MentionFilter): "@" then a login, where the "@"
# starts the text or follows a character other than an ASCII letter, digit or "_"; never inside
# code or a link. Teams ("@org/team") start the same way.
MENTION = re.compile(r"(?:^|(?<=[^A-Za-z0-9_]))@[A-Za-z0-9]")
# An address GitHub links by itself (GFM autolinks: a dotted host): an "@" inside it is the link's.
WEB_ADDRESS = re.compile(r"(?i)(?:https?://|www\.)[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+[^\s<>]*")
ISSUE_REFERENCE = re.compile(r"(?<![\w/#-])(?:#|GH-|[\w.-]+/[\w.-]+#)(\d+)\b", re.IGNORECASE)


def live_markup(html: str) -> bool:
    """True if an element or attribute outside the allow-list survives, as html5ever parses it:
    cleaning to the allow-list removes something that cleaning to "everything it holds" keeps."""
    kept = nh3.clean(html, tags=set(ALLOWED_TAGS), attributes=ALLOWED_ATTRIBUTES, strip_comments=True,
                     link_rel=None)
    names = {name.lower() for name in re.findall(r"</?([A-Za-z][^\s/>]*)", html)}
    everything = nh3.clean(html, tags=set(ALLOWED_TAGS) | names, clean_content_tags=set(),
                           generic_attribute_prefixes=set(string.ascii_lowercase), strip_comments=True,
                           link_rel=None, url_schemes={"http", "https", "mailto", "javascript", "data"})
    return kept != everything


def walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from walk(token.children)


def html_pieces(markdown: str) -> list[str]:
    return [t.content for t in walk(MD.parse(markdown)) if t.type in ("html_block", "html_inline")]


def details_depths(markdown: str) -> Iterator[tuple[str, int]]:
    """(what, open <details> count) after each HTML piece and at each heading, in order."""
    depth = 0
    tokens = list(walk(MD.parse(markdown)))
    for index, token in enumerate(tokens):
        if token.type in ("html_block", "html_inline"):
            body = re.sub(r"<!--.*?-->", "", token.content, flags=re.DOTALL)
            for tag in re.finditer(r"<(/?)details\b[^>]*>", body, re.IGNORECASE):
                depth += -1 if tag.group(1) else 1
            yield token.content, depth
        elif token.type == "heading_open":
            yield "heading " + tokens[index + 1].content, depth
    yield "end of plan", depth


def shown_texts(markdown: str) -> Iterator[str]:
    """Each run of text GitHub shows outside code and links (entities decoded, as the page has them)."""
    for block in MD.parse(markdown):
        if block.type == "html_block":
            yield from map(html.unescape, re.split(r"<[^>]*>", block.content))
        if block.type != "inline" or not block.children:
            continue
        run: list[str] = []
        in_link = 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            elif token.type == "text" and not in_link:
                run.append(token.content)
                continue
            elif token.type == "softbreak" and not in_link:
                run.append("\n")
                continue
            elif token.type == "html_inline" and not in_link:
                yield from map(html.unescape, re.split(r"<[^>]*>", token.content))
            yield "".join(run)
            run = []
        yield "".join(run)


def pinging_mentions(markdown: str) -> list[str]:
    found = []
    for text in shown_texts(markdown):
        links = [m.span() for m in WEB_ADDRESS.finditer(text)]
        for mention in MENTION.finditer(text):
            at = mention.start() if text[mention.start()] == "@" else mention.start() + 1
            if not any(a < at < b for a, b in links):
                found.append(text[max(0, at - 10):at + 12])
    return found


def assert_safe_for_github(markdown: str, user_strings: set[str], issue_number: int) -> None:
    for piece in html_pieces(markdown):
        assert not live_markup(piece), piece
    depths = list(details_depths(markdown))
    assert all(depth >= 0 for _, depth in depths), depths
    # The template's own heading is the last with its name (kept text may hold the same words).
    last = {what: depth for what, depth in depths if what.startswith("heading ") and what[8:] in TEMPLATE_HEADINGS}
    assert last and all(depth == 0 for depth in last.values()), last
    assert depths[-1] == ("end of plan", 0)
    assert pinging_mentions(markdown) == []
    written = " ".join(user_strings)
    for text in shown_texts(markdown):
        for ref in ISSUE_REFERENCE.finditer(text):
            assert ref.group(1) == str(issue_number) or ref.group() in written, (ref.group(), text)


# The template's own `##` headings, from the one catalogue of its sections.
TEMPLATE_HEADINGS = {sections.by_key(key).title for key in sections.top_level()}
