"""validate, render, schema, new: the commands that need no Jupyter."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

from ..errors import InputError, UsageError, printable
from . import common


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("validate", help="check inputs files and report every problem",
                            description="Check one or more inputs files (YAML or JSON). Every problem is "
                                        "reported as FILE:LINE: field.path: message. Exit 2 if any is invalid.")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="inputs files (.yaml, .yml, .json)")
    p.set_defaults(handler=_validate)

    p = commands.add_parser("render", help="render an inputs file into the Markdown (or HTML) plan",
                            description="Render the Technical Plan for one inputs file, or for a plan folder "
                                        "(its inputs.yaml). Prints to standard output unless -o is given. "
                                        "Refuses to overwrite a plan edited by hand. --format html writes one "
                                        "self-contained HTML file: the plan with its charts inline, no outside "
                                        "references, ready to share or print (needs the [notebook] extra).")
    p.add_argument("file", type=Path, metavar="FILE", help="inputs file (.yaml, .yml, .json) or a plan folder")
    p.add_argument("-o", "--output", type=Path, default=None, metavar="OUT", help="write the plan to this file")
    p.add_argument("--format", choices=("md", "html"), default="md",
                   help="md: the Markdown plan (default); html: one self-contained HTML file with the charts")
    common.add_as_of(p)
    common.add_seed(p)
    common.add_template(p)
    p.add_argument("--force", action="store_true",
                   help="overwrite OUT even if it was edited by hand (a .bak copy is kept)")
    p.add_argument("--no-images", dest="images", action="store_false",
                   help="a plan to paste into a GitHub issue or pull request, linking no image (the "
                        "Markdown render links none anyway: the same plan as `run --no-images` writes; "
                        "not with --format html, whose charts are inline)")
    p.set_defaults(handler=_render)

    p = commands.add_parser("schema", help="print the JSON Schema of the inputs format",
                            description="Print the JSON Schema of the inputs format, for editors that "
                                        "autocomplete and check YAML/JSON (e.g. yaml-language-server).")
    p.add_argument("-o", "--output", type=Path, default=None, metavar="OUT",
                   help="write the schema to this file ('-' for standard output, the default)")
    p.set_defaults(handler=_schema)

    p = commands.add_parser("new", help="write a commented starter inputs file",
                            description="Write a commented starter inputs file that validates as it is, "
                                        "created today and starting next Monday.")
    p.add_argument("-o", "--output", type=Path, default=Path("inputs.yaml"), metavar="FILE",
                   help="where to write it (default: inputs.yaml)")
    p.add_argument("--as-of", type=common.iso_date, default=None, metavar="YYYY-MM-DD",
                   help="the day to date it from (default: today)")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p.set_defaults(handler=_new)


def _validate(args: argparse.Namespace) -> int:
    from ..inputs import load_path

    failed = 0
    for path in args.files:
        try:
            load_path(path)
        except InputError as exc:
            failed += 1
            for issue in exc.issues:
                print(issue, file=sys.stderr)
        else:
            print(printable(f"{path}: ok"))
    if failed:
        if len(args.files) > 1:
            print(f"techplan: {failed} of {len(args.files)} file(s) invalid", file=sys.stderr)
        return 2
    return 0


def _render(args: argparse.Namespace) -> int:
    from ..inputs import load_path
    from ..model import dated
    from ..output import check_writable
    from ..render import render_plan

    if args.format == "html" and not args.images:
        raise UsageError("--no-images is for the Markdown plan; the HTML export is one file with its charts "
                         "inline (no image links); leave out one of --format html and --no-images")
    if args.output is not None:
        check_writable(args.output, force=args.force)
    if args.file.is_dir():
        from ..inputs import load_bytes
        from ..plan_folder import PlanFolder

        folder = PlanFolder.open(args.file)
        plan = load_bytes(folder.read_inputs(), str(folder.inputs_path))
    else:
        plan = load_path(args.file)
    plan, as_of = dated(plan, args.as_of, today=common.today())
    if args.format == "html":
        from ..html_export import plan_html

        text = plan_html(plan, as_of=as_of, seed=args.seed, template_path=args.template)
    else:
        text = render_plan(plan, as_of=as_of, seed=args.seed, template_path=args.template)
    common.emit(text, args.output, force=args.force)
    return 0


def _schema(args: argparse.Namespace) -> int:
    from ..schema import json_schema

    text = json.dumps(json_schema(), indent=2, sort_keys=False) + "\n"
    if args.output is None or str(args.output) == "-":
        sys.stdout.write(text)
    else:
        from ..output import atomic_write

        atomic_write(args.output, text)
    return 0


def _new(args: argparse.Namespace) -> int:
    from ..output import atomic_write

    if args.output.exists() and not args.force:
        raise UsageError(f"{args.output} already exists; choose another name or pass --force")
    atomic_write(args.output, starter_inputs(args.as_of or common.today()))
    print(f"wrote {args.output}; edit it, then: techplan render {args.output}", file=sys.stderr)
    return 0


def starter_inputs(today: dt.date) -> bytes:
    """The starter file with its dates from today: created today, the timeline starting next
    Monday (its fixed example dates were in the past, so every new plan began late)."""
    from ..render import default_template_dir

    text = (default_template_dir() / "starter-inputs.yaml").read_text("utf-8")
    start = today + dt.timedelta(days=7 - today.weekday())
    text = re.sub(r"(?m)^created: \d{4}-\d{2}-\d{2}", f"created: {today.isoformat()}", text, count=1)
    text = re.sub(r"(?m)^  start: \d{4}-\d{2}-\d{2}", f"  start: {start.isoformat()}", text, count=1)
    return text.encode("utf-8")
