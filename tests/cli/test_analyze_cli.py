"""`techplan analyze`: documented JSON, deterministic output, and input errors that name the problem."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from helpers import AS_OF, ROOT, example_data, files_under, run_techplan, shared_example, write_inputs


def analyze_json(*args: str | Path) -> dict[str, Any]:
    result = run_techplan("analyze", *args)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def documented_keys() -> dict[str, list[str]]:
    """docs/analysis.md's JSON table: each documented key path -> the code spans in its meaning column."""
    page = (ROOT / "docs" / "analysis.md").read_text("utf-8")
    section = page.split("## The JSON output", 1)[1].split("\n## ", 1)[0]
    keys: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[0].startswith("`"):
            continue
        spans = re.findall(r"`([^`]+)`", cells[1])
        for key in re.findall(r"`([^`]+)`", cells[0]):
            keys[key] = spans
    return keys


def output_paths(data: dict[str, Any]) -> dict[str, Any]:
    """Key paths two levels deep ("risk.counts", "schedule.phases[]") with their values."""
    paths: dict[str, Any] = {}
    for top, value in data.items():
        if isinstance(value, dict):
            for key, inner in value.items():
                listed = isinstance(inner, list) and key not in ("critical_path", "critical_tasks")
                paths[f"{top}.{key}" + ("[]" if listed else "")] = inner
        else:
            paths[top] = value
    return paths


def test_json_holds_exactly_the_documented_keys() -> None:
    data = analyze_json(shared_example(), "--as-of", AS_OF)
    documented = documented_keys()
    paths = output_paths(data)
    assert set(paths) == set(documented)
    # Mappings and lists of records: every field they hold is named in the docs' row.
    for path, value in paths.items():
        records = value if isinstance(value, list) else [value]
        for record in records:
            if isinstance(record, dict) and path != "risk.counts":
                named = {re.sub(r"\[.*$", "", span) for span in documented[path]}
                assert set(record) <= named, (path, set(record) - named)


def test_json_answers_the_shared_example() -> None:
    data = analyze_json(shared_example(), "--as-of", AS_OF)
    risk, schedule = data["risk"], data["schedule"]
    assert risk["counts"] == {"High": 1, "Medium": 3, "Low": 0} and risk["overall"] == "High"
    assert [(r["id"], r["score"], r["level"]) for r in risk["register"]] == [
        ("R1", 6, "High"), ("R3", 4, "Medium"), ("R2", 3, "Medium"), ("R4", 3, "Medium")]
    assert schedule["critical_path"] == ["model", "csv", "api", "public-page", "e2e", "perf"]
    assert schedule["expected_days"] == pytest.approx(11.667)
    for key in ("p50", "p80", "p90", "p80_with_contingency"):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", schedule[key]), key
    assert schedule["p50"] <= schedule["p80"] <= schedule["p90"] <= schedule["p80_with_contingency"]
    assert [(p["id"], p["start"], p["end"], p["expected_days"]) for p in schedule["phases"]] == [
        ("foundation", "2026-11-09", "2026-11-16", pytest.approx(5.667)),
        ("core", "2026-11-16", "2026-11-19", pytest.approx(3.0)),
        ("polish", "2026-11-19", "2026-11-24", pytest.approx(3.0))]
    assert schedule["contingency"]["risks"] == ["R1"] and schedule["contingency"]["percent"] == 10.0


def test_same_seed_gives_identical_output_and_another_seed_does_not() -> None:
    first = run_techplan("analyze", shared_example(), "--as-of", AS_OF, "--seed", "7")
    second = run_techplan("analyze", shared_example(), "--as-of", AS_OF, "--seed", "7")
    other = run_techplan("analyze", shared_example(), "--as-of", AS_OF, "--seed", "8")
    assert first.returncode == 0 and first.stdout == second.stdout
    assert json.loads(first.stdout)["schedule"]["p80_days"] != json.loads(other.stdout)["schedule"]["p80_days"]


def test_as_of_is_recorded_and_changes_nothing_else() -> None:
    one = analyze_json(shared_example(), "--as-of", "2026-11-20")
    two = analyze_json(shared_example(), "--as-of", "2027-01-01")
    assert (one.pop("as_of"), two.pop("as_of")) == ("2026-11-20", "2027-01-01")
    assert one == two


