"""Work is bounded before it starts: an inputs file the loader accepts renders in seconds and a few
hundred MB, or is refused at validate time (exit 2, nothing written) naming the field and the limit.

The worst cases are files within the loader's size limits (1 MiB, 20,000 values, 1,000 entries a
list): thousands of tasks, wide merges that keep one array of runs per pending task, thousands of
unknown ids, a 99,000-working-day calendar. Memory is measured in a child process (ru_maxrss).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import AS_OF, ROOT, run_techplan

MAX_SECONDS = 10
MAX_RSS_MB = 500

_MEASURED = """
import resource, sys
from techplan_nb.cli.main import main
code = main(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_SELF)
print("MAXRSS_KB", usage.ru_maxrss, "CPU_S", usage.ru_utime + usage.ru_stime, file=sys.stderr)
sys.exit(code)
"""


def measured(*args: str | Path, cwd: Path) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """`techplan ARGS` in a child process: the result, its CPU time (s) and its peak RSS (MB).

    CPU time, not wall time: on a shared machine other work slows the clock, not the count."""
    result = subprocess.run([sys.executable, "-c", _MEASURED, *map(str, args)], cwd=cwd, capture_output=True,
                            text=True, timeout=120, check=False, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    found = re.search(r"MAXRSS_KB (\d+) CPU_S ([0-9.]+)", result.stderr)
    assert found, result.stderr
    return result, float(found.group(2)), int(found.group(1)) / 1024


def plan_with(phases: list[dict[str, Any]], *, simulations: int | None = None, **timeline: Any) -> dict[str, Any]:
    timeline = {"start": "2026-01-05", **timeline, "phases": phases}
    if simulations is not None:
        timeline["simulations"] = simulations
    return {"issue": {"number": 1, "title": "Worst case"}, "timeline": timeline}


def in_phases(tasks: list[dict[str, Any]], **phase: Any) -> list[dict[str, Any]]:
    """Tasks in phases of 1,000 (a list's limit)."""
    return [{"id": f"p{k}", "name": "Phase", **phase, "tasks": tasks[k:k + 1000]} for k in range(0, len(tasks), 1000)]


def wide_merge(pairs: int, simulations: int) -> dict[str, Any]:
    """a0..aN all start at once; b_i waits for a_i and a_(i+1): N arrays of runs pending at once."""
    a = [{"id": f"a{i}", "name": "A", "estimate": "1-3", "depends_on": []} for i in range(pairs)]
    b = [{"id": f"b{i}", "name": "B", "estimate": "1-3", "depends_on": [f"a{i}", f"a{(i + 1) % pairs}"]}
         for i in range(pairs)]
    return plan_with(in_phases(a + b, depends_on=[]), simulations=simulations)


def many_tasks(count: int, simulations: int) -> dict[str, Any]:
    return plan_with(in_phases([{"id": f"t{i}", "name": "T", "estimate": "1-2"} for i in range(count)]),
                     simulations=simulations)


def write(folder: Path, data: dict[str, Any], name: str = "inputs.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data), "utf-8")
    assert path.stat().st_size <= 1024 * 1024  # within the loader's size limit
    return path


def most_simulations(path: Path) -> int:
    """The largest simulations the refusal offers."""
    result = run_techplan("validate", path)
    assert result.returncode == 2, result.stderr
    found = re.search(r"lower simulations to ([0-9,]+) or fewer", result.stderr)
    assert found, result.stderr
    return int(found.group(1).replace(",", ""))


@pytest.mark.parametrize("make", [lambda: wide_merge(1600, 100_000), lambda: many_tasks(4900, 100_000)],
                         ids=["wide-merge-1600-pairs", "4900-tasks"])
def test_too_much_monte_carlo_work_is_refused_naming_simulations_and_the_limit(tmp_path: Path, make: Any) -> None:
    path = write(tmp_path, make())
    for command in (["render", path, "-o", tmp_path / "plan.md"], ["analyze", path, "-o", tmp_path / "a.json"]):
        result = run_techplan(*command, "--as-of", AS_OF)
        assert result.returncode == 2, result.stderr
        assert re.search(r"inputs\.json:\d+: timeline\.simulations: 100,000 runs over [0-9,]+ tasks and [0-9,]+ "
                         r"dependencies .* past the limit of 200,000,000 \(simulations x \(tasks \+ dependencies\)\); "
                         r"lower simulations to [0-9,]+ or fewer", result.stderr), result.stderr
        assert not (tmp_path / "plan.md").exists() and not (tmp_path / "a.json").exists()


@pytest.mark.parametrize("make", [lambda s: wide_merge(1600, s), lambda s: many_tasks(4900, s)],
                         ids=["wide-merge-1600-pairs", "4900-tasks"])
def test_at_the_most_simulations_allowed_render_and_analyze_stay_within_time_and_memory(
        tmp_path: Path, make: Any) -> None:
    # Before: the wide merge at 100,000 simulations took 1.3 GB (one array of runs per pending task).
    simulations = most_simulations(write(tmp_path, make(100_000)))
    path = write(tmp_path, make(simulations))
    commands: list[list[str | Path]] = [["render", path, "-o", "plan.md"], ["analyze", path, "-o", "analysis.json"]]
    for command in commands:
        result, seconds, rss = measured(*command, "--as-of", AS_OF, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert seconds < MAX_SECONDS and rss < MAX_RSS_MB, (command[0], seconds, rss)
    assert json.loads((tmp_path / "analysis.json").read_text("utf-8"))["schedule"]["samples"] == simulations


def test_thousands_of_unknown_ids_are_refused_in_seconds(tmp_path: Path) -> None:
    # Before: a "did you mean" hint for each unknown id among 3,900 tasks: 147 s to be refused.
    tasks = [{"id": f"task-number-{i}", "name": "T", "estimate": 1} for i in range(3900)]
    tasks.append({"id": "last", "name": "L", "estimate": 1, "depends_on": [f"tosk-nomber-{i}x" for i in range(1000)]})
    path = write(tmp_path, plan_with(in_phases(tasks)))
    started = time.process_time()
    result = run_techplan("validate", path)
    assert time.process_time() - started < MAX_SECONDS
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert "unknown task id 'tosk-nomber-0x'; did you mean 'task-number-0'?" in lines[0]
    assert "more problems from here on, not listed" in result.stderr


def test_a_99000_working_day_calendar_and_a_megabyte_of_text_render_within_bounds(tmp_path: Path) -> None:
    text = "word " * 1600
    data = plan_with([{"name": "Long", "estimate": "60000-99000"}], calendar={"country": "CN"})
    data["risks"] = [{"risk": text, "probability": "L", "impact": "L", "mitigation": text, "owner": text}
                     for _ in range(40)]
    path = write(tmp_path, data)
    result, seconds, rss = measured("render", path, "-o", "plan.md", "--as-of", AS_OF, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert seconds < MAX_SECONDS and rss < MAX_RSS_MB, (seconds, rss)


def test_the_simulation_in_chunks_is_the_same_array_and_holds_its_budget() -> None:
    import tracemalloc

    import numpy as np

    from techplan_nb.model import Timeline
    from techplan_nb.schedule import MC_BUDGET_FLOATS, check, simulate_finish

    timeline = Timeline.model_validate(wide_merge(1200, 20_000)["timeline"])
    network = check(timeline)
    whole = simulate_finish(network, 20_000, seed=4, chunk=20_004)
    tracemalloc.start()
    try:
        chunked = simulate_finish(network, 20_000, seed=4)  # 1,200 pending arrays x 20,000 runs: past the budget
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.array_equal(whole, chunked)
    assert peak <= MC_BUDGET_FLOATS * 8 * 1.1 and peak < 1200 * 20_000 * 8 / 2
    assert np.array_equal(simulate_finish(network, 9_997, seed=4, chunk=1_000),
                          simulate_finish(network, 9_997, seed=4, chunk=10_000))
