"""Schedule analysis: published worked examples, the documented defaults, dates and Monte Carlo."""

from __future__ import annotations

import datetime as dt
import math
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techplan_nb.errors import ScheduleError
from techplan_nb.model import PlanInput, Timeline
from techplan_nb.schedule import (
    MAX_WORKING_DAYS,
    _quantile_tables,
    _task_table,
    build_network,
    build_schedule,
    dependency_problems,
    percentiles,
    simulate_finish,
)

from textbook_networks import (
    FOURTEEN,
    FOURTEEN_MEAN_SIGMA,
    FOURTEEN_TABLE,
    LECTURE_QUIZ,
    LECTURE_QUIZ_TABLE,
    PORTA_VAC,
    PORTA_VAC_TABLE,
    PORTA_VAC_VARIANCE,
    RELIABLE,
    RELIABLE_ES_LS_SLACK,
    RELIABLE_MEANS,
    WESTERN_HILLS,
    WESTERN_HILLS_TABLE,
)


def timeline(phases: list[dict[str, Any]], **extra: Any) -> Timeline:
    return Timeline.model_validate({"phases": phases, **extra})


def network_of(activities: dict[str, tuple[Any, list[str]]]) -> Timeline:
    """One phase holding activity-on-node tasks: name -> (estimate, predecessors)."""
    return timeline([{"id": "all", "name": "All", "tasks": [
        {"id": name, "name": name, "estimate": est, "depends_on": preds}
        for name, (est, preds) in activities.items()]}])


def by_id(schedule: Any) -> dict[str, Any]:
    return {t.id: t for t in schedule.tasks}


# --- published worked examples ---------------------------------------------------------------



def three_point(est: tuple[float, float, float]) -> dict[str, float]:
    return dict(zip(("optimistic", "likely", "pessimistic"), est, strict=True))


def test_reliable_construction_pert_matches_hillier_lieberman() -> None:
    tl = network_of({k: (three_point(est), preds) for k, (est, preds) in RELIABLE.items()})
    s = build_schedule(tl, seed=1, samples=2000)
    tasks = by_id(s)
    assert {k: t.expected_days for k, t in tasks.items()} == pytest.approx(RELIABLE_MEANS)
    assert s.expected_days == pytest.approx(44)
    assert s.critical_path == ["A", "B", "C", "E", "F", "J", "L", "N"]
    assert s.critical_path_variance == pytest.approx(9)
    assert s.critical_path_sigma == pytest.approx(3)
    # The book's normal approximation of meeting the 47-week deadline.
    assert NormalDist(s.expected_days, s.critical_path_sigma).cdf(47) == pytest.approx(0.84, abs=0.005)


def test_reliable_construction_cpm_slack_matches_hillier_lieberman() -> None:
    tl = network_of({k: (RELIABLE_MEANS[k], preds) for k, (_, preds) in RELIABLE.items()})
    s = build_schedule(tl, simulate=False)
    got = {k: (t.start_offset, t.late_start, t.slack) for k, t in by_id(s).items()}
    assert got == {k: pytest.approx(v) for k, v in RELIABLE_ES_LS_SLACK.items()}
    assert s.critical_tasks == [k for k, (_, _, slack) in RELIABLE_ES_LS_SLACK.items() if slack == 0]


def test_reliable_construction_split_across_phases_keeps_the_published_answers() -> None:
    # Activity on node across phases: tasks name predecessors in other phases, and phases that
    # start with the project (depends_on: []) only group the work.
    groups = {"Structure": "ABCDGE", "Finishing": "FIJKLN", "Outside": "HM"}
    tl = timeline([{"id": name.lower(), "name": name, "depends_on": [], "tasks": [
        {"id": k, "name": k, "estimate": three_point(RELIABLE[k][0]), "depends_on": RELIABLE[k][1]} for k in keys]}
        for name, keys in groups.items()])
    s = build_schedule(tl, simulate=False)
    assert s.expected_days == pytest.approx(44)
    assert s.critical_path == ["A", "B", "C", "E", "F", "J", "L", "N"]
    got = {k: (t.start_offset, t.late_start, t.slack) for k, t in by_id(s).items()}
    assert got == {k: pytest.approx(v) for k, v in RELIABLE_ES_LS_SLACK.items()}
    assert [(p.id, p.start_offset, p.end_offset) for p in s.phases] == [
        ("structure", 0, pytest.approx(29)), ("finishing", pytest.approx(16), 44), ("outside", pytest.approx(29), 40)]


# Wikipedia, "Gantt chart" (Example) and "Program evaluation and review technique": seven tasks
# A-G. The table (predecessors, O/M/P, expected times 4.00, 5.33, 5.17, 6.33, 5.17, 4.50, 5.17) was
# checked against a copy of the Gantt chart article's example (liquisearch.com/gantt_chart/example);
# note C waits for A (the perty crate's graphs/wiki_example.csv drops that, its examples/wikipedia.rs
# keeps it). The PERT article names the critical path a-c-e-g, 19.51 work days from the rounded
# figures: 19.5 exactly.
WIKIPEDIA = {
    "A": ((2, 4, 6), []), "B": ((3, 5, 9), []), "C": ((4, 5, 7), ["A"]), "D": ((4, 6, 10), ["A"]),
    "E": ((4, 5, 7), ["B", "C"]), "F": ((3, 4, 8), ["D"]), "G": ((3, 5, 8), ["E"]),
}
WIKIPEDIA_TE = {"A": 4.00, "B": 5.33, "C": 5.17, "D": 6.33, "E": 5.17, "F": 4.50, "G": 5.17}


