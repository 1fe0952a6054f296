"""Cross-field rules of the inputs: checks no single field shows (duplicate ids, the risk scale,
dependencies, the calendar). Above the model and the schedule, so the model stays a leaf (it used
to import the schedule inside this function: model -> schedule -> risk -> model).
"""

from __future__ import annotations

from .model import Loc, PlanInput
from .schedule import calendar_problems, plan_schedule_problems


def cross_field_problems(plan: PlanInput) -> list[tuple[Loc, str]]:
    """Problems no single field shows: duplicate ids, numbers on the wrong risk scale.

    Returned with their field paths so the loader can point at the offending line.
    """
    problems: list[tuple[Loc, str]] = []
    if plan.risk_scale == 3:
        for index, risk in enumerate(plan.risks):
            for name in ("probability", "impact"):
                if isinstance(getattr(risk, name), int):
                    problems.append((("risks", index, name),
                                     "is a number; set risk_scale: 5 to use 1-5, or write High/Medium/Low"))
    _unique(problems, [(("risks", i, "id"), r.id) for i, r in enumerate(plan.risks) if r.id])
    _unique(problems, [(("timeline", "phases", i, "id"), p.id)
                       for i, p in enumerate(plan.timeline.phases) if p.id])
    _unique(problems, [(("timeline", "phases", i, "tasks", j, "id"), t.id)
                       for i, p in enumerate(plan.timeline.phases) for j, t in enumerate(p.tasks)])
    _unique(problems, [(("reviews", i, "round"), r.round) for i, r in enumerate(plan.reviews)])
    # Unknown ids, self-dependencies, cycles, unknown countries, dates past 9999. Duplicate ids would
    # make every dependency message ambiguous, so they go first.
    if any(loc[:1] == ("timeline",) for loc, _ in problems):
        problems.extend(calendar_problems(plan.timeline.calendar))
    else:
        problems.extend(plan_schedule_problems(plan))
    return problems


def _unique(problems: list[tuple[Loc, str]], located: list[tuple[Loc, object]]) -> None:
    first: dict[object, Loc] = {}
    for loc, ident in located:
        if ident in first:
            where = ".".join(str(part) for part in first[ident])
            problems.append((loc, f"{ident!r} is already used at {where}; each must be unique"))
        else:
            first[ident] = loc
