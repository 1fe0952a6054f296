"""Importing a GitHub issue export: every issue's inputs built and checked before anything is
written, so the command line (and any other caller) writes all of them or reports why not."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, InputIssue, UsageError


@dataclass
class PlannedInputs:
    """One issue's inputs file, ready to write: where (None: standard output), its text, the plan
    it loads as, and the importer's notes."""

    path: Path | None
    content: str
    plan: Any
    notes: list[str]


@dataclass
class GithubImport:
    planned: list[PlannedInputs] = field(default_factory=list)
    problems: list[InputIssue] = field(default_factory=list)  # issues of a list left out
    skipped: list[str] = field(default_factory=list)  # pull requests and the like, said once each
    to_folder: bool = False  # each issue into its plan folder under -o


def plan_github_import(text: str, name: str, mapping: Any, as_of: dt.date, output: str | None) -> GithubImport:
    """What `import github` will write. `output` is -o as typed: a trailing '/' means a folder."""
    from ..importers import dump_inputs
    from ..importers.github import read_export
    from ..inputs import load_bytes
    from ..output import child_path, find_plan_dir

    export = read_export(text, name, mapping, as_of)
    is_list = export.is_list
    if not is_list and export.problems:
        raise InputError(export.problems)
    out = Path(output) if output is not None else None
    to_folder = out is not None and (is_list or out.is_dir() or str(output).endswith(("/", "\\")))
    if out is None and (is_list or len(export.imports) > 1):
        raise UsageError("a list of issues needs -o FOLDER (one inputs file per issue goes in its own folder)")
    # In a list, an issue that cannot be imported is reported and left out; the others are written.
    result = GithubImport(problems=list(export.problems), skipped=list(export.skipped), to_folder=to_folder)
    for item in export.imports:
        target_path: Path | None
        if to_folder:
            assert out is not None
            target_path = child_path(out, find_plan_dir(out, item.issue.number, item.issue.title)) / "inputs.yaml"
        else:
            target_path = out
        shown = str(target_path) if target_path else "<stdout>"
        try:
            content = dump_inputs(item.result, item.comments(name, as_of), shown, source=name)
        except InputError as exc:
            found = [_issue_problem(name, item, issue) for issue in exc.issues]
            if not is_list:
                raise InputError(found) from None
            result.problems.extend(found)
            continue
        result.planned.append(PlannedInputs(target_path, content, load_bytes(content.encode("utf-8"), shown),
                                            item.result.notes))
    return result


def refuse_nothing_to_write(made: GithubImport, name: str) -> None:
    """Called once the skipped items were said: an import that would write nothing is refused."""
    if not made.planned:
        if made.problems:
            raise InputError(made.problems)
        raise InputError.single(name, "no issues to import: every item is a pull request")


def _issue_problem(name: str, item: Any, issue: Any) -> Any:
    """A problem of one issue's inputs, named by the issue's place in the export."""
    from ..inputs import MAX_BYTES

    where = f"issue #{item.issue.number}" if item.where == "(issue)" else f"{item.where} (issue #{item.issue.number})"
    if "the limit for inputs files" in issue.message:
        size = len(item.issue.body.encode("utf-8"))
        return InputIssue(name, None, f"{where}.body",
                          f"the issue's inputs would be over the {MAX_BYTES // (1024 * 1024)} MiB an inputs file "
                          f"may hold (the body is {size:,} bytes); shorten the body in the export, or import "
                          "the issue without it and paste what the plan needs")
    return InputIssue(issue.file, issue.line, f"{where}.{issue.field}" if issue.field else where, issue.message)
