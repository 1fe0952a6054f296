"""HTML in imported documents: an `<img>` becomes a Markdown image, a `<table>` a GFM table, a link a
link, the rest is sanitised by nh3; none of it shows as tag text ("&lt;img ...>") in the plan, and
none of it is live HTML on GitHub. The snippets are shaped like the real ones: a README's centred
logo, a design document's comparison table, a badge row, an image inline in prose."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from techplan_nb.importers import dump_inputs
from techplan_nb.importers.github import import_github, load_mapping
from techplan_nb.importers.markdown import import_markdown
from techplan_nb.inputs import load_bytes
from techplan_nb.plan_format.html import convert
from techplan_nb.render import render_plan

from github_judge import assert_safe_for_github, html_pieces, live_markup

AS_OF = dt.date(2026, 11, 20)

CENTRED_LOGO = """<p align="center">
  <img src="https://raw.githubusercontent.com/example/scheduler/main/docs/logo.svg" alt="Scheduler logo" width="320">
</p>
<h1 align="center">Unified scheduler</h1>"""

BADGES = """<p align="center">
  <a href="https://github.com/example/scheduler/actions"><img alt="CI status" src="https://github.com/example/scheduler/actions/workflows/ci.yml/badge.svg"></a>
  <a href="https://pkg.go.dev/example/scheduler"><img alt="Go reference" src="https://pkg.go.dev/badge/example/scheduler.svg"></a>
</p>"""

COMPARISON = """<table>
  <thead>
    <tr>
      <th>Approach</th>
      <th>Latency</th>
      <th>Operational cost</th>
    </tr>
  </thead>
  <tbody>
    <tr>
      <td>Polling the API server</td>
      <td>&lt;100ms at p50</td>
      <td>High: one watch per <code>Job</code></td>
    </tr>
    <tr>
      <td><b>Shared informer</b> (chosen)</td>
      <td>about 10ms</td>
      <td>Low | shared cache</td>
    </tr>
  </tbody>
</table>"""

# Design documents often leave blank lines between a table's rows.
SPACED_TABLE = """<table>
<tr><th>Phase</th><th>Exit criteria</th></tr>

<tr><td>Alpha</td><td>Feature gate off by default</td></tr>

