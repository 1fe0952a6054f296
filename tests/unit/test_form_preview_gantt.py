"""The preview's Plan tab draws the plan's Mermaid Gantt block as HTML bars, never as its source."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from techplan_nb.analysis import analyse, mermaid_gantt
from techplan_nb.inputs import load_path
from techplan_nb.widgets import PlanForm
from techplan_nb.widgets.gantt import gantt_html, parse
from techplan_nb.widgets.preview import markdown_html

from helpers import AS_OF, shared_example

AS_OF_DATE = dt.date.fromisoformat(AS_OF)


def test_the_plan_tab_shows_the_gantt_as_one_bar_per_task_and_no_mermaid_source(tmp_path: Path) -> None:
    copy = tmp_path / "inputs.yaml"
    copy.write_bytes(shared_example().read_bytes())
    form = PlanForm(inputs=copy, as_of=AS_OF_DATE, workdir=tmp_path)
    shown = form.preview.plan_html.value
    assert "```mermaid" in form.preview.text  # the plan itself keeps the block GitHub draws
    assert "dateFormat" not in shown and "language-mermaid" not in shown
    tasks = [t for phase in form.plan.timeline.phases for t in phase.tasks]
    assert shown.count("class='tp-gantt-bar ") == len(tasks) == 7
    for task in tasks:
        assert f"<span class='tp-gantt-label'>{task.name}</span>" in shown


def test_each_bar_spans_its_tasks_dates_and_the_critical_path_is_marked() -> None:
    plan = load_path(shared_example())
    analysis = analyse(plan, as_of=AS_OF_DATE, seed=0)
    source = mermaid_gantt(analysis, plan.issue.title)
    assert source is not None
    parsed = parse(source)
    assert parsed is not None
    _, bars = parsed
    tasks = analysis.schedule.tasks
    assert [(b.name, b.start, b.end - dt.timedelta(days=1), b.critical, b.done) for b in bars] == [
        (t.name, t.start, t.end, t.critical, t.done) for t in tasks]
    drawn = gantt_html(source)
    assert drawn is not None
    first = min(b.start for b in bars)
    span = (max(b.end for b in bars) - first).days
    lefts = [float(x) for x in re.findall(r"style='left:([\d.]+)%;width", drawn)]
    assert lefts == [round(100 * (b.start - first).days / span, 3) for b in bars]
    assert drawn.count("tp-gantt-bar tp-gantt-crit") == sum(t.critical for t in tasks) > 0


def test_a_mermaid_block_that_is_no_plan_gantt_is_named_a_diagram_not_shown_as_source() -> None:
    shown = markdown_html("## Design\n\n```mermaid\nflowchart LR\n  A --> B\n```\n")
    assert "flowchart" not in shown and "A --&gt; B" not in shown
    assert "tp-diagram-note" in shown
    # Other code blocks are code as before.
    assert "<pre><code class=\"language-python\">x = 1\n</code></pre>" in markdown_html("```python\nx = 1\n```\n")


def test_a_task_name_is_text_in_the_chart_never_markup() -> None:
    source = ("gantt\n    title T\n    dateFormat YYYY-MM-DD\n    section <b>P</b>\n"
              "    <img src=x onerror=alert(1)> :crit, t1, 2026-11-09, 2026-11-10\n")
    drawn = gantt_html(source)
    assert drawn is not None
    assert "<img" not in drawn and "<b>" not in drawn and "&lt;img src=x onerror=alert(1)&gt;" in drawn