def test_wikipedia_pert_example_expected_times_and_critical_path() -> None:
    tl = network_of({k: (three_point(est), preds) for k, (est, preds) in WIKIPEDIA.items()})
    s = build_schedule(tl, simulate=False)
    assert {k: round(t.expected_days, 2) for k, t in by_id(s).items()} == WIKIPEDIA_TE
    assert s.critical_path == ["A", "C", "E", "G"]
    assert s.expected_days == pytest.approx(19.5)
    assert round(sum(WIKIPEDIA_TE[k] for k in s.critical_path), 2) == 19.51


# Taylor, "Introduction to Management Science" (Pearson), chapter 8 "Project Management", solutions
# to problems 5 and 6, checked against a copy of the solutions manual (scribd.com/doc/47113515,
# "TaylCh08"): activity-on-arrow networks with published ES, EF, LS, LF and slack. An activity i-j
# waits for every activity ending at node i. Problem 6's dummy 4-5 (0 weeks; ES 9, LS 15, slack 6)
# only passes on 1-4's precedence, so here 5-7 and 5-8 wait for 1-4 directly (a 0-day estimate is
# refused by the inputs).
TAYLOR_5 = {"1-2": (7, []), "1-3": (10, []), "2-4": (6, ["1-2"]), "3-4": (5, ["1-3"]), "3-5": (4, ["1-3"]),
            "4-5": (3, ["2-4", "3-4"]), "5-6": (2, ["3-5", "4-5"])}
TAYLOR_5_TABLE = {  # ES, EF, LS, LF, slack
    "1-2": (0, 7, 2, 9, 2), "1-3": (0, 10, 0, 10, 0), "2-4": (7, 13, 9, 15, 2), "3-4": (10, 15, 10, 15, 0),
    "3-5": (10, 14, 14, 18, 4), "4-5": (15, 18, 15, 18, 0), "5-6": (18, 20, 18, 20, 0)}
TAYLOR_6 = {"1-2": (8, []), "1-3": (10, []), "1-4": (9, []), "2-5": (6, ["1-2"]), "2-6": (4, ["1-2"]),
            "3-5": (5, ["1-3"]), "4-7": (7, ["1-4"]), "5-7": (12, ["2-5", "3-5", "1-4"]),
            "5-8": (15, ["2-5", "3-5", "1-4"]), "6-9": (18, ["2-6"]), "7-8": (4, ["4-7", "5-7"]),
            "8-9": (7, ["5-8", "7-8"])}
TAYLOR_6_TABLE = {  # ES, EF, LS, LF, slack
    "1-2": (0, 8, 1, 9, 1), "1-3": (0, 10, 0, 10, 0), "1-4": (0, 9, 6, 15, 6), "2-5": (8, 14, 9, 15, 1),
    "2-6": (8, 12, 16, 20, 8), "3-5": (10, 15, 10, 15, 0), "4-7": (9, 16, 20, 27, 11),
    "5-7": (15, 27, 15, 27, 0), "5-8": (15, 30, 16, 31, 1), "6-9": (12, 30, 20, 38, 8),
    "7-8": (27, 31, 27, 31, 0), "8-9": (31, 38, 31, 38, 0)}


def cpm_table(s: Any) -> dict[str, tuple[float, ...]]:
    return {k: (t.start_offset, t.end_offset, t.late_start, t.late_finish, t.slack) for k, t in by_id(s).items()}


@pytest.mark.parametrize("activities, table, length, path", [
    (TAYLOR_5, TAYLOR_5_TABLE, 20, ["1-3", "3-4", "4-5", "5-6"]),
    (TAYLOR_6, TAYLOR_6_TABLE, 38, ["1-3", "3-5", "5-7", "7-8", "8-9"]),
], ids=["problem-5", "problem-6"])
def test_taylor_early_and_late_times_and_slack(activities: dict[str, tuple[float, list[str]]],
                                               table: dict[str, tuple[float, ...]], length: float,
                                               path: list[str]) -> None:
    s = build_schedule(network_of(activities), simulate=False)
    assert cpm_table(s) == {k: pytest.approx(v) for k, v in table.items()}
    assert s.expected_days == pytest.approx(length)
    assert s.critical_path == path


# Vanhoucke, "Integrated Project Management and Control" (Springer, 2014), p. 9, Project 2 "Patient
# Transport System": 17 activities, activity-on-node with up to five predecessors each. Data and
# answers as the criticalpath R package's tests reproduce them (github.com/rubens2005/criticalpath,
# tests/testthat/test-cpt-change_durations.R): length 25, every ES/EF/LS/LF, critical activities
# 1-8, 10, 14, 16. Two chains tie (3-4-5-8 and 3-6-7-8), so both branches are critical. The same
# file re-times the network ("durations changed") and publishes a second set of answers.
VANHOUCKE_2_EDGES = [(1, 2), (2, 3), (3, 4), (3, 6), (4, 5), (5, 8), (6, 7), (7, 8), (8, 9), (8, 10), (8, 11),
                     (8, 12), (8, 13), (9, 14), (10, 14), (11, 14), (12, 14), (13, 14), (13, 15), (14, 16),
                     (14, 17), (15, 16), (15, 17)]
