"""The review use cases: add a round, resolve it, approve, set the status, update.

Each takes the folder's lock, reads inputs.yaml, asks techplan_nb.workflow whether the change is
allowed (a refusal raises, nothing written), edits the file in place (comments and key order
kept), sets Last Updated and regenerates the plan — all installed in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..plan_folder import PlanFolder
from ..update import Take
from .errors import FieldError
from .regenerate import Regeneration, Settings, regenerate, render, settings_for

if TYPE_CHECKING:
    from ..inputs_edit import InputsDocument
    from ..model import PlanInput


@dataclass(frozen=True)
class Options:
    """How to regenerate: the command line's --as-of, --seed, --template and --fast."""

    as_of: dt.date
    seed: int | None = None
    template: Path | None = None
    fast: bool = False


@dataclass
class Edited:
    """What an editing use case did: its messages, and the regeneration (None when nothing changed)."""

    messages: list[str] = field(default_factory=list)
    regeneration: Regeneration | None = None


Change = Callable[["PlanInput", "InputsDocument", dt.date], list[str]]


def clean(name: str, values: Sequence[str]) -> list[str]:
    """Text given for a field, checked like inputs text (no invisible control characters)."""
    from ..inputs import MAX_TEXT
    from ..model import _strip_line

    cleaned = []
    for value in values:
        try:
            text = _strip_line(value)  # as the inputs file will read it: zero-width ends are blank too
        except ValueError as exc:
            raise FieldError(name, str(exc)) from None
        if not text:
            raise FieldError(name, "an item is empty; give the text")
        if len(text) > MAX_TEXT:  # refused here, not as a line of the inputs file it never reached
            raise FieldError(name, f"an item is {len(text):,} characters long; a text is limited to {MAX_TEXT:,}")
        cleaned.append(text)
    return cleaned


def edit(plan_dir: Path, options: Options, change: Change, *, command: str) -> Edited:
    """Lock the folder, apply `change` (which may refuse), then install inputs and plan together."""
    from ..inputs_edit import InputsDocument

    folder = PlanFolder.open(plan_dir)
    settings = settings_for(folder, seed=options.seed, template=options.template)  # refused before the lock
    with folder.locked(command):
        document = InputsDocument.open(folder.inputs_path)
        plan = document.validate()
        messages = change(plan, document, options.as_of)
        if not document.changed:
            return Edited(messages)
        document.set_last_updated(options.as_of)
        result = regenerate(folder, document, as_of=options.as_of, settings=settings, fast=options.fast,
                            command=command)
    return Edited(messages, result)


def add_review(plan_dir: Path, options: Options, *, reviewer: str, status: str, feedback: Sequence[str],
               date: dt.date | None = None, keep_approvals: bool = False) -> Edited:
    from .. import workflow

    who = clean("reviewer", [reviewer])[0]
    items = clean("feedback", feedback)
    if status == workflow.CHANGES_REQUESTED and not items:
        raise FieldError("feedback", 'is required with the status "Changes Requested": say what should change')

    def change(plan: PlanInput, document: InputsDocument, as_of: dt.date) -> list[str]:
        number = workflow.next_round_number(plan)
        document.add_review(round=number, date=date or as_of, reviewer=who, status=status, feedback=items)
        messages = [f"recorded review round {number} by {who}: {status}"]
        new_status = workflow.status_after_review(plan, status)
        if new_status != plan.status:
            document.set_status(new_status, as_of)
            messages.append(f"status: {plan.status} -> {new_status}")
        # Whatever the status: an approval given before the changes is an approval of a plan that
        # is about to change (docs/review-workflow.md, Status rules).
        if status == workflow.CHANGES_REQUESTED and not keep_approvals:
            withdrawn = document.clear_approvals()
            if withdrawn:
                messages.append("approvals withdrawn (the plan will change; approve again after the "
                                f"resolution): {', '.join(withdrawn)}")
        return messages

    return edit(plan_dir, options, change, command="review add")


def resolve_review(plan_dir: Path, options: Options, *, round_number: int, resolution: Sequence[str],
                   append: bool = False) -> Edited:
    from .. import workflow

    items = clean("resolution", resolution)

    def change(plan: PlanInput, document: InputsDocument, as_of: dt.date) -> list[str]:
        review = workflow.find_round(plan, round_number)
        if review.resolution and not append:
            shown = "; ".join(review.resolution)
            raise FieldError("append", f"review round {review.round} is already resolved ({shown}); nothing "
                                       "was written. Add these items to its resolution with --append")
        document.add_resolution(review.round, items)
        verb = "added to" if review.resolution else "recorded"
        return [f"{verb} the resolution of review round {review.round} ({len(items)} item"
                f"{'s' if len(items) != 1 else ''})"]

    return edit(plan_dir, options, change, command="review resolve")


