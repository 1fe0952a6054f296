"""The review workflow's rules: which status changes are allowed, whose approval is required,
and, when a change is refused, why and what is missing.

Pure: decisions on a validated PlanInput, no disk, no clock. The commands that edit inputs
files (techplan_nb.cli.review) ask here first and only then touch a file.

Lifecycle::

    Draft ──▶ Under Review ──▶ Approved
                   ▲               │
                   └───────────────┘  (a new round asks for changes, or an approval is withdrawn)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import UsageError
from .model import DEFAULT_APPROVALS, STATUSES, Approval, PlanInput, Review, has_any

DRAFT, UNDER_REVIEW, APPROVED = STATUSES
CHANGES_REQUESTED = "Changes Requested"

# Allowed moves; anything else is refused with the reason from _WHY_NOT.
TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset({UNDER_REVIEW}),
    UNDER_REVIEW: frozenset({APPROVED}),
    APPROVED: frozenset({UNDER_REVIEW}),
}

_WHY_NOT: dict[tuple[str, str], str] = {
    (DRAFT, APPROVED): "a Draft is approved only after review: move it to Under Review first",
    (UNDER_REVIEW, DRAFT): "a plan under review does not go back to Draft; record the changes you need "
                           "as a review round with status \"Changes Requested\"",
    (APPROVED, DRAFT): "an approved plan does not go back to Draft; reopen it with a review round that "
                       "requests changes, or move it to Under Review",
}


class TransitionRefused(UsageError):
    """A status change, approval or review the workflow does not allow; the message says why."""

    def __init__(self, reasons: Sequence[str], headline: str = "") -> None:
        self.reasons = list(reasons)
        if headline:
            super().__init__(headline + ":" + "".join(f"\n  - {reason}" for reason in self.reasons))
        else:
            super().__init__("; ".join(self.reasons))


# --- roles ------------------------------------------------------------------------------------


# (?<!\s): one attempt per run of blanks, not one per blank (quadratic on a long run).
_PARENTHESIS = re.compile(r"(?<!\s)\s*\([^)]*\)")
_UX = re.compile(r"\b(?:ux|ui)\b|if ui changes", re.IGNORECASE)


def role_key(role: str) -> str:
    """"Staff UX Designer (if UI changes)" and "staff ux designer" are the same role."""
    # Only up to the last ")": past it no "(" closes, and each would rescan to the end (quadratic).
    close = role.rfind(")") + 1
    return " ".join((_PARENTHESIS.sub("", role[:close]) + role[close:]).lower().split())


def is_ux_role(role: str) -> bool:
    return _UX.search(role) is not None


def has_frontend_work(plan: PlanInput) -> bool:
    """The plan describes frontend work: any field of approach.frontend is filled in."""
    return has_any(plan.approach.frontend)


@dataclass(frozen=True)
class RoleState:
    role: str
    required: bool
    approved: bool
    by: str
    date: dt.date | None
    note: str  # why a role is not required, shown by `techplan status`


def approvals_of(plan: PlanInput) -> list[Approval]:
    """The plan's approval list, or the template's four roles when the inputs give none."""
    if plan.approvals:
        return list(plan.approvals)
    return [Approval(role=role) for role in DEFAULT_APPROVALS]


def role_states(plan: PlanInput) -> list[RoleState]:
    frontend = has_frontend_work(plan)
    states = []
    for approval in approvals_of(plan):
        required = frontend or not is_ux_role(approval.role)
        note = "" if required else "not required: the plan has no frontend work (approach.frontend is empty)"
        states.append(RoleState(approval.role, required, approval.approved, approval.by, approval.date, note))
    return states


def required_roles(plan: PlanInput) -> list[str]:
    return [state.role for state in role_states(plan) if state.required]


def missing_approvals(plan: PlanInput) -> list[str]:
    return [state.role for state in role_states(plan) if state.required and not state.approved]


def approvals_tally(plan: PlanInput) -> tuple[int, int]:
    """(approvals given, approvals required), counting required roles only."""
    required = [state for state in role_states(plan) if state.required]
    return sum(state.approved for state in required), len(required)


def find_role(plan: PlanInput, wanted: str) -> str:
    """The plan's role that `wanted` names: exact (ignoring case and "(...)"), else one unique match."""
    roles = [approval.role for approval in approvals_of(plan)]
    key = role_key(wanted)
    if not key:
        raise UsageError("--role is empty; name one of: " + _quoted(roles))
    # The role as written wins over one that differs only by its "(...)": "Engineering Manager"
    # beside "Engineering Manager (backup)".
    for same in (lambda role: role.strip().lower() == wanted.strip().lower(), lambda role: role_key(role) == key):
        exact = [role for role in roles if same(role)]
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1 and len(set(exact)) == 1:
            raise UsageError(f"--role {wanted!r}: the role {exact[0]!r} is listed {len(exact)} times under "
                             "`approvals:` in inputs.yaml; keep one")
    partial = [role for role in roles if re.search(rf"\b{re.escape(key)}", role_key(role))]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        raise UsageError(f"--role {wanted!r} matches several roles ({_quoted(partial)}); give the full name")
    raise UsageError(f"--role {wanted!r} is not one of this plan's roles ({_quoted(roles)}); add the role to "
                     "`approvals:` in inputs.yaml first if it should sign this plan")


