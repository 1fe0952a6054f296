"""The plan follows the house template and shows every user string literally and safely."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from techplan_nb.inputs import load_path
from techplan_nb.model import PlanInput
from techplan_nb.render import render_plan

from helpers import AS_OF, run_techplan, seed_template, shared_example, write_inputs

AS_OF_DATE = dt.date.fromisoformat(AS_OF)
HEADING = re.compile(r"^(#{2,3}) ")


def template_headings(text: str) -> list[str]:
    """`##`/`###` headings outside code fences, without their "(...)" suffixes."""
    out, in_fence = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if not in_fence and HEADING.match(line):
            out.append(re.sub(r"\s*\(.*$", "", line).strip())
    return out


def normalised_template_headings() -> list[str]:
    # The seed's "Review Round 1 (Date: {date})" becomes one heading per round; compare the rest.
    return [h for h in template_headings(seed_template().read_text("utf-8")) if "Review Round" not in h]


def render_dict(data: dict[str, Any]) -> str:
    return render_plan(PlanInput.model_validate(data), as_of=AS_OF_DATE)


def tables(markdown: str) -> list[list[int]]:
    """Cell counts of every row of every table, as a GFM parser sees them."""
    md = MarkdownIt("commonmark").enable("table")
    result: list[list[int]] = []
    counts: list[int] = []
    cells = 0
    for token in md.parse(markdown):
        if token.type == "table_open":
            counts = []
        elif token.type == "tr_open":
            cells = 0
        elif token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "tr_close":
            counts.append(cells)
        elif token.type == "table_close":
            result.append(counts)
    return result


def test_shared_example_headings_equal_the_templates_in_order() -> None:
    plan = render_plan(load_path(shared_example()), as_of=AS_OF_DATE)
    assert [h for h in template_headings(plan) if "Review Round" not in h] == normalised_template_headings()


def test_minimal_inputs_still_show_every_heading_with_not_specified() -> None:
    plan = render_dict({"issue": {"number": 3, "title": "Small"}})
    # With no phases there are no "### Phase N" headings, only "_Not specified._" under the section.
    expected = [h for h in normalised_template_headings() if not h.startswith("### Phase")]
    assert [h for h in template_headings(plan) if "Review Round" not in h] == expected
    assert plan.count("_Not specified._") >= 25
    # Empty approvals fall back to the template's four roles, unchecked.
    assert "- [ ] Engineering Manager\n" in plan  # no bare colon (issue 16)


def test_cli_render_twice_is_byte_identical() -> None:
    first = run_techplan("render", shared_example(), "--as-of", AS_OF)
    second = run_techplan("render", shared_example(), "--as-of", AS_OF)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert "**Last Updated**: 2026-11-20  " in first.stdout


def test_header_block_and_checklists_follow_the_template() -> None:
    plan = render_plan(load_path(shared_example()), as_of=AS_OF_DATE)
    assert "**Issue Number**: #57  \n**Created By**: System Architect  \n**Created Date**: 2026-11-02  \n" in plan
    assert "**Status**: Under Review\n" in plan
    assert "- [x] Shared link renders a read-only profile page without login" in plan
    assert "- [ ] Export all roasts in a date range as a ZIP of CSV files" in plan
    assert re.search(r"^### Phase 1: Foundation \(\d+(\.\d+)?(-\d+(\.\d+)?)? days\)$", plan, re.M)
    assert "| Method | Endpoint | Description | Request | Response |" in plan
    assert "| Risk | Probability | Impact | Mitigation |" in plan
    assert "- [x] System Architect (Author): ✓" in plan


HOSTILE = "a|b \\ c\nnext line <script>alert(1)</script> ```x``` @someone ` `"


def test_hostile_text_keeps_every_table_column_count_and_shows_literally() -> None:
    data = {
        "issue": {"number": 9, "title": HOSTILE.replace("\n", " ")},
        "api": {"new_endpoints": [{"method": "GET", "path": "/x|y", "description": HOSTILE,
                                   "request": "|||", "response": "a\\|b"}]},
        "risks": [{"risk": HOSTILE, "probability": "h", "impact": "L", "mitigation": HOSTILE}],
    }
    plan = render_dict(data)
    for counts in tables(plan):
        assert len(set(counts)) == 1, counts
    # API table; risk register (the four template columns, then Score, Level, Owner, Status, #); matrix.
    assert tables(plan) == [[5, 5], [6, 6], [4, 4, 4, 4]]  # risks: the house four, Score, Level
    html = MarkdownIt("commonmark").enable("table").render(plan)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "@someone" not in plan  # mention defused with a zero-width space
    assert "a|b" in html and "|||" in html


def test_fenced_blocks_stay_closed_when_sql_holds_backticks() -> None:
    sql = "SELECT 1;\n```\n## not a heading\n````"
    plan = render_dict({"issue": {"number": 1, "title": "t"}, "database": {"new_tables": sql},
                        "architecture": {"components": "a ``` b"}})
    tokens = MarkdownIt("commonmark").parse(plan)
    fences = [t for t in tokens if t.type == "fence"]
    assert [f.content.rstrip("\n") for f in fences] == ["a ``` b", sql]
    assert "## Database Design" not in [t.content for t in tokens if t.type == "inline"]
    assert "not a heading" not in [t.content for t in tokens if t.type == "inline"]


def test_html_and_markdown_in_headings_and_lists_is_inert() -> None:
    plan = render_dict({"issue": {"number": 1, "title": "# Title <b>bold</b> [link](javascript:x)"},
                        "rollback": ["- [ ] not a task", "1. not ordered", "<img src=x onerror=y>"]})
    html = MarkdownIt("commonmark").enable("table").render(plan)
    assert "<b>" not in html and "<img" not in html and "<a href" not in html
    assert "<li>- [ ] not a task</li>" in html
    assert "<li>1. not ordered</li>" in html


def test_team_template_extends_the_default_blocks(tmp_path: Path) -> None:
    team = tmp_path / "team.md.j2"
    team.write_text('{% extends "technical-plan.md.j2" %}\n{% block rollback %}\n## Rollback Strategy\n\n'
                    "Runbook for {{ plan.issue.title }}.\n{% endblock %}\n", "utf-8")
    inputs = write_inputs(tmp_path, {"issue": {"number": 4, "title": "Team *thing*"}})
    result = run_techplan("render", inputs, "--as-of", AS_OF, "--template", team)
    assert result.returncode == 0, result.stderr
    assert "Runbook for Team \\*thing\\*." in result.stdout
    assert "## Security Considerations" in result.stdout


def test_broken_team_template_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    team = tmp_path / "team.md.j2"
    team.write_text("{{ plan.nope.deeper }}", "utf-8")
    inputs = write_inputs(tmp_path, {"issue": {"number": 4, "title": "x"}})
    out = tmp_path / "plan.md"
    result = run_techplan("render", inputs, "--template", team, "-o", out)
    assert result.returncode == 2
    assert "team.md.j2" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_template_cannot_reach_python_internals(tmp_path: Path) -> None:
    team = tmp_path / "team.md.j2"
    team.write_text("{{ plan.__class__.__mro__ }}", "utf-8")
    inputs = write_inputs(tmp_path, {"issue": {"number": 4, "title": "x"}})
    result = run_techplan("render", inputs, "--template", team)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("source, refusal", [
    ("{{ plan.__class__ }}", "unsafe"),
    ("{{ plan.issue.title.__class__.__mro__ }}", "unsafe"),
    ("{{ '{0.__class__.__mro__}'.format(plan) }}", "unsafe"),
    ("{{ plan.issue.labels.append('x') }}", "unsafe"),
    ("{% for k in plan.issue.__dict__ %}{{ k }}{% endfor %}", "unsafe"),
])
def test_a_team_template_stays_in_the_sandbox(tmp_path: Path, source: str, refusal: str) -> None:
    from techplan_nb.errors import RenderError

    team = tmp_path / "team.md.j2"
    team.write_text(source, "utf-8")
    plan = PlanInput.model_validate({"issue": {"number": 4, "title": "x", "labels": ["a"]}})
    with pytest.raises(RenderError, match=refusal):
        render_plan(plan, as_of=AS_OF_DATE, template_path=team)
    assert plan.issue.labels == ["a"]


def test_user_text_is_escaped_for_markdown_inside_and_outside_autoescape_blocks(tmp_path: Path) -> None:
    team = tmp_path / "team.md.j2"
    team.write_text("A {{ plan.issue.title }}\nB {% autoescape false %}{{ plan.issue.title }}{% endautoescape %}\n\n"
                    "C {{ plan.issue.number }} {{ 1.5 }}\n", "utf-8")
    plan = PlanInput.model_validate({"issue": {"number": 4, "title": "<script>x|y</script> & *z*"}})
    text = render_plan(plan, as_of=AS_OF_DATE, template_path=team)
    escaped = r"\<script>x\|y\</script> & \*z\*"
    assert text == f"A {escaped}\nB {escaped}\nC 4 1.5\n"


@pytest.mark.parametrize("text", ["{{ 7*7 }}", "{% raw %}", "{# c #}"])
def test_jinja_syntax_in_user_text_appears_literally(text: str) -> None:
    plan = render_dict({"issue": {"number": 1, "title": "t", "summary": text}})
    assert text in plan.replace("\\*", "*")
    assert "49" not in plan
