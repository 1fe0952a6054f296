"""The analysis as the plan prints it: task and phase lines, summaries, matrix rows, the gantt.

Pure. Every string that holds user text is escaped here (mdescape) and returned as SafeMarkdown,
so templates only arrange pieces. The lines `techplan import markdown` reads inputs back from (the
task line, the phase meta line, the contingency rule, estimates) are written by
plan_format/lines.py, beside their parsers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import numfmt
from .analysis import Analysis, mermaid_gantt
from .mdescape import SafeMarkdown, cell, inline
from .model import Phase, PlanInput, Task, ThreePoint
from .plan_format import lines
from .plan_format.lines import ARROW, SEP
from .risk import BAND_TEXT, WORDS_TEXT, RiskSummary
from .schedule import PhaseSchedule, TaskSchedule, fmt_days


def estimate_label(est: ThreePoint) -> str:
    """"1 day", "2 days", "1-2 days" (likely = midpoint) or "2/3/5 days (o/m/p)"; reads back exactly."""
    return lines.estimate_label(est.optimistic, est.likely, est.pessimistic)


def code_list(ids: tuple[str, ...] | list[str]) -> SafeMarkdown:
    return SafeMarkdown(lines.code_list(ids))


def _dates(start: dt.date | None, end: dt.date | None) -> str:
    return f"{start.isoformat()}{ARROW}{end.isoformat()}" if start and end else ""


def _timing(critical: bool, slack: float) -> str:
    if critical:
        return "critical"
    label = fmt_days(slack)
    return f"slack {label} day" if label == "1" else f"slack {label} days"


@dataclass(frozen=True)
class TaskLine:
    id: str
    name: str
    done: bool
    estimate: str
    after: SafeMarkdown              # "after `a`, `b`", "at phase start", or "" (listed-order default)
    dates: str                       # "2026-11-09 → 2026-11-10", or "" without a start date
    timing: str                      # "critical" or "slack 1.5 days"
    schedule: TaskSchedule

    @property
    def detail(self) -> SafeMarkdown:
        # All ours (numbers, dates, validated ids), so nothing to escape; escaping would turn
        # "1.5 days" into "1\.5 days", which renders the same but reads back worse.
        return SafeMarkdown(lines.task_detail(self.estimate, self.after, self.dates, self.timing))

    @property
    def line(self) -> SafeMarkdown:
        """The checklist item's text, "[ ] **id**: name — detail" (the importer's parse_task_line reads it)."""
        return SafeMarkdown(lines.task_line(self.done, self.id, str(inline(self.name)), self.detail))


def task_line(task: Task, ts: TaskSchedule) -> TaskLine:
    after = SafeMarkdown(lines.after_text(task.depends_on))
    return TaskLine(task.id, task.name, task.done, estimate_label(task.estimate), after,
                    _dates(ts.start, ts.end), _timing(ts.critical, ts.slack), ts)


def phase_meta(phase: Phase, ps: PhaseSchedule, single: TaskSchedule | None) -> SafeMarkdown:
    """The line under a phase heading; `single` is the task a one-estimate phase is scheduled as."""
    return SafeMarkdown(lines.phase_meta(
        phase.id, phase.depends_on, estimate_label(phase.estimate) if phase.estimate is not None else None,
        _dates(ps.start, ps.end) if ps.task_ids else "", fmt_days(ps.expected_days) if ps.task_ids else "",
        _timing(single.critical, single.slack) if single is not None else ""))


# --- timeline summary --------------------------------------------------------------------------


def timeline_summary(plan: PlanInput, analysis: Analysis) -> list[tuple[str, SafeMarkdown]]:
    """Label/value rows of the schedule summary, in print order."""
    s = analysis.schedule
    cal = s.calendar
    tl = plan.timeline
    rows: list[tuple[str, SafeMarkdown]] = []
    if cal.start is None:
        rows.append(("Start", SafeMarkdown(
            "not set; add `timeline.start` (YYYY-MM-DD) to turn working days into dates")))
    elif cal.first_day is not None and cal.first_day != cal.start:
        rows.append(("Start", SafeMarkdown(f"{cal.start.isoformat()} (work starts on the first working day, "
                                           f"{cal.first_day.isoformat()})")))
    else:
        rows.append(("Start", SafeMarkdown(cal.start.isoformat())))
    rows.append(("Weekends", SafeMarkdown(", ".join(cal.weekends) or "none")))
    rows.append(("Holidays", SafeMarkdown(", ".join(d.isoformat() for d in cal.holidays) or "none")))
    rows.append(("Country holidays", SafeMarkdown(f"`{cal.country}` (from the holidays package)" if cal.country
                                                  else "none")))
    rule = tl.contingency
    rule_row = ("Contingency rule", SafeMarkdown(
        lines.contingency_rule(rule.high_risk_percent, analysis.risk.max_score, rule.max_percent)))
    if not s.tasks:
        return [*rows, ("Monte Carlo runs", SafeMarkdown(numfmt.count(tl.simulations))), rule_row]
    finish = f", finishing {s.expected_finish.isoformat()}" if s.expected_finish else ""
    rows.append(("Expected duration", SafeMarkdown(
        f"{fmt_days(s.expected_days)} working days (PERT expected times along the critical path{finish})")))
    assert s.p50_days is not None and s.p80_days is not None and s.p90_days is not None
    if s.p50 and s.p80 and s.p90:
        pcts = f"P50 {s.p50.isoformat()}{SEP}P80 {s.p80.isoformat()}{SEP}P90 {s.p90.isoformat()}"
    else:
        pcts = (f"P50 {fmt_days(s.p50_days)}{SEP}P80 {fmt_days(s.p80_days)}{SEP}P90 {fmt_days(s.p90_days)} "
                "working days")
    mean = fmt_days(s.mean_days or 0.0)
    rows.append(("Finish (Monte Carlo)", SafeMarkdown(
        f"{pcts} ({numfmt.count(s.samples)} runs, seed {s.seed}; mean {mean} working days)")))
    if s.contingency_risks:
        count = len(s.contingency_risks)
        which = ", ".join(str(inline(r)) for r in s.contingency_risks)
        buffer = (f"+{fmt_days(s.contingency_percent)}% = {fmt_days(s.contingency_days)} working days for "
                  f"{count} open High risk{'s' if count != 1 else ''}: {which}")
    else:
        buffer = "no open High risks, so no buffer"
    when = s.p80_with_contingency.isoformat() if s.p80_with_contingency else (
        f"{fmt_days(s.p80_with_contingency_days or 0.0)} working days")
    rows.append(("P80 with contingency", SafeMarkdown(f"{when} ({buffer})")))
    rows.append(rule_row)
    path = ARROW.join(f"`{t}`" for t in s.critical_path)
    rows.append(("Critical path", SafeMarkdown(path or "none")))
    if cal.in_range:
        shown = ", ".join(f"{d.isoformat()} ({inline(name)})" for d, name in cal.in_range)
        rows.append(("Holidays in range", SafeMarkdown(shown)))
    return rows


# --- risks -------------------------------------------------------------------------------------


def matrix_rows(risk: RiskSummary) -> list[tuple[str, list[SafeMarkdown]]]:
    """Rows of the probability x impact table: each cell "Level (score)" and the open risks in it."""
    rows: list[tuple[str, list[SafeMarkdown]]] = []
    for r, label in enumerate(risk.probability_labels):
        cells: list[SafeMarkdown] = []
        for c in range(len(risk.impact_labels)):
            head = f"{risk.cell_level(r, c)} ({risk.cell_score(r, c)})"
            ids = risk.matrix[r][c]
            text = f"{head}: {', '.join(str(cell(i)) for i in ids)}" if ids else head
            cells.append(SafeMarkdown(f"**{text}**" if ids and risk.cell_level(r, c) == "High" else text))
        rows.append((label, cells))
    return rows


def risk_summary(plan: PlanInput, risk: RiskSummary) -> list[tuple[str, SafeMarkdown]]:
    rows: list[tuple[str, SafeMarkdown]] = []
    overall = risk.overall
    rows.append(("Overall risk", SafeMarkdown(
        f"{overall} (the highest level among open risks)" if overall != "None" else "None (no open risks)")))
    counts = SEP.join(f"{level} {risk.counts[level]}" for level in ("High", "Medium", "Low"))
    closed = f"{SEP}closed {risk.closed}" if risk.closed else ""
    rows.append(("Open risks", SafeMarkdown(counts + closed)))
    rows.append(("Scale", SafeMarkdown(
        f"`risk_scale: {risk.scale}` ({WORDS_TEXT[risk.scale]}); score = probability × impact; "
        f"{BAND_TEXT[risk.scale]}")))
    return rows


def matrix_lines(risk: RiskSummary) -> list[SafeMarkdown]:
    """The matrix as Markdown table lines (header, delimiter, one row per probability)."""
    header = "| Probability ↓ / Impact → | " + " | ".join(risk.impact_labels) + " |"
    delimiter = "|---|" + "---|" * len(risk.impact_labels)
    rows = [f"| **{label}** | " + " | ".join(cells) + " |" for label, cells in matrix_rows(risk)]
    return [SafeMarkdown(line) for line in (header, delimiter, *rows)]


@dataclass(frozen=True)
class AnalysisView:
    """What the risk and timeline blocks print, beyond the phases."""

    matrix: list[SafeMarkdown]
    risk_summary: list[tuple[str, SafeMarkdown]]
    flags: list[SafeMarkdown]
    timeline_summary: list[tuple[str, SafeMarkdown]]
    gantt: str | None
    show_timeline_summary: bool


def analysis_view(plan: PlanInput, analysis: Analysis) -> AnalysisView:
    tl = plan.timeline
    # Settings are printed whenever they were given, so a plan read back recreates its inputs.
    settings_given = (tl.start is not None or tl.calendar != type(tl.calendar)()
                      or tl.simulations != type(tl).model_fields["simulations"].default
                      or tl.contingency != type(tl.contingency)())
    return AnalysisView(
        matrix=matrix_lines(analysis.risk),
        risk_summary=risk_summary(plan, analysis.risk),
        flags=[inline(f) for f in analysis.risk.flags],
        timeline_summary=timeline_summary(plan, analysis),
        gantt=mermaid_gantt(analysis, plan.issue.title),
        show_timeline_summary=bool(analysis.schedule.tasks) or settings_given,
    )
