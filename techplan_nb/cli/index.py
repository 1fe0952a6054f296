"""index: a README table of every plan in a folder, with the plans that need attention flagged."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import printable
from . import common


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "index", help="write PLANS/README.md: a table of every plan in a folder",
        description="Scan PLANS/issue-*/ folders and write PLANS/README.md: issue, title, status, overall "
                    "risk, P80 finish date, approvals given of required, last updated, and flags for stale "
                    "plans (Under Review too long, or P80 date already past).")
    p.add_argument("plans", type=Path, metavar="PLANS", help="the folder holding issue-<number>-<slug>/ folders")
    p.add_argument("--stale-days", type=common.at_least(0), default=14, metavar="N",
                   help="flag plans Under Review for more than N days (default: 14)")
    p.add_argument("-o", "--output", type=Path, default=None, metavar="OUT",
                   help="where to write the index (default: PLANS/README.md; '-' prints it)")
    p.add_argument("--force", action="store_true",
                   help="overwrite the index even if it was edited by hand (a .bak copy is kept)")
    common.add_as_of(p)
    common.add_seed(p)
    p.set_defaults(handler=_index)


def _index(args: argparse.Namespace) -> int:
    from ..index import build_index, write_index

    as_of = args.as_of or common.today()
    index = build_index(args.plans, as_of=as_of, seed=args.seed, stale_days=args.stale_days)
    for problem in index.problems:
        print(printable(str(problem)), file=sys.stderr)
    if args.output is not None and str(args.output) == "-":
        sys.stdout.write(index.markdown)
    else:
        out = args.output or args.plans / "README.md"
        changed = write_index(out, index.markdown, force=args.force)
        print(printable(f"{'wrote' if changed else 'unchanged'}: {out} ({len(index.rows)} plan"
              f"{'s' if len(index.rows) != 1 else ''}, {sum(1 for r in index.rows if r.flags)} flagged)"),
              file=sys.stderr)
    return 1 if index.problems else 0