VANHOUCKE_2 = {
    "as published": (
        [1, 1, 3, 2, 2, 2, 2, 1, 4, 5, 3, 3, 4, 5, 1, 5, 2], 25,
        [(0, 1, 0, 1), (1, 2, 1, 2), (2, 5, 2, 5), (5, 7, 5, 7), (7, 9, 7, 9), (5, 7, 5, 7), (7, 9, 7, 9),
         (9, 10, 9, 10), (10, 14, 11, 15), (10, 15, 10, 15), (10, 13, 12, 15), (10, 13, 12, 15),
         (10, 14, 11, 15), (15, 20, 15, 20), (14, 15, 19, 20), (20, 25, 20, 25), (20, 22, 23, 25)],
        [1, 2, 3, 4, 5, 6, 7, 8, 10, 14, 16]),
    "durations changed": (
        [1, 2, 5, 4, 3, 2, 1, 5, 3, 5, 5, 3, 4, 2, 1, 2, 4], 31,
        [(0, 1, 0, 1), (1, 3, 1, 3), (3, 8, 3, 8), (8, 12, 8, 12), (12, 15, 12, 15), (8, 10, 12, 14),
         (10, 11, 14, 15), (15, 20, 15, 20), (20, 23, 22, 25), (20, 25, 20, 25), (20, 25, 20, 25),
         (20, 23, 22, 25), (20, 24, 21, 25), (25, 27, 25, 27), (24, 25, 26, 27), (27, 29, 29, 31),
         (27, 31, 27, 31)],
        [1, 2, 3, 4, 5, 8, 10, 11, 14, 17]),
}


def vanhoucke_network(durations: list[Any]) -> Timeline:
    preds: dict[int, list[str]] = {n: [] for n in range(1, 18)}
    for a, b in VANHOUCKE_2_EDGES:
        preds[b].append(f"a{a}")
    return network_of({f"a{n}": (durations[n - 1], preds[n]) for n in range(1, 18)})


@pytest.mark.parametrize("case", list(VANHOUCKE_2))
def test_vanhoucke_project_2_early_and_late_times_and_critical_activities(case: str) -> None:
    durations, length, times, critical = VANHOUCKE_2[case]
    s = build_schedule(vanhoucke_network(durations), simulate=False)
    assert s.expected_days == length
    got = {k: v[:4] for k, v in cpm_table(s).items()}
    assert got == {f"a{n}": pytest.approx(times[n - 1]) for n in range(1, 18)}
    assert sorted(int(k[1:]) for k in s.critical_tasks) == critical


def test_tied_critical_paths_report_the_earliest_listed_chain_and_mark_both() -> None:
    s = build_schedule(vanhoucke_network(VANHOUCKE_2["as published"][0]), simulate=False)
    assert s.critical_path == ["a1", "a2", "a3", "a4", "a5", "a8", "a10", "a14", "a16"]
    assert {"a6", "a7"} <= set(s.critical_tasks)


def test_tied_critical_paths_report_the_one_with_the_larger_variance() -> None:
    # Same expected times, but the 6-7 branch is uncertain: the PERT texts take the widest path.
    durations: list[Any] = list(VANHOUCKE_2["as published"][0])
    durations[6 - 1] = {"optimistic": 1, "likely": 2, "pessimistic": 3}
    s = build_schedule(vanhoucke_network(durations), simulate=False)
    assert s.expected_days == 25
    assert s.critical_path == ["a1", "a2", "a3", "a6", "a7", "a8", "a10", "a14", "a16"]
    assert s.critical_path_variance == pytest.approx(1 / 9)


def test_critical_path_is_the_same_whatever_order_the_ties_are_found_in() -> None:
    one = build_schedule(vanhoucke_network(VANHOUCKE_2["as published"][0]), simulate=False)
    for _ in range(3):
        assert build_schedule(vanhoucke_network(VANHOUCKE_2["as published"][0]), simulate=False) == one


# Stevenson, "Operations Management" (McGraw-Hill), chapter "Project Management", the advertising
# firm problem ("Three recent college graduates have formed a partnership ..."), with its worked
# answer as published in course notes (coursehero.com/file/p2vl9tn): expected times 6, 8.5, 8.17,
# 12, 6.33, 6, 3.5, 4.17, 6.83; paths A-C-E 20.50, D-F-G 21.50, B-H-I 19.50; D-F-G variance
# 1.000 + 0.111 + 0.694 = 1.805, standard deviation 1.344.
STEVENSON = {
    "A": ((5, 6, 7), []), "B": ((8, 8, 11), []), "C": ((6, 8, 11), ["A"]), "D": ((9, 12, 15), []),
    "E": ((5, 6, 9), ["C"]), "F": ((5, 6, 7), ["D"]), "G": ((2, 3, 7), ["F"]), "H": ((4, 4, 5), ["B"]),
    "I": ((5, 7, 8), ["H"]),
}
STEVENSON_TE = {"A": 6, "B": 8.5, "C": 8.17, "D": 12, "E": 6.33, "F": 6, "G": 3.5, "H": 4.17, "I": 6.83}


def test_stevenson_pert_expected_times_critical_path_and_sigma() -> None:
    s = build_schedule(network_of({k: (three_point(est), preds) for k, (est, preds) in STEVENSON.items()}),
                       simulate=False)
    tasks = by_id(s)
    assert {k: round(t.expected_days, 2) for k, t in tasks.items()} == STEVENSON_TE
    assert s.critical_path == ["D", "F", "G"] and s.expected_days == pytest.approx(21.5)
    assert tasks["E"].end_offset == pytest.approx(20.5) and tasks["I"].end_offset == pytest.approx(19.5)
    assert round(s.critical_path_variance, 3) == 1.806  # the book adds the rounded 1.000 + 0.111 + 0.694
    assert round(s.critical_path_sigma, 3) == 1.344