def _quoted(items: Sequence[str]) -> str:
    return ", ".join(repr(item) for item in items)


# --- review rounds ------------------------------------------------------------------------------


def latest_round(plan: PlanInput) -> Review | None:
    return max(plan.reviews, key=lambda review: review.round, default=None)


def next_round_number(plan: PlanInput) -> int:
    latest = latest_round(plan)
    return 1 if latest is None else latest.round + 1


def round_blocks_approval(review: Review) -> bool:
    """A round that asked for changes blocks approval until a resolution is recorded for it."""
    return review.status == CHANGES_REQUESTED and not review.resolution


def find_round(plan: PlanInput, number: int) -> Review:
    for review in plan.reviews:
        if review.round == number:
            return review
    rounds = ", ".join(str(review.round) for review in sorted(plan.reviews, key=lambda r: r.round))
    hint = f"this plan has rounds {rounds}" if rounds else "this plan has no review rounds yet (`techplan review add`)"
    raise UsageError(f"--round {number}: no such review round; {hint}")


# --- status changes -----------------------------------------------------------------------------


def approval_blockers(plan: PlanInput) -> list[str]:
    """Everything that stops the plan from being Approved now (empty: it may be approved)."""
    reasons = []
    missing = missing_approvals(plan)
    if missing:
        given, needed = approvals_tally(plan)
        reasons.append(f"required approvals missing ({given} of {needed} given): {_quoted(missing)}; "
                       "record each with `techplan approve PLAN_DIR --role ROLE`")
    latest = latest_round(plan)
    if latest is not None and round_blocks_approval(latest):
        reasons.append(f"review round {latest.round} ({latest.reviewer}) asked for changes and has no resolution; "
                       f"record it with `techplan review resolve PLAN_DIR --round {latest.round} --resolution TEXT`")
    return reasons


def transition_blockers(plan: PlanInput, new_status: str) -> list[str]:
    """Why the plan cannot move to new_status now (empty: allowed)."""
    current = plan.status
    if new_status not in STATUSES:
        return [f"{new_status!r} is not a status; use one of: {', '.join(STATUSES)}"]
    if new_status == current:
        return []
    if new_status not in TRANSITIONS[current]:
        return [_WHY_NOT.get((current, new_status), f"{current} cannot change to {new_status}")]
    if new_status == APPROVED:
        return approval_blockers(plan)
    return []


def check_transition(plan: PlanInput, new_status: str) -> None:
    reasons = transition_blockers(plan, new_status)
    if reasons:
        raise TransitionRefused(reasons, f"cannot change the status from {plan.status} to {new_status}")


def status_after_review(plan: PlanInput, review_status: str) -> str:
    """A round moves a Draft to Under Review; changes requested reopen an Approved plan."""
    if plan.status == DRAFT:
        return UNDER_REVIEW
    if plan.status == APPROVED and review_status == CHANGES_REQUESTED:
        return UNDER_REVIEW
    return plan.status


def check_can_approve(plan: PlanInput, role: str) -> None:
    if plan.status == DRAFT:
        raise TransitionRefused([f"cannot record an approval for {role!r}: the plan is a Draft; move it to "
                                 "Under Review first (`techplan status PLAN_DIR \"Under Review\"`)"])


def status_after_revoke(plan: PlanInput) -> str:
    """Withdrawing an approval from an Approved plan reopens it if approval no longer holds."""
    if plan.status == APPROVED and approval_blockers(plan):
        return UNDER_REVIEW
    return plan.status
