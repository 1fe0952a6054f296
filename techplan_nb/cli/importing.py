"""import github, import markdown: start a plan's inputs from an issue export or an existing plan."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError, UsageError, printable
from . import common


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("import", help="start inputs from a GitHub issue export or an existing Markdown plan",
                            description="Turn a GitHub issue export or a plan written by hand into an inputs "
                                        "file that `techplan render` takes. Prints which sections are still "
                                        "empty. Exit 2 on bad input (nothing is written).")
    sources = p.add_subparsers(dest="source", metavar="SOURCE", required=True)

    g = sources.add_parser(
        "github", help="issues from `gh issue view --json ...` or the REST API",
        description="Read one issue or a JSON list of issues, as `gh issue view N --json number,title,body,url,"
                    "labels,assignees,milestone,author,createdAt,state` or the REST API print them (use - for "
                    "standard input). A list writes OUT/issue-<number>-<slug>/inputs.yaml per issue and skips "
                    "pull requests. Issue-form answers (### Label) map to plan fields through --mapping.")
    g.add_argument("file", metavar="FILE", help="the JSON file, or - to read standard input")
    # Kept as typed: Path("plans/") drops the slash that says OUT is a folder.
    g.add_argument("-o", "--output", type=str, default=None, metavar="OUT",
                   help="inputs file to write (one issue), or folder (a list, an existing folder, or a "
                        "name ending in /); default: print one issue's inputs to standard output")
    g.add_argument("--mapping", type=Path, default=None, metavar="FILE",
                   help="YAML mapping of issue-form headings to plan fields, laid over the default "
                        "(techplan_nb/importers/issue_form_mapping.yaml)")
    g.add_argument("--as-of", type=common.iso_date, default=None, metavar="YYYY-MM-DD",
                   help="the plan's Created Date (default: today)")
    g.add_argument("--force", action="store_true", help="overwrite inputs files that already exist")
    g.set_defaults(handler=_github)

    m = sources.add_parser(
        "markdown", help="a Technical Plan in Markdown (the house template, by hand or generated)",
        description="Parse a plan written from the house template back into inputs. Content with no "
                    "field (extra sections, tables, paragraphs) is kept verbatim and rendered back in place; "
                    "a plan techplan generated imports to inputs that render the same bytes.")
    m.add_argument("file", metavar="PLAN.md", help="the Markdown plan, or - to read standard input")
    m.add_argument("-o", "--output", type=Path, default=None, metavar="OUT",
                   help="inputs file to write (default: print to standard output)")
    m.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    m.add_argument("--issue", type=_issue_number, default=None, metavar="N",
                   help="the issue number (wins over any the document states; needed when it states none)")
    m.add_argument("--title", default=None, metavar="TEXT", help="the plan's title (wins over the document's)")
    m.set_defaults(handler=_markdown)


def _issue_number(value: str) -> int:
    text = value.strip().lstrip("#")
    if not text.isdigit() or not 1 <= int(text) <= 10**9:
        raise argparse.ArgumentTypeError(f"{value!r} is not an issue number (1 or more, e.g. 57 or #57)")
    return int(text)


def _refuse_existing(paths: list[Path], force: bool) -> None:
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        shown = ", ".join(str(p) for p in existing[:5])
        raise UsageError(f"{shown} already exist{'s' if len(existing) == 1 else ''}; pass --force to overwrite "
                         "(nothing was written)")


def empty_note(target: str, empty: list[str]) -> str:
    """How many sections are still empty, naming only those a plan needs before review (a list of
    all of them was two dozen names long after most imports)."""
    from ..plan_format.sections import by_key, required

    needed = {by_key(key).title for key in required()}
    named = [title for title in empty if title in needed]
    count = f"{len(empty)} section{'s' if len(empty) != 1 else ''} still empty"
    if not named:
        listed = f": {', '.join(empty)}" if len(empty) <= 3 else ""
        return f"{target}: {count}{listed} (none that a plan needs before review)"
    verb = "is" if len(named) == 1 else "are"
    shown = "FILE" if target.startswith("<") else target
    return (f"{target}: {count} ({', '.join(named)} {verb} required before review); "
            f"`techplan render {shown} -o plan.md` then `techplan check plan.md` lists the required ones "
            "with their lines")


def _report(target: str, plan: Any, notes: list[str]) -> None:
    from ..importers import empty_sections

    for note in notes:
        print(printable(f"note: {note}"), file=sys.stderr)
    empty = empty_sections(plan)
    if empty:
        print(printable(empty_note(target, empty)), file=sys.stderr)
    else:
        print(printable(f"{target}: every section has content"), file=sys.stderr)


def _github(args: argparse.Namespace) -> int:
    from ..importers import read_source
    from ..importers.github import load_mapping
    from ..services.importing import plan_github_import, refuse_nothing_to_write

    mapping = load_mapping(args.mapping)
    text, name = read_source(args.file, sys.stdin.buffer)
    made = plan_github_import(text, name, mapping, args.as_of or common.today(), args.output)
    for message in made.skipped:
        print(printable(message), file=sys.stderr)
    refuse_nothing_to_write(made, name)
    _refuse_existing([p.path for p in made.planned if p.path is not None], args.force)
    for planned in made.planned:
        if planned.path is None:
            sys.stdout.write(planned.content)
            sys.stdout.flush()
            _report("<stdout>", planned.plan, planned.notes)
            continue
        backup = _write_inputs(planned.path, planned.content, force=args.force, in_plan_folder=made.to_folder)
        print(printable(f"wrote {planned.path} (issue #{planned.plan.issue.number})"), file=sys.stderr)
        _report(str(planned.path), planned.plan, planned.notes)
        if backup is not None:
            print(printable(f"note: the inputs it replaced are kept as {backup}"), file=sys.stderr)
    if made.problems:
        for issue in made.problems:
            print(issue, file=sys.stderr)
        items = sorted({issue.field.split(" ")[0].split(".")[0] for issue in made.problems})
        print(f"techplan: {len(items)} item{'s' if len(items) != 1 else ''} of the list not imported "
              f"({', '.join(items)}; see above); the other {len(made.planned)} issue"
              f"{'s were' if len(made.planned) != 1 else ' was'} written", file=sys.stderr)
        return 2
    return 0


def _markdown(args: argparse.Namespace) -> int:
    from ..importers import dump_inputs, read_source
    from ..importers.markdown import import_markdown
    from ..inputs import load_bytes

    text, name = read_source(args.file, sys.stdin.buffer)
    result = import_markdown(text, name, issue=args.issue, title=args.title)
    shown = str(args.output) if args.output else "<stdout>"
    comments = [f"Inputs recovered from the Markdown plan {name} by `techplan import markdown`.",
                "What the plan holds beyond the template's fields is under `extra:`, verbatim."]
    try:
        content = dump_inputs(result, comments, shown, source=name)
    except InputError as exc:
        from ..inputs import MAX_BYTES

        if any("the limit for inputs files" in issue.message for issue in exc.issues):
            raise InputError.single(name, f"the plan's inputs would be over the {MAX_BYTES // (1024 * 1024)} MiB an "
                                          f"inputs file may hold (the plan is {len(text.encode('utf-8')):,} bytes); "
                                          "move long appendices or logs out of the plan and link to them") from None
        raise
    plan = load_bytes(content.encode("utf-8"), shown)
    if args.output is None:
        sys.stdout.write(content)
        sys.stdout.flush()
    else:
        _refuse_existing([args.output], args.force)
        backup = _write_inputs(args.output, content, force=args.force)
        print(printable(f"wrote {args.output}"), file=sys.stderr)
        if backup is not None:
            print(printable(f"note: the inputs it replaced are kept as {backup}"), file=sys.stderr)
    _report(shown, plan, result.notes)
    return 0


def _write_inputs(path: Path, content: str, *, force: bool, in_plan_folder: bool = False) -> Path | None:
    """Write an imported inputs file. A plan folder's inputs.yaml (a folder import github makes, or
    one holding a plan) is installed by PlanFolder: under the folder's lock, all or nothing, and the
    copy it replaces (reviewed, edited) kept as a numbered backup."""
    from ..output import atomic_write
    from ..plan_folder import PlanFolder, is_plan_folder_inputs

    if in_plan_folder or is_plan_folder_inputs(path):
        return PlanFolder(path.parent).install_inputs(content.encode("utf-8"), command="import", force=force)
    atomic_write(path, content)
    return None