# Heizer & Render, "Operations Management" (Pearson), chapter "Managing Projects": Milwaukee Paper
# Manufacturing. The network and its published ES/EF/LS/LF/slack, length 15 weeks, critical path
# A-C-E-G-H, as a public CPM test suite quotes the book (D after B; the book's D after A and B
# gives the same table, A ending first). The PERT part: three estimates from the book, each giving
# the CPM time above (2, 3, 2, 4, 4, 3, 5, 2); project variance 3.11, sigma 1.76, P(T <= 16) = .7157,
# and 15 + 2.33 x 1.76 = 19.1 weeks for 99% confidence.
MILWAUKEE = {"A": ((1, 2, 3), []), "B": ((2, 3, 4), []), "C": ((1, 2, 3), ["A"]), "D": ((2, 4, 6), ["B"]),
             "E": ((1, 4, 7), ["C"]), "F": ((1, 2, 9), ["C"]), "G": ((3, 4, 11), ["D", "E"]),
             "H": ((1, 2, 3), ["F", "G"])}
MILWAUKEE_TABLE = {"A": (0, 2, 0, 2, 0), "B": (0, 3, 1, 4, 1), "C": (2, 4, 2, 4, 0), "D": (3, 7, 4, 8, 1),
                   "E": (4, 8, 4, 8, 0), "F": (4, 7, 10, 13, 6), "G": (8, 13, 8, 13, 0), "H": (13, 15, 13, 15, 0)}


def test_milwaukee_paper_cpm_table_pert_sigma_and_probabilities() -> None:
    s = build_schedule(network_of({k: (three_point(est), preds) for k, (est, preds) in MILWAUKEE.items()}),
                       simulate=False)
    assert cpm_table(s) == {k: pytest.approx(v) for k, v in MILWAUKEE_TABLE.items()}
    assert s.expected_days == pytest.approx(15) and s.critical_path == ["A", "C", "E", "G", "H"]
    assert round(s.critical_path_variance, 2) == 3.11 and round(s.critical_path_sigma, 2) == 1.76
    normal = NormalDist(s.expected_days, s.critical_path_sigma)
    assert normal.cdf(16) == pytest.approx(0.7157, abs=0.002)
    assert round(normal.inv_cdf(0.99), 1) == 19.1




def test_porta_vac_pert_table_variance_and_deadline_probability_match_anderson_sweeney_williams() -> None:
    s = build_schedule(network_of({k: (three_point(est), preds) for k, (est, preds) in PORTA_VAC.items()}),
                       simulate=False)
    assert cpm_table(s) == {k: pytest.approx(v) for k, v in PORTA_VAC_TABLE.items()}
    assert {k: round(t.sigma ** 2, 2) for k, t in by_id(s).items()} == PORTA_VAC_VARIANCE
    assert s.expected_days == pytest.approx(17) and s.critical_path == ["A", "E", "H", "I", "J"]
    assert s.critical_tasks == ["A", "E", "H", "I", "J"]
    assert round(s.critical_path_variance, 3) == 2.722 and round(s.critical_path_sigma, 2) == 1.65
    assert round((20 - s.expected_days) / s.critical_path_sigma, 3) == 1.818




def test_western_hills_cpm_table_matches_anderson_sweeney_williams() -> None:
    s = build_schedule(network_of(WESTERN_HILLS), simulate=False)
    assert cpm_table(s) == {k: pytest.approx(v) for k, v in WESTERN_HILLS_TABLE.items()}
    assert s.expected_days == 26 and s.critical_path == ["A", "E", "F", "G", "I"]




def test_fourteen_activity_pert_exercise_matches_its_worked_answer() -> None:
    s = build_schedule(network_of({k: (three_point(est), preds) for k, (est, preds) in FOURTEEN.items()}),
                       simulate=False)
    tasks = by_id(s)
    assert {k: (round(t.expected_days, 2), round(t.sigma, 2)) for k, t in tasks.items()} == FOURTEEN_MEAN_SIGMA
    assert {k: tuple(round(x, 2) for x in v) for k, v in cpm_table(s).items() if k in FOURTEEN_TABLE} == FOURTEEN_TABLE




def test_lecture_quiz_cpm_table_and_critical_path() -> None:
    s = build_schedule(network_of(LECTURE_QUIZ), simulate=False)
    assert cpm_table(s) == {k: pytest.approx(v) for k, v in LECTURE_QUIZ_TABLE.items()}
    assert s.expected_days == 22 and s.critical_path == ["A", "C", "F", "G", "H"]


# A course handout's CPM example (studylib.net/doc/8378728, "Example 1: Draw the network for the
# events in Table 1"): design prototype A 6, obtain materials B 2, order parts C 2, manufacture parts
# D 3, assembly 1 F 2, assembly 2 E 4, final assembly G 1 (hours); critical path A-B-D-E-G, 16 hours;
# its Table 2 of ES, EF, LS, LF and slack (C and F have 1 hour of slack).
HANDOUT = {"A": (6, []), "B": (2, ["A"]), "C": (2, ["A"]), "D": (3, ["B"]), "F": (2, ["C"]), "E": (4, ["D", "F"]),
           "G": (1, ["E"])}