def test_markdown_format_prints_the_plans_risk_and_timeline_sections() -> None:
    result = run_techplan("analyze", shared_example(), "--as-of", AS_OF, "--format", "md")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("# Analysis: Export roast profiles to CSV and share them by link (#57)\n")
    assert "| Risk | Probability | Impact | Mitigation | Score | Level |\n" in text
    assert "#### Risk matrix (probability × impact)" in text and "```mermaid\ngantt\n" in text
    assert "### Phase 1: Foundation (4-8 days)" in text
    assert "## Dependencies" not in text


def test_output_file_is_written_and_hand_edits_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "analysis.json"
    assert run_techplan("analyze", shared_example(), "--as-of", AS_OF, "-o", out).returncode == 0
    assert json.loads(out.read_text("utf-8"))["seed"] == 0
    out.write_text("edited by hand\n", "utf-8")
    again = run_techplan("analyze", shared_example(), "--as-of", AS_OF, "-o", out)
    assert again.returncode == 2 and "edited by hand" in again.stderr
    assert out.read_text("utf-8") == "edited by hand\n"


def cyclic_inputs(folder: Path) -> Path:
    data = example_data()
    # csv (foundation) now waits for share-ui (core), which waits for foundation to end.
    data["timeline"]["phases"][0]["tasks"][1]["depends_on"] = ["share-ui"]
    return write_inputs(folder, data)


@pytest.mark.parametrize("command", ["validate", "render", "analyze"])
def test_a_cycle_exits_2_naming_the_cycle_at_its_line(tmp_path: Path, command: str) -> None:
    inputs = cyclic_inputs(tmp_path)
    line = next(n for n, text in enumerate(inputs.read_text("utf-8").splitlines(), start=1)
                if text.strip() == "- share-ui")
    result = run_techplan(command, inputs, "--as-of", AS_OF) if command != "validate" else run_techplan(
        command, inputs)
    assert result.returncode == 2
    assert (f"{inputs}:{line - 1}: timeline.phases[0].tasks[1].depends_on: depends_on makes a cycle: "
            "csv → share-ui → phase core → phase foundation → csv") in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_an_unknown_dependency_exits_2_naming_the_id_and_writes_nothing(tmp_path: Path) -> None:
    data = example_data()
    data["timeline"]["phases"][1]["tasks"][1]["depends_on"] = ["apii"]
    inputs = write_inputs(tmp_path, data)
    out = tmp_path / "plan.md"
    result = run_techplan("render", inputs, "--as-of", AS_OF, "-o", out)
    assert result.returncode == 2
    assert ("timeline.phases[1].tasks[1].depends_on: unknown task id 'apii'; did you mean 'api'?"
            in result.stderr)
    assert re.search(rf"^{re.escape(str(inputs))}:\d+: timeline\.phases\[1\]", result.stderr, re.M)
    assert files_under(tmp_path) == [inputs]


def test_unknown_country_is_an_input_error(tmp_path: Path) -> None:
    data = example_data()
    data["timeline"]["calendar"]["country"] = "UX"
    result = run_techplan("validate", write_inputs(tmp_path, data))
    assert result.returncode == 2
    assert "timeline.calendar.country: 'UX' is not a country the holidays package knows" in result.stderr


def test_every_option_has_help() -> None:
    result = run_techplan("analyze", "--help")
    assert result.returncode == 0
    for option in ("--format", "--as-of", "--seed", "--output", "--force"):
        assert option in result.stdout
    assert "json (default)" in result.stdout


def test_validation_and_plans_without_a_country_do_not_import_holidays(tmp_path: Path) -> None:
    # `holidays` costs a one-shot command ~60 ms to import; only a calendar.country needs it, and
    # checking inputs needs no numpy at all.
    script = ("import sys; from techplan_nb.cli.main import main; "
              f"main(['validate', {str(shared_example())!r}]); v = 'numpy' in sys.modules; "
              f"main(['render', {str(shared_example())!r}, '--as-of', {AS_OF!r}]); "
              "print('RESULT', v, 'holidays' in sys.modules)")
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "RESULT False False" in result.stdout


# --- textbook answers through the JSON, and hostile schedules ---------------------------------


