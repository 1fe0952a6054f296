"""`techplan batch` against a serial loop of `papermill` command-line runs of the same notebook with
the same inputs, measured in the same run; then a large batch against the time and memory goals.

    .venv/bin/python benchmarks/batch.py [--plans 100] [--large 1000] [--jobs 2] [--skip-large]
        [--skip-comparison] [--baseline DIR]

--baseline DIR runs the large batch with another copy of the package first (DIR holds its
techplan_nb/, notebooks/ and templates/, e.g. `git archive REF techplan_nb notebooks templates |
tar -x -C DIR`), then this one, on the same inputs: on a shared machine only figures measured in
the same run compare.

Goals (issue 6): batch at least 10x faster than the papermill loop with identical plans; 1,000
inputs in under 2 minutes with peak memory under 1 GiB for the whole process tree (the sum of the
RSS of techplan, its workers and their kernels, sampled every 50 ms; shared pages count once per
process, so the figure errs high). Issue 18: at most 80 ms of CPU per plan, counting every process
(techplan, its workers, their kernels), and 1,000 plans in under 60 s on 2 cores.

CPU is counted two ways: the rusage of the children techplan waited for (every process whose
parent reaped it), and the CPU time of each process of the tree, last seen every 50 ms, by role
(client, workers, kernels); the second also counts a process that nobody reaped.
"""

from __future__ import annotations

import argparse
import copy
import os
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


def _role(proc: psutil.Process, root: psutil.Process) -> str:
    if proc.pid == root.pid:
        return "client"
    try:
        command = " ".join(proc.cmdline())
    except psutil.Error:
        return "workers"
    return "kernels" if "ipykernel" in command else "workers"


