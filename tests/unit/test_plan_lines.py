"""The plan's own lines (plan_format/lines.py) read back as what was written: each writer's output,
over the inputs the model allows, is parsed by its parser to the same values. The renderer prints
with the writers and the importer reads with the parsers, so this is the round trip of each line."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from techplan_nb import mdescape
from techplan_nb.analysis_view import code_list, task_line
from techplan_nb.model import Task, ThreePoint
from techplan_nb.plan_format import lines
from techplan_nb.schedule import TaskSchedule

from plan_strategies import text

IDS = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
# Any positive finite day count the model takes: whole, decimal, tiny (1e-05) and huge (1e+20).
DAYS = st.one_of(st.integers(1, 400).map(float), st.floats(0.05, 400, allow_nan=False).map(lambda d: round(d, 2)),
                 st.floats(1e-9, 1e21, allow_nan=False, allow_infinity=False))
DATES = st.sampled_from(["", "2026-11-09 → 2026-11-10"])
TIMING = st.sampled_from(["critical", "slack 1 day", "slack 1.5 days"])


@st.composite
def estimates(draw: Any) -> ThreePoint:
    low, high = sorted((draw(DAYS), draw(DAYS)))
    assume(low > 0)
    likely = draw(st.sampled_from([low, high, (low + high) / 2, low + (high - low) / 3]))
    assume(low <= likely <= high)
    return ThreePoint(optimistic=low, likely=likely, pessimistic=high)


def as_estimate(value: Any) -> ThreePoint:
    """An inputs estimate (3, "2-4", {optimistic, ...}) as the model reads it."""
    return Task.model_validate({"id": "t", "name": "t", "estimate": value}).estimate


@given(estimates())
def test_an_estimate_label_reads_back_as_the_same_estimate(estimate: ThreePoint) -> None:
    label = lines.estimate_label(estimate.optimistic, estimate.likely, estimate.pessimistic)
    assert as_estimate(lines.parse_estimate(label)) == estimate


@given(st.booleans(), IDS, text(), estimates(), st.one_of(st.none(), st.lists(IDS, max_size=3)), DATES, TIMING)
def test_a_task_line_reads_back_as_the_task(done: bool, ident: str, name: str, estimate: ThreePoint,
                                            depends_on: list[str] | None, dates: str, timing: str) -> None:
    shown = str(mdescape.inline(name))
    assume(shown and "\n" not in shown)
    detail = lines.task_detail(lines.estimate_label(estimate.optimistic, estimate.likely, estimate.pessimistic),
                               lines.after_text(depends_on), dates, timing)
    parsed = lines.parse_task_line(lines.task_line(done, ident, shown, detail))
    assert parsed is not None
    assert (parsed.done, parsed.id, parsed.name) == (done, ident, shown)
    assert as_estimate(parsed.estimate) == estimate
    assert parsed.depends_on == (None if depends_on is None else list(dict.fromkeys(depends_on)))


def test_the_renderer_prints_a_task_with_the_writer() -> None:
    task = Task(id="api", name="Export *all* roasts", estimate={"optimistic": 2, "likely": 3, "pessimistic": 4},
                depends_on=["db", "db"], done=True)
    schedule = TaskSchedule(id="api", name=task.name, phase_id="phase 1", start=None, end=None, expected_days=3.0,
                            sigma=0.3, slack=0.0, critical=True, depends_on=("db",))
    line = task_line(task, schedule).line
    assert line == "[x] **api**: Export \\*all\\* roasts — 2-4 days · after `db` · critical"
    assert code_list(["a", "b"]) == "`a`, `b`"


@given(st.one_of(st.none(), IDS), st.one_of(st.none(), st.lists(IDS, max_size=3)), st.one_of(st.none(), estimates()),
       st.booleans(), TIMING)
def test_a_phase_meta_line_reads_back_as_the_phase(ident: str | None, depends_on: list[str] | None,
                                                   estimate: ThreePoint | None, scheduled: bool, timing: str) -> None:
    label = None if estimate is None else lines.estimate_label(estimate.optimistic, estimate.likely,
                                                               estimate.pessimistic)
    # As the renderer prints it: dates and expected days for a scheduled phase, its timing only
    # when it is one estimate scheduled as a task.
    text_line = lines.phase_meta(ident, depends_on, label, "2026-11-09 → 2026-11-12" if scheduled else "",
                                 "3.5" if scheduled else "", timing if estimate is not None else "")
    assume(text_line)
    parsed = lines.parse_phase_meta(text_line)
    assert parsed is not None
    assert parsed.id == ident
    assert parsed.depends_on == (None if depends_on is None else list(dict.fromkeys(depends_on)))
    assert (None if parsed.estimate is None else as_estimate(parsed.estimate)) == estimate


@given(st.floats(0, 100, allow_nan=False), st.sampled_from([9, 25]), st.floats(0, 200, allow_nan=False))
def test_a_contingency_rule_reads_back_as_its_settings(high: float, max_score: int, top: float) -> None:
    parsed = lines.parse_contingency_rule(lines.contingency_rule(high, max_score, top))
    assert parsed == (high, max_score, top)


@given(st.text(alphabet=st.characters(blacklist_characters="*_\n"), min_size=1, max_size=40), st.text(max_size=40))
def test_a_bold_label_line_reads_back_as_its_label_and_value(label: str, value: str) -> None:
    assume(label.strip() and not label.strip().endswith(":") and len(label) <= 60)
    assume(value == value.strip() and "\n" not in value)
    assert lines.split_label(f"**{label}**: {value}") == (" ".join(label.lower().split()), value)
