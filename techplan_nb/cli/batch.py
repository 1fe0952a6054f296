"""batch: many plans at once, each with its audit notebook, on warm kernels."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import printable
from . import common
from .run import DEFAULT_TIMEOUT, add_memory_limit, add_notebook, add_timeout


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "batch", help="make many plans, each with its audit notebook, on warm kernels",
        description="Make a plan for every INPUT, as `techplan run` would, into DIR. Kernels are started "
                    "once and reused (the namespace is cleared between plans, and each audit notebook "
                    "records the reuse). One bad input, a failing cell, a timeout or a dead kernel fails "
                    "only that plan. Writes DIR/summary.json and DIR/summary.md. Exit 0 when every plan "
                    "was made, 1 when some failed, 2 for a usage error.")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="inputs files, folders (their .yaml/.yml/.json files, else their plan folders' inputs.yaml) "
                        "or glob patterns such as 'plans/*.yaml'")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write the plans' folders into")
    p.add_argument("--jobs", type=positive, default=min(2, os.cpu_count() or 1), metavar="N",
                   help="plans run at once, one kernel each (default: 2, or 1 on a one-core machine)")
    p.add_argument("--isolate", action="store_true",
                   help="a fresh kernel for every plan: slower, but no process state is shared between plans")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the plans on a Dask cluster: a running scheduler's address (tcp://HOST:PORT), or "
                        "'local' for a local cluster of --jobs worker processes; plans and summary are written "
                        "here, so workers need no shared folder (needs the [cluster] extra)")
    p.add_argument("--recycle-after", type=positive, default=500, metavar="N",
                   help="replace a reused kernel after N plans, bounding its memory growth (default: 500)")
    common.add_as_of(p)
    common.add_seed(p)
    common.add_template(p)
    add_notebook(p)
    add_timeout(p, DEFAULT_TIMEOUT)
    add_memory_limit(p)
    p.add_argument("--force", action="store_true",
                   help="overwrite plans that were edited by hand (a .bak copy is kept)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="do not show the progress bar")
    p.set_defaults(handler=_batch)


def _batch(args: argparse.Namespace) -> int:
    from ..batch import BatchOptions, run_batch, shown_problems

    options = BatchOptions(out_dir=args.out, as_of=args.as_of, seed=args.seed,
                           template=args.template, notebook=args.notebook, force=args.force, jobs=args.jobs,
                           isolate=args.isolate, timeout=args.timeout, recycle_after=args.recycle_after,
                           progress=args.progress, memory_limit=args.memory_limit, scheduler=args.scheduler)
    if args.scheduler:
        from ..cluster import run_cluster_batch

        outcome = run_cluster_batch(args.inputs, options)
    else:
        outcome = run_batch(args.inputs, options)
    for row in outcome.items:
        if row["status"] != "succeeded":
            problems = row.get("problems") or []
            listed = shown_problems(problems) if len(problems) > 1 else []  # one is the error itself
            print(printable(f"techplan: failed: {row['input']}: {row['error']}"
                            + "".join(f"\n  {line}" for line in listed)), file=sys.stderr)
    print(f"techplan: {outcome.succeeded} of {len(outcome.items)} plans made, {outcome.failed} failed, "
          f"in {outcome.seconds:.1f} s; summary: {outcome.summary_md}", file=sys.stderr)
    return 1 if outcome.failed else 0
