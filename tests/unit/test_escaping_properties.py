"""Properties of the Markdown escaping, for any text: tables keep their columns, no raw HTML gets
through, and what the user wrote is what a reader sees.

Documents are parsed with markdown-it-py (CommonMark with GFM tables, raw HTML allowed, as GitHub
parses them) so the properties are about what a Markdown renderer does, not about our own regexes.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from techplan_nb import mdescape
from techplan_nb.model import PlanInput, _strip_line
from techplan_nb.render import render_plan

MD = MarkdownIt("commonmark").enable("table")
ZWSP = "\u200b"  # inserted after '@' so that mentions do not ping anyone
# Characters with a meaning in Markdown or HTML, mixed with any Unicode, so that hypothesis meets
# the interesting cases often instead of once in a million strings.
SPECIAL = list("`*_[]()<>|\\#&;@!-+=.:~{}\"' \n\t\r") + ["```", "<br>", "&amp;", "&#60;", "<!--", "-->",
                                                       "<script>", "javascript:", "1.", "- ", "# ", "| ", "\\|"]
hostile_text = st.lists(st.one_of(st.sampled_from(SPECIAL), st.characters(), st.text(max_size=3)),
                        max_size=40).map("".join)
# What the model lets through to the renderer: no C0/C1 controls or bidi overrides (it refuses
# those), and line ends normalised to "\n".
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
plan_text = hostile_text.map(lambda s: FORBIDDEN.sub("", s).replace("\r\n", "\n").replace("\r", "\n"))


def walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from walk(token.children)


def raw_html(markdown: str) -> list[str]:
    """Every piece of HTML a renderer would pass through, except the <br> that cells use for newlines."""
    return [t.content for t in walk(MD.parse(markdown))
            if t.type in ("html_inline", "html_block") and t.content.strip() != "<br>"]


def shown_text(tokens: list[Token]) -> str:
    """The text a reader sees in inline tokens: code spans keep their backticks, breaks become spaces."""
    out: list[str] = []
    for token in walk(tokens):
        if token.type == "text":
            out.append(token.content)
        elif token.type == "code_inline":
            out.append(token.markup + token.content + token.markup)
        elif token.type in ("softbreak", "hardbreak") or (token.type == "html_inline" and token.content == "<br>"):
            out.append(" ")
    return "".join(out)


def flat(text: str) -> str:
    # Whitespace is compared loosely: inline text folds newlines, and a code span drops the space
    # just inside its backticks (CommonMark), which is the writer's formatting, not lost text.
    return "".join(text.replace(ZWSP, "").split())


def cells_per_row(markdown: str) -> list[int]:
    counts, cells = [], 0
    for token in MD.parse(markdown):
        if token.type == "tr_open":
            cells = 0
        elif token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "tr_close":
            counts.append(cells)
    return counts


def table(rows: list[list[str]]) -> str:
    header = "| A | B | C |\n|---|---|---|\n"
    return header + "".join("| " + " | ".join(mdescape.cell(c) for c in row) + " |\n" for row in rows)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(hostile_text, min_size=3, max_size=3), min_size=1, max_size=4))
@example([["a|b", "\\|", "`|`"]])
@example([["``a|b``", "` | `", "x\\"]])
@example([["line\n\n| x | y |\n|---|---|", "<br>", "&#124;"]])
def test_any_text_keeps_every_table_row_at_its_column_count(rows: list[list[str]]) -> None:
    markdown = table(rows)
    assert cells_per_row(markdown) == [3] * (len(rows) + 1), markdown


@settings(max_examples=400, deadline=None)
@given(hostile_text)
@example("<script>alert(1)</script>")
@example("<!-- x -->")
@example("`<b>` <b>")
@example("<`b>`")
@example("\\<img src=x onerror=y>")
@example("&lt;b&gt;")
@example("<http://x.y>")
def test_no_raw_html_gets_through_any_escaper(text: str) -> None:
    document = "\n\n".join([
        "# " + mdescape.heading(text),
        "- " + mdescape.inline(text),
        mdescape.paragraph(text),
        table([[text, text, text]]),
        mdescape.url(text),
    ]) + "\n"
    assert raw_html(document) == [], document


@settings(max_examples=400, deadline=None)
@given(plan_text)
@example("a|b \\ c <x> *y* _z_ [l](u) ~~s~~ `c` @who")
@example("1. item")
@example("# not a heading")
@example("`` a ` b ``")
@example("x\\")
@example("&amp; &#8203; &copy")
def test_inline_text_shows_exactly_what_was_written(text: str) -> None:
    for prefix, escaped in (("", mdescape.inline(text)), ("- ", mdescape.inline(text)),
                            ("### ", mdescape.heading(text))):
        tokens = MD.parse(prefix + escaped + "\n")
        inline = [t for t in tokens if t.type == "inline"]
        assert flat(shown_text(inline)) == flat(text), (prefix + escaped)


@settings(max_examples=300, deadline=None)
@given(plan_text)
@example("1. Phase 1: | @`] a\nb [\\ `code`")  # a backtick on one line pairs with one on the next
@example("- one\n2. two\n# three")
def test_paragraphs_show_exactly_what_was_written_and_print_as_their_one_line_reading(text: str) -> None:
    escaped = mdescape.paragraph(text)
    tokens = MD.parse(escaped + "\n")
    assert flat(shown_text([t for t in tokens if t.type == "inline"])) == flat(text), escaped
    # Importing reads a paragraph back as one line of text; printing that line again must give the
    # same bytes, so code spans are paired across the paragraph's lines as a reader pairs them.
    if "\n\n" not in text.strip() and not re.search(r"(?m)^\s*([#>=+-]|\d+[.)])", text):
        assert mdescape.paragraph(" ".join(text.split())) == escaped


@settings(max_examples=300, deadline=None)
@given(plan_text)
@example("a|b")
@example("`x|y`")
@example("`\\|`")  # no escaping shows a backslash-pipe inside code in a GFM cell: shown as text
@example("one\ntwo | three")
def test_table_cells_show_exactly_what_was_written(text: str) -> None:
    tokens = MD.parse(table([[text, "b", "c"]]))
    body = [t for t in tokens if t.type == "inline"][3]  # header cells come first
    assert flat(shown_text([body])) == flat(text), mdescape.cell(text)


@settings(max_examples=300, deadline=None)
@given(plan_text)
@example("SELECT 1;\n```\n## not a heading")
@example("~~~\n````")
def test_fenced_text_stays_inside_its_fence_verbatim(text: str) -> None:
    tokens = MD.parse("before\n\n" + mdescape.fence(text, "sql") + "\n\nafter\n")
    fences = [t for t in tokens if t.type == "fence"]
    assert len(fences) == 1
    assert fences[0].content == text.rstrip() + "\n"
    assert [t.content for t in tokens if t.type == "inline"] == ["before", "after"]


@settings(max_examples=300, deadline=None)
@given(hostile_text)
@example("javascript:alert(1)")
@example("https://ok.example/a b<c>")
@example("JaVaScRiPt:alert(1)")
@example("https://x.example/?next=javascript:alert(1)")
def test_links_only_ever_point_at_http_addresses(text: str) -> None:
    tokens = list(walk(MD.parse(mdescape.url(text) + "\n")))
    for token in tokens:
        if token.type == "link_open":
            assert re.match(r"(?i)^https?://", str(token.attrGet("href"))), token.attrGet("href")


@settings(max_examples=60, deadline=None)
@given(plan_text.filter(lambda s: s.strip()), plan_text, plan_text)
def test_whole_plan_with_hostile_text_keeps_its_tables_and_has_no_raw_html(title: str, text: str,
                                                                           other: str) -> None:
    def some(value: str, default: str) -> str:  # required texts must show something (not only blanks)
        return value if _strip_line(value) else default

    plan = PlanInput.model_validate({
        "issue": {"number": 1, "title": some(" ".join(title.split())[:200], "t"), "summary": text},
        "api": {"new_endpoints": [{"method": "GET", "path": some(other, "/"), "description": text,
                                   "request": other, "response": text}]},
        "risks": [{"risk": some(text, "r"), "probability": "H", "impact": "L", "mitigation": other}],
        "rollback": [some(text, "x"), some(other, "y")],
        "database": {"new_tables": text},
    })
    markdown = render_plan(plan, as_of=dt.date(2026, 11, 20))
    assert raw_html(markdown) == []
    headings = [t.content for t in MD.parse(markdown) if t.type == "inline"]
    assert "API Design" in headings and "Approval" in headings
    tables = []
    counts: list[int] = []
    for token in MD.parse(markdown):
        if token.type == "table_open":
            counts = []
        elif token.type in ("th_open", "td_open"):
            counts.append(1)
        elif token.type == "tr_close":
            counts.append(0)
        elif token.type == "table_close":
            tables.append(counts)
    assert len(tables) >= 2
    for counts in tables:
        widths = [len(list(g)) for g in "".join(map(str, counts)).split("0") if g]
        assert len(set(widths)) == 1, widths


def test_escaping_time_grows_linearly_with_backtick_runs() -> None:
    # Runs of backticks of every length once made the code-span search quadratic in their number
    # (cubic in the text's length): 180 KB took 1.5 s and a 1 MiB field 19 s.
    def seconds(runs: int) -> float:
        text = "".join("`" * length + "a" for length in range(1, runs))
        start = time.perf_counter()
        mdescape.inline(text)
        mdescape.cell(text)
        return time.perf_counter() - start

    small, large = seconds(150), seconds(600)  # 11 KB and 180 KB of text
    assert large < 1.0, f"{large:.2f} s for 180 KB of backtick runs"
    assert large < small * 40 + 0.05, (small, large)  # 16x the text; quadratic would be 256x
