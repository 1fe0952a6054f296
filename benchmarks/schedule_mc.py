"""Monte Carlo schedule: the numpy simulation against a plain-Python loop of the same simulation.

A random network of 200 tasks (5 phases of 40; each task waits for 0-3 random earlier tasks,
anywhere in the plan) with random three-point estimates, 10,000 samples. Both versions use the
same network, the same PERT-beta quantile tables and the same forward pass; only the loop over
samples differs (numpy arrays vs. Python floats). Measured in the same run.

Goals (issue 3): a whole `analyse()` <= 50 ms, and the simulation >= 20x faster than plain Python.
Usage: .venv/bin/python benchmarks/schedule_mc.py [--tasks 200] [--samples 10000] [--runs 15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from techplan_nb.analysis import analyse  # noqa: E402
from techplan_nb.model import PlanInput  # noqa: E402
from techplan_nb.schedule import (  # noqa: E402
    _TABLE_STEPS,
    TASK,
    Network,
    _task_table,
    build_network,
    simulate_finish,
)

AS_OF = dt.date(2026, 11, 20)


def random_plan(tasks: int, phases: int, seed: int) -> PlanInput:
    rng = random.Random(seed)
    per_phase = tasks // phases
    ids: list[str] = []
    phase_list: list[dict[str, Any]] = []
    for p in range(phases):
        phase_tasks = []
        for _ in range(per_phase):
            ident = f"t{len(ids) + 1}"
            o = rng.uniform(0.5, 4)
            m = o + rng.uniform(0, 3)
            pess = m + rng.uniform(0, 6)
            deps = rng.sample(ids, k=min(len(ids), rng.randint(0, 3)))
            phase_tasks.append({"id": ident, "name": f"Task {ident}", "depends_on": deps,
                                "estimate": {"optimistic": round(o, 2), "likely": round(m, 2),
                                             "pessimistic": round(pess, 2)}})
            ids.append(ident)
        phase_list.append({"id": f"p{p + 1}", "name": f"Phase {p + 1}", "tasks": phase_tasks})
    return PlanInput.model_validate({
        "issue": {"number": 1, "title": "Benchmark"},
        "risks": [{"id": "R1", "risk": "r", "probability": "High", "impact": "High"}],
        "timeline": {"start": "2026-11-02", "calendar": {"holidays": ["2026-12-25"]}, "phases": phase_list},
    })


def plain_python_finish(network: Network, samples: int, seed: int) -> list[float]:
    """The same simulation as schedule.simulate_finish, one sample at a time, without numpy."""
    nodes = network.nodes
    tables: dict[int, list[float]] = {}
    for v in network.order:
        node = nodes[v]
        if node.kind == TASK and node.pessimistic > node.optimistic:
            tables[v] = [float(x) for x in _task_table(node.optimistic, node.likely, node.pessimistic)]
    rng = random.Random(seed)
    sinks = [v for v in network.order if not network.succs[v]]
    order = network.order
    preds = [node.preds for node in nodes]
    fixed = [node.optimistic if node.kind == TASK else 0.0 for node in nodes]
    steps = _TABLE_STEPS
    out: list[float] = []
    finish = [0.0] * len(nodes)
    for _ in range(samples):
        for v in order:
            start = 0.0
            for u in preds[v]:
                if finish[u] > start:
                    start = finish[u]
            table = tables.get(v)
            if table is None:
                finish[v] = start + fixed[v]
            else:
                finish[v] = start + table[int(rng.random() * steps)]
        out.append(max(finish[v] for v in sinks))
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median_ms(fn: Any, runs: int) -> tuple[float, float]:
    """Median wall-clock and median CPU milliseconds of `runs` calls.

    CPU time is reported too because the machine may be shared: on a busy one the wall clock
    also counts the time other processes held the CPU.
    """
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200, help="number of tasks (default 200)")
    parser.add_argument("--samples", type=int, default=10_000, help="Monte Carlo samples (default 10000)")
    parser.add_argument("--runs", type=int, default=15, help="repetitions of the numpy version (median)")
    parser.add_argument("--python-runs", type=int, default=1, help="repetitions of the plain-Python loop")
    args = parser.parse_args()

    plan = random_plan(args.tasks, 5, seed=7)
    plan = plan.model_copy(update={"timeline": plan.timeline.model_copy(update={"simulations": args.samples})})
    network, problems = build_network(plan.timeline)
    assert not problems, problems
    edges = sum(len(n.preds) for n in network.nodes)

    start = time.perf_counter()
    first = analyse(plan, as_of=AS_OF, seed=1)  # includes importing numpy and building the tables
    first_ms = (time.perf_counter() - start) * 1000
    analysis_ms, analysis_cpu = median_ms(lambda: analyse(plan, as_of=AS_OF, seed=1), args.runs)
    numpy_ms, numpy_cpu = median_ms(lambda: simulate_finish(network, args.samples, 1), args.runs)
    python_ms, python_cpu = median_ms(lambda: plain_python_finish(network, args.samples, 1), args.python_runs)

    fast = simulate_finish(network, args.samples, 1)
    slow = plain_python_finish(network, args.samples, 1)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"network: {args.tasks} tasks in 5 phases, {len(network.nodes)} nodes, {edges} edges; "
          f"{args.samples:,} samples; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs, load {load:.1f}")
    print("                                                   wall ms    CPU ms")
    print(f"analyse() (CPM, dates, Monte Carlo, percentiles): {analysis_ms:8.1f}  {analysis_cpu:8.1f}   "
          f"per analysis, median of {args.runs} (first call {first_ms:.0f} ms); goal <= 50 ms")
    print(f"Monte Carlo, numpy:                               {numpy_ms:8.1f}  {numpy_cpu:8.1f}")
    print(f"Monte Carlo, plain Python loop:                   {python_ms:8.1f}  {python_cpu:8.1f}")
    print(f"speed-up: {python_ms / numpy_ms:.0f}x wall, {python_cpu / max(numpy_cpu, 1e-9):.0f}x CPU; goal >= 20x")
    print("same simulation, independent random streams; P50 / P80 / P90 in working days:")
    print(f"  numpy  {percentile(list(fast), 50):7.2f} {percentile(list(fast), 80):7.2f} "
          f"{percentile(list(fast), 90):7.2f}")
    print(f"  python {percentile(slow, 50):7.2f} {percentile(slow, 80):7.2f} {percentile(slow, 90):7.2f}")
    print(f"  expected (CPM) {first.schedule.expected_days:.2f}; P80 date {first.schedule.p80}")


if __name__ == "__main__":
    main()