HANDOUT_TABLE = {"A": (0, 6, 0, 6, 0), "B": (6, 8, 6, 8, 0), "D": (8, 11, 8, 11, 0), "E": (11, 15, 11, 15, 0),
                 "G": (15, 16, 15, 16, 0), "C": (6, 8, 7, 9, 1), "F": (8, 10, 9, 11, 1)}


def test_handout_cpm_table_and_critical_path() -> None:
    s = build_schedule(network_of(HANDOUT), simulate=False)
    assert cpm_table(s) == {k: pytest.approx(v) for k, v in HANDOUT_TABLE.items()}
    assert s.critical_path == ["A", "B", "D", "E", "G"] and s.expected_days == 16


# --- documented defaults ------------------------------------------------------------------------


def test_phases_run_in_sequence_and_tasks_in_listed_order_by_default() -> None:
    s = build_schedule(timeline([
        {"id": "p1", "name": "One", "tasks": [{"id": "a", "name": "a", "estimate": 1},
                                             {"id": "b", "name": "b", "estimate": 2}]},
        {"id": "p2", "name": "Two", "tasks": [{"id": "c", "name": "c", "estimate": 3}]},
    ]), simulate=False)
    t = by_id(s)
    assert (t["a"].start_offset, t["b"].start_offset, t["c"].start_offset) == (0, 1, 3)
    assert t["b"].depends_on == ("a",) and t["c"].depends_on == ()
    assert s.expected_days == 6 and s.critical_path == ["a", "b", "c"]
    assert [p.depends_on for p in s.phases] == [(), ("p1",)]


def test_empty_depends_on_starts_a_task_with_its_phase_and_runs_it_in_parallel() -> None:
    s = build_schedule(timeline([{"name": "One", "tasks": [
        {"id": "a", "name": "a", "estimate": 3},
        {"id": "b", "name": "b", "estimate": 1, "depends_on": []}]}]), simulate=False)
    t = by_id(s)
    assert t["b"].start_offset == 0 and t["b"].slack == 2
    assert s.critical_path == ["a"]


def test_a_task_waits_for_a_task_in_another_phase_but_never_starts_before_its_own_phase() -> None:
    s = build_schedule(timeline([
        {"id": "p1", "name": "One", "tasks": [{"id": "a", "name": "a", "estimate": 2},
                                             {"id": "b", "name": "b", "estimate": 5, "depends_on": []}]},
        {"id": "p2", "name": "Two", "depends_on": [], "tasks": [
            {"id": "c", "name": "c", "estimate": 1, "depends_on": ["a"]},
            {"id": "d", "name": "d", "estimate": 1, "depends_on": []}]},
        {"id": "p3", "name": "Three", "tasks": [{"id": "e", "name": "e", "estimate": 1, "depends_on": ["a"]}]},
    ]), simulate=False)
    t = by_id(s)
    assert t["c"].start_offset == 2          # waits for a, in another phase
    assert t["d"].start_offset == 0          # its phase starts with the project
    assert t["e"].start_offset == 3          # a ended at 2, but phase p3 waits for p2 (ends at 3)


def test_phase_depends_on_names_the_phases_it_waits_for() -> None:
    s = build_schedule(timeline([
        {"id": "a", "name": "A", "estimate": 4},
        {"id": "b", "name": "B", "depends_on": [], "estimate": 1},
        {"id": "c", "name": "C", "depends_on": ["a", "b"], "estimate": 1},
    ]), simulate=False)
    assert [(p.id, p.start_offset, p.end_offset) for p in s.phases] == [("a", 0, 4), ("b", 0, 1), ("c", 4, 5)]
    assert s.phases[2].depends_on == ("a", "b")


def test_a_phase_with_one_estimate_is_one_task_that_others_can_depend_on() -> None:
    s = build_schedule(timeline([
        {"id": "design", "name": "Design", "estimate": "2-4"},
        {"name": "Unnamed", "depends_on": [], "estimate": 1},
        {"id": "build", "name": "Build", "depends_on": [], "tasks": [
            {"id": "x", "name": "x", "estimate": 1, "depends_on": ["design"]}]},
    ]), simulate=False)
    t = by_id(s)
    assert set(t) == {"design", "phase 2", "x"}
    assert t["design"].expected_days == 3 and t["x"].start_offset == 3
    assert s.phases[0].days_label == "2-4 days" and s.phases[1].id == "phase 2"


def test_phase_day_label_is_the_network_span_not_the_sum_of_estimates() -> None:
    s = build_schedule(timeline([{"name": "One", "tasks": [
        {"id": "a", "name": "a", "estimate": "2-4"},
        {"id": "b", "name": "b", "estimate": "1-3", "depends_on": []}]}]), simulate=False)
    assert s.phases[0].days_label == "2-4 days"   # parallel tasks: the longer one, not 3-7


def test_a_phase_without_work_takes_no_time_and_has_no_day_label() -> None:
    s = build_schedule(timeline([{"name": "A", "estimate": 2}, {"name": "Notes", "items": ["x"]},
                                 {"name": "B", "estimate": 1}]), simulate=False)
    assert [(p.start_offset, p.end_offset, p.days_label) for p in s.phases] == [
        (0, 2, "2 days"), (2, 2, ""), (2, 3, "1 day")]