def plan_with(phases: list[dict[str, Any]], **timeline: Any) -> dict[str, Any]:
    return {"issue": {"number": 1, "title": "Schedule"}, "timeline": {"phases": phases, **timeline}}


def test_json_gives_what_a_textbook_pert_answer_needs(tmp_path: Path) -> None:
    # Hillier & Lieberman's Reliable Construction Co. (see tests/test_schedule.py for the source):
    # expected times, the CPM table, the critical path and the project's variance 9 (sigma 3).
    from textbook_networks import RELIABLE, RELIABLE_ES_LS_SLACK, RELIABLE_MEANS

    tasks = [{"id": k, "name": k, "estimate": dict(zip(("optimistic", "likely", "pessimistic"), est, strict=True)),
              "depends_on": preds} for k, (est, preds) in RELIABLE.items()]
    data = analyze_json(write_inputs(tmp_path, plan_with([{"name": "Build", "tasks": tasks}])), "--as-of", AS_OF)
    schedule = data["schedule"]
    assert schedule["expected_days"] == 44 and schedule["critical_path"] == ["A", "B", "C", "E", "F", "J", "L", "N"]
    assert (schedule["critical_path_variance"], schedule["critical_path_sigma"]) == (9, 3)
    for t in schedule["tasks"]:
        es, ls, slack = RELIABLE_ES_LS_SLACK[t["id"]]
        assert (t["expected_days"], t["es"], t["ls"], t["slack"]) == (RELIABLE_MEANS[t["id"]], es, ls, slack), t
        assert (t["ef"], t["lf"]) == (es + t["expected_days"], ls + t["expected_days"])
        assert t["variance"] == pytest.approx(t["sigma"] ** 2, abs=1e-3)
    assert schedule["critical_tasks"] == [t["id"] for t in schedule["tasks"] if t["slack"] == 0]


def three_point_tasks(activities: dict[str, tuple[Any, list[str]]], keys: str | None = None) -> list[dict[str, Any]]:
    """AON activities as inputs tasks, each naming its predecessors (three-point or single estimates)."""
    def estimate(est: Any) -> Any:
        return dict(zip(("optimistic", "likely", "pessimistic"), est, strict=True)) if isinstance(est, tuple) else est

    return [{"id": k, "name": k, "estimate": estimate(activities[k][0]), "depends_on": activities[k][1]}
            for k in (keys or activities)]


def cpm_rows(schedule: dict[str, Any]) -> dict[str, tuple[float, ...]]:
    return {t["id"]: (t["es"], t["ef"], t["ls"], t["lf"], t["slack"]) for t in schedule["tasks"]}


@pytest.mark.parametrize("case", ["western-hills", "porta-vac", "fourteen", "lecture-quiz"])
def test_json_gives_the_published_cpm_table_of_each_textbook_network(tmp_path: Path, case: str) -> None:
    # Sources and answers: tests/test_schedule.py. Every published ES/EF/LS/LF/slack, through the CLI.
    from textbook_networks import (
        FOURTEEN,
        FOURTEEN_TABLE,
        LECTURE_QUIZ,
        LECTURE_QUIZ_TABLE,
        PORTA_VAC,
        PORTA_VAC_TABLE,
        WESTERN_HILLS,
        WESTERN_HILLS_TABLE,
    )

    activities, table, length, path = {
        "western-hills": (WESTERN_HILLS, WESTERN_HILLS_TABLE, 26, ["A", "E", "F", "G", "I"]),
        "porta-vac": (PORTA_VAC, PORTA_VAC_TABLE, 17, ["A", "E", "H", "I", "J"]),
        "fourteen": (FOURTEEN, FOURTEEN_TABLE, None, None),
        "lecture-quiz": (LECTURE_QUIZ, LECTURE_QUIZ_TABLE, 22, ["A", "C", "F", "G", "H"]),
    }[case]
    inputs = write_inputs(tmp_path, plan_with([{"name": "All", "tasks": three_point_tasks(activities)}]))
    schedule = analyze_json(inputs, "--as-of", AS_OF)["schedule"]
    rows = cpm_rows(schedule)
    assert {k: rows[k] for k in table} == {k: pytest.approx(v, abs=0.005) for k, v in table.items()}
    if length is not None:
        assert schedule["expected_days"] == length and schedule["critical_path"] == path
        assert schedule["critical_tasks"] == [k for k in activities if table[k][4] == 0]


