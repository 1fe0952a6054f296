"""The status rules: allowed moves, required roles, and refusals that say what is missing."""

from __future__ import annotations

from typing import Any

import pytest

from techplan_nb import workflow
from techplan_nb.errors import UsageError
from techplan_nb.model import PlanInput

FRONTEND = {"components": "SharePanel"}


def plan(**fields: Any) -> PlanInput:
    data: dict[str, Any] = {"issue": {"number": 8, "title": "Review workflow"}}
    data.update(fields)
    return PlanInput.model_validate(data)


def approvals(*approved: str, roles: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    roles = roles or ("System Architect (Author)", "Staff UX Designer (if UI changes)", "Engineering Manager",
                      "Stakeholder")
    return [{"role": role, "approved": role in approved} for role in roles]


ALL_BUT_UX = ("System Architect (Author)", "Engineering Manager", "Stakeholder")
EVERYONE = (*ALL_BUT_UX, "Staff UX Designer (if UI changes)")


def round_(number: int, status: str, resolution: list[str] | None = None) -> dict[str, Any]:
    return {"round": number, "reviewer": "Ann", "status": status, "feedback": ["x"],
            "resolution": resolution or []}


def test_ux_designer_is_required_only_when_the_plan_has_frontend_work() -> None:
    backend_only = plan(approvals=approvals())
    with_frontend = plan(approvals=approvals(), approach={"frontend": FRONTEND})
    assert "Staff UX Designer (if UI changes)" not in workflow.required_roles(backend_only)
    assert "Staff UX Designer (if UI changes)" in workflow.required_roles(with_frontend)
    assert workflow.approvals_tally(backend_only) == (0, 3)
    assert workflow.approvals_tally(with_frontend) == (0, 4)


def test_default_roles_apply_when_the_inputs_list_no_approvals() -> None:
    assert workflow.required_roles(plan()) == list(ALL_BUT_UX)


@pytest.mark.parametrize("current, new", [("Draft", "Under Review"), ("Approved", "Under Review")])
def test_allowed_moves_need_nothing_more(current: str, new: str) -> None:
    assert workflow.transition_blockers(plan(status=current), new) == []


@pytest.mark.parametrize("current, new, reason", [
    ("Draft", "Approved", "move it to Under Review first"),
    ("Under Review", "Draft", "does not go back to Draft"),
    ("Approved", "Draft", "does not go back to Draft"),
])
def test_moves_outside_the_lifecycle_are_refused_with_the_reason(current: str, new: str, reason: str) -> None:
    with pytest.raises(workflow.TransitionRefused) as info:
        workflow.check_transition(plan(status=current), new)
    assert reason in str(info.value)
    assert info.value.exit_code == 2


def test_approval_refused_names_every_missing_role() -> None:
    draft = plan(status="Under Review", approach={"frontend": FRONTEND},
                 approvals=approvals("System Architect (Author)", "Engineering Manager"))
    reasons = workflow.transition_blockers(draft, "Approved")
    assert len(reasons) == 1
    assert "2 of 4 given" in reasons[0]
    assert "'Staff UX Designer (if UI changes)'" in reasons[0] and "'Stakeholder'" in reasons[0]
    assert "techplan approve" in reasons[0]


def test_approval_allowed_once_every_required_role_approved() -> None:
    ready = plan(status="Under Review", approvals=approvals(*ALL_BUT_UX))
    assert workflow.transition_blockers(ready, "Approved") == []


def test_unresolved_changes_requested_round_blocks_approval_even_with_every_approval() -> None:
    blocked = plan(status="Under Review", approvals=approvals(*EVERYONE),
                   reviews=[round_(1, "Approved"), round_(2, "Changes Requested")])
    reasons = workflow.transition_blockers(blocked, "Approved")
    assert len(reasons) == 1 and "review round 2 (Ann) asked for changes" in reasons[0]
    assert "--round 2" in reasons[0]


def test_a_resolved_round_no_longer_blocks_approval() -> None:
    resolved = plan(status="Under Review", approvals=approvals(*ALL_BUT_UX),
                    reviews=[round_(1, "Changes Requested", ["done"])])
    assert workflow.transition_blockers(resolved, "Approved") == []


def test_only_the_latest_round_counts() -> None:
    later_approved = plan(status="Under Review", approvals=approvals(*ALL_BUT_UX),
                          reviews=[round_(2, "Approved"), round_(1, "Changes Requested")])
    assert workflow.transition_blockers(later_approved, "Approved") == []


def test_a_review_round_moves_a_draft_under_review_and_changes_reopen_an_approved_plan() -> None:
    assert workflow.status_after_review(plan(status="Draft"), "Approved") == "Under Review"
    assert workflow.status_after_review(plan(status="Approved"), "Changes Requested") == "Under Review"
    assert workflow.status_after_review(plan(status="Approved"), "Approved") == "Approved"
    assert workflow.status_after_review(plan(status="Under Review"), "Changes Requested") == "Under Review"


def test_approving_a_draft_is_refused() -> None:
    with pytest.raises(workflow.TransitionRefused, match="the plan is a Draft"):
        workflow.check_can_approve(plan(status="Draft"), "Stakeholder")


def test_withdrawing_a_required_approval_reopens_an_approved_plan() -> None:
    approved = plan(status="Approved", approvals=approvals("System Architect (Author)", "Stakeholder"))
    assert workflow.status_after_revoke(approved) == "Under Review"
    still = plan(status="Approved", approvals=approvals(*ALL_BUT_UX))
    assert workflow.status_after_revoke(still) == "Approved"


@pytest.mark.parametrize("wanted, role", [
    ("Engineering Manager", "Engineering Manager"),
    ("engineering manager", "Engineering Manager"),
    ("Staff UX Designer", "Staff UX Designer (if UI changes)"),
    ("ux", "Staff UX Designer (if UI changes)"),
    ("manager", "Engineering Manager"),
    ("System Architect", "System Architect (Author)"),
])
def test_roles_are_found_by_name_ignoring_case_and_the_parenthesis(wanted: str, role: str) -> None:
    assert workflow.find_role(plan(), wanted) == role


def test_unknown_role_is_refused_with_the_plans_roles() -> None:
    with pytest.raises(UsageError) as info:
        workflow.find_role(plan(), "Security Lead")
    assert "'Engineering Manager'" in str(info.value) and "approvals:" in str(info.value)


def test_ambiguous_role_is_refused() -> None:
    two = plan(approvals=approvals(roles=("Product Manager", "Engineering Manager")))
    with pytest.raises(UsageError, match="matches several roles"):
        workflow.find_role(two, "manager")


def test_a_role_named_in_full_wins_over_one_that_differs_only_by_its_parenthesis() -> None:
    both = plan(approvals=approvals(roles=("Engineering Manager", "Engineering Manager (backup)")))
    assert workflow.find_role(both, "engineering manager") == "Engineering Manager"
    assert workflow.find_role(both, "Engineering Manager (Backup)") == "Engineering Manager (backup)"
    with pytest.raises(UsageError, match="matches several roles"):
        workflow.find_role(both, "manager")


def test_a_role_listed_twice_is_refused_saying_so() -> None:
    twice = plan(approvals=approvals(roles=("Stakeholder", "Stakeholder")))
    with pytest.raises(UsageError, match="'Stakeholder' is listed 2 times under `approvals:`"):
        workflow.find_role(twice, "stakeholder")


def test_rounds_are_numbered_after_the_highest() -> None:
    assert workflow.next_round_number(plan()) == 1
    assert workflow.next_round_number(plan(reviews=[round_(3, "Approved"), round_(1, "Approved")])) == 4


def test_unknown_round_lists_the_rounds_there_are() -> None:
    with pytest.raises(UsageError, match="this plan has rounds 1, 2"):
        workflow.find_round(plan(reviews=[round_(2, "Approved"), round_(1, "Approved")]), 5)
