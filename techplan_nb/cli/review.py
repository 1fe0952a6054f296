"""review add/resolve, approve, status, update: carry a plan folder through its review.

Argument parsing and printing only: the use cases live in techplan_nb.services.review (the form
calls them too). A refused change exits 2 with the reason and writes nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import common
from .review_commands import _approve, _review_add, _review_resolve, _status, _update

STATUS_CHOICES = ("Draft", "Under Review", "Approved")
REVIEW_CHOICES = ("Changes Requested", "Approved")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    review = commands.add_parser(
        "review", help="record a review round, or its resolution, in a plan folder",
        description="Record review rounds in PLAN_DIR/inputs.yaml and regenerate the plan.")
    actions = review.add_subparsers(dest="review_command", metavar="ACTION", required=True,
                                    parser_class=_FolderAnywhereParser)

    p: argparse.ArgumentParser = actions.add_parser(
        "add", help="record a new review round",
        description="Add the next review round. A Draft moves to Under Review; \"Changes Requested\" "
                    "reopens an Approved plan (Under Review) and, whatever the status, withdraws the "
                    "approvals given, which must be given again after the changes (unless --keep-approvals).")
    _plan_dir(p, anywhere=True)
    p.add_argument("--reviewer", required=True, metavar="NAME", help="who reviewed the plan")
    p.add_argument("--status", required=True, type=_review_status, metavar="STATUS",
                   help='the round\'s verdict: "Changes Requested" or Approved')
    p.add_argument("--feedback", nargs="+", action=_Items, default=[], metavar="TEXT",
                   help="a feedback item; repeat the option for each item (--feedback A --feedback B); "
                        "required with \"Changes Requested\"")
    p.add_argument("--date", type=common.iso_date, default=None, metavar="YYYY-MM-DD",
                   help="the day of the review (default: the as-of date)")
    p.add_argument("--keep-approvals", action="store_true",
                   help="with \"Changes Requested\", keep the approvals already given instead of withdrawing them")
    _regeneration(p)
    p.set_defaults(handler=_review_add)

    p = actions.add_parser(
        "resolve", help="record how a round's feedback was addressed",
        description="Append resolution items to review round N. A round that asked for changes blocks "
                    "approval until it has a resolution.")
    _plan_dir(p, anywhere=True)
    p.add_argument("--round", required=True, type=common.at_least(1), metavar="N", help="the review round's number")
    p.add_argument("--resolution", nargs="+", action=_Items, required=True, metavar="TEXT",
                   help="how the feedback was addressed: one item; repeat the option for each item "
                        "(--resolution A --resolution B)")
    p.add_argument("--append", action="store_true",
                   help="add the items to a round that already has a resolution (without it, such a round is "
                        "refused: exit 2, nothing written)")
    _regeneration(p)
    p.set_defaults(handler=_review_resolve)

    p = commands.add_parser(
        "approve", help="record a role's approval of a plan",
        description="Tick ROLE in the plan's Approval section. The plan must be Under Review (or Approved). "
                    "ROLE may be abbreviated (\"UX\", \"manager\") when it names one role.")
    _plan_dir(p)
    p.add_argument("--role", required=True, metavar="ROLE", help="the approving role, as listed under Approval")
    p.add_argument("--by", default="", metavar="NAME", help="the person approving (shown beside the tick)")
    p.add_argument("--revoke", action="store_true",
                   help="withdraw the role's approval instead; an Approved plan goes back to Under Review")
    _regeneration(p)
    p.set_defaults(handler=_approve)

    p = commands.add_parser(
        "status", help="show a plan's review status, or change it",
        description="Without NEW_STATUS: show the status, review rounds, approvals and what approval still "
                    "needs. With it: change the status if the rules allow (Draft -> Under Review -> Approved, "
                    "Approved -> Under Review); Approved needs every required approval and no unresolved "
                    "round that asked for changes. A refused change exits 2 and says what is missing.")
    _plan_dir(p)
    p.add_argument("new_status", nargs="?", type=_plan_status, default=None, metavar="NEW_STATUS",
                   help='Draft, "Under Review" or Approved')
    _regeneration(p)
    p.set_defaults(handler=_status)

    p = commands.add_parser(
        "update", help="regenerate a plan from its inputs, keeping hand edits",
        description="Regenerate PLAN_DIR/technical-plan.md from PLAN_DIR/inputs.yaml. Computed sections "
                    "(header, Risk Assessment, Implementation Timeline, Review Feedback, Approval) are "
                    "regenerated; prose sections edited by hand are kept; a section both edited by hand and "
                    "changed by the inputs keeps the hand edit and is reported with the inputs' change. "
                    "Exit 1 when such a conflict was reported; every update reports it again until it is settled "
                    "(edit the section, or --take inputs / --take mine).")
    _plan_dir(p)
    p.add_argument("--force", action="store_true",
                   help="overwrite the plan with a fresh render, discarding hand edits (kept in a numbered "
                        ".bak copy)")
    p.add_argument("--dry-run", action="store_true",
                   help="report exactly what the same command without --dry-run would do, and write nothing")
    p.add_argument("--take", choices=("inputs", "mine"), default=None,
                   help="settle the reported conflicts: 'inputs' takes the inputs' version of each section (your "
                        "text is kept in a numbered backup), 'mine' keeps your text and stops reporting them")
    _regeneration(p)
    p.set_defaults(handler=_update)


# --- argument types ---------------------------------------------------------------------------------


def _plan_dir(parser: argparse.ArgumentParser, *, anywhere: bool = False) -> None:
    # anywhere: PLAN_DIR may come after the options (see _FolderAnywhereParser); still required.
    parser.add_argument("plan_dir", type=Path, metavar="PLAN_DIR", nargs="?" if anywhere else None,
                        help="the plan's folder (plans/issue-<number>-<slug>/) holding inputs.yaml")


_LOOSE = "_words_after_an_item"


class _Items(argparse.Action):
    """--feedback / --resolution: one TEXT per option (`--feedback A --feedback B PLAN_DIR`).

    Once PLAN_DIR has been given, an option also takes several words (`PLAN_DIR --feedback A B`,
    the older form). Before it, only the first word is the item: the words after it are
    positional, so PLAN_DIR after the options is no longer taken for an item (argparse's "+" would
    swallow it, then say PLAN_DIR is missing). _FolderAnywhereParser places those words.
    """

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        words = [str(value) for value in (values if isinstance(values, list) else [values])]
        if getattr(namespace, "plan_dir", None) is None:
            loose = list(getattr(namespace, _LOOSE, []))
            loose += [(option_string or self.dest, word) for word in words[1:]]
            setattr(namespace, _LOOSE, loose)
            words = words[:1]
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or []), *words])


class _FolderAnywhereParser(argparse.ArgumentParser):
    """A review action's parser: PLAN_DIR may come before or after the options; required either way."""

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        loose: list[tuple[str, str]] = getattr(parsed, _LOOSE, [])
        if hasattr(parsed, _LOOSE):
            delattr(parsed, _LOOSE)
        if "plan_dir" not in vars(parsed):  # a parser without PLAN_DIR
            return parsed, extras
        if parsed.plan_dir is None and len(loose) == 1:
            parsed.plan_dir = Path(loose.pop()[1])
        if loose:
            option, word = loose[0]
            self.error(f"{option} takes one TEXT each: {word!r} is a second one (give {option} again for "
                       "each item, and quote an item that holds spaces)")
        if parsed.plan_dir is None:
            self.error("the following arguments are required: PLAN_DIR")
        return parsed, extras

    def format_usage(self) -> str:
        return super().format_usage().replace("[PLAN_DIR]", "PLAN_DIR")

    def format_help(self) -> str:
        return super().format_help().replace("[PLAN_DIR]", "PLAN_DIR")


def _regeneration(parser: argparse.ArgumentParser) -> None:
    common.add_as_of(parser)
    parser.add_argument("--seed", type=common.seed, default=None, metavar="N",
                        help="seed for the schedule simulation (default: the one the plan was made with, else 0)")
    parser.add_argument("--template", type=Path, default=None, metavar="PATH",
                        help="render with a team's own Jinja2 template (it may extend technical-plan.md.j2); "
                             "needed again for a plan made with one: the folder's record of its template is "
                             "not used, since a folder's files may come from anyone")
    parser.add_argument("--fast", action="store_true",
                        help="render in-process without a Jupyter kernel even when the folder holds the audit "
                             "notebook of `techplan run` (default: re-run that notebook, so the audit record "
                             "and charts match the new inputs; with --fast they describe the previous ones)")


def _choice(choices: tuple[str, ...], what: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        key = " ".join(text.replace("_", " ").replace("-", " ").split()).lower()
        for choice in choices:
            if choice.lower() == key:
                return choice
        raise argparse.ArgumentTypeError(f"{text!r} is not a {what}; use " + " or ".join(repr(c) for c in choices))
    return parse


_review_status = _choice(REVIEW_CHOICES, "review status")
_plan_status = _choice(STATUS_CHOICES, "status")
