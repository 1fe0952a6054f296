"""`techplan run` (notebook in a real kernel, charts, audit record) against `techplan render`
(Markdown only, no Jupyter) on the same input, measured in the same run.

    .venv/bin/python benchmarks/run_vs_render.py [--repeat N] [--input FILE]

Each command runs as a user runs it: a fresh process per plan. Medians; the machine is shared,
so compare the ratio, not the absolute times.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "issue-57-roast-export.yaml"


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7, help="runs of each command (default 7)")
    parser.add_argument("--input", type=Path, default=EXAMPLE, help="inputs file (default: the bundled example)")
    args = parser.parse_args()
    techplan = [sys.executable, "-m", "techplan_nb"]
    renders, runs, inside = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        for _ in range(args.repeat):  # interleaved, so drifting load hits both alike
            renders.append(timed([*techplan, "render", str(args.input), "--as-of", "2026-11-20",
                                  "-o", str(Path(tmp) / "plan.md"), "--force"]))
            runs.append(timed([*techplan, "run", str(args.input), "--out", str(out), "--as-of", "2026-11-20",
                               "--force"]))
            notebook = next(out.glob("*/technical-plan.ipynb"))
            inside.append(json.loads(notebook.read_text("utf-8"))["metadata"]["techplan"]["seconds"])
    render_ms, run_ms = statistics.median(renders) * 1000, statistics.median(runs) * 1000
    print(f"input: {args.input.name}, {args.repeat} runs each, medians")
    print(f"  techplan render   {render_ms:8.0f} ms   (process start to exit)")
    print(f"  techplan run      {run_ms:8.0f} ms   (process start to exit; the notebook itself took "
          f"{statistics.median(inside) * 1000:.0f} ms in its kernel)")
    print(f"  run / render      {run_ms / render_ms:8.1f} x")


if __name__ == "__main__":
    main()