def test_a_milestone_falls_on_the_day_the_work_it_waits_for_finishes() -> None:
    # Mon 9 Nov 2026: "build" takes working days 0-1 (Mon, Tue); "done" is that finish, Tuesday, as
    # the expected finish is, not Wednesday; "half" follows 2.5 days of work, which end on Wednesday.
    s = dated([{"id": "kickoff", "name": "Kick-off", "items": ["x"]},
               {"id": "build", "name": "Build", "estimate": 2},
               {"id": "done", "name": "Done", "items": ["y"]},
               {"id": "more", "name": "More", "depends_on": ["kickoff"], "estimate": 2.5},
               {"id": "half", "name": "Half", "items": ["z"]}])
    dates = {p.id: (p.start, p.end) for p in s.phases}
    assert dates["kickoff"] == (dt.date(2026, 11, 9),) * 2
    assert dates["done"] == (dt.date(2026, 11, 10),) * 2 == (dates["build"][1],) * 2
    assert dates["half"] == (dt.date(2026, 11, 11),) * 2 == (s.expected_finish,) * 2


# --- dependency problems --------------------------------------------------------------------


def test_cycle_is_reported_once_naming_every_member_in_order() -> None:
    problems = dependency_problems(network_of({"a": (1, ["c"]), "b": (1, ["a"]), "c": (1, ["b"])}))
    assert problems == [(("timeline", "phases", 0, "tasks", 0, "depends_on"),
                         "depends_on makes a cycle: a → c → b → a (each waits for the next); "
                         "remove one of these dependencies")]


def test_cycle_through_phases_names_the_phases_it_passes() -> None:
    problems = dependency_problems(timeline([
        {"id": "one", "name": "One", "tasks": [{"id": "a", "name": "a", "estimate": 1, "depends_on": ["b"]}]},
        {"id": "two", "name": "Two", "tasks": [{"id": "b", "name": "b", "estimate": 1}]}]))
    assert len(problems) == 1
    assert "a → b → phase two → phase one → a" in problems[0][1]


def test_two_separate_cycles_are_both_reported() -> None:
    problems = dependency_problems(network_of({"a": (1, ["b"]), "b": (1, ["a"]), "c": (1, ["d"]),
                                               "d": (1, ["c"])}))
    assert [msg.split(" (")[0] for _, msg in problems] == ["depends_on makes a cycle: a → b → a",
                                                           "depends_on makes a cycle: c → d → c"]


def test_thousands_of_cycles_are_all_reported_in_one_pass() -> None:
    # 2,000 two-task cycles: restarting the topological sort after each took 10 s here.
    import time

    tl = network_of({f"p{n}": (1, [f"p{n ^ 1}"]) for n in range(4000)})
    began = time.process_time()
    problems = dependency_problems(tl)
    assert time.process_time() - began < 2  # CPU: a busy machine slows the clock only
    assert [msg.split(" (")[0] for _, msg in problems] == [
        f"depends_on makes a cycle: p{n} → p{n + 1} → p{n}" for n in range(0, 4000, 2)]


@pytest.mark.parametrize("deps, expected", [
    (["modle"], "unknown task id 'modle'; did you mean 'model'?"),
    (["zzz"], "unknown task id 'zzz'; known task ids: model, api"),
    (["api"], "task 'api' depends on itself; remove 'api'"),
    (["one"], "'one' is a phase, and a task's depends_on lists task ids"),
])
def test_bad_task_dependency_is_named(deps: list[str], expected: str) -> None:
    problems = dependency_problems(timeline([{"id": "one", "name": "One", "tasks": [
        {"id": "model", "name": "m", "estimate": 1}, {"id": "api", "name": "a", "estimate": 1, "depends_on": deps}]}]))
    assert len(problems) == 1
    loc, message = problems[0]
    assert loc == ("timeline", "phases", 0, "tasks", 1, "depends_on")
    assert message.startswith(expected)


@pytest.mark.parametrize("deps, expected", [
    (["on"], "unknown phase id 'on'; did you mean 'one'?"),
    (["two"], "phase 'two' depends on itself"),
    (["model"], "'model' is a task, and a phase's depends_on lists phase ids"),
])
def test_bad_phase_dependency_is_named(deps: list[str], expected: str) -> None:
    problems = dependency_problems(timeline([
        {"id": "one", "name": "One", "tasks": [{"id": "model", "name": "m", "estimate": 1}]},
        {"id": "two", "name": "Two", "depends_on": deps, "estimate": 1}]))
    assert [loc for loc, _ in problems] == [("timeline", "phases", 1, "depends_on")]
    assert problems[0][1].startswith(expected)


def test_a_task_may_not_share_the_id_of_a_phase_scheduled_as_a_task() -> None:
    problems = dependency_problems(timeline([
        {"id": "design", "name": "Design", "estimate": 2},
        {"id": "build", "name": "Build", "tasks": [{"id": "design", "name": "d", "estimate": 1}]}]))
    assert problems[0][0] == ("timeline", "phases", 1, "tasks", 0, "id")
    assert "rename one of them" in problems[0][1]


def test_scheduling_unchecked_inputs_raises_a_schedule_error_naming_the_field() -> None:
    tl = network_of({"a": (1, ["b"]), "b": (1, ["a"])})
    with pytest.raises(ScheduleError, match=r"timeline\.phases\[0\]\.tasks\[0\]\.depends_on: depends_on makes a cycle"):
        build_schedule(tl)


def test_a_schedule_past_the_working_day_limit_is_an_error_not_a_hang() -> None:
    tl = timeline([{"name": "Huge", "estimate": MAX_WORKING_DAYS * 2}], start="2026-01-05")
    with pytest.raises(ScheduleError, match=r"timeline\.phases\[0\]\.estimate: 200,000 days is past the limit"):
        build_schedule(tl, samples=100)


