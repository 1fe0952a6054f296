"""review add/resolve, approve, status, update, index: carry a plan folder through its review.

Each editing command reads PLAN_DIR/inputs.yaml, asks techplan_nb.workflow whether the change
is allowed, edits the file in place (comments and key order kept), sets Last Updated to the
as-of date and regenerates PLAN_DIR/technical-plan.md, keeping any hand edits (see update.py).
A refused change exits 2 with the reason and writes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from . import common

if TYPE_CHECKING:
    from ..inputs_edit import InputsDocument
    from ..model import PlanInput
    from ..update import PlanFolder, Regenerated

STATUS_CHOICES = ("Draft", "Under Review", "Approved")
REVIEW_CHOICES = ("Changes Requested", "Approved")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    review = commands.add_parser(
        "review", help="record a review round, or its resolution, in a plan folder",
        description="Record review rounds in PLAN_DIR/inputs.yaml and regenerate the plan.")
    actions = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)

    p = actions.add_parser(
        "add", help="record a new review round",
        description="Add the next review round. A Draft moves to Under Review; \"Changes Requested\" on an "
                    "Approved plan reopens it (Under Review) and withdraws the approvals given, which must "
                    "be given again after the changes (unless --keep-approvals).")
    _plan_dir(p)
    p.add_argument("--reviewer", required=True, metavar="NAME", help="who reviewed the plan")
    p.add_argument("--status", required=True, type=_review_status, metavar="STATUS",
                   help='the round\'s verdict: "Changes Requested" or Approved')
    p.add_argument("--feedback", nargs="+", action="extend", default=[], metavar="TEXT",
                   help="feedback items, one argument each (repeatable); required with \"Changes Requested\"")
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
    _plan_dir(p)
    p.add_argument("--round", required=True, type=_positive, metavar="N", help="the review round's number")
    p.add_argument("--resolution", nargs="+", action="extend", required=True, metavar="TEXT",
                   help="how the feedback was addressed, one item per argument (repeatable)")
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
                    "Exit 1 when such a conflict was reported.")
    _plan_dir(p)
    p.add_argument("--force", action="store_true",
                   help="overwrite the plan with a fresh render, discarding hand edits (a .bak copy is kept)")
    p.add_argument("--dry-run", action="store_true", help="report what would change and write nothing")
    _regeneration(p)
    p.set_defaults(handler=_update)

    p = commands.add_parser(
        "index", help="write PLANS/README.md: a table of every plan in a folder",
        description="Scan PLANS/issue-*/ folders and write PLANS/README.md: issue, title, status, overall "
                    "risk, P80 finish date, approvals given of required, last updated, and flags for stale "
                    "plans (Under Review too long, or P80 date already past).")
    p.add_argument("plans", type=Path, metavar="PLANS", help="the folder holding issue-<number>-<slug>/ folders")
    p.add_argument("--stale-days", type=_non_negative, default=14, metavar="N",
                   help="flag plans Under Review for more than N days (default: 14)")
    p.add_argument("-o", "--output", type=Path, default=None, metavar="OUT",
                   help="where to write the index (default: PLANS/README.md; '-' prints it)")
    p.add_argument("--force", action="store_true",
                   help="overwrite the index even if it was edited by hand (a .bak copy is kept)")
    common.add_as_of(p)
    common.add_seed(p)
    p.set_defaults(handler=_index)


# --- argument types ---------------------------------------------------------------------------------


def _plan_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("plan_dir", type=Path, metavar="PLAN_DIR",
                        help="the plan's folder (plans/issue-<number>-<slug>/) holding inputs.yaml")


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


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _clean(option: str, values: list[str]) -> list[str]:
    """Text from the command line, checked like inputs text (no invisible control characters)."""
    from ..inputs import MAX_TEXT
    from ..model import _strip_line

    cleaned = []
    for value in values:
        try:
            text = _strip_line(value)  # as the inputs file will read it: zero-width ends are blank too
        except ValueError as exc:
            raise UsageError(f"{option}: {exc}") from None
        if not text:
            raise UsageError(f"{option}: an item is empty; give the text")
        if len(text) > MAX_TEXT:  # refused here, not as a line of the inputs file it never reached
            raise UsageError(f"{option}: an item is {len(text):,} characters long; a text is limited to {MAX_TEXT:,}")
        cleaned.append(text)
    return cleaned


# --- the edit-and-regenerate cycle ----------------------------------------------------------------------

Change = Callable[["PlanInput", "InputsDocument", dt.date], list[str]]


def _edit(args: argparse.Namespace, change: Change) -> int:
    """Open the folder, apply `change` (which may refuse), then write inputs and plan together."""
    from ..inputs_edit import InputsDocument
    from ..update import PlanFolder

    folder = PlanFolder.open(args.plan_dir)
    document = InputsDocument.open(folder.inputs_path)
    plan = document.validate()
    as_of = args.as_of or common.today()
    messages = change(plan, document, as_of)
    if not document.changed:
        for message in messages:
            print(message, file=sys.stderr)
        return 0
    document.set_last_updated(as_of)
    edited = document.validate()
    settings = _settings(args, folder)
    result = _regenerate(args, folder, edited, document.text(), as_of, settings)
    print(f"updated: {folder.inputs_path}", file=sys.stderr)
    for message in messages:
        print(message, file=sys.stderr)
    return _report(result)


def _regenerate(args: argparse.Namespace, folder: PlanFolder, plan: PlanInput, inputs_text: str | None,
                as_of: dt.date, settings: dict[str, object], *, force: bool = False) -> Regenerated:
    """Through the audit notebook when the folder has one (unless --fast), else in-process."""
    from ..update import audit_is_stale, generated_base, has_audit_notebook, install_run_files, regenerate, run_notebook

    if has_audit_notebook(folder) and not args.fast:
        base = generated_base(folder)  # may live in the notebook the run is about to replace
        template = settings.get("template")
        run = run_notebook(folder, inputs_text, as_of=as_of, seed=int(settings.get("seed", 0) or 0),  # type: ignore[call-overload]
                           template=Path(str(template)) if template else None)
        install_run_files(folder, run)
        print(f"ran the plan notebook again: {folder.path / 'technical-plan.ipynb'} is the new audit record "
              f"({run.seconds:.1f} s)", file=sys.stderr)
        return regenerate(folder, run.plan_text, force=force, settings=settings, base=base)
    result = regenerate(folder, _render(plan, folder, as_of, settings), force=force, new_inputs=inputs_text,
                        settings=settings)
    if has_audit_notebook(folder) and audit_is_stale(folder):
        print(f"note: --fast: {folder.path / 'technical-plan.ipynb'} and the charts still describe the previous "
              f"inputs; run `techplan update {folder.path}` without --fast to bring them up to date",
              file=sys.stderr)
    return result


def _settings(args: argparse.Namespace, folder: PlanFolder) -> dict[str, object]:
    """Seed and template for a re-render. The recorded seed is data and is reused; a recorded
    template is not: it runs as code, and the folder's files (a pull request's, say) may name any
    template, so only the person running the command chooses one, with --template."""
    from ..render import DEFAULT_TEMPLATE, default_template_dir
    from ..update import previous_settings

    previous = previous_settings(folder)
    seed = args.seed if args.seed is not None else previous.get("seed", 0)
    recorded = previous.get("template")
    if args.template:
        template = str(args.template)
    elif recorded:
        raise UsageError(
            f"{folder.path}: the folder's records say this plan was made with the template {recorded!r}; "
            "a template runs as code, so techplan uses one only when you name it: check that template and "
            f"pass --template PATH (e.g. --template {recorded}), or --template "
            f"{default_template_dir() / DEFAULT_TEMPLATE} for the house template; nothing was written")
    else:
        template = ""
    return {"seed": seed if isinstance(seed, int) else 0, "template": template}


def _render(plan: PlanInput, folder: PlanFolder, as_of: dt.date, settings: dict[str, object]) -> str:
    from ..render import render_plan

    template = settings.get("template")
    return render_plan(plan, as_of=as_of, seed=int(settings.get("seed", 0) or 0),  # type: ignore[call-overload]
                       template_path=Path(str(template)) if template else None, charts=_chart_links(folder))


def _chart_links(folder: PlanFolder) -> dict[str, str]:
    """Keep linking the charts `techplan run` left in the folder."""
    from ..render import CHART_KEYS

    names = {"risk_heatmap": "risk-heatmap.png", "gantt": "schedule-gantt.png",
             "finish_distribution": "finish-distribution.png"}
    return {key: names[key] for key in CHART_KEYS if key in names and (folder.path / names[key]).is_file()}


_LABELS = {"regenerated": "regenerated", "updated": "updated", "kept": "kept", "same": "same",
           "added": "added", "removed": "removed", "conflict": "CONFLICT", "replaced": "REPLACED",
           "kept-added": "kept", "kept-removed": "kept out"}


def _report(result: Regenerated) -> int:
    merge = result.merge
    if merge is None:
        print(f"{'wrote' if result.written else 'unchanged'}: {result.plan_path}"
              + (f" (previous file kept as {result.backup})" if result.backup and result.written else ""),
              file=sys.stderr)
        return 0
    kept = len(merge.with_action("kept", "kept-added", "kept-removed"))
    print(f"{'wrote' if result.written else 'unchanged'}: {result.plan_path} (hand edits kept in {kept} "
          f"section{'s' if kept != 1 else ''}; {len(merge.conflicts)} conflict"
          f"{'s' if len(merge.conflicts) != 1 else ''})", file=sys.stderr)
    if not merge.had_base:
        print("  note: no record of the previously generated plan, so every differing prose section is kept "
              "as it is and reported", file=sys.stderr)
    for outcome in merge.outcomes:
        if outcome.action == "unchanged":
            continue
        line = f"  {_LABELS[outcome.action]:<11} {outcome.title}"
        print(line + (f": {outcome.detail}" if outcome.detail else ""), file=sys.stderr)
        for diff_line in outcome.diff.splitlines():
            print(f"      {diff_line}", file=sys.stderr)
    if result.backup is not None:
        print(f"  the previous plan is kept as {result.backup}", file=sys.stderr)
    return 1 if merge.conflicts else 0


# --- commands ------------------------------------------------------------------------------------------


def _review_add(args: argparse.Namespace) -> int:
    from .. import workflow

    reviewer = _clean("--reviewer", [args.reviewer])[0]
    feedback = _clean("--feedback", args.feedback)
    if args.status == workflow.CHANGES_REQUESTED and not feedback:
        raise UsageError('--feedback is required with --status "Changes Requested": say what should change')

    def change(plan: PlanInput, document: InputsDocument, as_of: dt.date) -> list[str]:
        number = workflow.next_round_number(plan)
        document.add_review(round=number, date=args.date or as_of, reviewer=reviewer, status=args.status,
                            feedback=feedback)
        messages = [f"recorded review round {number} by {reviewer}: {args.status}"]
        new_status = workflow.status_after_review(plan, args.status)
        if new_status != plan.status:
            document.set_status(new_status, as_of)
            messages.append(f"status: {plan.status} -> {new_status}")
        if args.status == workflow.CHANGES_REQUESTED and not args.keep_approvals:
            withdrawn = document.clear_approvals()
            if withdrawn:
                messages.append("approvals withdrawn (the plan will change; approve again after the "
                                f"resolution): {', '.join(withdrawn)}")
        return messages

    return _edit(args, change)


def _review_resolve(args: argparse.Namespace) -> int:
    from .. import workflow

    items = _clean("--resolution", args.resolution)

    def change(plan: PlanInput, document: InputsDocument, as_of: dt.date) -> list[str]:
        review = workflow.find_round(plan, args.round)
        document.add_resolution(review.round, items)
        return [f"recorded the resolution of review round {review.round} ({len(items)} item"
                f"{'s' if len(items) != 1 else ''})"]

    return _edit(args, change)


def _approve(args: argparse.Namespace) -> int:
    from .. import workflow
    from ..model import DEFAULT_APPROVALS

    by = _clean("--by", [args.by])[0] if args.by.strip() else ""

    def change(plan: PlanInput, document: InputsDocument, as_of: dt.date) -> list[str]:
        role = workflow.find_role(plan, args.role)
        state = next(s for s in workflow.role_states(plan) if s.role == role)
        if args.revoke:
            if not state.approved:
                return [f"{role}: no approval to withdraw; nothing changed"]
            document.set_approval(role, approved=False, by="", date=None)
            after = document.validate()
            messages = [f"withdrew the approval of {role}"]
            new_status = workflow.status_after_revoke(after)
            if new_status != plan.status:
                document.set_status(new_status, as_of)
                messages.append(f"status: {plan.status} -> {new_status} (approval no longer holds)")
            return messages
        workflow.check_can_approve(plan, role)
        if state.approved:
            who = f" by {state.by}" if state.by else ""
            when = f" on {state.date}" if state.date else ""
            return [f"{role} already approved{who}{when}; nothing changed"]
        if not plan.approvals:
            document.ensure_approvals(DEFAULT_APPROVALS)
        document.set_approval(role, approved=True, by=by, date=as_of)
        after = document.validate()
        given, needed = workflow.approvals_tally(after)
        messages = [f"approved: {role}" + (f" by {by}" if by else "")]
        if not state.required:
            messages.append(f"  note: {role} is {state.note}; recorded anyway")
        messages.append(f"required approvals: {given} of {needed}")
        blockers = workflow.approval_blockers(after)
        if after.status == workflow.UNDER_REVIEW and not blockers:
            messages.append(f"every requirement for approval is met: techplan status {args.plan_dir} Approved")
        return messages

    return _edit(args, change)


def _status(args: argparse.Namespace) -> int:
    from .. import workflow

    if args.new_status is None:
        return _show_status(args)

    def change(plan: PlanInput, document: InputsDocument, as_of: dt.date) -> list[str]:
        if args.new_status == plan.status:
            return [f"status is already {plan.status}; nothing changed"]
        workflow.check_transition(plan, args.new_status)
        document.set_status(args.new_status, as_of)
        return [f"status: {plan.status} -> {args.new_status}"]

    return _edit(args, change)


def _show_status(args: argparse.Namespace) -> int:
    from .. import workflow
    from ..inputs import load_path
    from ..update import PlanFolder

    folder = PlanFolder.open(args.plan_dir)
    plan = load_path(folder.inputs_path)
    out: list[str] = []
    since = f" since {plan.status_since}" if plan.status_since else ""
    updated = f"; last updated {plan.last_updated}" if plan.last_updated else ""
    out.append(f"{folder.path}: #{plan.issue.number} {plan.issue.title}")
    out.append(f"Status: {plan.status}{since}{updated}")
    if plan.reviews:
        out.append("Review rounds:")
        for review in sorted(plan.reviews, key=lambda r: r.round):
            verdict: str = review.status
            if review.status == workflow.CHANGES_REQUESTED:
                verdict += ", resolved" if review.resolution else ", NOT resolved"
            out.append(f"  {review.round}. {review.date or 'no date'} {review.reviewer}: {verdict}")
    else:
        out.append("Review rounds: none")
    given, needed = workflow.approvals_tally(plan)
    out.append(f"Approvals: {given} of {needed} required")
    for state in workflow.role_states(plan):
        mark = "[x]" if state.approved else "[ ]"
        detail = ""
        if state.approved:
            detail = " — " + " ".join(part for part in (state.by, f"({state.date})" if state.date else "") if part)
        if not state.required:
            detail += f" ({state.note})"
        out.append(f"  {mark} {state.role}{detail.rstrip(' —')}")
    if plan.status == workflow.APPROVED:
        blockers = workflow.approval_blockers(plan)
        out.append("Approved." if not blockers else "Approved, but approval no longer holds:")
    else:
        blockers = workflow.transition_blockers(plan, workflow.UNDER_REVIEW if plan.status == workflow.DRAFT
                                                else workflow.APPROVED)
        target = "Under Review" if plan.status == workflow.DRAFT else "Approved"
        out.append(f"Can move to {target}: " + ("yes" if not blockers else "no"))
    out.extend(f"  - {reason}" for reason in blockers)
    print("\n".join(out))
    return 0


def _update(args: argparse.Namespace) -> int:
    from ..inputs_edit import InputsDocument
    from ..output import edited_by_hand
    from ..update import (
        PlanFolder,
        audit_is_stale,
        differs_beyond_last_updated,
        generated_base,
        has_audit_notebook,
        merge_sections,
    )

    folder = PlanFolder.open(args.plan_dir)
    document = InputsDocument.open(folder.inputs_path)
    plan = document.validate()
    as_of = args.as_of or common.today()
    settings = _settings(args, folder)
    fresh = _render(plan, folder, as_of, settings)
    base = generated_base(folder)
    inputs_changed = base is None or differs_beyond_last_updated(fresh, base)
    if inputs_changed and plan.last_updated != as_of and folder.plan_path.exists():
        document.set_last_updated(as_of)
        plan = document.validate()
        fresh = _render(plan, folder, as_of, settings)
    if args.dry_run:
        if not folder.plan_path.exists():
            print(f"would write: {folder.plan_path}", file=sys.stderr)
            return 0
        from ..safe_files import MAX_PLAN_BYTES, read_file

        ours = read_file(folder.plan_path, MAX_PLAN_BYTES, what="Markdown plan file").decode("utf-8")
        if args.force or not edited_by_hand(folder.plan_path):
            print(f"would {'overwrite' if ours != fresh else 'leave unchanged'}: {folder.plan_path}", file=sys.stderr)
            return 0
        from ..update import Regenerated

        merge = merge_sections(base, ours, fresh)
        print("dry run: nothing written", file=sys.stderr)
        return _report(Regenerated(folder.plan_path, merge.text != ours, merge, None))
    stale_audit = has_audit_notebook(folder) and not args.fast and audit_is_stale(folder)
    if not inputs_changed and not stale_audit and not args.force and folder.plan_path.exists():
        hand = " (hand edits kept)" if edited_by_hand(folder.plan_path) else ""
        print(f"up to date: {folder.plan_path}{hand}", file=sys.stderr)
        return 0
    result = _regenerate(args, folder, plan, document.text() if document.changed else None, as_of, settings,
                         force=args.force)
    if document.changed:
        print(f"updated: {folder.inputs_path} (last_updated: {as_of})", file=sys.stderr)
    return _report(result)


def _index(args: argparse.Namespace) -> int:
    from ..index import build_index, write_index

    as_of = args.as_of or common.today()
    index = build_index(args.plans, as_of=as_of, seed=args.seed, stale_days=args.stale_days)
    for problem in index.problems:
        print(problem, file=sys.stderr)
    if args.output is not None and str(args.output) == "-":
        sys.stdout.write(index.markdown)
    else:
        out = args.output or args.plans / "README.md"
        changed = write_index(out, index.markdown, force=args.force)
        print(f"{'wrote' if changed else 'unchanged'}: {out} ({len(index.rows)} plan"
              f"{'s' if len(index.rows) != 1 else ''}, {sum(1 for r in index.rows if r.flags)} flagged)",
              file=sys.stderr)
    return 1 if index.problems else 0
