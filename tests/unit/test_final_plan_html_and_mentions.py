"""The final plan, judged whole: no live HTML outside the allow-list, no `<details>` left open,
no `@mention` that pings on GitHub, and no issue reference the plan made up.

Kept-verbatim Markdown was judged on its own: `<!--> <img onerror=...> -->` is a comment to a
regex and a live tag to a browser, and an indented `<img onerror=...>` is code on its own but
HTML once printed after a list. Here whole plans are rendered from hostile inputs and imported
hostile documents, and the Markdown is parsed as GitHub would (CommonMark, HTML on); each HTML
piece is read by nh3 (html5ever, a browser's HTML parser), not by the code under test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from techplan_nb.importers import dump_inputs
from techplan_nb.importers.markdown import import_markdown
from techplan_nb.inputs import load_bytes
from techplan_nb.model import SECTION_KEYS, PlanInput
from techplan_nb.render import render_plan

from github_judge import assert_safe_for_github, details_depths, html_pieces, live_markup, pinging_mentions
from plan_strategies import plan_inputs

AS_OF = dt.date(2026, 11, 20)


# --- hostile content ----------------------------------------------------------------------------

HOSTILE_HTML = [
    "<!--> <img src=x onerror=alert(1)> -->", "<!---> <img src=x onerror=alert(2)> -->",
    "<!-- a --!> <img src=x onerror=alert(3)> -->", "    <img src=x onerror=alert(4)>",
    "  <img src=x onerror=alert(5)>", "<details>", "<details open>", "</details>", "<summary>s</summary>",
    "<b>", "</b>", "<img/src=x/onerror=alert(6)>", "<svg><script>alert(7)</script></svg>",
    "<a href=javascript:alert(8)>x</a>", "<iframe src=//evil>", "<style>*{}</style>", "<!-- fine -->",
    "<br>", "<br/>", "<kbd>k</kbd>", "<p>", "`<img src=x onerror=1>`", "<https://ok.example/@alice>",
    "<javascript:alert(9)>", "&#60;img src=x onerror=alert(10)&#62;", "<?php x ?>", "<![CDATA[ x ]]>",
    "<!DOCTYPE html>", "<textarea>", "<div\nonclick=alert(11)>", "<pre>", "<script>",
]
MENTIONS = ["@alice", "x-@alice", "-@octocat", "(@bob)", '"@carol"', "é@dave", "a@b.example", "@org/team",
            "[@erin](https://github.com/erin)", "**@frank**", "&#64;gina", "&#x40;hal", "&commat;ivy",
            "\\@jo", "_@kim_", ".@lou", "/@max", "+@ned", "https://medium.com/@oli", "`@code`", "#12",
            "GH-7", "owner/repo#3", "@", "@-x", "@@pat", "[x](https://a.example)@pam",
            "[https://a.example](x)@quinn"]
MARKDOWN_BITS = ["- item", "1. one", "> quote", "", "", "    indented", "```", "~~~", "| a | b |\n|---|---|\n| c | d |",
                 "# Heading", "text", "Setext\n---", "* [ ] box"]


def hostile_markdown() -> st.SearchStrategy[str]:
    line = st.one_of(st.sampled_from(HOSTILE_HTML), st.sampled_from(MENTIONS), st.sampled_from(MARKDOWN_BITS))
    joined = st.lists(line, min_size=1, max_size=5).flatmap(
        lambda parts: st.sampled_from(["\n", " ", "\n\n", "\n    ", "\n  "]).map(lambda sep: sep.join(parts)))
    return joined.filter(lambda text: text.strip() != "")


def hostile_text() -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.sampled_from(MENTIONS), st.sampled_from(HOSTILE_HTML), st.sampled_from(
        ["word", "a", "1.", "- ", "|", "*", "_", "\\", "`", " "])), min_size=1, max_size=4).map("".join)


NOT_FREE_TEXT = {"number", "url", "status", "method", "date", "created", "last_updated", "status_since", "id",
                 "depends_on", "probability", "impact", "estimate", "round", "risk_scale", "weekends", "holidays",
                 "country", "start", "heading", "optimistic", "likely", "pessimistic", "labels"}


def strings_of(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_of(item)


@st.composite
def hostile_plans(draw: Any) -> dict[str, Any]:
    """The shared plan strategy with hostile text in free-text fields and every verbatim slot."""
    data = draw(plan_inputs())

    def spoil(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: spoil(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [spoil(v, key) for v in value]
        if isinstance(value, str) and key not in NOT_FREE_TEXT and draw(st.integers(0, 3)) == 0:
            return value + " " + draw(hostile_text())
        return value

    data = spoil({k: v for k, v in data.items() if k != "extra"})
    keys = draw(st.lists(st.sampled_from(SECTION_KEYS), min_size=1, max_size=5, unique=True))
    data["extra"] = {key: {slot: draw(hostile_markdown()) for slot in
                           draw(st.lists(st.sampled_from(["before", "after"]), min_size=1, max_size=2, unique=True))}
                     for key in keys}
    return data


# --- the properties -----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile_plans())
def test_a_plan_with_hostile_text_everywhere_is_safe_to_post_on_github(data: dict[str, Any]) -> None:
    try:
        plan = PlanInput.model_validate(data)
    except ValidationError:
        assume(False)  # a field the hostile text made invalid (too long, empty); the loader says so
        raise
    markdown = render_plan(plan, as_of=AS_OF)
    assert_safe_for_github(markdown, set(strings_of(data)), plan.issue.number)


def document(pieces: list[str]) -> str:
    body = "\n\n".join(pieces)
    return (f"# Technical Plan: Export\n\n**Issue Number**: #57\n\n{body}\n\n## Issue Summary\n\n{body}\n\n"
            f"## Risk Assessment\n\n- item\n\n{body}\n\n## Approval\n\n- [ ] Stakeholder\n")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_markdown(), min_size=1, max_size=4))
@example(["- a\n\n    <img src=x onerror=alert(1)>"])
@example(["<!--> <img src=x onerror=alert(1)> -->"])
@example(["<details>\n<summary>open forever</summary>"])
@example(["x-@alice and (@bob) and &#64;carol"])
@example(["### System Context<!--\n  Owner: @marta\n-->"])  # found by fuzz/fuzz_sanitizer.py
@example(["see [the doc](https://a.example)@bob and [https://a.example](x)@carol"])  # a link's address ends at ")"
@example(["| a | b |\n|---|---|\n| c | d | <details open> x"])  # a <details> inside a table cell
def test_an_imported_hostile_document_renders_safe_to_post_on_github(pieces: list[str]) -> None:
    source = document(pieces)
    result = import_markdown(source, "plan.md")
    plan = load_bytes(dump_inputs(result, [], "inputs.yaml").encode("utf-8"), "inputs.yaml")
    markdown = render_plan(plan, as_of=AS_OF)
    assert_safe_for_github(markdown, {source}, 57)


# --- the oracle itself can fail -----------------------------------------------------------------


@pytest.mark.parametrize("markdown", [
    "- item\n\n    <img src=x onerror=alert(1)>\n",
    "<!--> <img src=x onerror=alert(1)> -->\n",
    "text <b onclick=alert(1)>b</b>\n",
])
def test_the_html_check_sees_live_markup(markdown: str) -> None:
    assert any(live_markup(piece) for piece in html_pieces(markdown))


@pytest.mark.parametrize("markdown, mention", [
    ("x-@alice", "@alice"), ("(@bob)", "@bob"), ("*b*@carol", "@carol"), ("&#64;dave", "@dave"),
    ("`x`@erin", "@erin"), ("<b>@frank</b>", "@frank"), ("[x](https://a.example)@gus", "@gus"),
])
def test_the_mention_check_sees_what_pings(markdown: str, mention: str) -> None:
    assert any(mention in found for found in pinging_mentions(markdown))


@pytest.mark.parametrize("markdown", ["a@b.example", "`@alice`", "[x](https://medium.com/@alice)",
                                      "see https://medium.com/@alice", "@\u200balice", "@&#8203;alice"])
def test_the_mention_check_leaves_what_does_not_ping(markdown: str) -> None:
    assert pinging_mentions(markdown) == []


def test_the_details_check_sees_one_left_open() -> None:
    depths = list(details_depths("<details>\n\n## Approval\n"))
    assert ("heading Approval", 1) in depths