class PeakMemory:
    """Samples the summed RSS of a process and all its descendants, and each one's CPU time."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self.cpu: dict[int, tuple[str, float]] = {}  # pid -> (role, CPU seconds when last seen)
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
                        times = proc.cpu_times()
                        # Asked until it says "kernels": a kernel just forked still has its worker's
                        # command line, and a killed one none.
                        seen = self.cpu.get(proc.pid, ("", 0.0))[0]
                        role = seen if seen == "kernels" else _role(proc, self.root)
                        self.cpu[proc.pid] = (role, times.user + times.system)
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

    def cpu_by_role(self) -> dict[str, float]:
        roles = {"client": 0.0, "workers": 0.0, "kernels": 0.0}
        for role, seconds in self.cpu.values():
            roles[role] += seconds
        return roles


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_batch(inputs: Path, out: Path, jobs: int, package: Path | None = None
              ) -> tuple[float, int, int, float, dict[str, float]]:
    """Wall seconds, peak tree memory, plans made, CPU seconds of the whole process tree (the larger
    of the two counts), and the sampled CPU seconds by role."""
    command = [sys.executable, "-m", "techplan_nb", "batch", str(inputs), "--out", str(out), "--jobs", str(jobs),
               "--as-of", AS_OF, "--no-progress"]
    # An absolute PYTHONPATH entry reaches the workers and kernels too (isolation.child_environment).
    env = dict(os.environ, PYTHONPATH=str(package.resolve())) if package is not None else None
    cpu_before = children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               cwd=package.resolve() if package is not None else None)
    memory = PeakMemory(process.pid)
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    peak = memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"techplan batch failed ({process.returncode}):\n{stderr}")
    made = len(list(out.glob("*/technical-plan.md")))
    # rusage counts a worker or kernel only once its parent has reaped it; the samples miss at most
    # the last 50 ms of each process. Either may fall short, so the larger is the figure.
    roles = memory.cpu_by_role()
    return elapsed, peak, made, max(children_cpu() - cpu_before, sum(roles.values())), roles


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


def _row(label: str, plans: int, run: tuple[float, int, int, float, dict[str, float]]) -> str:
    seconds, _, _, cpu, roles = run
    split = " / ".join(f"{roles[role] / plans * 1000:.0f}" for role in ("client", "workers", "kernels"))
    return (f"| {label} | {plans} | {seconds:.1f} s | {seconds / plans * 1000:.0f} ms | {cpu:.1f} s | "
            f"{cpu / plans * 1000:.0f} ms | {split} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=100, help="inputs in the batch vs papermill comparison")
    parser.add_argument("--large", type=int, default=1000, help="inputs in the large batch")
    parser.add_argument("--jobs", type=int, default=2, help="techplan batch --jobs (default 2)")
    parser.add_argument("--skip-large", action="store_true", help="only the comparison")
    parser.add_argument("--skip-comparison", action="store_true", help="only the large batch (no papermill loop)")
    parser.add_argument("--baseline", type=Path, help="a folder holding another techplan_nb to run the large batch "
                                                      "with first, for the same-run ratio")
    args = parser.parse_args()
    if args.baseline is not None and not (args.baseline / "techplan_nb" / "__init__.py").is_file():
        parser.error(f"--baseline {args.baseline}: holds no techplan_nb package")
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="techplan-bench-") as tmp:
        root = Path(tmp)
        if not args.skip_comparison:
            paths = make_inputs(root / "inputs", args.plans)
            print(f"{args.plans} varied inputs; techplan batch --jobs {args.jobs} ...", flush=True)
            report["batch"] = run_batch(root / "inputs", root / "batch", args.jobs)
            batch_s, batch_peak, made, batch_cpu, _ = report["batch"]
            print(f"  {batch_s:.1f} s, {made} plans, peak {batch_peak / 2**20:.0f} MiB, {batch_cpu:.1f} CPU-s",
                  flush=True)
            print(f"serial loop of {args.plans} papermill command-line runs ...", flush=True)
            cpu_before = children_cpu()
            loop_s = run_papermill_loop(paths, root / "loop")
            loop_cpu = children_cpu() - cpu_before
            print(f"  {loop_s:.1f} s, {loop_cpu:.1f} CPU-s", flush=True)
            compared, different = compare(root / "batch", root / "loop")
            report["comparison"] = (loop_s, compared, different, loop_cpu)
        if not args.skip_large:
            make_inputs(root / "large", args.large)
            if args.baseline is not None:
                print(f"{args.large} varied inputs; baseline ({args.baseline}) techplan batch --jobs {args.jobs} ...",
                      flush=True)
                report["baseline"] = run_batch(root / "large", root / "baseline-out", args.jobs, args.baseline)
            print(f"{args.large} varied inputs; techplan batch --jobs {args.jobs} ...", flush=True)
            report["large"] = run_batch(root / "large", root / "large-out", args.jobs)
            if args.baseline is not None:
                report["same"] = compare(root / "large-out", root / "baseline-out")
    cores = psutil.cpu_count() or 1
    print()
    print("| run | plans | wall | per plan | CPU of the process tree | CPU per plan | client / workers / kernels |")
    print("|---|---|---|---|---|---|---|")
    if "comparison" in report:
        loop_s, compared, different, loop_cpu = report["comparison"]
        print(f"| papermill CLI, serial loop | {args.plans} | {loop_s:.1f} s | {loop_s / args.plans * 1000:.0f} ms | "
              f"{loop_cpu:.1f} s | {loop_cpu / args.plans * 1000:.0f} ms | |")
        print(_row(f"techplan batch --jobs {args.jobs}", args.plans, report["batch"]))
    if "baseline" in report:
        print(_row(f"baseline: techplan batch --jobs {args.jobs}", args.large, report["baseline"]))
    if "large" in report:
        print(_row(f"techplan batch --jobs {args.jobs}", args.large, report["large"]))
    print()
    if "comparison" in report:
        batch_s, batch_peak, _, batch_cpu, _ = report["batch"]
        print(f"speed-up over the papermill loop: {loop_s / batch_s:.1f}x wall, "
              f"{loop_cpu / batch_cpu:.1f}x CPU (goal >= 10x)")
        print(f"identical plans: {compared - len(different)} of {compared}"
              + (f"; different: {', '.join(different[:5])}" if different else ""))
        print(f"peak memory, {args.plans}-plan batch: {batch_peak / 2**20:.0f} MiB")
    if "large" in report:
        large_s, large_peak, large_made, large_cpu, _ = report["large"]
        print(f"{args.large} plans: {large_made} made in {large_s:.1f} s (goal < 60 s for 1,000), "
              f"{large_cpu / args.large * 1000:.0f} ms CPU per plan (goal <= 80 ms), peak memory "
              f"{large_peak / 2**20:.0f} MiB (goal < 1024 MiB); on an otherwise idle machine the CPU it used "
              f"bounds the time from below at {large_cpu / cores:.0f} s ({cores} cores)")
    if "baseline" in report:
        base_s, base_peak, _, base_cpu, _ = report["baseline"]
        large_s, large_peak, _, large_cpu, _ = report["large"]
        compared, different = report["same"]
        print(f"against the baseline: {large_cpu / base_cpu:.2f}x the CPU, {large_s / base_s:.2f}x the wall time, "
              f"{large_peak / base_peak:.2f}x the peak memory; identical plans: {compared - len(different)} of "
              f"{compared}" + (f"; different: {', '.join(different[:5])}" if different else ""))
    load = psutil.getloadavg()
    print(f"machine: {cores} cores, load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
          "(other work on a shared machine slows every figure; compare the ratios)")


if __name__ == "__main__":
    main()