def test_a_contingency_buffer_past_the_working_day_limit_names_the_contingency() -> None:
    tl = timeline([{"name": "Long", "estimate": 90_000}], start="2026-01-05")
    with pytest.raises(ScheduleError, match=r"^timeline\.contingency: .* 100% buffer falls on working day 180,000"):
        build_schedule(tl, samples=100, contingency_percent=100)
    assert build_schedule(timeline([{"name": "Long", "estimate": 90_000}]), samples=100,
                          contingency_percent=100).p80_with_contingency_days == 180_000


def test_a_schedule_past_the_year_9999_is_an_error() -> None:
    tl = timeline([{"name": "Late", "estimate": 400}], start="9999-06-01")
    with pytest.raises(ScheduleError, match="past the year 9999"):
        build_schedule(tl, samples=100)


# --- dates --------------------------------------------------------------------------------


def dated(phases: list[dict[str, Any]], start: str = "2026-11-09", **calendar: Any) -> Any:
    return build_schedule(timeline(phases, start=start, calendar=calendar), samples=500)


def test_dates_skip_weekends_and_listed_holidays() -> None:
    s = dated([{"name": "One", "tasks": [{"id": "a", "name": "a", "estimate": 4},
                                         {"id": "b", "name": "b", "estimate": 3}]}],
              holidays=["2026-11-16"])
    a, b = s.tasks
    # Mon 9 .. Thu 12; then Fri 13, (weekend, holiday Mon 16), Tue 17, Wed 18.
    assert (a.start, a.end) == (dt.date(2026, 11, 9), dt.date(2026, 11, 12))
    assert (b.start, b.end) == (dt.date(2026, 11, 13), dt.date(2026, 11, 18))
    assert s.expected_finish == dt.date(2026, 11, 18)
    assert s.calendar.in_range == ((dt.date(2026, 11, 16), "listed holiday"),)


def test_a_task_ending_mid_day_lets_the_next_start_that_day() -> None:
    s = dated([{"name": "One", "tasks": [{"id": "a", "name": "a", "estimate": 1.5},
                                         {"id": "b", "name": "b", "estimate": 1.5}]}])
    a, b = s.tasks
    assert (a.start, a.end) == (dt.date(2026, 11, 9), dt.date(2026, 11, 10))
    assert (b.start, b.end) == (dt.date(2026, 11, 10), dt.date(2026, 11, 11))


def test_float_noise_never_moves_a_date() -> None:
    # 0.1 + 0.2 is 0.30000000000000004: without rounding, ten such tasks would end a day late.
    tasks = [{"id": f"t{i}", "name": "t", "estimate": {"optimistic": 0.1, "likely": 0.1, "pessimistic": 0.1}}
             for i in range(30)]
    s = dated([{"name": "One", "tasks": tasks}])
    assert s.tasks[-1].end == dt.date(2026, 11, 11)  # exactly 3 working days: Mon, Tue, Wed


def test_a_start_on_a_weekend_moves_to_the_first_working_day() -> None:
    s = dated([{"name": "One", "estimate": 1}], start="2026-11-07")
    assert s.calendar.first_day == dt.date(2026, 11, 9) and s.tasks[0].start == dt.date(2026, 11, 9)


def test_configurable_weekends() -> None:
    s = dated([{"name": "One", "estimate": 3}], start="2026-11-12", weekends=["Fri", "Sat"])
    # Thu 12, (Fri 13, Sat 14 off), Sun 15, Mon 16
    assert s.tasks[0].end == dt.date(2026, 11, 16)


def test_country_holidays_come_from_the_holidays_package() -> None:
    s = dated([{"name": "One", "estimate": 5}], start="2026-11-23", country="US")
    # Thanksgiving, Thursday 26 November 2026, is a US federal holiday.
    assert s.tasks[0].end == dt.date(2026, 11, 30)
    assert (dt.date(2026, 11, 26), "Thanksgiving Day") in s.calendar.in_range


def test_without_a_start_there_are_working_days_but_no_dates() -> None:
    s = build_schedule(timeline([{"name": "One", "estimate": "2-4"}]), samples=500)
    assert s.tasks[0].start is None and s.phases[0].end is None
    assert s.p50 is None and s.p80 is None and s.p90 is None and s.p80_with_contingency is None
    assert s.p50_days is not None and 2 <= s.p50_days <= 4


def test_without_phases_there_is_nothing_to_schedule() -> None:
    s = build_schedule(timeline([], start="2026-11-09"))
    assert (s.tasks, s.phases, s.critical_path, s.expected_days, s.p80) == ([], [], [], 0.0, None)
    assert s.finish_samples.shape == (0,)


# --- Monte Carlo ------------------------------------------------------------------------------

EXAMPLE_PHASES = [{"name": "One", "tasks": [
    {"id": "a", "name": "a", "estimate": "2-6"},
    {"id": "b", "name": "b", "estimate": {"optimistic": 1, "likely": 2, "pessimistic": 9}, "depends_on": []},
    {"id": "c", "name": "c", "estimate": 3, "depends_on": ["a", "b"]}]}]


def test_the_same_seed_gives_the_same_dates_and_samples() -> None:
    one = dated(EXAMPLE_PHASES)
    two = dated(EXAMPLE_PHASES)
    assert one == two
    assert np.array_equal(one.finish_samples, two.finish_samples)


