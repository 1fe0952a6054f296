"""import markdown: fields read from the way prose documents write them (risk lists, milestone and
phase tables, numbered work plans, milestone sub-headings), in process."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from techplan_nb.importers import dump_inputs
from techplan_nb.importers.markdown import import_markdown
from techplan_nb.inputs import load_bytes
from techplan_nb.model import PlanInput
from techplan_nb.render import render_plan


def imported(body: str) -> tuple[PlanInput, list[str]]:
    result = import_markdown(f"# Plan\n\n{body}", "doc.md", issue=7)
    return load_bytes(dump_inputs(result, [], "x.yaml").encode(), "x.yaml"), result.notes


def risks(plan: PlanInput) -> list[tuple[Any, ...]]:
    return [(r.risk, r.probability, r.impact, r.mitigation) for r in plan.risks]


def test_a_drawbacks_list_is_one_risk_an_item_and_unstated_levels_are_medium_with_a_note() -> None:
    plan, notes = imported("## Drawbacks\n\nSome words first.\n\n- It can be noisy\n- Data loss — mitigation: "
                           "nightly backups\n- Slow queries (probability: high, impact: low)\n")
    assert risks(plan) == [("It can be noisy", "Medium", "Medium", ""),
                           ("Data loss", "Medium", "Medium", "nightly backups"),
                           ("Slow queries", "High", "Low", "")]
    assert plan.extra["risks"].before == "Some words first."
    assert any("2 risk(s) written in words give no probability or impact (levels were not given)" in n and
               "imported as Medium" in n for n in notes)


def test_risk_and_mitigation_labels_and_a_named_risk_with_its_levels() -> None:
    plan, _ = imported("## Risks\n\nRisk: the cache goes stale. Mitigation: a short TTL.\n\n"
                       "- **Key leak** (Medium/High): rotate keys every 90 days\n")
    assert risks(plan) == [("the cache goes stale.", "Medium", "Medium", "a short TTL."),
                           ("Key leak", "Medium", "High", "rotate keys every 90 days")]


def test_a_list_under_a_sub_heading_of_the_risks_is_not_read_as_risks() -> None:
    plan, _ = imported("## Drawbacks\n\nProse only.\n\n### Alternatives\n\n- another way\n")
    assert plan.risks == []
    assert plan.extra["risks"].before.endswith("### Alternatives\n\n- another way")


def test_a_milestone_table_is_the_phases_with_dates_kept_in_the_names() -> None:
    plan, notes = imported("## Milestones\n\n| Milestone | Date | Deliverables |\n|---|---|---|\n"
                           "| Alpha | 2026-03-01 | API behind a flag |\n| GA | 2026-06-01 | |\n")
    assert [(p.name, p.estimate, [i.text for i in p.items]) for p in plan.timeline.phases] == [
        ("Alpha (2026-03-01)", None, ["API behind a flag"]), ("GA (2026-06-01)", None, [])]
    assert any("a milestone's date is kept in its phase's name" in n for n in notes)


def test_a_phase_table_gives_durations_as_estimates() -> None:
    plan, _ = imported("## Timeline\n\n| Phase | Duration |\n|---|---|\n| Build | 2 weeks |\n| Ship | 3 days |\n")
    assert [(p.name, p.estimate.likely if p.estimate else None) for p in plan.timeline.phases] == [
        ("Build", 10), ("Ship", 3)]


def test_a_numbered_work_plan_is_the_phases() -> None:
    plan, _ = imported("## Work plan\n\n1. Build the importer (2 weeks)\n2. Write the docs\n\n"
                       "## Anticipated outcomes\n\n1. Happier users\n")
    assert [(p.name, p.estimate.likely if p.estimate else None) for p in plan.timeline.phases] == [
        ("Build the importer", 10), ("Write the docs", None)]


def test_a_bullet_list_is_a_work_plan_only_when_its_steps_state_durations() -> None:
    plan, _ = imported("## Rollout\n\n- tell people\n- wait\n")
    assert plan.timeline.phases == []
    plan, _ = imported("## Rollout\n\n- Canary — 3 days\n- Everyone\n")
    assert [p.name for p in plan.timeline.phases] == ["Canary", "Everyone"]


def test_milestone_sub_headings_with_their_lists_are_phases_until_one_has_more() -> None:
    plan, _ = imported("### Graduation Criteria\n\n#### Alpha\n\n- behind a gate\n\n#### Beta\n\n- e2e tests\n"
                       "\n#### GA\n\nSome prose.\n\n- stable\n")
    assert [(p.name, [i.text for i in p.items]) for p in plan.timeline.phases] == [
        ("Alpha", ["behind a gate"]), ("Beta", ["e2e tests"])]
    assert plan.extra["timeline"].after.startswith("#### GA\n\nSome prose.")


def test_the_risk_patterns_are_linear_on_long_blank_runs() -> None:
    blanks = " " * 100_000
    started = time.process_time()  # CPU: a busy machine slows the clock only
    imported(f"## Risks\n\n- a{blanks},{blanks}— mitigation:{blanks}x (probability:{blanks}high)\n")
    assert time.process_time() - started < 5


def test_a_less_than_sign_that_starts_no_tag_is_printed_as_written() -> None:
    from techplan_nb import mdescape

    assert str(mdescape.inline("p95 <100ms, a < b, x <= y")) == "p95 <100ms, a < b, x <= y"
    assert str(mdescape.inline("<b> <!-- </i> <?x <me@x.org> <https://x>")) == \
        "\\<b> \\<!-- \\</i> \\<?x \\<me@x.org> \\<https://x>"
    plan, _ = imported("## Risks\n\n- Latency <100ms is missed\n")
    assert plan.risks[0].risk == "Latency <100ms is missed"


def test_marks_that_open_nothing_are_printed_as_written_and_the_rest_escaped() -> None:
    from techplan_nb import mdescape

    # A '>' inside a line, and a '*' or '~' between blanks, are no Markdown in CommonMark or GFM.
    assert str(mdescape.inline("x -> y, 5 * 3 ~ 4, p95 > 200ms")) == "x -> y, 5 * 3 ~ 4, p95 > 200ms"
    # A mark that could open or close emphasis, strikethrough, a list or a quote is still escaped.
    assert str(mdescape.inline("> q *a* ~b~ a*b ~10ms")) == "\\> q \\*a\\* \\~b\\~ a\\*b \\~10ms"
    assert str(mdescape.inline("* item")) == "\\* item"
    plan, _ = imported("## Goals\n\n- Keep p95 > 200ms: 5 * 3 retries ~ 15 s\n")
    assert plan.requirements.functional[0].text == "Keep p95 > 200ms: 5 * 3 retries ~ 15 s"
    assert "- [ ] Keep p95 > 200ms: 5 * 3 retries ~ 15 s" in render_plan(plan, as_of=dt.date(2026, 11, 20))