def test_json_sigma_gives_the_textbook_probability_of_meeting_a_deadline(tmp_path: Path) -> None:
    # Porta-Vac (Anderson, Sweeney & Williams; see tests/test_schedule.py): what a reader of the JSON
    # computes, P(T <= 20) from expected_days and critical_path_sigma, is the book's normal
    # approximation: z = (20 - 17) / 1.65 = 1.818, about 0.9655.
    from statistics import NormalDist

    from textbook_networks import PORTA_VAC

    inputs = write_inputs(tmp_path, plan_with([{"name": "All", "tasks": three_point_tasks(PORTA_VAC)}]))
    schedule = analyze_json(inputs, "--as-of", AS_OF)["schedule"]
    assert (schedule["critical_path_variance"], schedule["critical_path_sigma"]) == (2.722, 1.65)
    z = (20 - schedule["expected_days"]) / schedule["critical_path_sigma"]
    assert round(z, 3) == 1.818
    assert NormalDist().cdf(z) == pytest.approx(0.9655, abs=5e-4)
    variance = {t["id"]: t["variance"] for t in schedule["tasks"]}
    assert sum(variance[k] for k in schedule["critical_path"]) == pytest.approx(2.722, abs=2e-3)


def test_textbook_network_split_into_phases_with_start_and_finish_milestones_keeps_its_answers(
        tmp_path: Path) -> None:
    # Porta-Vac again, activity on node across phases: J waits for F and G (design) and I
    # (marketing). The book's Start and Finish nodes take no time; an estimate of 0 is refused (see
    # test_hostile_estimates_exit_2_naming_the_field), so, as the README says, a milestone is a phase
    # without work: "start" holds only a checklist item, and "finish" waits for the three work phases.
    from textbook_networks import PORTA_VAC, PORTA_VAC_TABLE

    groups = {"design": "ACDFG", "marketing": "BEHI", "report": "J"}
    phases: list[dict[str, Any]] = [{"id": "start", "name": "Start", "items": ["Kick-off"]}]
    phases += [{"id": g, "name": g.title(), "depends_on": ["start"], "tasks": three_point_tasks(PORTA_VAC, keys)}
               for g, keys in groups.items()]
    phases.append({"id": "finish", "name": "Finish", "depends_on": list(groups), "items": ["Handover"]})
    inputs = write_inputs(tmp_path, plan_with(phases, start="2026-11-09"))
    schedule = analyze_json(inputs, "--as-of", AS_OF)["schedule"]
    assert cpm_rows(schedule) == {k: pytest.approx(v) for k, v in PORTA_VAC_TABLE.items()}
    assert schedule["expected_days"] == 17 and schedule["critical_path"] == ["A", "E", "H", "I", "J"]
    assert (schedule["critical_path_variance"], schedule["critical_path_sigma"]) == (2.722, 1.65)
    milestones = {p["id"]: p for p in schedule["phases"] if p["id"] in ("start", "finish")}
    assert [(p["expected_days"], p["days"], p["tasks"]) for p in milestones.values()] == [(0, "", []), (0, "", [])]
    # 17 working days from Monday 9 November 2026: the finish milestone falls on the last of them.
    assert milestones["finish"]["start"] == milestones["finish"]["end"] == schedule["expected_finish"] == "2026-12-01"
    assert milestones["start"]["start"] == "2026-11-09"


@pytest.mark.parametrize("estimate, message", [
    ("1.0e+308", "timeline.phases[0].tasks[0].estimate: 1e+308 days is past the limit of 100,000 working days"),
    ("{optimistic: 1, likely: 2, pessimistic: 1.0e+300}", "1e+300 days is past the limit of 100,000 working days"),
    ("1.0e+400", "timeline.phases[0].tasks[0].estimate: optimistic must be a positive number of days, got inf"),
    (".nan", "timeline.phases[0].tasks[0].estimate: optimistic must be a positive number of days, got nan"),
    ("-2", "optimistic must be a positive number of days, got -2"),
    ("0", "optimistic must be a positive number of days, got 0"),
    ("5-1", "range '5-1' runs backwards"),
])
@pytest.mark.parametrize("start", ["2026-11-09", None])
def test_hostile_estimates_exit_2_naming_the_field(tmp_path: Path, estimate: str, message: str,
                                                   start: str | None) -> None:
    start_line = f"  start: {start}\n" if start else ""
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text(f"issue: {{number: 1, title: t}}\ntimeline:\n{start_line}  phases:\n    - name: P\n"
                      f"      tasks:\n        - {{id: a, name: a, estimate: {estimate}}}\n", "utf-8")
    result = run_techplan("analyze", inputs, "--as-of", AS_OF)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and str(inputs) in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("start", ["2026-11-09", None])