def test_a_different_seed_gives_different_samples() -> None:
    tl = timeline(EXAMPLE_PHASES)
    assert not np.array_equal(build_schedule(tl, seed=1, samples=500).finish_samples,
                              build_schedule(tl, seed=2, samples=500).finish_samples)


def test_contingency_extends_the_p80_duration_by_its_percentage() -> None:
    s = build_schedule(timeline(EXAMPLE_PHASES, start="2026-11-09"), samples=2000, contingency_percent=20,
                       contingency_risks=("R1",))
    assert s.p80_days is not None and s.p80_with_contingency_days == pytest.approx(s.p80_days * 1.2)
    assert s.contingency_days == pytest.approx(s.p80_days * 0.2)
    assert s.p80 is not None and s.p80_with_contingency is not None and s.p80_with_contingency > s.p80


def test_fixed_estimates_give_no_spread() -> None:
    s = build_schedule(network_of({"a": (2, []), "b": (3, ["a"])}), samples=300)
    assert s.finish_samples.min() == s.finish_samples.max() == 5
    assert s.p50_days == s.p90_days == 5


def test_merge_bias_makes_the_simulated_mean_exceed_the_pert_length() -> None:
    # Two equal parallel paths: the project waits for the later one, so E[max] > max(E).
    s = build_schedule(network_of({"a": ("2-6", []), "b": ("2-6", [])}), samples=20_000)
    assert s.expected_days == 4
    assert s.mean_days is not None and s.mean_days > 4.3


@pytest.mark.parametrize("est", [(1, 1, 6), (1, 2, 6), (1, 3.5, 6), (2, 5.9, 6), (3, 3.0001, 9)])
def test_tabulated_pert_beta_has_the_pert_mean_and_the_beta_spread(est: tuple[float, float, float]) -> None:
    o, m, p = est
    table = _task_table(o, m, p)
    alpha = 1 + 4 * (m - o) / (p - o)
    beta = 1 + 4 * (p - m) / (p - o)
    variance = alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1)) * (p - o) ** 2
    # The table is the exact distribution of a draw: its moments are the sampler's.
    assert table.mean() == pytest.approx((o + 4 * m + p) / 6, abs=5e-5 * (p - o))
    assert table.var() == pytest.approx(variance, rel=2e-3)
    assert o <= table.min() and table.max() <= p


def test_quantile_tables_are_increasing() -> None:
    assert (np.diff(_quantile_tables(), axis=1) >= 0).all()


def test_simulated_task_durations_follow_the_table() -> None:
    network, _ = build_network(network_of({"a": (three_point((1, 2, 6)), [])}))
    finish = simulate_finish(network, 40_000, seed=3)
    assert finish.mean() == pytest.approx(2.5, rel=5e-3)
    assert 1 <= finish.min() and finish.max() <= 6
    assert np.percentile(finish, 80) == pytest.approx(np.quantile(_task_table(1, 2, 6), 0.8), rel=1e-2)


def test_plan_input_reaches_the_schedule_with_its_sample_count() -> None:
    plan = PlanInput.model_validate({"issue": {"number": 1, "title": "t"}, "timeline": {
        "simulations": 250, "phases": [{"name": "A", "estimate": "1-2"}]}})
    s = build_schedule(plan.timeline)
    assert s.samples == 250 and s.finish_samples.shape == (250,)
    assert math.isfinite(s.finish_samples.sum())


def test_a_wide_merge_holds_one_array_not_one_per_task() -> None:
    # 1,000 parallel tasks feeding one phase end: holding every task's samples until the merge
    # would take 1,000 x 20,000 x 8 bytes (160 MB); pushed forward as they finish, a few arrays.
    import tracemalloc

    tasks = {f"t{n}": ("1-3", []) for n in range(1000)}
    network, _ = build_network(network_of(tasks))
    samples = 20_000
    _quantile_tables()
    tracemalloc.start()
    try:
        finish = simulate_finish(network, samples, seed=5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * samples * 8
    assert 2.5 < finish.mean() < 3  # the latest of 1,000 draws on [1, 3]


def test_percentile_dates_count_working_days_like_task_dates() -> None:
    # No spread: every run takes 10.5 working days from Monday 9 November, so P50 = P80 = P90 =
    # the 11th working day: 9-13, 16-20 (5 + 5), then Monday 23 is a listed holiday: Tuesday 24.
    s = dated([{"name": "One", "estimate": 10.5}], holidays=["2026-11-23"])
    assert s.p50 == s.p80 == s.p90 == s.expected_finish == dt.date(2026, 11, 24)
    # With spread, each date is the working day in which that many working days run out.
    s = dated(EXAMPLE_PHASES, holidays=["2026-11-16"])
    for days, date in ((s.p50_days, s.p50), (s.p80_days, s.p80), (s.p90_days, s.p90)):
        assert days is not None and date == s.working_day(math.ceil(days) - 1)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=60),
       st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=4))
def test_percentiles_equal_numpy_percentile_to_the_last_bit(values: list[float], qs: list[float]) -> None:
    samples = np.array(values)
    assert percentiles(samples.copy(), qs).tobytes() == np.percentile(samples, qs).tobytes()


def test_percentiles_of_a_simulated_finish_equal_numpy_percentile() -> None:
    finish = np.random.default_rng(7).gamma(4.0, 3.0, size=10_000)
    qs = (50, 80, 90)
    assert percentiles(finish, qs).tobytes() == np.percentile(finish, qs).tobytes()
    assert finish.tobytes() == np.random.default_rng(7).gamma(4.0, 3.0, size=10_000).tobytes()  # left as given