def approve(plan_dir: Path, options: Options, *, role: str, by: str = "", revoke: bool = False) -> Edited:
    from .. import workflow
    from ..model import DEFAULT_APPROVALS

    who = clean("by", [by])[0] if by.strip() else ""

    def change(plan: PlanInput, document: InputsDocument, as_of: dt.date) -> list[str]:
        name = workflow.find_role(plan, role)
        state = next(s for s in workflow.role_states(plan) if s.role == name)
        if revoke:
            if not state.approved:
                return [f"{name}: no approval to withdraw; nothing changed"]
            document.set_approval(name, approved=False, by="", date=None)
            after = document.validate()
            messages = [f"withdrew the approval of {name}"]
            new_status = workflow.status_after_revoke(after)
            if new_status != plan.status:
                document.set_status(new_status, as_of)
                messages.append(f"status: {plan.status} -> {new_status} (approval no longer holds)")
            return messages
        workflow.check_can_approve(plan, name)
        if state.approved:
            since = (f" by {state.by}" if state.by else "") + (f" on {state.date}" if state.date else "")
            return [f"{name} already approved{since}; nothing changed"]
        if not plan.approvals:
            document.ensure_approvals(DEFAULT_APPROVALS)
        document.set_approval(name, approved=True, by=who, date=as_of)
        after = document.validate()
        given, needed = workflow.approvals_tally(after)
        messages = [f"approved: {name}" + (f" by {who}" if who else "")]
        if not state.required:
            messages.append(f"  note: {name} is {state.note}; recorded anyway")
        messages.append(f"required approvals: {given} of {needed}")
        if after.status == workflow.UNDER_REVIEW and not workflow.approval_blockers(after):
            messages.append(f"every requirement for approval is met: techplan status {plan_dir} Approved")
        return messages

    return edit(plan_dir, options, change, command="approve")


def set_status(plan_dir: Path, options: Options, new_status: str) -> Edited:
    from .. import workflow

    def change(plan: PlanInput, document: InputsDocument, as_of: dt.date) -> list[str]:
        if new_status == plan.status:
            return [f"status is already {plan.status}; nothing changed"]
        workflow.check_transition(plan, new_status)
        document.set_status(new_status, as_of)
        return [f"status: {plan.status} -> {new_status}"]

    return edit(plan_dir, options, change, command="status")


def status_lines(plan_dir: Path) -> list[str]:
    """The status, rounds, approvals and what approval still needs, as `techplan status` prints it."""
    from .. import workflow
    from ..inputs import load_path

    folder = PlanFolder.open(plan_dir)
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
        target = workflow.UNDER_REVIEW if plan.status == workflow.DRAFT else workflow.APPROVED
        blockers = workflow.transition_blockers(plan, target)
        out.append(f"Can move to {target}: " + ("yes" if not blockers else "no"))
    out.extend(f"  - {reason}" for reason in blockers)
    return out


@dataclass
class Updated:
    regeneration: Regeneration
    last_updated_set: bool


def update(plan_dir: Path, options: Options, *, force: bool = False, dry_run: bool = False,
           take: Take | None = None) -> Updated:
    """Regenerate the plan from the folder's inputs. The dry run is this same path, not committed."""
    from ..inputs_edit import InputsDocument
    from ..update import differs_beyond_last_updated

    folder = PlanFolder.open(plan_dir)
    settings: Settings = settings_for(folder, seed=options.seed, template=options.template)
    with folder.locked("update"):
        document = InputsDocument.open(folder.inputs_path)
        plan = document.validate()
        fresh = render(plan, folder, options.as_of, settings)
        base = folder.generated_base()
        inputs_changed = base is None or differs_beyond_last_updated(fresh, base)
        theirs: str | None = None
        if inputs_changed and plan.last_updated != options.as_of and folder.plan_path.exists():
            document.set_last_updated(options.as_of)
        elif not inputs_changed:
            theirs = base  # nothing in the inputs changed: the plan generated before is the fresh one
        result = regenerate(folder, document, as_of=options.as_of, settings=settings, fast=options.fast,
                            force=force, dry_run=dry_run, take=take, theirs=theirs, command="update")
    return Updated(result, document.changed)
