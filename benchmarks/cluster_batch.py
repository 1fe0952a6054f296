"""`techplan batch --scheduler` on a 2-worker Dask cluster on this machine against the local batch
with --jobs 2, measured in the same run, on the same inputs; the plans must be the same bytes.

    .venv/bin/python benchmarks/cluster_batch.py [--count 200] [--repeat 1]

The cluster (a `dask scheduler` and two `dask worker --nthreads 1` processes on 127.0.0.1) is started
before the clock runs, as a cluster that is already there would be; each `techplan batch` command is
timed whole (start-up, kernels, plans, summary). `--scheduler local` (which starts its own cluster)
is timed too. Goal (issue 18): the cluster batch within 1.3x of the local batch's time.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch import AS_OF, make_inputs  # noqa: E402 - benchmarks/batch.py: the same varied inputs

GOAL = 1.3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_cluster(folder: Path, workers: int) -> tuple[str, list[subprocess.Popen[bytes]]]:
    address = f"tcp://127.0.0.1:{free_port()}"
    log = open(folder / "cluster.log", "wb")  # noqa: SIM115 - lives as long as the cluster
    processes = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                   "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
                                  cwd=folder, stdout=log, stderr=log)]
    for n in range(workers):
        processes.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads",
                                           "1", "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{n}"],
                                          cwd=folder, stdout=log, stderr=log))
    from distributed import Client

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
    return address, processes


def timed_batch(inputs: Path, out: Path, *extra: str) -> float:
    command = [sys.executable, "-m", "techplan_nb", "batch", str(inputs), "--out", str(out), "--as-of", AS_OF,
               "--no-progress", *extra]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return seconds


def plans(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.glob("*/technical-plan.md"))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="inputs (default 200)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each (medians reported; default 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="techplan-bench-cluster-") as tmp:
        root = Path(tmp)
        inputs = root / "in"
        make_inputs(inputs, args.count)
        address, processes = start_cluster(root, 2)
        times: dict[str, list[float]] = {"local --jobs 2": [], f"--scheduler {address}": [],
                                         "--scheduler local --jobs 2": []}
        try:
            for n in range(args.repeat):  # interleaved, so a load spike on the machine hits all alike
                times["local --jobs 2"].append(timed_batch(inputs, root / f"local-{n}", "--jobs", "2"))
                times[f"--scheduler {address}"].append(timed_batch(inputs, root / f"tcp-{n}", "--scheduler", address))
                times["--scheduler local --jobs 2"].append(
                    timed_batch(inputs, root / f"lc-{n}", "--scheduler", "local", "--jobs", "2"))
        finally:
            for process in reversed(processes):
                process.terminate()
            for process in reversed(processes):
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        same = plans(root / "local-0") == plans(root / "tcp-0") == plans(root / "lc-0")
        count = len(plans(root / "local-0"))
    base = statistics.median(times["local --jobs 2"])
    print(f"{args.count} inputs, {count} plans each way, {os.cpu_count()} CPUs; plans identical: {same}")
    print(f"{'batch':<42} {'seconds':>8} {'plans/s':>8} {'ratio':>6}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<42} {median:8.1f} {args.count / median:8.1f} {median / base:6.2f}")
    ratio = statistics.median(times[f"--scheduler {address}"]) / base
    print(f"overhead of the running cluster: {ratio:.2f}x (goal <= {GOAL}x): {'met' if ratio <= GOAL else 'MISSED'}")
    return 0 if same and count == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
