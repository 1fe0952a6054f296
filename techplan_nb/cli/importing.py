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


def _read(source: str) -> tuple[str, str]:
    """The input's text and the name used in messages."""
    from ..inputs import line_at, nul_line
    from ..safe_files import MAX_IMPORT_BYTES, read_capped, shown_name

    if source == "-":
        raw = sys.stdin.buffer.read(MAX_IMPORT_BYTES + 1)
        name = "<stdin>"
    else:
        name = shown_name(source)
        # Refused from its size before it is read (it used to be read up to the limit first).
        raw = read_capped(source, MAX_IMPORT_BYTES, what="file (or - for standard input)",
                          hint="import fewer issues at a time")
    if len(raw) > MAX_IMPORT_BYTES:
        raise InputError.single(name, f"is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB; "
                                      "import fewer issues at a time")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    line = nul_line(raw)
    if line is not None:
        raise InputError.single(name, "contains NUL bytes (UTF-16 or a binary file?); save it as UTF-8 text",
                                line=line)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = line_at(raw, exc.start)
        raise InputError.single(name, "is not UTF-8 text; save it as UTF-8", line=line) from None
    if not text.strip():
        raise InputError.single(name, "is empty", line=1)
    return text, name


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
    from ..errors import InputIssue
    from ..importers import dump_inputs
    from ..importers.github import load_mapping, read_export
    from ..inputs import load_bytes
    from ..output import child_path, find_plan_dir

    mapping = load_mapping(args.mapping)
    text, name = _read(args.file)
    as_of = args.as_of or common.today()
    export = read_export(text, name, mapping, as_of)
    is_list = export.is_list
    if not is_list and export.problems:
        raise InputError(export.problems)
    raw_out: str | None = args.output
    out = Path(raw_out) if raw_out is not None else None
    to_folder = out is not None and (is_list or out.is_dir() or str(raw_out).endswith(("/", "\\")))
    if out is None and (is_list or len(export.imports) > 1):
        raise UsageError("a list of issues needs -o FOLDER (one inputs file per issue goes in its own folder)")
    # Everything is built and checked before anything is written. In a list, an issue that cannot
    # be imported is reported and left out; the others are still written, and the exit is 2.
    problems: list[InputIssue] = list(export.problems)
    planned: list[tuple[Path | None, str, Any, list[str]]] = []
    for item in export.imports:
        target_path: Path | None
        if to_folder:
            assert out is not None
            folder = child_path(out, find_plan_dir(out, item.issue.number, item.issue.title))
            target_path = folder / "inputs.yaml"
        else:
            target_path = out
        shown = str(target_path) if target_path else "<stdout>"
        try:
            content = dump_inputs(item.result, item.comments(name, as_of), shown, source=name)
        except InputError as exc:
            found = [_issue_problem(name, item, issue) for issue in exc.issues]
            if not is_list:
                raise InputError(found) from None
            problems.extend(found)
            continue
        planned.append((target_path, content, load_bytes(content.encode("utf-8"), shown), item.result.notes))
    for message in export.skipped:
        print(printable(message), file=sys.stderr)
    if not planned:
        if problems:
            raise InputError(problems)
        raise InputError.single(name, "no issues to import: every item is a pull request")
    _refuse_existing([p for p, _, _, _ in planned if p is not None], args.force)
    for target_path, content, plan, notes in planned:
        if target_path is None:
            sys.stdout.write(content)
            sys.stdout.flush()
            _report("<stdout>", plan, notes)
        else:
            backup = _write_inputs(target_path, content, force=args.force, in_plan_folder=to_folder)
            print(printable(f"wrote {target_path} (issue #{plan.issue.number})"), file=sys.stderr)
            _report(str(target_path), plan, notes)
            if backup is not None:
                print(printable(f"note: the inputs it replaced are kept as {backup}"), file=sys.stderr)
    if problems:
        for issue in problems:
            print(issue, file=sys.stderr)
        items = sorted({issue.field.split(" ")[0].split(".")[0] for issue in problems})
        print(f"techplan: {len(items)} item{'s' if len(items) != 1 else ''} of the list not imported "
              f"({', '.join(items)}; see above); the other {len(planned)} issue"
              f"{'s were' if len(planned) != 1 else ' was'} written", file=sys.stderr)
        return 2
    return 0


def _issue_problem(name: str, item: Any, issue: Any) -> Any:
    """A problem of one issue's inputs, named by the issue's place in the export."""
    from ..errors import InputIssue
    from ..inputs import MAX_BYTES

    where = f"issue #{item.issue.number}" if item.where == "(issue)" else f"{item.where} (issue #{item.issue.number})"
    if "the limit for inputs files" in issue.message:
        size = len(item.issue.body.encode("utf-8"))
        return InputIssue(name, None, f"{where}.body",
                          f"the issue's inputs would be over the {MAX_BYTES // (1024 * 1024)} MiB an inputs file "
                          f"may hold (the body is {size:,} bytes); shorten the body in the export, or import "
                          "the issue without it and paste what the plan needs")
    return InputIssue(issue.file, issue.line, f"{where}.{issue.field}" if issue.field else where, issue.message)


def _markdown(args: argparse.Namespace) -> int:
    from ..importers import dump_inputs
    from ..importers.markdown import import_markdown
    from ..inputs import load_bytes

    text, name = _read(args.file)
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
