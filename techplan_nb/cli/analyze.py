"""analyze: print a plan's risk and schedule analysis as JSON or Markdown."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import common

ANALYSIS_TEMPLATE = "analysis.md.j2"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "analyze", help="print the risk and schedule analysis of an inputs file",
        description="Score the risks and schedule the timeline of one inputs file: risk register, matrix and "
                    "flags; critical path, working-day dates, Monte Carlo P50/P80/P90 and the P80 date with "
                    "contingency. The same file, --as-of and --seed give the same output, byte for byte. "
                    "The JSON keys are documented in the README.")
    p.add_argument("file", type=Path, metavar="FILE", help="inputs file (.yaml, .yml, .json)")
    p.add_argument("--format", choices=("json", "md"), default="json",
                   help="json (default): machine-readable, keys as documented; md: the plan's risk and "
                        "timeline sections")
    p.add_argument("-o", "--output", type=Path, default=None, metavar="OUT",
                   help="write to this file instead of standard output")
    p.add_argument("--force", action="store_true",
                   help="overwrite OUT even if it was edited by hand (a .bak copy is kept)")
    common.add_as_of(p)
    common.add_seed(p)
    p.set_defaults(handler=_analyze)


def _analyze(args: argparse.Namespace) -> int:
    from ..inputs import load_path
    from ..model import dated

    if args.output is not None:
        from ..output import check_writable

        check_writable(args.output, force=args.force)
    plan = load_path(args.file)
    plan, as_of = dated(plan, args.as_of, today=common.today())
    if args.format == "json":
        from ..analysis import analyse
        from ..errors import printable

        analysis = analyse(plan, as_of=as_of, seed=args.seed)
        # Names and risks are user text: a line or paragraph separator in one is written \u2028,
        # which JSON reads the same and a terminal does not act on.
        text = printable(json.dumps(analysis.to_json(), indent=2, ensure_ascii=False), json=True) + "\n"
    else:
        from ..render import default_template_dir, render_plan

        text = render_plan(plan, as_of=as_of, seed=args.seed,
                           template_path=default_template_dir() / ANALYSIS_TEMPLATE)
    common.emit(text, args.output, force=args.force)
    return 0
