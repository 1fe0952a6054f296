"""One call for everything a plan computes from its inputs: `analyse(plan, as_of=..., seed=...)`.

Pure: the same inputs, as_of and seed give an equal Analysis, the same JSON and the same Gantt
text. Every front end (plan template, `techplan analyze`, notebook charts, batch summaries)
reads these results instead of computing its own.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from .model import PlanInput
from .risk import BAND_TEXT, RiskSummary, ScoredRisk, analyse_risks, contingency
from .schedule import PhaseSchedule, Schedule, TaskSchedule, build_schedule

__all__ = ["Analysis", "PhaseSchedule", "RiskSummary", "Schedule", "ScoredRisk", "TaskSchedule", "analyse",
           "mermaid_gantt"]

JSON_DECIMALS = 3


@dataclass(frozen=True)
class Analysis:
    as_of: dt.date
    seed: int
    risk: RiskSummary
    schedule: Schedule

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of `techplan analyze --format json` (see README, "techplan analyze")."""
        return {
            "as_of": self.as_of.isoformat(),
            "seed": self.seed,
            "risk": _risk_json(self.risk),
            "schedule": _schedule_json(self.schedule),
        }


def analyse(plan: PlanInput, *, as_of: dt.date, seed: int = 0) -> Analysis:
    """Score the risks and schedule the timeline (CPM, dates, seeded Monte Carlo, contingency)."""
    risk = analyse_risks(plan.risks, plan.risk_scale)
    settings = plan.timeline.contingency
    buffer = contingency(risk, high_risk_percent=settings.high_risk_percent, max_percent=settings.max_percent)
    schedule = build_schedule(plan.timeline, seed=seed, contingency_percent=buffer.percent,
                              contingency_risks=buffer.risks)
    return Analysis(as_of=as_of, seed=seed, risk=risk, schedule=schedule)


# --- JSON ----------------------------------------------------------------------------------


def _num(value: float | None) -> float | None:
    if value is None:
        return None
    rounded = round(float(value), JSON_DECIMALS)
    return rounded + 0.0  # no "-0.0"


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _risk_json(risk: RiskSummary) -> dict[str, Any]:
    return {
        "scale": risk.scale,
        "bands": BAND_TEXT[risk.scale],
        "counts": dict(risk.counts),
        "overall": risk.overall,
        "closed": risk.closed,
        "register": [{
            "id": r.id, "index": r.index, "risk": r.risk, "probability": r.probability, "impact": r.impact,
            "score": r.score, "level": r.level, "mitigation": r.mitigation, "owner": r.owner, "status": r.status,
        } for r in risk.register],
        "matrix": {
            "probability": list(risk.probability_labels),
            "impact": list(risk.impact_labels),
            "cells": [[list(cell) for cell in row] for row in risk.matrix],
        },
        "flags": list(risk.flags),
    }


def _schedule_json(s: Schedule) -> dict[str, Any]:
    cal = s.calendar
    return {
        "start": _iso(cal.start),
        "first_working_day": _iso(cal.first_day),
        "calendar": {
            "weekends": list(cal.weekends),
            "holidays": [d.isoformat() for d in cal.holidays],
            "country": cal.country,
            "holidays_in_range": [{"date": d.isoformat(), "name": name} for d, name in cal.in_range],
        },
        "expected_days": _num(s.expected_days),
        "expected_finish": _iso(s.expected_finish),
        "critical_path": list(s.critical_path),
        "critical_tasks": s.critical_tasks,
        "critical_path_variance": _num(s.critical_path_variance),
        "critical_path_sigma": _num(s.critical_path_sigma),
        "samples": s.samples,
        "seed": s.seed,
        "mean_days": _num(s.mean_days),
        "p50": _iso(s.p50),
        "p80": _iso(s.p80),
        "p90": _iso(s.p90),
        "p50_days": _num(s.p50_days),
        "p80_days": _num(s.p80_days),
        "p90_days": _num(s.p90_days),
        "p80_with_contingency": _iso(s.p80_with_contingency),
        "contingency": {
            "percent": _num(s.contingency_percent),
            "days": _num(s.contingency_days),
            "risks": list(s.contingency_risks),
            "p80_days": _num(s.p80_with_contingency_days),
        },
        "phases": [{
            "id": p.id, "name": p.name, "start": _iso(p.start), "end": _iso(p.end),
            "expected_days": _num(p.expected_days), "days": p.days_label, "depends_on": list(p.depends_on),
            "tasks": list(p.task_ids),
        } for p in s.phases],
        "tasks": [{
            "id": t.id, "name": t.name, "phase": t.phase_id, "start": _iso(t.start), "end": _iso(t.end),
            "expected_days": _num(t.expected_days), "sigma": _num(t.sigma), "variance": _num(t.sigma ** 2),
            "es": _num(t.start_offset), "ef": _num(t.end_offset), "ls": _num(t.late_start),
            "lf": _num(t.late_finish), "slack": _num(t.slack), "critical": t.critical,
            "depends_on": list(t.depends_on), "done": t.done,
            "optimistic": _num(t.optimistic), "likely": _num(t.likely), "pessimistic": _num(t.pessimistic),
        } for t in s.tasks],
    }


