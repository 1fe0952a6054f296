"""How long the plan form takes from a value change to its preview being up to date.

In-process, on the shared example, with the debounce set to zero so each change refreshes at once
(in the browser the refresh starts DEBOUNCE_SECONDS after the last keystroke; that wait is by
design and is reported separately). Three cases, each a median over many changes:

- text: the title changes; validation, error routing, render and the HTML preview are redone.
- charts, title: the same with the Charts tab open; the charts' inputs did not change, so the
  cached PNGs stand (what typing in most fields costs with the tab open).
- charts, risk: a risk's probability changes, so the heat-map is drawn again.
- charts, task: a task's estimate changes, so the Gantt chart is drawn again (the worst case:
  it is the slowest drawing).
- charts + histogram, task: the same with the optional finish-date histogram switched on.

The baseline, measured in the same run, is `render_plan` alone on the same inputs: the least
any preview of the plan's text can cost. Goals: text < 30 ms, with charts < 300 ms.

    .venv/bin/python benchmarks/form_preview.py [--repeat N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from techplan_nb.render import render_plan  # noqa: E402
from techplan_nb.widgets import DEBOUNCE_SECONDS, PlanForm  # noqa: E402

AS_OF = dt.date(2026, 11, 20)


def example() -> Path:
    shared = ROOT.parent / "shared" / "examples" / "issue-57-roast-export.yaml"
    return shared if shared.exists() else ROOT / "examples" / "issue-57-roast-export.yaml"


def timed(change: Callable[[int], None], repeat: int) -> list[float]:
    change(-1)  # warm caches (templates, imports, fonts) before measuring
    samples = []
    for index in range(repeat):
        started = time.perf_counter()
        change(index)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(name: str, samples: list[float], baseline: float, goal: float | None) -> str:
    median = statistics.median(samples)
    p90 = sorted(samples)[int(0.9 * (len(samples) - 1))]
    verdict = "" if goal is None else f"  goal < {goal:d} ms: {'met' if median < goal else 'NOT met'}"
    return f"{name:<28} median {median:7.1f} ms  p90 {p90:7.1f} ms  ({median / baseline:5.1f}× baseline){verdict}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40, help="changes per case (default: 40)")
    args = parser.parse_args()

    form = PlanForm(inputs=example(), as_of=AS_OF, debounce=0)
    assert form.plan is not None and not form.problems, form.problems
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    plan = form.plan
    title = form.field("issue", "title").control
    probability = form.field("risks", 0, "probability").control
    estimate = form.field("timeline", "phases", 0, "tasks", 0, "estimate").control

    baseline_samples = timed(lambda i: render_plan(plan, as_of=AS_OF, seed=0), args.repeat)
    baseline = statistics.median(baseline_samples)

    def change_title(index: int) -> None:
        title.value = f"Export roast profiles to CSV, revision {index}"
        assert form.preview.text.startswith(f"# Technical Plan: Export roast profiles to CSV, revision {index}\n")

    text = timed(change_title, args.repeat)
    form.preview.tabs.selected_index = 1  # the Charts tab
    charts_title = timed(change_title, args.repeat)

    def change_risk(index: int) -> None:
        heatmap = form.preview.images["risk_heatmap"].value
        probability.value = "Low" if probability.value == "High" else "High"
        assert form.preview.images["risk_heatmap"].value is not heatmap

    def change_task(index: int) -> None:
        gantt = form.preview.images["gantt"].value
        estimate.value = "1" if estimate.value == "2" else "2"
        assert form.preview.images["gantt"].value is not gantt

    charts_risk = timed(change_risk, max(10, args.repeat // 2))
    charts_task = timed(change_task, max(10, args.repeat // 2))
    form.preview.show_finish.value = True
    charts_histogram = timed(change_task, max(10, args.repeat // 2))

    print(f"form preview benchmark: {example().name}, as_of {AS_OF}, {args.repeat} changes per case, "
          f"load average {load:.1f} on {os.cpu_count()} CPUs at the start")
    print(summary("baseline: render_plan alone", baseline_samples, baseline, None))
    print(summary("text (title change)", text, baseline, 30))
    print(summary("charts tab, title change", charts_title, baseline, 300))
    print(summary("charts tab, risk change", charts_risk, baseline, 300))
    print(summary("charts tab, task change", charts_task, baseline, 300))
    print(summary("+ histogram, task change", charts_histogram, baseline, None))
    print(f"(in the browser the refresh starts {DEBOUNCE_SECONDS * 1000:.0f} ms after the last keystroke, and "
          "charts are drawn on a worker thread so typing is not held up while they draw)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
