"""run, audit, verify: plans made by executing the notebook, and their audit records."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from . import common

MAX_TIMEOUT = 86400


def timeout_seconds(text: str) -> float:
    """Whole seconds from 1 to 86400: the kernel client counts a cell's time in whole seconds
    (a fractional value was an internal error once the run started, and failed every batch plan)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds; give a whole number "
                                         f"from 1 to {MAX_TIMEOUT}") from None
    if not 1 <= value <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"{text!r} is out of range; give a whole number of seconds from 1 to "
                                         f"{MAX_TIMEOUT}")
    if not value.is_integer():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds; give a whole number "
                                         f"from 1 to {MAX_TIMEOUT} (e.g. {round(value)})")
    return float(int(value))


def add_notebook(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--notebook", type=Path, default=None, metavar="PATH",
                        help="run a team's own parameterised notebook instead of the bundled "
                             "technical_plan.ipynb (it needs a `parameters` cell with inputs_path and output_dir)")


def add_timeout(parser: argparse.ArgumentParser, default: float) -> None:
    parser.add_argument("--timeout", type=timeout_seconds, default=default, metavar="SECONDS",
                        help=f"fail a run when one cell runs longer than this (default: {default:g})")


DEFAULT_TIMEOUT = 600.0  # runner.DEFAULT_TIMEOUT; not imported, so `techplan render` never loads papermill
DEFAULT_MEMORY_LIMIT = 4 * 2**30  # runner.DEFAULT_MEMORY_LIMIT, likewise
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def memory_size(text: str) -> int | None:
    """'4G', '1.5GiB', '1536M' -> bytes; '0', 'none' or 'off' -> None (no cap)."""
    if text.strip().lower() in ("0", "none", "off"):
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", text, re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; give e.g. 4G, 1536M, or none")
    size = int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    if size < 2**30:
        raise argparse.ArgumentTypeError(f"{text!r} is too small: a kernel maps about 0.9 GiB before any cell "
                                         "runs, so give at least 1G (or none for no cap)")
    return size


def add_memory_limit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--memory-limit", type=memory_size, default=DEFAULT_MEMORY_LIMIT, metavar="SIZE",
                        help="cap each kernel's address space at SIZE (e.g. 4G, 1536M): a cell that allocates "
                             "past it fails its plan at once with reason 'memory' instead of exhausting the "
                             "machine; 'none' for no cap (default: 4G; a kernel maps about 0.9 GiB before "
                             "any cell runs; Linux only)")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "run", help="make a plan by executing the notebook, keeping it as the audit record",
        description="Validate FILE, then execute the plan notebook with papermill in a real Jupyter kernel. "
                    "Writes DIR/issue-<number>-<slug>/ with technical-plan.md, the executed notebook "
                    "technical-plan.ipynb (the audit record), the PNG charts and a copy of the inputs. "
                    "Bad inputs: exit 2, nothing written. A failed run: exit 1, the notebook kept as "
                    "technical-plan.failed.ipynb, no plan written.")
    p.add_argument("file", type=Path, metavar="FILE", help="inputs file (.yaml, .yml, .json)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write the plan's folder into")
    common.add_as_of(p)
    common.add_seed(p)
    common.add_template(p)
    add_notebook(p)
    add_timeout(p, DEFAULT_TIMEOUT)
    add_memory_limit(p)
    p.add_argument("--force", action="store_true",
                   help="overwrite a plan that was edited by hand (a .bak copy is kept)")
    p.add_argument("--no-images", dest="images", action="store_false",
                   help="a plan to paste into a GitHub issue or pull request: technical-plan.md links no "
                        "chart image (a relative link shows broken there); the charts are still written "
                        "beside it and shown in the notebook. Recorded, so update keeps it")
    p.set_defaults(handler=_run)

    p = commands.add_parser(
        "audit", help="print the audit record of an executed plan notebook",
        description="Print what an executed notebook records about its run: status, inputs and their "
                    "SHA-256, template, plan hash, as_of and seed, versions, kernel, times and summaries.")
    p.add_argument("notebook", type=Path, metavar="NOTEBOOK", help="an executed notebook (.ipynb)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text for people (default) or json for tools")
    p.set_defaults(handler=_audit)

    from ..plan_folder import NOTEBOOK_FILE, PLAN_FILE

    p = commands.add_parser(
        "verify", help="check a plan is byte-for-byte what a notebook's run produced",
        description=f"Exit 0 when PLAN is byte-for-byte the plan recorded in NOTEBOOK's run (by "
                    f"default {NOTEBOOK_FILE} beside it); exit 1 naming the first differing line when "
                    f"it is not. PLAN may be a plan folder: its {PLAN_FILE} is checked.")
    p.add_argument("plan", type=Path, metavar="PLAN.md", help="the plan file to check, or its folder")
    p.add_argument("notebook", type=Path, nargs="?", default=None, metavar="NOTEBOOK",
                   help=f"the executed notebook of the run (default: {NOTEBOOK_FILE} beside the plan)")
    p.set_defaults(handler=_verify)


def _run(args: argparse.Namespace) -> int:
    from ..runner import run_plan

    result = run_plan(args.file, args.out, as_of=args.as_of, seed=args.seed,
                      template=args.template, notebook=args.notebook, force=args.force, timeout=args.timeout,
                      memory_limit=args.memory_limit, images=args.images)
    if result.status != "succeeded":
        from ..errors import printable

        print(printable(f"techplan: the notebook run failed: {result.message}") + "\n"
              f"techplan: no plan was written; the failed notebook is kept at {result.notebook}",
              file=sys.stderr)
        return 1
    print(f"wrote {result.plan}\naudit record: {result.notebook} ({result.seconds:.2f} s)", file=sys.stderr)
    return 0


def _audit(args: argparse.Namespace) -> int:
    from ..audit import as_json, format_text, read
    from ..errors import printable

    audit = read(args.notebook)
    # The record quotes the notebook's cells and outputs, which anyone who sent the file wrote.
    sys.stdout.write(printable(as_json(audit), json=True) if args.format == "json" else printable(format_text(audit)))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from ..audit import verify
    from ..errors import printable
    from ..plan_folder import PlanFolder

    plan = Path(args.plan)
    folder = PlanFolder(plan if plan.is_dir() else plan.parent)
    if plan.is_dir():
        plan = folder.plan_path
    # A command killed half-way through installing the folder's files left a journal: roll it back
    # first, so what is verified is a complete set of files (the previous one).
    folder.recover_if_interrupted("verify")
    notebook = args.notebook
    if notebook is None:
        from ..errors import UsageError
        from ..safe_files import shown_name

        notebook = folder.notebook_path
        if not notebook.is_file():
            raise UsageError(f"{shown_name(notebook)}: no notebook beside the plan; name the executed notebook of "
                             f"its run: techplan verify {shown_name(plan)} NOTEBOOK")
    print(printable(verify(plan, notebook)))
    return 0
