"""What templates see: the validated inputs plus values derived from them, ready to print.

Pure. Templates stay declarative: anything computed (numbering, day ranges, defaults) is here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .model import DEFAULT_APPROVALS, Approval, CheckItem, Phase, PlanInput, ThreePoint

NOT_SPECIFIED = "_Not specified._"


@dataclass(frozen=True)
class PhaseView:
    number: int
    phase: Phase
    days: str  # "4", "4-6": the phase heading's "(X days)"
    items: tuple[CheckItem, ...]


def days_label(low: float, high: float) -> str:
    def fmt(value: float) -> str:
        rounded = round(value, 1)
        return str(int(rounded)) if float(rounded).is_integer() else f"{rounded:g}"

    low_s, high_s = fmt(low), fmt(high)
    text = low_s if low_s == high_s else f"{low_s}-{high_s}"
    return f"{text} day" if text == "1" else f"{text} days"


def _phase_range(phase: Phase) -> tuple[float, float]:
    # Within a phase, tasks run one after another unless the analysis says otherwise; the
    # schedule module refines this with the dependency network when it is available.
    estimates: list[ThreePoint] = [t.estimate for t in phase.tasks]
    if phase.estimate is not None:
        estimates = [phase.estimate]
    return sum(e.optimistic for e in estimates), sum(e.pessimistic for e in estimates)


def phase_views(plan: PlanInput) -> list[PhaseView]:
    views = []
    for number, phase in enumerate(plan.timeline.phases, start=1):
        items = tuple(CheckItem(text=t.name, done=t.done) for t in phase.tasks) + tuple(phase.items)
        low, high = _phase_range(phase)
        views.append(PhaseView(number, phase, days_label(low, high) if high else "", items))
    return views


def approvals(plan: PlanInput) -> list[Approval]:
    """The plan's approvals, or the template's four roles unchecked when none are given."""
    if plan.approvals:
        return list(plan.approvals)
    return [Approval(role=role) for role in DEFAULT_APPROVALS]


def has_any(value: Any) -> bool:
    """True when a section holds any user content (used to print "_Not specified._")."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple)):
        return any(has_any(v) for v in value)
    if isinstance(value, dict):
        return any(has_any(v) for v in value.values())
    if hasattr(value, "model_dump"):
        return any(has_any(getattr(value, name)) for name in type(value).model_fields)
    return True


def build_context(plan: PlanInput, *, as_of: dt.date, seed: int = 0) -> dict[str, Any]:
    return {
        "plan": plan,
        "as_of": as_of,
        "seed": seed,
        "last_updated": plan.last_updated or as_of,
        "phases": phase_views(plan),
        "approvals": approvals(plan),
        "has_any": has_any,
    }
