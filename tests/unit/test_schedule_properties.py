"""Properties of the schedule that must hold for every timeline (hypothesis)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techplan_nb.model import Timeline
from techplan_nb.schedule import build_schedule

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def estimates(draw: st.DrawFn, max_ratio: float | None = None) -> dict[str, float]:
    o = draw(st.floats(0.5, 10, allow_nan=False).map(lambda x: round(x, 2)))
    top = o * max_ratio if max_ratio else o + 12
    p = draw(st.floats(o, top).map(lambda x: round(x, 2)).filter(lambda x: x >= o))
    m = draw(st.floats(o, p).map(lambda x: round(x, 2)).filter(lambda x: o <= x <= p))
    return {"optimistic": o, "likely": m, "pessimistic": p}


@st.composite
def timelines(draw: st.DrawFn) -> dict[str, Any]:
    """Phases of tasks with any mix of default, empty and explicit dependencies (acyclic: only on
    earlier-listed tasks and phases, which is what makes the reference below a single pass)."""
    phases: list[dict[str, Any]] = []
    ids: list[str] = []
    for i in range(draw(st.integers(1, 4))):
        phase: dict[str, Any] = {"id": f"p{i}", "name": f"Phase {i}"}
        choice = draw(st.sampled_from(["default", "empty", "explicit"]))
        if choice == "empty":
            phase["depends_on"] = []
        elif choice == "explicit" and i > 0:
            phase["depends_on"] = draw(st.lists(st.sampled_from([f"p{j}" for j in range(i)]), min_size=1,
                                                max_size=2, unique=True))
        if draw(st.booleans()) and i > 0 and draw(st.integers(0, 4)) == 0:
            phase["estimate"] = draw(estimates())
            ids.append(f"p{i}")
        else:
            tasks = []
            for _ in range(draw(st.integers(0, 5))):
                ident = f"t{len(ids)}"
                task: dict[str, Any] = {"id": ident, "name": ident, "estimate": draw(estimates())}
                mode = draw(st.sampled_from(["default", "empty", "explicit"]))
                if mode == "empty":
                    task["depends_on"] = []
                elif mode == "explicit" and ids:
                    task["depends_on"] = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
                tasks.append(task)
                ids.append(ident)
            phase["tasks"] = tasks
        phases.append(phase)
    return {"phases": phases}


def reference_length(data: dict[str, Any], pick: str) -> float:
    """The documented rules, written out independently: the longest chain for one estimate kind."""
    finish: dict[str, float] = {}
    phase_end: dict[str, float] = {}
    for i, phase in enumerate(data["phases"]):
        deps = phase.get("depends_on")
        wanted = ([data["phases"][i - 1]["id"]] if i > 0 else []) if deps is None else deps
        ready = max((phase_end[d] for d in wanted), default=0.0)
        if "estimate" in phase:
            finish[phase["id"]] = ready + value(phase["estimate"], pick)
            phase_end[phase["id"]] = finish[phase["id"]]
            continue
        previous: str | None = None
        ends = []
        for task in phase["tasks"]:
            tdeps = task.get("depends_on")
            before = ([previous] if previous else []) if tdeps is None else tdeps
            start = max([ready, *(finish[d] for d in before)])
            finish[task["id"]] = start + value(task["estimate"], pick)
            ends.append(finish[task["id"]])
            previous = task["id"]
        phase_end[phase["id"]] = max(ends, default=ready)
    return max(phase_end.values(), default=0.0)


def value(est: dict[str, float], pick: str) -> float:
    if pick == "expected":
        return (est["optimistic"] + 4 * est["likely"] + est["pessimistic"]) / 6
    return est[pick]


@SETTINGS
@given(timelines())
def test_expected_length_lies_between_the_optimistic_and_pessimistic_longest_chains(data: dict[str, Any]) -> None:
    s = build_schedule(Timeline.model_validate(data), simulate=False)
    tol = 1e-9 * max(1.0, s.expected_days)
    assert reference_length(data, "optimistic") - tol <= s.expected_days <= reference_length(data, "pessimistic") + tol
    assert abs(s.expected_days - reference_length(data, "expected")) <= tol


@SETTINGS
@given(timelines(), st.integers(0, 2**32 - 1))
def test_percentiles_are_ordered(data: dict[str, Any], seed: int) -> None:
    s = build_schedule(Timeline.model_validate({**data, "start": "2026-11-09"}), seed=seed, samples=500)
    if not s.tasks:
        return
    assert s.p50_days is not None and s.p80_days is not None and s.p90_days is not None
    assert s.p50_days <= s.p80_days <= s.p90_days
    assert s.p50 is not None and s.p80 is not None and s.p90 is not None
    assert s.p50 <= s.p80 <= s.p90
    assert s.p80_with_contingency is not None and s.p80 <= s.p80_with_contingency


@SETTINGS
@given(timelines(), st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)), st.integers(0, 400),
       st.sets(st.sampled_from(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]), max_size=3))
def test_adding_a_holiday_never_makes_a_date_earlier(data: dict[str, Any], start: dt.date, offset: int,
                                                       weekends: set[str]) -> None:
    calendar = {"weekends": sorted(weekends)}
    before = build_schedule(Timeline.model_validate({**data, "start": start.isoformat(), "calendar": calendar}),
                            samples=200, contingency_percent=10)
    holiday = (start + dt.timedelta(days=offset)).isoformat()
    after = build_schedule(Timeline.model_validate({**data, "start": start.isoformat(),
                                                    "calendar": {**calendar, "holidays": [holiday]}}),
                           samples=200, contingency_percent=10)
    pairs = [(b.start, a.start) for b, a in zip(before.tasks, after.tasks, strict=True)]
    pairs += [(b.end, a.end) for b, a in zip(before.tasks, after.tasks, strict=True)]
    pairs += [(b.start, a.start) for b, a in zip(before.phases, after.phases, strict=True)]
    pairs += [(b.end, a.end) for b, a in zip(before.phases, after.phases, strict=True)]
    pairs += [(before.expected_finish, after.expected_finish), (before.p50, after.p50), (before.p80, after.p80),
              (before.p90, after.p90), (before.p80_with_contingency, after.p80_with_contingency)]
    for old, new in pairs:
        assert (old is None) == (new is None)
        if old is not None and new is not None:
            assert new >= old


@SETTINGS
@given(st.lists(estimates(max_ratio=5), min_size=4, max_size=12), st.integers(0, 2**32 - 1))
def test_on_a_single_chain_the_simulated_mean_is_within_one_percent_of_the_pert_sum(
        chain: list[dict[str, float]], seed: int) -> None:
    # Pessimistic at most 5x optimistic and at least 4 tasks keep the sampling error of a
    # 10,000-run mean under a sixth of the 1% allowed (its standard error is below 0.17%).
    data = {"phases": [{"name": "Chain", "tasks": [{"id": f"t{i}", "name": "t", "estimate": est}
                                                   for i, est in enumerate(chain)]}]}
    s = build_schedule(Timeline.model_validate(data), seed=seed)
    pert = sum(value(est, "expected") for est in chain)
    assert s.expected_days == pytest.approx(pert)
    assert s.mean_days is not None
    assert abs(s.mean_days - pert) <= 0.01 * pert


@SETTINGS
@given(timelines())
def test_the_critical_path_is_a_gapless_zero_slack_chain_as_long_as_the_project(data: dict[str, Any]) -> None:
    s = build_schedule(Timeline.model_validate(data), simulate=False)
    tasks = {t.id: t for t in s.tasks}
    chain = [tasks[i] for i in s.critical_path]
    tol = 1e-9 * max(1.0, s.expected_days)
    assert bool(chain) == (s.expected_days > tol)
    if not chain:
        return
    assert all(t.critical and t.slack == 0 for t in chain)
    assert abs(chain[0].start_offset) <= tol and abs(chain[-1].end_offset - s.expected_days) <= tol
    assert all(abs(a.end_offset - b.start_offset) <= tol for a, b in itertools.pairwise(chain))
    assert abs(sum(t.expected_days for t in chain) - s.expected_days) <= tol
    assert set(s.critical_path) <= set(s.critical_tasks)
    assert s.critical_path_variance == pytest.approx(sum(t.sigma ** 2 for t in chain))