<tr><td>Beta</td><td>Enabled by default; <a href="https://example.org/metrics">metrics</a> in place</td></tr>
</table>"""


def document(body: str) -> str:
    return ("# Unified scheduler\n\n**Issue Number**: #4242\n\n## Summary\n\nOne scheduler for batch and streaming "
            f"jobs.\n\n## Detailed design\n\n{body}\n\nThe rest of the design follows.\n")


def plan_from(text: str) -> str:
    result = import_markdown(text, "design.md")
    plan = load_bytes(dump_inputs(result, [], "inputs.yaml").encode("utf-8"), "inputs.yaml")
    return render_plan(plan, as_of=AS_OF)


def assert_no_tag_text(rendered: str) -> None:
    assert "&lt;img" not in rendered and "&lt;table" not in rendered and "&lt;a " not in rendered
    assert "&lt;p" not in rendered and "&lt;td" not in rendered


def test_a_centred_readme_logo_becomes_a_markdown_image_and_its_heading_stays_a_line() -> None:
    rendered = plan_from(document(CENTRED_LOGO))
    assert "![Scheduler logo](https://raw.githubusercontent.com/example/scheduler/main/docs/logo.svg)" in rendered
    # Not a heading of the plan's own: it would change the plan's outline.
    assert "**Unified scheduler**" in rendered and "\n# Unified scheduler\n\n**Issue" not in rendered[1:]
    assert_no_tag_text(rendered)
    assert_safe_for_github(rendered, set(), 4242)


def test_badges_linked_images_become_linked_markdown_images() -> None:
    rendered = plan_from(document(BADGES))
    assert ("[![CI status](https://github.com/example/scheduler/actions/workflows/ci.yml/badge.svg)]"
            "(https://github.com/example/scheduler/actions)") in rendered
    assert "[![Go reference](https://pkg.go.dev/badge/example/scheduler.svg)](https://pkg.go.dev/example/scheduler)" \
        in rendered
    assert_no_tag_text(rendered)


def test_an_html_comparison_table_becomes_a_gfm_table_with_its_heading_row_and_words() -> None:
    rendered = plan_from(document(COMPARISON))
    assert "| Approach | Latency | Operational cost |\n|---|---|---|\n" in rendered
    assert "| Polling the API server | <100ms at p50 | High: one watch per `Job` |" in rendered
    assert "| **Shared informer** (chosen) | about 10ms | Low \\| shared cache |" in rendered
    assert_no_tag_text(rendered)
    assert not any(live_markup(piece) for piece in html_pieces(rendered))


def test_a_table_with_blank_lines_between_its_rows_is_one_table() -> None:
    rendered = plan_from(document(SPACED_TABLE))
    assert ("| Phase | Exit criteria |\n|---|---|\n| Alpha | Feature gate off by default |\n"
            "| Beta | Enabled by default; [metrics](https://example.org/metrics) in place |") in rendered
    assert_no_tag_text(rendered)


def test_an_image_inline_in_prose_becomes_an_image_there_and_a_summary_keeps_it() -> None:
    text = ("# Unified scheduler\n\n**Issue Number**: #4242\n\n## Summary\n\nThe flow is shown here "
            '<img src="docs/flow.png" alt="Job flow" width="600"> and <a href="https://example.org/rfc">in the RFC</a>.'
            "\n\n## Detailed design\n\nA `<img src=x>` in code stays code, and so does Vec<T> in prose.\n")
    rendered = plan_from(text)
    assert "The flow is shown here ![Job flow](docs/flow.png) and [in the RFC](https://example.org/rfc)." in rendered
    assert "A `<img src=x>` in code stays code, and so does Vec&lt;T> in prose." in rendered
    assert_no_tag_text(rendered)


@pytest.mark.parametrize("hostile", [
    '<img src="x" onerror="alert(1)" alt="pic">', '<a href="javascript:alert(1)">click me</a>',
    "<script>alert(1)</script>", '<iframe src="https://evil.example"></iframe>', "<style>body{}</style>",
    '<div onclick="alert(1)">press</div>', '<img src="javascript:alert(1)" alt="x">',
    '<table><tr><td onmouseover="alert(1)">cell</td></tr></table>',
])
def test_hostile_html_is_sanitised_never_live_and_never_tag_text(hostile: str) -> None:
    rendered = plan_from(document(hostile))
    assert_safe_for_github(rendered, set(), 4242)
    # Handlers and script addresses go; a script's or style's text stays as text, shown and never run.
    assert "javascript:" not in rendered and "onerror" not in rendered and "onclick" not in rendered
    assert "<script" not in rendered and "<iframe" not in rendered and "<style" not in rendered
    for words in ("click me", "press", "cell", "alert(1)", "body{}"):
        assert words in rendered or words not in hostile.replace("javascript:alert(1)", "").replace('"alert(1)"', "")
    assert_no_tag_text(rendered)


def test_allowed_html_is_kept_byte_for_byte() -> None:
    kept = "<details><summary>Benchmarks</summary>\n\nSee <sub>note</sub> and <kbd>Ctrl</kbd>.<br>\n\n</details>"
    assert convert(kept) == kept
    rendered = plan_from(document(kept))
    assert kept in rendered


def test_a_converted_plan_reads_back_to_the_same_plan() -> None:
    first = plan_from(document("\n\n".join((CENTRED_LOGO, BADGES, COMPARISON, SPACED_TABLE))))
    assert plan_from(first) == first


def test_a_screenshot_pasted_into_a_github_issue_is_a_markdown_image_in_the_plan() -> None:
    body = ("### Describe the bug\n\nExport stops at 500 rows.\n\n### Screenshots\n\n"
            '<img width="842" alt="Export dialog stuck at 500" src="https://github.com/user-attachments/assets/'
            '0f3c2a1e-5b7d-4c1a-9e3f-2d6b8a7c4e11">\n\n### Version\n\n2.4.1\n')
    export = json.dumps({"number": 812, "title": "Export stops at 500 rows", "body": body,
                         "url": "https://github.com/example/roasts/issues/812", "labels": [],
                         "author": {"login": "octo"}, "createdAt": "2026-11-02T09:00:00Z"})
    (issue,), _ = import_github(export, "issue.json", load_mapping(None), AS_OF)
    plan = load_bytes(dump_inputs(issue.result, [], "inputs.yaml").encode("utf-8"), "inputs.yaml")
    rendered = render_plan(plan, as_of=AS_OF)
    assert ("![Export dialog stuck at 500](https://github.com/user-attachments/assets/"
            "0f3c2a1e-5b7d-4c1a-9e3f-2d6b8a7c4e11)") in rendered
    assert_no_tag_text(rendered)


SIZE = 64 * 1024
HOSTILE_RUNS = ["<!--", "<div>", "`a` <span>", "<table>\n\n", "<a href=x>", "<img src=x>", "<table><tr><td>",
                "<p>", "</table>"]


@pytest.mark.parametrize("run", HOSTILE_RUNS)
def test_reading_html_takes_time_linear_in_the_document(run: str) -> None:
    """64 KiB of one tag (nested, unclosed, between code spans) is read in well under the budget a
    quadratic step would blow, and deep nesting is read flat rather than overflowing the stack."""
    text = "Intro <span>x</span>\n\n" + run * (SIZE // len(run)) + "\n\nend\n"
    started = time.process_time()
    converted = convert(text)
    assert time.process_time() - started < 10.0
    assert "end" in converted
