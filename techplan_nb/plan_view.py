"""What templates see: the validated inputs plus values derived from them, ready to print.

Pure. Templates stay declarative: anything computed (numbering, day ranges, defaults) is here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .analysis import Analysis, analyse
from .analysis_view import AnalysisView, TaskLine, analysis_view, phase_meta, task_line
from .mdescape import SafeMarkdown
from .model import DEFAULT_APPROVALS, Approval, CheckItem, Phase, PlanInput
from .model import has_any as has_any  # re-exported: its home moved to the model (workflow needs it)
from .plain import to_plain
from .schedule import PhaseSchedule, Schedule, build_schedule
from .schedule import days_label as days_label  # re-exported: its home moved to schedule

NOT_SPECIFIED = "_Not specified._"


@dataclass(frozen=True)
class PhaseView:
    number: int
    phase: Phase
    days: str  # "4", "4-6": the phase heading's "(X days)", from the dependency network
    items: tuple[CheckItem, ...]  # its tasks' names, then its other checklist items
    schedule: PhaseSchedule | None = None
    tasks: tuple[TaskLine, ...] = ()
    notes: tuple[CheckItem, ...] = ()  # checklist items that are not scheduled tasks
    meta: SafeMarkdown = SafeMarkdown("")  # "**Phase id**: `x` · **Dates**: ..." under the heading


def phase_views(plan: PlanInput, analysis: Analysis | None = None) -> list[PhaseView]:
    """Phases with their network-based day ranges, dates and task lines.

    Without an analysis the schedule is computed without the Monte Carlo run (dates and day
    ranges do not depend on it).
    """
    schedule = analysis.schedule if analysis is not None else build_schedule(plan.timeline, simulate=False)
    by_id = {t.id: t for t in schedule.tasks}
    views = []
    for number, (phase, ps) in enumerate(zip(plan.timeline.phases, schedule.phases, strict=True), start=1):
        items = tuple(CheckItem(text=t.name, done=t.done) for t in phase.tasks) + tuple(phase.items)
        lines = tuple(task_line(t, by_id[t.id]) for t in phase.tasks)
        single = by_id.get(ps.task_ids[0]) if phase.estimate is not None and ps.task_ids else None
        views.append(PhaseView(number, phase, SafeMarkdown(ps.days_label), items, ps, lines, tuple(phase.items),
                               phase_meta(phase, ps, single)))
    return views


def approvals(plan: PlanInput) -> list[Approval]:
    """The plan's approvals, or the template's four roles unchecked when none are given."""
    if plan.approvals:
        return list(plan.approvals)
    return [Approval(role=role) for role in DEFAULT_APPROVALS]


# Not for templates: the raw Monte Carlo samples (10,000 numbers the charts draw; a plan prints
# their percentiles) and the working calendar, an object whose use is its methods.
_OMIT: dict[type, frozenset[str]] = {Schedule: frozenset({"samples_data", "finish_samples", "work_calendar"})}


def build_context(plan: PlanInput, *, as_of: dt.date, seed: int = 0) -> dict[str, Any]:
    """The template context, as plain data only (techplan_nb.plain): templates get no methods."""
    analysis = analyse(plan, as_of=as_of, seed=seed)
    view: AnalysisView = analysis_view(plan, analysis)
    context: dict[str, Any] = to_plain({
        "plan": plan,
        "as_of": as_of,
        "seed": seed,
        "last_updated": plan.last_updated or as_of,
        "analysis": analysis,
        "analysis_view": view,
        "phases": phase_views(plan, analysis),
        "approvals": approvals(plan),
    }, omit=_OMIT)
    return context