# --- Mermaid gantt -------------------------------------------------------------------------

# The gantt lexer ends a label at ':', '#' or ';' and a line at a newline, reads '#' and '%%' as
# comments, and treats lines starting with its keywords as statements (case-insensitively).
_MERMAID_SWAP = str.maketrans({":": "∶", "#": "＃", ";": "；", "%": "％", "\t": " "})
_MERMAID_KEYWORDS = re.compile(
    r"(?i)^(title|section|dateformat|axisformat|tickinterval|excludes|includes|todaymarker|weekday|weekend|"
    r"inclusiveenddates|topaxis|click|acctitle|accdescr|gantt|displaymode)\b")


def mermaid_label(text: str, fallback: str = "task") -> str:
    """Text that the gantt parser shows as written, near enough, and never reads as syntax."""
    flat = " ".join(text.translate(_MERMAID_SWAP).split())
    if _MERMAID_KEYWORDS.match(flat):
        flat = "‣ " + flat
    return flat or fallback


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MERMAID_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _excludes(s: Schedule) -> str | None:
    """The `excludes` line: the weekend days (`weekends` for Sat and Sun) and every holiday the
    schedule skips (listed, and the country's inside its range), so Mermaid shades them too."""
    cal = s.calendar
    parts: list[str] = []
    if set(cal.weekends) == {"Sat", "Sun"}:
        parts.append("weekends")
    else:
        parts.extend(_MERMAID_DAYS[_WEEKDAYS.index(day)] for day in cal.weekends if day in _WEEKDAYS)
    days = sorted({*cal.holidays, *(day for day, _name in cal.in_range)})
    parts.extend(day.isoformat() for day in days)
    return f"    excludes {', '.join(parts)}" if parts else None


def mermaid_gantt(analysis: Analysis, title: str) -> str | None:
    """The schedule as a Mermaid gantt (None without a start date or tasks).

    Day-granular, as the plan's task lines: each bar runs from its first working day to the end
    of its last (`dateFormat YYYY-MM-DD`, the end written as the next calendar day, which Mermaid
    takes as given and does not stretch). Weekends and holidays are listed in `excludes`, so the
    chart shades the days the schedule skips; the bars' dates already skip them.
    """
    s = analysis.schedule
    if not s.tasks or s.calendar.first_day is None:
        return None
    ids = {t.id: f"t{n}" for n, t in enumerate(s.tasks, start=1)}
    lines = ["gantt", f"    title {mermaid_label(title, 'Schedule')}", "    dateFormat YYYY-MM-DD",
             "    axisFormat %d %b"]
    excludes = _excludes(s)
    if excludes:
        lines.append(excludes)
    by_phase: dict[str, list[TaskSchedule]] = {}
    for t in s.tasks:
        by_phase.setdefault(t.phase_id, []).append(t)
    for phase in s.phases:
        tasks = by_phase.get(phase.id, [])
        if not tasks:
            continue
        lines.append(f"    section {mermaid_label(phase.name, phase.id)}")
        for t in tasks:
            assert t.start is not None and t.end is not None  # a start date gives every task dates
            tags = [tag for tag, on in (("done", t.done), ("crit", t.critical)) if on]
            end = t.end + dt.timedelta(days=1)
            meta = ", ".join([*tags, ids[t.id], t.start.isoformat(), end.isoformat()])
            lines.append(f"    {mermaid_label(t.name, t.id)} :{meta}")
    return "\n".join(lines)
