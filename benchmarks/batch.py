"""`techplan batch` against a serial loop of `papermill` command-line runs of the same notebook with
the same inputs, measured in the same run; then a large batch against the time and memory goals.

    .venv/bin/python benchmarks/batch.py [--plans 100] [--large 1000] [--jobs 2] [--skip-large]

Goals (issue 6): batch at least 10x faster than the papermill loop with identical plans; 1,000
inputs in under 2 minutes with peak memory under 1 GiB for the whole process tree (the sum of the
RSS of techplan, its workers and their kernels, sampled every 50 ms; shared pages count once per
process, so the figure errs high).
"""

from __future__ import annotations

import argparse
import copy
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "issue-57-roast-export.yaml"
NOTEBOOK = ROOT / "notebooks" / "technical_plan.ipynb"
AS_OF = "2026-11-20"
LEVELS = ["Low", "Medium", "High"]


def make_inputs(folder: Path, count: int) -> list[Path]:
    """Varied inputs: their own issue, risks, estimates and number of tasks, so no two plans match."""
    base = yaml.safe_load(EXAMPLE.read_text("utf-8"))
    folder.mkdir(parents=True)
    paths = []
    for n in range(1, count + 1):
        data = copy.deepcopy(base)
        data["issue"]["number"] = 1000 + n
        data["issue"]["title"] = f"Benchmark plan {n}: export variant {n % 7}"
        for k, risk in enumerate(data["risks"]):
            risk["probability"] = LEVELS[(n + k) % 3]
            risk["impact"] = LEVELS[(n * 2 + k) % 3]
        data["risks"] = data["risks"][: 1 + n % 4]
        tasks = data["timeline"]["phases"][2]["tasks"]
        data["timeline"]["phases"][2]["tasks"] = tasks[: 1 + n % 2]
        data["timeline"]["phases"][0]["tasks"][0]["estimate"] = f"{1 + n % 3}-{3 + n % 5}"
        data["timeline"]["phases"][1]["tasks"][0]["name"] = f"SharePanel and ExportMenu, variant {n}"
        path = folder / f"plan-{n:04d}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
        paths.append(path)
    return paths


class PeakMemory:
    """Samples the summed RSS of a process and all its descendants."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                for proc in [self.root, *self.root.children(recursive=True)]:
                    try:
                        total += proc.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_batch(inputs: Path, out: Path, jobs: int) -> tuple[float, int, int, float]:
    """Wall seconds, peak tree memory, plans made, and CPU seconds of the whole process tree."""
    command = [sys.executable, "-m", "techplan_nb", "batch", str(inputs), "--out", str(out), "--jobs", str(jobs),
               "--as-of", AS_OF, "--no-progress"]
    cpu_before = children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(process.pid)
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    peak = memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"techplan batch failed ({process.returncode}):\n{stderr}")
    made = len(list(out.glob("*/technical-plan.md")))
    # Every worker and kernel was waited for by its parent, so their CPU time is counted here too.
    return elapsed, peak, made, children_cpu() - cpu_before


def run_papermill_loop(paths: list[Path], out: Path) -> float:
    papermill = Path(sys.executable).with_name("papermill")
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for n, path in enumerate(paths):
        result = subprocess.run([str(papermill), str(NOTEBOOK), str(out / f"run-{n:04d}.ipynb"), "-p", "inputs_path",
                                 str(path), "-p", "output_dir", str(out), "-p", "as_of", AS_OF, "--no-progress-bar"],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SystemExit(f"papermill failed on {path}:\n{result.stderr}")
    return time.perf_counter() - start


def compare(batch_out: Path, loop_out: Path) -> tuple[int, list[str]]:
    different = []
    plans = sorted(batch_out.glob("*/technical-plan.md"))
    for plan in plans:
        other = loop_out / plan.parent.name / "technical-plan.md"
        if not other.is_file() or other.read_bytes() != plan.read_bytes():
            different.append(plan.parent.name)
    return len(plans), different


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=100, help="inputs in the batch vs papermill comparison")
    parser.add_argument("--large", type=int, default=1000, help="inputs in the large batch")
    parser.add_argument("--jobs", type=int, default=2, help="techplan batch --jobs (default 2)")
    parser.add_argument("--skip-large", action="store_true", help="only the comparison")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="techplan-bench-") as tmp:
        root = Path(tmp)
        paths = make_inputs(root / "inputs", args.plans)
        print(f"{args.plans} varied inputs; techplan batch --jobs {args.jobs} ...", flush=True)
        batch_s, batch_peak, made, batch_cpu = run_batch(root / "inputs", root / "batch", args.jobs)
        print(f"  {batch_s:.1f} s, {made} plans, peak {batch_peak / 2**20:.0f} MiB, {batch_cpu:.1f} CPU-s",
              flush=True)
        print(f"serial loop of {args.plans} papermill command-line runs ...", flush=True)
        cpu_before = children_cpu()
        loop_s = run_papermill_loop(paths, root / "loop")
        loop_cpu = children_cpu() - cpu_before
        print(f"  {loop_s:.1f} s, {loop_cpu:.1f} CPU-s", flush=True)
        compared, different = compare(root / "batch", root / "loop")
        report["comparison"] = (batch_s, loop_s, compared, different, batch_cpu, loop_cpu)
        if not args.skip_large:
            make_inputs(root / "large", args.large)
            print(f"{args.large} varied inputs; techplan batch --jobs {args.jobs} ...", flush=True)
            report["large"] = run_batch(root / "large", root / "large-out", args.jobs)
    batch_s, loop_s, compared, different, batch_cpu, loop_cpu = report["comparison"]
    cores = psutil.cpu_count() or 1
    print()
    print("| run | plans | wall | per plan | CPU of the process tree | CPU per plan |")
    print("|---|---|---|---|---|---|")
    print(f"| papermill CLI, serial loop | {args.plans} | {loop_s:.1f} s | {loop_s / args.plans * 1000:.0f} ms | "
          f"{loop_cpu:.1f} s | {loop_cpu / args.plans * 1000:.0f} ms |")
    print(f"| techplan batch --jobs {args.jobs} | {args.plans} | {batch_s:.1f} s | "
          f"{batch_s / args.plans * 1000:.0f} ms | {batch_cpu:.1f} s | {batch_cpu / args.plans * 1000:.0f} ms |")
    if "large" in report:
        large_s, large_peak, large_made, large_cpu = report["large"]
        print(f"| techplan batch --jobs {args.jobs} | {args.large} | {large_s:.1f} s | "
              f"{large_s / args.large * 1000:.0f} ms | {large_cpu:.1f} s | {large_cpu / args.large * 1000:.0f} ms |")
    print()
    print(f"speed-up over the papermill loop: {loop_s / batch_s:.1f}x wall, "
          f"{loop_cpu / batch_cpu:.1f}x CPU (goal >= 10x)")
    print(f"identical plans: {compared - len(different)} of {compared}"
          + (f"; different: {', '.join(different[:5])}" if different else ""))
    print(f"peak memory, {args.plans}-plan batch: {batch_peak / 2**20:.0f} MiB")
    if "large" in report:
        print(f"{args.large} plans: {large_made} made in {large_s:.1f} s (goal < 120 s), "
              f"peak memory {large_peak / 2**20:.0f} MiB (goal < 1024 MiB); on an otherwise idle machine "
              f"the CPU it used bounds the time from below at {large_cpu / cores:.0f} s ({cores} cores)")
    load = psutil.getloadavg()
    print(f"machine: {cores} cores, load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
          "(other work on a shared machine slows every figure; compare the ratios)")


if __name__ == "__main__":
    main()