def test_a_chain_past_the_working_day_limit_exits_2_pointing_at_its_longest_estimate(
        tmp_path: Path, start: str | None) -> None:
    tasks = [{"id": f"t{i}", "name": "t", "estimate": 20_000 if i != 3 else "30000-40000"} for i in range(5)]
    extra = {"start": start} if start else {}
    inputs = write_inputs(tmp_path, plan_with([{"name": "Long", "tasks": tasks}], **extra))
    result = run_techplan("analyze", inputs, "--as-of", AS_OF)
    assert result.returncode == 2
    assert ("timeline.phases[0].tasks[3].estimate: the schedule runs to 120,000 working days at the "
            "pessimistic estimates, past the limit of 100,000") in result.stderr


def test_thousands_of_tasks_in_one_long_chain_are_scheduled_without_recursion(tmp_path: Path) -> None:
    # 3,000 tasks, each waiting for the one before across three phases: about as many as the
    # inputs' value limit allows, and far deeper than Python's recursion limit.
    phases, previous = [], None
    for p in range(3):
        tasks = []
        for n in range(1000):
            ident = f"t{p}-{n}"
            tasks.append({"id": ident, "name": "step", "estimate": 0.5, "depends_on": [previous] if previous else []})
            previous = ident
        phases.append({"name": f"Phase {p}", "tasks": tasks})
    inputs = write_inputs(tmp_path, plan_with(phases, start="2026-11-09"), name="inputs.json")
    result = run_techplan("analyze", inputs, "--as-of", AS_OF, timeout=120)
    assert result.returncode == 0, result.stderr
    schedule = json.loads(result.stdout)["schedule"]
    assert schedule["expected_days"] == 1500 and len(schedule["critical_path"]) == 3000
    assert schedule["p50"] == schedule["p90"] == schedule["expected_finish"]


def test_more_tasks_than_the_inputs_allow_is_an_input_error_not_a_hang(tmp_path: Path) -> None:
    phases = [{"name": f"P{p}", "tasks": [{"id": f"t{p}-{n}", "name": "x", "estimate": 1} for n in range(1000)]}
              for p in range(10)]
    inputs = write_inputs(tmp_path, plan_with(phases), name="inputs.json")
    result = run_techplan("analyze", inputs, "--as-of", AS_OF, timeout=120)
    assert result.returncode == 2
    assert "values; split the plan or trim it" in result.stderr and "Traceback" not in result.stderr


def test_a_thousand_task_cycle_and_hundreds_of_small_ones_are_named(tmp_path: Path) -> None:
    ring = [{"id": f"r{n}", "name": "x", "estimate": 1, "depends_on": [f"r{(n + 1) % 1000}"]} for n in range(1000)]
    result = run_techplan("analyze", write_inputs(tmp_path, plan_with([{"name": "Ring", "tasks": ring}]),
                                                  name="ring.json"), "--as-of", AS_OF, timeout=120)
    assert result.returncode == 2 and "depends_on makes a cycle: r0 → r1 → r2" in result.stderr
    assert "r999 → r0 (each waits for the next)" in result.stderr
    pairs = [{"id": f"p{n}", "name": "x", "estimate": 1, "depends_on": [f"p{n ^ 1}"]} for n in range(1000)]
    result = run_techplan("analyze", write_inputs(tmp_path, plan_with([{"name": "Pairs", "tasks": pairs}]),
                                                  name="pairs.json"), "--as-of", AS_OF, timeout=120)
    assert result.returncode == 2 and "depends_on makes a cycle: p0 → p1 → p0" in result.stderr
    assert "depends_on makes a cycle: p98 → p99 → p98" in result.stderr and "fix the ones above first" in result.stderr
