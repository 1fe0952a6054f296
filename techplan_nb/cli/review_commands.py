"""The review commands' handlers: call techplan_nb.services.review, print what it did.

Argument parsing is in cli/review.py; the use cases, in techplan_nb.services.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO, TypeVar

from ..errors import UsageError, printable
from . import common

if TYPE_CHECKING:
    from ..services.regenerate import Regeneration
    from ..services.review import Edited, Options

T = TypeVar("T")


def _say(*parts: object, file: TextIO | None = None) -> None:
    # Review output quotes the plan's own text (names, statuses, diff lines of hand edits): control
    # characters in it are shown escaped, never sent to the terminal.
    print(*(printable(str(part)) for part in parts), file=file)


# --- calling the services, printing what they did ---------------------------------------------------

_OPTIONS = {"reviewer": "--reviewer", "feedback": "--feedback", "resolution": "--resolution", "by": "--by",
            "template": "--template", "append": "--append", "take": "--take"}


def _call(use_case: Callable[[], T]) -> T:
    """Run a use case; a refused field is reported under the option that carried it."""
    from ..services import FieldError

    try:
        return use_case()
    except FieldError as exc:
        if exc.field == "template":  # its message already names the option and the fix
            raise UsageError(exc.message) from None
        raise exc.shown_as(_OPTIONS.get(exc.field, exc.field)) from None


def _options(args: argparse.Namespace) -> Options:
    from ..services.review import Options

    return Options(as_of=args.as_of or common.today(), seed=args.seed, template=args.template, fast=args.fast)


def _print_edit(args: argparse.Namespace, edited: Edited) -> int:
    result = edited.regeneration
    if result is None:
        for message in edited.messages:
            _say(message, file=sys.stderr)
        return 0
    _print_run(result)
    _say(f"updated: {result.folder.inputs_path}", file=sys.stderr)
    for message in edited.messages:
        _say(message, file=sys.stderr)
    return _report(result)


def _print_run(result: Regeneration) -> None:
    notebook = result.folder.notebook_path
    if result.notebook_seconds is not None:
        verb = "would run" if result.dry_run else "ran"
        _say(f"{verb} the plan notebook again: {notebook} is the new audit record"
              + ("" if result.dry_run else f" ({result.notebook_seconds:.1f} s)"), file=sys.stderr)
    if result.stale_audit_note:
        _say(f"note: --fast: {notebook} and the charts still describe the previous inputs; run "
              f"`techplan update {result.folder.path}` without --fast to bring them up to date", file=sys.stderr)


_LABELS = {"regenerated": "regenerated", "updated": "updated", "kept": "kept", "same": "same",
           "added": "added", "removed": "removed", "conflict": "CONFLICT", "replaced": "REPLACED",
           "kept-added": "kept", "kept-removed": "kept out", "moved": "MOVED BACK"}


def _report(result: Regeneration) -> int:
    merge = result.merge
    verb = ("would write" if result.plan_written else "unchanged") if result.dry_run else (
        "wrote" if result.plan_written else "unchanged")
    backups = ", ".join(str(path) for path in result.backups)
    if merge is None:
        _say(f"{verb}: {result.plan_path}" + (f" (previous file kept as {backups})" if backups else ""),
              file=sys.stderr)
        return 0
    kept = len(merge.with_action("kept", "kept-added", "kept-removed"))
    moved = len(merge.moved)
    _say(f"{verb}: {result.plan_path} (hand edits kept in {kept} section{'s' if kept != 1 else ''}"
          + (f"; {moved} moved section{'s' if moved != 1 else ''} put back" if moved else "")
          + f"; {len(merge.conflicts)} conflict{'s' if len(merge.conflicts) != 1 else ''})", file=sys.stderr)
    if not merge.had_base:
        _say("  note: no record of the previously generated plan, so every differing prose section is kept "
              "as it is and reported", file=sys.stderr)
    for outcome in merge.outcomes:
        if outcome.action == "unchanged":
            continue
        line = f"  {_LABELS[outcome.action]:<11} {outcome.title}"
        _say(line + (f": {outcome.detail}" if outcome.detail else ""), file=sys.stderr)
        for diff_line in outcome.diff.splitlines():
            _say(f"      {diff_line}", file=sys.stderr)
    if backups:
        _say(f"  the previous plan is {'to be ' if result.dry_run else ''}kept as {backups}", file=sys.stderr)
    return 1 if merge.conflicts else 0


# --- commands ------------------------------------------------------------------------------------------


def _review_add(args: argparse.Namespace) -> int:
    from ..services.review import add_review

    return _print_edit(args, _call(lambda: add_review(
        args.plan_dir, _options(args), reviewer=args.reviewer, status=args.status, feedback=args.feedback,
        date=args.date, keep_approvals=args.keep_approvals)))


def _review_resolve(args: argparse.Namespace) -> int:
    from ..services.review import resolve_review

    return _print_edit(args, _call(lambda: resolve_review(
        args.plan_dir, _options(args), round_number=args.round, resolution=args.resolution, append=args.append)))


def _approve(args: argparse.Namespace) -> int:
    from ..services.review import approve

    return _print_edit(args, _call(lambda: approve(args.plan_dir, _options(args), role=args.role, by=args.by,
                                                   revoke=args.revoke)))


def _status(args: argparse.Namespace) -> int:
    from ..services.review import set_status, status_lines

    if args.new_status is None:
        _say("\n".join(status_lines(args.plan_dir)))
        return 0
    return _print_edit(args, _call(lambda: set_status(args.plan_dir, _options(args), args.new_status)))


def _update(args: argparse.Namespace) -> int:
    from ..plan_folder import PLAN_FILE  # here, not at the top: every command would load plan_folder to start
    from ..services.review import update

    updated = _call(lambda: update(args.plan_dir, _options(args), force=args.force, dry_run=args.dry_run,
                                   take=args.take))
    result = updated.regeneration
    if args.dry_run:
        _say("dry run: nothing written", file=sys.stderr)
    _print_run(result)
    if not result.changed and not result.conflicts:
        hand = " (hand edits kept)" if result.folder.edited_by_hand(PLAN_FILE) else ""
        _say(f"up to date: {result.plan_path}{hand}", file=sys.stderr)
        return 0
    if result.inputs_written:
        verb = "would update" if args.dry_run else "updated"
        _say(f"{verb}: {result.folder.inputs_path} (last_updated: {_options(args).as_of})", file=sys.stderr)
    return _report(result)
