"""Schedule analysis: the dependency network, critical path, working-day dates and Monte Carlo.

Pure: no clock, no disk (the quantile tables' file aside), no Jupyter. numpy (Monte Carlo) and
holidays (country calendars) are imported inside the functions that need them, so validating an
inputs file never pays for them; a process without numpy simulates an ordinary plan in plain
Python (`simulate_finish_plain`, the same floats), so rendering one does not either.

The rules, as the README documents them:

* Estimates are three-point (optimistic O, likely M, pessimistic P); a number is O = M = P and a
  range "a-b" is O = a, P = b, M = the midpoint. PERT expected time te = (O + 4M + P) / 6 and
  sigma = (P - O) / 6.
* Phases run in sequence: a phase without `depends_on` starts when the phase before it ends;
  `depends_on: [ids]` names the phases it waits for instead; `depends_on: []` starts it with the
  project. Inside a phase, tasks run in their listed order unless `depends_on` says otherwise;
  `depends_on: []` starts a task with its phase. A task may wait for tasks in other phases, and
  never starts before its own phase does. A phase with one `estimate` and no tasks is one task,
  named by the phase's id.
* Critical path: forward and backward pass over expected times; slack = LS - ES. The reported
  path is one chain of zero-slack tasks, each driving the next; among tied chains the one with
  the largest variance, then the earliest listed (`_critical_chain`). Project sigma is the square
  root of the variance summed along it.
* Limits: no estimate, and no chain at its pessimistic estimates, past MAX_WORKING_DAYS; both
  are input problems with a field, start date or not.
* Time runs in working days from the first working day on or after `timeline.start`. Durations
  are not rounded: a task occupying working days [s, e) starts on day floor(s) and ends on day
  ceil(e) - 1, so a task that ends half-way through a day lets the next one start that same day.
  Offsets are rounded to 6 decimals first, so float noise never moves a date.
* Monte Carlo: each task's duration is PERT-beta on [O, P] with mode M (shape alpha = 1 + 4(M-O)/(P-O),
  beta = 1 + 4(P-M)/(P-O)), whose mean is exactly te, so the simulation and the PERT figures
  agree on a chain; a triangular distribution would not (its mean is (O + M + P) / 3). Samples
  are drawn by inverse transform from a tabulated quantile function (see `_quantile_tables`),
  vectorised over samples, and pushed through a forward pass of the network.
"""

from __future__ import annotations

import datetime as dt
import difflib
import heapq
import math
import operator
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import numfmt
from .errors import ScheduleError
from .model import Calendar, Loc, PlanInput, ThreePoint, Timeline

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

DEFAULT_SAMPLES = 10_000
MAX_WORKING_DAYS = 100_000
"""Beyond this (about 380 years of working days) a schedule is a units mistake, not a plan."""
MAX_SIMULATION_STEPS = 200_000_000
"""Monte Carlo work: timeline.simulations x (tasks + dependencies), each a draw or a maximum taken
per run. A plan of 100 tasks and 300 dependencies at the most simulations (100,000) is 40 million;
at the limit the simulation takes well under a second. Past it the loader refuses the file."""
HINT_COMPARISONS = 20_000
"""Id comparisons spent on "did you mean" hints for unknown ids (difflib costs ~40 us each): a
file of thousands of unknown ids among thousands of tasks took minutes to be refused."""

_EPS = 1e-9
_WEEKDAY_INDEX = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}


# --- small formatting helpers shared with plan_view ----------------------------------------


fmt_days = numfmt.days  # the one number format (techplan_nb.numfmt), under its old name


def days_label(low: float, high: float) -> str:
    """ "4 days", "4-6 days", "1 day": a phase heading's "(X days)"."""
    low_s, high_s = fmt_days(low), fmt_days(high)
    text = low_s if low_s == high_s else f"{low_s}-{high_s}"
    return f"{text} day" if text == "1" else f"{text} days"


def _first_day(offset: float) -> int:
    return math.floor(round(offset, 6))


def _last_day(start: float, end: float) -> int:
    return max(math.ceil(round(end, 6)) - 1, _first_day(start))


# --- the network ------------------------------------------------------------------------------

TASK, PHASE_START, PHASE_END = "task", "phase-start", "phase-end"


@dataclass
class _Node:
    kind: str
    label: str                       # how messages name it: a task id, or "phase 'core'"
    phase: int                       # index of its phase
    rank: int                        # position in listing order (tie-break for determinism)
    optimistic: float = 0.0
    likely: float = 0.0
    pessimistic: float = 0.0
    task_id: str = ""                # tasks only
    name: str = ""
    done: bool = False
    preds: list[int] = field(default_factory=list)
    explicit: dict[int, Loc] = field(default_factory=dict)  # pred -> the depends_on that asked for it
    task_preds: tuple[str, ...] = ()  # direct task predecessors (explicit or the listed-order default)

    @property
    def expected(self) -> float:
        return (self.optimistic + 4 * self.likely + self.pessimistic) / 6

    @property
    def sigma(self) -> float:
        return (self.pessimistic - self.optimistic) / 6


@dataclass
class Network:
    """Activity-on-node network: every task, plus a zero-length start and end node per phase."""

    nodes: list[_Node]
    order: list[int]                 # topological, ties broken by listing order
    succs: list[list[int]]
    phase_start: list[int]
    phase_end: list[int]
    phase_tasks: list[list[int]]
    phase_labels: list[str]
    phase_preds: list[tuple[str, ...]]

    @property
    def task_nodes(self) -> list[int]:
        return [v for v in self.order if self.nodes[v].kind == TASK]


def phase_label(index: int, phase_id: str | None) -> str:
    """A phase's id, or "phase N" (its 1-based position) when it has none.

    Not "#N", which GitHub links to issue N; no id holds a space, so the label is never an id."""
    return phase_id if phase_id else f"phase {index + 1}"


def build_network(timeline: Timeline) -> tuple[Network, list[tuple[Loc, str]]]:
    """The network and every dependency problem found (unknown ids, self-dependencies, cycles).

    Edges with problems are dropped, so the network is always acyclic and usable; callers that
    need a correct plan check the problem list.
    """
    problems: list[tuple[Loc, str]] = []
    nodes: list[_Node] = []
    phase_start: list[int] = []
    phase_end: list[int] = []
    phase_tasks: list[list[int]] = []
    phase_labels: list[str] = []
    task_index: dict[str, int] = {}
    phase_index: dict[str, int] = {}
    hints = [HINT_COMPARISONS]  # comparisons left for "did you mean" (see HINT_COMPARISONS)
    rank = 0

    def add(node: _Node) -> int:
        nodes.append(node)
        return len(nodes) - 1

    for i, phase in enumerate(timeline.phases):
        label = phase_label(i, phase.id)
        phase_labels.append(label)
        if phase.id and phase.id not in phase_index:
            phase_index[phase.id] = i
        start = add(_Node(PHASE_START, f"phase {label}", i, rank))
        rank += 1
        members: list[int] = []
        if phase.estimate is not None and not phase.tasks:
            est = phase.estimate
            members.append(add(_Node(TASK, label, i, rank, est.optimistic, est.likely, est.pessimistic,
                                     task_id=label, name=phase.name)))
            rank += 1
        for task in phase.tasks:
            est = task.estimate
            members.append(add(_Node(TASK, task.id, i, rank, est.optimistic, est.likely, est.pessimistic,
                                     task_id=task.id, name=task.name, done=task.done)))
            rank += 1
        end = add(_Node(PHASE_END, f"phase {label}", i, rank))
        rank += 1
        phase_start.append(start)
        phase_end.append(end)
        phase_tasks.append(members)
    for members in phase_tasks:
        for v in members:
            task_index.setdefault(nodes[v].task_id, v)

    # Phase-level edges: start of a phase waits for the end of the phases it depends on.
    phase_preds: list[tuple[str, ...]] = []
    for i, phase in enumerate(timeline.phases):
        start = phase_start[i]
        loc: Loc = ("timeline", "phases", i, "depends_on")
        wanted: list[int] = []
        if phase.depends_on is None:
            if i > 0:
                wanted.append(i - 1)
        else:
            for ident in dict.fromkeys(phase.depends_on):
                j = phase_index.get(ident)
                if ident == phase.id:
                    problems.append((loc, f"phase {ident!r} depends on itself; remove {ident!r}"))
                elif j is None:
                    problems.append((loc, _unknown_phase(ident, phase_index, task_index, hints)))
                else:
                    wanted.append(j)
                    nodes[start].explicit[phase_end[j]] = loc
        nodes[start].preds.extend(phase_end[j] for j in wanted)
        phase_preds.append(tuple(phase_labels[j] for j in wanted))

    # Task-level edges: a task waits for its phase's start, and for its predecessors.
    for i, phase in enumerate(timeline.phases):
        members = phase_tasks[i]
        for k, v in enumerate(members):
            node = nodes[v]
            node.preds.append(phase_start[i])
            explicit = phase.tasks[k].depends_on if phase.tasks else None
            if explicit is None:
                if k > 0:
                    node.preds.append(members[k - 1])
                    node.task_preds = (nodes[members[k - 1]].task_id,)
                continue
            loc = ("timeline", "phases", i, "tasks", k, "depends_on")
            found: list[str] = []
            for ident in dict.fromkeys(explicit):
                u = task_index.get(ident)
                if ident == node.task_id:
                    problems.append((loc, f"task {ident!r} depends on itself; remove {ident!r}"))
                elif u is None:
                    problems.append((loc, _unknown_task(ident, task_index, phase_index, hints)))
                else:
                    node.preds.append(u)
                    node.explicit[u] = loc
                    found.append(ident)
            node.task_preds = tuple(found)
        end = phase_end[i]
        nodes[end].preds.extend(members or [phase_start[i]])

    succs: list[list[int]] = [[] for _ in nodes]
    for v, node in enumerate(nodes):
        for u in node.preds:
            succs[u].append(v)
    order = _order_breaking_cycles(nodes, succs, problems)
    network = Network(nodes, order, succs, phase_start, phase_end, phase_tasks, phase_labels, phase_preds)
    return network, problems


def _close_match(ident: str, known: dict[str, int], hints: list[int]) -> list[str]:
    """The known id closest to `ident`, while the hint budget lasts (then none: the list of ids)."""
    if len(known) > hints[0]:
        hints[0] = 0
        return []
    hints[0] -= len(known)
    return difflib.get_close_matches(ident, list(known), n=1, cutoff=0.6)


def _unknown_task(ident: str, tasks: dict[str, int], phases: dict[str, int], hints: list[int]) -> str:
    if ident in phases:
        return (f"{ident!r} is a phase, and a task's depends_on lists task ids; name the task(s) of "
                f"phase {ident!r} it waits for, or put depends_on on its phase")
    hint = _close_match(ident, tasks, hints)
    known = f"did you mean {hint[0]!r}?" if hint else f"known task ids: {_listing(tasks)}"
    return f"unknown task id {ident!r}; {known}"


def _unknown_phase(ident: str, phases: dict[str, int], tasks: dict[str, int], hints: list[int]) -> str:
    if ident in tasks:
        return (f"{ident!r} is a task, and a phase's depends_on lists phase ids; put the dependency "
                "on the first task of this phase instead")
    hint = _close_match(ident, phases, hints)
    known = f"did you mean {hint[0]!r}?" if hint else f"known phase ids: {_listing(phases)}"
    return f"unknown phase id {ident!r}; {known}"


def _listing(ids: Iterable[str]) -> str:
    names = list(ids)
    if not names:
        return "none"
    shown = ", ".join(names[:12])
    return shown + (f" and {len(names) - 12} more" if len(names) > 12 else "")


def _order_breaking_cycles(nodes: list[_Node], succs: list[list[int]],
                           problems: list[tuple[Loc, str]]) -> list[int]:
    """Kahn's topological order, ties by listing order; each cycle met is reported and broken.

    When Kahn's algorithm stalls, every node left waits for another left-behind node: the cycle
    through the earliest-listed one is reported, the edge the message points at is dropped and
    the same pass carries on (the nodes a pass can reach do not depend on its order, so this
    finds the cycles a fresh pass would, without starting over for each of hundreds of them).
    """
    indegree = [len(node.preds) for node in nodes]
    ready = [(nodes[v].rank, v) for v in range(len(nodes)) if indegree[v] == 0]
    heapq.heapify(ready)
    done = [False] * len(nodes)
    by_rank = sorted(range(len(nodes)), key=lambda n: nodes[n].rank)
    first = 0                        # by_rank[:first] are all done
    order: list[int] = []
    while True:
        while ready:
            _, v = heapq.heappop(ready)
            order.append(v)
            done[v] = True
            for w in succs[v]:
                indegree[w] -= 1
                if indegree[w] == 0:
                    heapq.heappush(ready, (nodes[w].rank, w))
        if len(order) == len(nodes):
            return order
        while done[by_rank[first]]:
            first += 1
        cycle = _find_cycle(nodes, by_rank[first], done)
        problems.append(_describe_cycle(nodes, cycle))
        a, b = _reported_edge(nodes, cycle)
        nodes[a].preds.remove(b)
        nodes[a].explicit.pop(b, None)
        nodes[a].task_preds = tuple(t for t in nodes[a].task_preds if t != nodes[b].task_id)
        succs[b].remove(a)
        indegree[a] -= 1
        if indegree[a] == 0:
            heapq.heappush(ready, (nodes[a].rank, a))


def _find_cycle(nodes: list[_Node], v: int, done: list[bool]) -> list[int]:
    # Every node Kahn's algorithm left behind waits for another left-behind node, so walking
    # "waits for" edges among them must come back to a node already seen.
    seen: dict[int, int] = {}
    path: list[int] = []
    while v not in seen:
        seen[v] = len(path)
        path.append(v)
        v = min((u for u in nodes[v].preds if not done[u]), key=lambda n: nodes[n].rank)
    return path[seen[v]:]


def _reported_edge(nodes: list[_Node], cycle: list[int]) -> tuple[int, int]:
    # A cycle always holds an edge the user wrote: the defaults only ever point backwards.
    pairs = [(cycle[k], cycle[(k + 1) % len(cycle)]) for k in range(len(cycle))]
    explicit = [(a, b) for a, b in pairs if b in nodes[a].explicit]
    return min(explicit, key=lambda pair: nodes[pair[0]].rank)


def _describe_cycle(nodes: list[_Node], cycle: list[int]) -> tuple[Loc, str]:
    a, b = _reported_edge(nodes, cycle)
    at = cycle.index(a)
    rotated = cycle[at:] + cycle[:at]
    labels: list[str] = []
    for v in rotated + [rotated[0]]:
        if not labels or labels[-1] != nodes[v].label:
            labels.append(nodes[v].label)
    return nodes[a].explicit[b], (f"depends_on makes a cycle: {' → '.join(labels)} (each waits for the next); "
                                  "remove one of these dependencies")


def dependency_problems(timeline: Timeline) -> list[tuple[Loc, str]]:
    """Input problems in the timeline's dependencies, with field paths (for the loader)."""
    return _checked(timeline)[1]


def _checked(timeline: Timeline) -> tuple[Network | None, list[tuple[Loc, str]]]:
    problems: list[tuple[Loc, str]] = []
    seen: dict[str, Loc] = {}
    for i, phase in enumerate(timeline.phases):
        if phase.id and phase.estimate is not None and not phase.tasks:
            seen.setdefault(phase.id, ("timeline", "phases", i, "id"))
    for i, phase in enumerate(timeline.phases):
        for j, task in enumerate(phase.tasks):
            if task.id in seen:
                where = ".".join(str(part) for part in seen[task.id])
                problems.append((("timeline", "phases", i, "tasks", j, "id"),
                                 f"{task.id!r} also names the phase at {where}, which has a single estimate "
                                 "and so is scheduled as a task of that name; rename one of them"))
    for i, phase in enumerate(timeline.phases):
        located: list[tuple[Loc, ThreePoint]] = (
            [(("timeline", "phases", i, "estimate"), phase.estimate)] if phase.estimate is not None else [])
        located += [(("timeline", "phases", i, "tasks", j, "estimate"), task.estimate)
                    for j, task in enumerate(phase.tasks)]
        for loc, est in located:
            if est.pessimistic > MAX_WORKING_DAYS:
                problems.append((loc, f"{est.pessimistic:,g} days is past the limit of {MAX_WORKING_DAYS:,} "
                                      "working days (about 380 years); check the estimate's units (days)"))
    if problems:
        return None, problems
    network, problems = build_network(timeline)
    if not problems:
        problems = _length_problems(timeline, network) + _work_problems(timeline, network)
    return network, problems


def _work_problems(timeline: Timeline, network: Network) -> list[tuple[Loc, str]]:
    """Monte Carlo work past MAX_SIMULATION_STEPS: refused before it starts, with the largest
    number of simulations this network may have."""
    tasks = len(network.task_nodes)
    if not tasks:
        return []
    edges = sum(len(node.preds) for node in network.nodes)
    steps = timeline.simulations * (tasks + edges)
    if steps <= MAX_SIMULATION_STEPS:
        return []
    most = MAX_SIMULATION_STEPS // (tasks + edges) // 100 * 100
    fix = (f"lower simulations to {most:,} or fewer" if most >= 100
           else "split the plan into smaller ones")  # cannot happen within the loader's size limits
    return [(("timeline", "simulations"),
             f"{timeline.simulations:,} runs over {tasks:,} tasks and {edges:,} dependencies (the written ones, "
             f"each task's wait for its phase and the listed order) is {steps:,} steps, past the limit of "
             f"{MAX_SIMULATION_STEPS:,} (simulations x (tasks + dependencies)); {fix}")]


def _length_problems(timeline: Timeline, network: Network) -> list[tuple[Loc, str]]:
    """The whole network past MAX_WORKING_DAYS at its pessimistic estimates (each task may be under it).

    Caught here, with a field to point at, rather than as a date that cannot be computed; the
    same limit applies without a start date so that a file never validates only sometimes.
    """
    high = _forward(network, [node.pessimistic for node in network.nodes])
    if high.finish <= MAX_WORKING_DAYS:
        return []
    # Point at the longest estimate on the longest pessimistic chain: the likeliest units slip.
    v = max((u for u in network.order if not network.succs[u]), key=lambda u: high.ef[u])
    worst: int | None = None
    while True:
        if network.nodes[v].kind == TASK and (worst is None or
                                               network.nodes[v].pessimistic > network.nodes[worst].pessimistic):
            worst = v
        drivers = [u for u in network.nodes[v].preds if high.ef[u] >= high.es[v]]
        if not drivers:
            break
        v = drivers[0]
    assert worst is not None
    node = network.nodes[worst]
    i = node.phase
    tasks = timeline.phases[i].tasks
    loc: Loc = (("timeline", "phases", i, "tasks", [t.id for t in tasks].index(node.task_id), "estimate")
                if tasks else ("timeline", "phases", i, "estimate"))
    return [(loc, f"the schedule runs to {high.finish:,.0f} working days at the pessimistic estimates, past the "
                  f"limit of {MAX_WORKING_DAYS:,} (about 380 years); check the estimates' units (days)")]


def calendar_problems(calendar: Calendar) -> list[tuple[Loc, str]]:
    """An unknown country or subdivision code (checked with the holidays package)."""
    if not calendar.country:
        return []
    import holidays

    loc: Loc = ("timeline", "calendar", "country")
    country, _, subdiv = calendar.country.partition("-")
    supported: dict[str, list[str]] = holidays.list_supported_countries()
    two_letter = sorted(code for code in supported if len(code) == 2)
    if country not in supported or len(country) != 2:
        hint = difflib.get_close_matches(country, two_letter, n=3, cutoff=0.5)
        more = f"; did you mean {' or '.join(hint)}?" if hint else ""
        return [(loc, f"{country!r} is not a country the holidays package knows (ISO 3166 alpha-2, "
                      f"e.g. US, GB, DE){more}")]
    if subdiv and subdiv not in supported[country]:
        codes = [code for code in supported[country] if code.isupper() or code.isdigit()]
        return [(loc, f"{subdiv!r} is not a subdivision of {country}; use one of: {', '.join(codes[:40])}"
                      + (" ..." if len(codes) > 40 else ""))]
    return []


def plan_schedule_problems(plan: PlanInput) -> list[tuple[Loc, str]]:
    """The timeline's dependency, calendar and reach problems (for the loader), building the
    network once: dependencies first, then the calendar, and dates only when both are sound."""
    network, problems = _checked(plan.timeline)
    problems += calendar_problems(plan.timeline.calendar)
    if problems or network is None:
        return problems
    return _reach_problems(plan, network)


def _reach_problems(plan: PlanInput, network: Network) -> list[tuple[Loc, str]]:
    """Dates the plan would print that cannot exist: past working day MAX_WORKING_DAYS once the
    contingency buffer is added, or past 9999-12-31. Judged at the pessimistic estimates, which
    bound every date the analysis prints (expected, P50-P90, P80 with its buffer), so that a file
    that validates always renders."""
    timeline = plan.timeline
    if timeline.start is None or not network.task_nodes:
        return []  # nothing to date
    from .risk import analyse_risks, contingency

    longest = _forward(network, [node.pessimistic for node in network.nodes]).finish
    settings = timeline.contingency
    buffer = contingency(analyse_risks(plan.risks, plan.risk_scale), high_risk_percent=settings.high_risk_percent,
                         max_percent=settings.max_percent).percent
    reach = longest * (1 + buffer / 100)
    if reach > MAX_WORKING_DAYS:
        return [(("timeline", "contingency"),
                 f"at the pessimistic estimates ({longest:,.0f} working days) the P80 date with its {buffer:g}% "
                 f"buffer could fall on working day {math.ceil(reach):,}, past the limit of {MAX_WORKING_DAYS:,}; "
                 "lower max_percent or check the estimates' units (days)")]
    last = math.ceil(round(reach, 6))  # the gantt marks a finish as the start of the next working day
    # Far from the year 9999 no calendar can run out (each working day costs at most a week, and
    # holidays, listed or a country's, take far fewer than half of them); only near it, count.
    if (dt.date.max - timeline.start).days > 14 * (last + len(timeline.calendar.holidays) + 1):
        return []
    try:
        WorkCalendar(timeline.start, timeline.calendar).day(last)
    except ScheduleError:
        return [(("timeline", "start"),
                 f"from {timeline.start.isoformat()}, {last:,} working days (the pessimistic estimates"
                 + (f" with the {buffer:g}% contingency buffer" if buffer else "")
                 + ") run past 9999-12-31, the last date a plan can show; check the start date and the estimates")]
    return []


def check(timeline: Timeline) -> Network:
    """The network, or a ScheduleError naming every problem (for callers that skipped the loader)."""
    network, problems = _checked(timeline)
    if problems or network is None:
        raise ScheduleError("; ".join(f"{_path(loc)}: {message}" for loc, message in problems))
    return network


def _path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


# --- critical path method ------------------------------------------------------------------


@dataclass(frozen=True)
class _Pass:
    es: list[float]
    ef: list[float]
    finish: float


def _forward(network: Network, durations: Sequence[float]) -> _Pass:
    nodes = network.nodes
    es = [0.0] * len(nodes)
    ef = [0.0] * len(nodes)
    for v in network.order:
        start = max((ef[u] for u in nodes[v].preds), default=0.0)
        es[v] = start
        ef[v] = start + durations[v]
    return _Pass(es, ef, max(ef, default=0.0))


def _backward(network: Network, durations: Sequence[float], finish: float) -> list[float]:
    ls = [0.0] * len(network.nodes)
    for v in reversed(network.order):
        lf = min((ls[w] for w in network.succs[v]), default=finish)
        ls[v] = lf - durations[v]
    return ls


def _critical_chain(network: Network, cpm: _Pass, slack: list[float], tol: float) -> list[str]:
    """One critical path, task ids in order: a chain of zero-slack tasks, each driving the next.

    Where several chains tie for the longest, the one with the largest variance (sum of sigma^2)
    wins, as the PERT texts advise for the completion-probability estimate (it is the widest);
    remaining ties go to the earliest-listed tasks. Every zero-slack task is `critical` either way.
    """
    nodes = network.nodes
    if cpm.finish <= tol:
        return []
    critical = [slack[v] <= tol for v in range(len(nodes))]
    variance = [node.sigma ** 2 if node.kind == TASK else 0.0 for node in nodes]
    best = [0.0] * len(nodes)            # the largest variance of a critical chain ending at v
    via: list[int | None] = [None] * len(nodes)
    var_tol = _EPS * max(1.0, sum(variance))

    def preferred(u: int) -> tuple[bool, int]:
        return nodes[u].kind != TASK, nodes[u].rank

    for v in network.order:
        if not critical[v]:
            continue
        pick: int | None = None
        for u in nodes[v].preds:
            if not critical[u] or abs(cpm.ef[u] - cpm.es[v]) > tol:
                continue
            if (pick is None or best[u] > best[pick] + var_tol
                    or (abs(best[u] - best[pick]) <= var_tol and preferred(u) < preferred(pick))):
                pick = u
        via[v] = pick
        best[v] = variance[v] + (best[pick] if pick is not None else 0.0)
    ends = [v for v in network.order if critical[v] and not network.succs[v] and abs(cpm.ef[v] - cpm.finish) <= tol]
    if not ends:
        return []
    last = ends[0]
    for u in ends[1:]:
        if best[u] > best[last] + var_tol or (abs(best[u] - best[last]) <= var_tol
                                              and nodes[u].rank < nodes[last].rank):
            last = u
    chain: list[str] = []
    at: int | None = last
    while at is not None:
        if nodes[at].kind == TASK:
            chain.append(nodes[at].task_id)
        at = via[at]
    chain.reverse()
    return chain


# --- the calendar --------------------------------------------------------------------------


class WorkCalendar:
    """Working days from a start date: weekends and holidays (listed, or a country's) skipped."""

    def __init__(self, start: dt.date, calendar: Calendar) -> None:
        self.weekends = frozenset(_WEEKDAY_INDEX[day] for day in calendar.weekends)
        self.listed = frozenset(calendar.holidays)
        self.country = calendar.country
        self._country_days: Any = None
        if calendar.country:
            import holidays

            country, _, subdiv = calendar.country.partition("-")
            try:
                self._country_days = holidays.country_holidays(country, subdiv=subdiv or None)
            except NotImplementedError as exc:
                raise ScheduleError(f"timeline.calendar.country: {exc}") from None
        self._days: list[dt.date] = []
        self._cursor: dt.date | None = start

    def is_working(self, day: dt.date) -> bool:
        if day.weekday() in self.weekends or day in self.listed:
            return False
        return not (self._country_days is not None and day in self._country_days)

    def holiday_name(self, day: dt.date) -> str | None:
        if self._country_days is None:
            return None
        name: str | None = self._country_days.get(day)
        return name

    def day(self, index: int) -> dt.date:
        """The index-th working day (0-based) on or after the start."""
        if index < 0:
            index = 0
        if index > MAX_WORKING_DAYS:
            raise ScheduleError(f"the timeline runs to working day {index:,}, past the limit of "
                                f"{MAX_WORKING_DAYS:,}; check the estimates' units (days)")
        while len(self._days) <= index:
            if self._cursor is None:
                raise ScheduleError("the timeline runs past the year 9999; check timeline.start "
                                    "and the estimates")
            if self.is_working(self._cursor):
                self._days.append(self._cursor)
            # 9999-12-31 may itself be the last working day a plan needs; only the day after is missing.
            self._cursor = self._cursor + dt.timedelta(days=1) if self._cursor < dt.date.max else None
        return self._days[index]

    def between(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
        """Holidays (not weekends) from first to last inclusive, with their names."""
        out: list[tuple[dt.date, str]] = []
        day = first
        while day <= last:
            if day.weekday() not in self.weekends:
                if day in self.listed:
                    out.append((day, self.holiday_name(day) or "listed holiday"))
                elif self._country_days is not None and day in self._country_days:
                    out.append((day, self.holiday_name(day) or "holiday"))
            if day == dt.date.max:
                break
            day += dt.timedelta(days=1)
        return out


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskSchedule:
    id: str
    name: str
    phase_id: str                    # the phase's id, or "phase N" when it has none
    start: dt.date | None
    end: dt.date | None
    expected_days: float
    sigma: float
    slack: float
    critical: bool
    depends_on: tuple[str, ...]      # direct task predecessors (written, or the listed-order default)
    start_offset: float = 0.0        # working days from the project's first working day
    end_offset: float = 0.0
    optimistic: float = 0.0
    likely: float = 0.0
    pessimistic: float = 0.0
    done: bool = False

    @property
    def late_start(self) -> float:
        """LS in working days from the project's start: the latest start that keeps the finish."""
        return self.start_offset + self.slack

    @property
    def late_finish(self) -> float:
        return self.end_offset + self.slack


@dataclass(frozen=True)
class PhaseSchedule:
    id: str                          # the phase's id, or "phase N" when it has none
    name: str
    start: dt.date | None
    end: dt.date | None
    expected_days: float
    days_label: str                  # "4-6 days": span with all-optimistic and all-pessimistic estimates
    number: int = 0
    start_offset: float = 0.0
    end_offset: float = 0.0
    task_ids: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()  # phases it waits for (written, or the previous one by default)


@dataclass(frozen=True)
class CalendarInfo:
    start: dt.date | None            # timeline.start as written
    first_day: dt.date | None        # the first working day on or after it
    weekends: tuple[str, ...]
    holidays: tuple[dt.date, ...]    # listed in the inputs
    country: str | None
    in_range: tuple[tuple[dt.date, str], ...] = ()  # holidays that fall inside the schedule


@dataclass(frozen=True)
class Schedule:
    tasks: list[TaskSchedule]
    phases: list[PhaseSchedule]
    expected_days: float
    critical_path: list[str]
    p50: dt.date | None
    p80: dt.date | None
    p90: dt.date | None
    p80_with_contingency: dt.date | None
    calendar: CalendarInfo
    expected_finish: dt.date | None = None
    p50_days: float | None = None
    p80_days: float | None = None
    p90_days: float | None = None
    p80_with_contingency_days: float | None = None
    mean_days: float | None = None
    samples: int = 0
    seed: int = 0
    contingency_percent: float = 0.0
    contingency_risks: tuple[str, ...] = ()
    samples_data: Any = field(default=None, compare=False, repr=False)
    work_calendar: WorkCalendar | None = field(default=None, compare=False, repr=False)

    def working_day(self, index: int) -> dt.date | None:
        """The date of working day `index` (0 = the first working day), or None without a start."""
        return self.work_calendar.day(index) if self.work_calendar is not None else None

    @property
    def finish_samples(self) -> np.ndarray:
        """Simulated project durations in working days (empty without tasks), for charts."""
        import numpy as np

        if self.samples_data is None:
            return np.zeros(0)
        data: np.ndarray = np.asarray(self.samples_data, dtype=float)  # a list when numpy was not loaded
        return data

    @property
    def critical_path_variance(self) -> float:
        """PERT project variance: the sum of sigma^2 over the tasks of `critical_path`."""
        sigma = {t.id: t.sigma for t in self.tasks}
        return math.fsum(sigma[i] ** 2 for i in self.critical_path)

    @property
    def critical_path_sigma(self) -> float:
        """PERT project sigma, sqrt(critical_path_variance): the textbook normal approximation's spread."""
        return math.sqrt(self.critical_path_variance)

    @property
    def critical_tasks(self) -> list[str]:
        """Every zero-slack task, in the order of `tasks`; more than `critical_path` when paths tie."""
        return [t.id for t in self.tasks if t.critical]

    @property
    def contingency_days(self) -> float:
        if self.p80_days is None or self.p80_with_contingency_days is None:
            return 0.0
        return self.p80_with_contingency_days - self.p80_days


def build_schedule(timeline: Timeline, *, seed: int = 0, samples: int | None = None,
                   contingency_percent: float = 0.0, contingency_risks: Sequence[str] = (),
                   simulate: bool = True) -> Schedule:
    """Schedule a timeline: CPM on expected durations, dates, and a seeded Monte Carlo.

    Raises ScheduleError for dependency problems (the loader reports them first, with lines).
    """
    network = check(timeline)
    nodes = network.nodes
    n_samples = samples if samples is not None else timeline.simulations
    expected = [node.expected for node in nodes]
    cpm = _forward(network, expected)
    ls = _backward(network, expected, cpm.finish)
    tol = _EPS * max(1.0, cpm.finish)
    slack = [max(0.0, ls[v] - cpm.es[v]) if abs(ls[v] - cpm.es[v]) > tol else 0.0 for v in range(len(nodes))]
    low = _forward(network, [node.optimistic for node in nodes])
    high = _forward(network, [node.pessimistic for node in nodes])

    calendar: WorkCalendar | None = None
    if timeline.start is not None and network.task_nodes:
        calendar = WorkCalendar(timeline.start, timeline.calendar)

    def on(index: int) -> dt.date | None:
        return calendar.day(index) if calendar is not None else None

    tasks: list[TaskSchedule] = []
    for v in network.task_nodes:
        node = nodes[v]
        s, e = cpm.es[v], cpm.ef[v]
        tasks.append(TaskSchedule(
            id=node.task_id, name=node.name, phase_id=network.phase_labels[node.phase],
            start=on(_first_day(s)), end=on(_last_day(s, e)), expected_days=node.expected,
            sigma=node.sigma, slack=slack[v], critical=slack[v] <= tol, depends_on=node.task_preds,
            start_offset=s, end_offset=e, optimistic=node.optimistic, likely=node.likely,
            pessimistic=node.pessimistic, done=node.done))

    phases: list[PhaseSchedule] = []
    for i, phase in enumerate(timeline.phases):
        members = network.phase_tasks[i]
        s, e = _span(cpm, members, network.phase_start[i], network.phase_end[i])
        lo = _span(low, members, network.phase_start[i], network.phase_end[i])
        hi = _span(high, members, network.phase_start[i], network.phase_end[i])
        spans = sorted((lo[1] - lo[0], hi[1] - hi[0]))
        # A phase without work is a milestone: it marks what it waits for as done, so it falls on the
        # day that work finishes (as finish dates do), not on the next working day.
        first, last = (_first_day(s), _last_day(s, e)) if members else (_last_day(0.0, s),) * 2
        phases.append(PhaseSchedule(
            id=network.phase_labels[i], name=phase.name, start=on(first), end=on(last),
            expected_days=e - s, days_label=days_label(*spans) if members else "", number=i + 1,
            start_offset=s, end_offset=e, task_ids=tuple(nodes[v].task_id for v in members),
            depends_on=network.phase_preds[i]))

    critical_path = _critical_chain(network, cpm, slack, tol)
    info = CalendarInfo(timeline.start, on(0), tuple(timeline.calendar.weekends),
                        tuple(timeline.calendar.holidays), timeline.calendar.country)
    if not network.task_nodes or not simulate:
        return Schedule(tasks, phases, cpm.finish, critical_path, None, None, None, None, info,
                        expected_finish=on(_last_day(0.0, cpm.finish)) if tasks else None,
                        seed=seed, contingency_percent=contingency_percent,
                        contingency_risks=tuple(contingency_risks), work_calendar=calendar)

    finish = _simulated_finish(network, n_samples, seed)
    if isinstance(finish, list):
        p50, p80, p90 = plain_percentiles(finish, (50, 80, 90))
        mean = plain_mean(finish)
    else:
        p50, p80, p90 = (float(x) for x in percentiles(finish, (50, 80, 90)))
        mean = float(finish.mean())
    with_buffer = p80 * (1 + contingency_percent / 100)
    if calendar is not None and with_buffer > MAX_WORKING_DAYS:
        # The estimates passed the loader's check; only the buffer takes the date past the limit.
        raise ScheduleError(f"timeline.contingency: the P80 date with its {contingency_percent:g}% buffer falls on "
                            f"working day {math.ceil(with_buffer):,}, past the limit of {MAX_WORKING_DAYS:,}; "
                            "lower timeline.contingency.max_percent or check the estimates' units (days)")

    def date_of(days: float) -> dt.date | None:
        return on(_last_day(0.0, days))

    if calendar is not None:
        latest = date_of(max(with_buffer, p90, cpm.finish))
        assert latest is not None and info.first_day is not None
        info = CalendarInfo(info.start, info.first_day, info.weekends, info.holidays, info.country,
                            tuple(calendar.between(info.first_day, latest)))
    return Schedule(
        tasks, phases, cpm.finish, critical_path, date_of(p50), date_of(p80), date_of(p90),
        date_of(with_buffer), info, expected_finish=date_of(cpm.finish), p50_days=p50, p80_days=p80,
        p90_days=p90, p80_with_contingency_days=with_buffer, mean_days=mean,
        samples=n_samples, seed=seed, contingency_percent=contingency_percent,
        contingency_risks=tuple(contingency_risks), samples_data=finish, work_calendar=calendar)


def percentiles(samples: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """np.percentile(samples, qs) for a 1-D array of finite numbers, to the last bit.

    The same order statistics and the same interpolation (`_lerp`, numpy's default "linear"
    method), without np.percentile's general machinery: it cost more than the simulation itself
    and imports numpy.ma on first use. tests/test_schedule.py holds the two equal.
    """
    import numpy as np

    n = samples.shape[0]
    virtual = (n - 1) * (np.asarray(qs, dtype=float) / 100)
    below = np.floor(virtual).astype(np.intp)
    above = np.minimum(below + 1, n - 1)
    ordered = np.partition(samples, np.concatenate((below, above)))
    low, high = ordered[below], ordered[above]
    gamma = virtual - below
    diff = high - low
    result: np.ndarray = np.where(gamma >= 0.5, high - diff * (1 - gamma), low + diff * gamma)
    return result


def _span(cpm: _Pass, members: list[int], start: int, end: int) -> tuple[float, float]:
    if not members:
        return cpm.es[start], cpm.es[start]
    return min(cpm.es[v] for v in members), cpm.ef[end]


# --- Monte Carlo ---------------------------------------------------------------------------

_TABLE_STEPS = 4096   # quantile function tabulated at u = (k + 0.5) / 4096 (a power of two, see below)
_SHAPES = 33          # mode positions r = (M - O) / (P - O) tabulated; tables interpolated in r
_GRID = 4097          # x-grid for integrating the density


QUANTILE_TABLE_FILE = Path(__file__).with_name("pert_quantiles.f64")
"""`compute_quantile_tables()` as numpy made it, little-endian float64, row by row. The simulation
reads the tables from here rather than computing them: np.power's results vary with the CPU (its
AVX-512 code is not the C library's), so a computed table, and the plans drawn from it, differed
between machines in the last bits; read from one file they do not, and plain Python can use them
without importing numpy. Regenerate with `write_quantile_tables()` only if the table's
definition changes; tests/unit/test_schedule.py checks the file against the formula."""


def compute_quantile_tables() -> np.ndarray:
    """Quantile functions of Beta(1 + 4r, 1 + 4(1 - r)) on [0, 1] for r = 0, 1/32, ..., 1.

    Shape (_SHAPES, _TABLE_STEPS), at the midpoints u = (k + 0.5) / _TABLE_STEPS: drawing k
    uniformly is inverse-transform sampling with the midpoint rule, whose mean matches the
    PERT mean to within 5e-5 of (P - O). numpy's own beta sampler costs about 80 ns a
    draw, over the budget for 200 tasks x 10,000 samples in 50 ms; one table lookup costs a few
    ns. Interpolating tables linearly in r keeps the mean exactly linear in r, as the PERT
    mean (O + 4M + P) / 6 is (tests/test_schedule.py checks both).
    """
    import numpy as np

    x = np.linspace(0.0, 1.0, _GRID)
    r = np.linspace(0.0, 1.0, _SHAPES)[:, None]
    density = np.power(x, 4 * r) * np.power(1.0 - x, 4 * (1 - r))
    cdf = np.concatenate([np.zeros((_SHAPES, 1)), np.cumsum((density[:, 1:] + density[:, :-1]) / 2, axis=1)],
                         axis=1)
    cdf /= cdf[:, -1:]
    u = (np.arange(_TABLE_STEPS) + 0.5) / _TABLE_STEPS
    return np.stack([np.interp(u, row, x) for row in cdf])


def write_quantile_tables(path: Path = QUANTILE_TABLE_FILE) -> None:
    """Write `compute_quantile_tables()` to QUANTILE_TABLE_FILE (a maintainer's step, not run time)."""
    path.write_bytes(compute_quantile_tables().astype("<f8").tobytes())


@lru_cache(maxsize=_SHAPES)
def _table_row(j: int) -> array[float]:
    """Row j of QUANTILE_TABLE_FILE (a plan's tasks use a few of its 33 rows: read only those)."""
    size = _TABLE_STEPS * 8
    with QUANTILE_TABLE_FILE.open("rb") as file:
        file.seek(j * size)
        data = file.read(size)
    if len(data) != size or QUANTILE_TABLE_FILE.stat().st_size != _SHAPES * size:
        raise RuntimeError(f"{QUANTILE_TABLE_FILE} is damaged; reinstall techplan-nb")
    row = array("d", data)
    if sys.byteorder == "big":
        row.byteswap()
    return row


@lru_cache(maxsize=1)
def _quantile_tables() -> np.ndarray:
    """QUANTILE_TABLE_FILE as an array of shape (_SHAPES, _TABLE_STEPS), for the numpy simulation."""
    import numpy as np

    data = QUANTILE_TABLE_FILE.read_bytes()
    if len(data) != _SHAPES * _TABLE_STEPS * 8:
        raise RuntimeError(f"{QUANTILE_TABLE_FILE} is damaged; reinstall techplan-nb")
    return np.frombuffer(data, dtype="<f8").reshape(_SHAPES, _TABLE_STEPS).astype(float)


@lru_cache(maxsize=1)
def _quantile_steps() -> np.ndarray:
    """Differences between neighbouring shapes' tables, for interpolating in r with fewer passes."""
    import numpy as np

    steps: np.ndarray = np.diff(_quantile_tables(), axis=0)
    return steps


def _task_table(optimistic: float, likely: float, pessimistic: float) -> np.ndarray:
    """This task's duration at u = (k + 0.5) / _TABLE_STEPS: its scaled PERT-beta quantiles."""
    r = (likely - optimistic) / (pessimistic - optimistic) * (_SHAPES - 1)
    j = min(int(r), _SHAPES - 2)
    scale = pessimistic - optimistic
    result: np.ndarray = _quantile_steps()[j] * ((r - j) * scale)
    result += _quantile_tables()[j] * scale
    result += optimistic
    return result


def _table_indices(bits: Any, samples: int) -> np.ndarray:
    """`samples` uniform indices into a table, 0 .. _TABLE_STEPS - 1.

    Four 16-bit chunks of each raw 64-bit draw, each cut to its top 12 bits: about 4x cheaper
    than Generator.integers, which matters at 2 million draws. Read as little-endian so a seed
    gives the same chunks on every platform.
    """
    raw = bits.random_raw(-(-samples // 4)).astype("<u8", copy=False)
    chunks: np.ndarray = raw.view("<u2")[:samples] >> (16 - _TABLE_BITS)
    return chunks


_TABLE_BITS = 12
assert 1 << _TABLE_BITS == _TABLE_STEPS


MC_BUDGET_FLOATS = 1 << 23
"""Samples the simulation may hold at once across its pending arrays (8 Mi floats, 64 MB): past
it the runs go in chunks, so memory stays bounded whatever the network's width."""
_MIN_CHUNK = 1024


def simulate_finish(network: Network, samples: int, seed: int, *, chunk: int | None = None) -> np.ndarray:
    """Project durations (working days) of `samples` runs of the network, vectorised over runs.

    Runs go in chunks when the network's widest moment times `samples` would pass
    MC_BUDGET_FLOATS (`chunk` forces a size, a multiple of 4). Each task's draws are the same
    stretch of the seeded stream chunked or not (the generator is advanced past the other
    chunks' draws), so the result is the same array, to the last bit.
    """
    import numpy as np

    if chunk is None:
        # No more arrays than nodes are ever held: small networks skip counting.
        width = len(network.nodes) + 3
        if width * samples > MC_BUDGET_FLOATS:
            width = _peak_arrays(network)
        chunk = samples if width * samples <= MC_BUDGET_FLOATS else max(_MIN_CHUNK, MC_BUDGET_FLOATS // width)
    chunk = max(4, chunk - chunk % 4)
    bits: Any = np.random.default_rng(seed).bit_generator  # PCG64, which can advance()
    if chunk >= samples:
        return _simulate_runs(network, samples, bits, -(-samples // 4))
    origin = bits.state
    finish: np.ndarray = np.empty(samples)
    for first in range(0, samples, chunk):
        size = min(chunk, samples - first)
        bits.state = origin
        bits.advance(first // 4)
        finish[first:first + size] = _simulate_runs(network, size, bits, -(-samples // 4))
    return finish


def _simulate_runs(network: Network, samples: int, bits: Any, stride: int) -> np.ndarray:
    """`samples` runs, each random task taking the next draws and skipping to `stride` past its first."""
    import numpy as np

    nodes = network.nodes
    drawn = -(-samples // 4)
    # start[w]: the latest finish among w's predecessors so far, pushed forward as each finishes, so
    # a merge of N tasks holds one array, not N (1,000 parallel tasks x 100,000 runs would hold
    # 800 MB). Until a second predecessor arrives it is that predecessor's own array (shared:
    # a phase start's finish is every task's start), copied only when a maximum is taken.
    start: list[Any] = [None] * len(nodes)
    owned = [False] * len(nodes)
    project: np.ndarray = np.zeros(samples)
    for v in network.order:
        node = nodes[v]
        begin: Any = 0.0 if start[v] is None else start[v]
        start[v] = None
        if node.kind != TASK:
            end: Any = begin
        elif node.pessimistic - node.optimistic <= _EPS * node.pessimistic:
            end = begin + node.optimistic
        else:
            table = _task_table(node.optimistic, node.likely, node.pessimistic)
            end = table.take(_table_indices(bits, samples).astype(np.intp))
            if stride > drawn:
                bits.advance(stride - drawn)
            end += begin
        for w in network.succs[v]:
            if start[w] is None:
                start[w], owned[w] = end, False
            elif owned[w]:
                np.maximum(start[w], end, out=start[w])
            else:
                start[w] = np.maximum(start[w], end)
                owned[w] = isinstance(start[w], np.ndarray)
        if not network.succs[v]:
            np.maximum(project, end, out=project)
    return project


PLAIN_PYTHON_WORK = 300_000
"""Runs x network nodes a process without numpy simulates in plain Python (about 0.15 us a
node-run, so ~45 ms in all) before it imports numpy (~55 ms, then ~0.01 us a node-run) for the
rest. Both give the same floats, to the last bit (tests/unit/test_schedule_plain.py compares them),
so this only picks the cheaper way, as renting skis until the rent reaches the price does: a one-shot
`techplan render` of an ordinary plan never loads numpy, and a process rendering plan after plan
(the form, a batch) pays for numpy once, after its first few."""

_plain_work_done = 0


def _simulated_finish(network: Network, samples: int, seed: int) -> list[float] | np.ndarray:
    global _plain_work_done
    work = samples * len(network.nodes)
    if "numpy" not in sys.modules and seed >= 0 and _plain_work_done + work <= PLAIN_PYTHON_WORK:
        _plain_work_done += work
        return simulate_finish_plain(network, samples, seed)
    return simulate_finish(network, samples, seed)


def simulate_finish_plain(network: Network, samples: int, seed: int) -> list[float]:
    """`simulate_finish` in plain Python: the same draws, the same arithmetic in the same order.

    Mirrors `_simulate_runs` for one chunk (every task's draws follow the last task's), so a change
    there must be made here too; the comparison tests fail otherwise.
    """
    from .pcg64 import PCG64

    generator = PCG64(seed)
    nodes = network.nodes
    start: list[float | list[float] | None] = [None] * len(nodes)
    project: list[float] = [0.0] * samples
    for v in network.order:
        node = nodes[v]
        begin = start[v]
        if begin is None:
            begin = 0.0
        start[v] = None
        end: float | list[float]
        if node.kind != TASK:
            end = begin
        elif node.pessimistic - node.optimistic <= _EPS * node.pessimistic:
            fixed = node.optimistic
            end = begin + fixed if isinstance(begin, float) else [b + fixed for b in begin]
        else:
            table = _plain_task_table(node.optimistic, node.likely, node.pessimistic)
            indices = _plain_table_indices(generator, samples)
            drawn = itemgetter(*indices)(table) if samples > 1 else [table[indices[0]]]
            end = [d + begin for d in drawn] if isinstance(begin, float) else list(map(operator.add, drawn, begin))
        for w in network.succs[v]:
            pending = start[w]
            start[w] = end if pending is None else _maximum(pending, end)
        if not network.succs[v]:
            project = _maximum(project, end)  # type: ignore[assignment]  # a list in, a list out
    return project


def _maximum(a: float | list[float], b: float | list[float]) -> float | list[float]:
    """np.maximum for floats and lists of floats (no NaN here: every value is a sum of durations)."""
    if isinstance(a, float):
        if isinstance(b, float):
            return a if a >= b else b
        return [y if y >= a else a for y in b]
    if isinstance(b, float):
        return [x if x >= b else b for x in a]
    return [x if x >= y else y for x, y in zip(a, b, strict=True)]


def _plain_task_table(optimistic: float, likely: float, pessimistic: float) -> list[float]:
    """`_task_table` element by element: steps * weight, plus table * scale, plus optimistic."""
    r = (likely - optimistic) / (pessimistic - optimistic) * (_SHAPES - 1)
    j = min(int(r), _SHAPES - 2)
    scale = pessimistic - optimistic
    weight = (r - j) * scale
    lows, highs = _table_row(j), _table_row(j + 1)
    return [(high - low) * weight + low * scale + optimistic for low, high in zip(lows, highs, strict=True)]


def _plain_table_indices(generator: Any, samples: int) -> list[int]:
    """`_table_indices`: the four little-endian 16-bit chunks of each draw, cut to _TABLE_BITS."""
    raw = array("Q", generator.random_raw(-(-samples // 4)))
    shift = 16 - _TABLE_BITS
    if sys.byteorder == "little" and raw.itemsize == 8:
        return [chunk >> shift for chunk in memoryview(raw).cast("B").cast("H")[:samples]]
    return _table_indices_by_arithmetic(raw, samples)


def _table_indices_by_arithmetic(raw: Sequence[int], samples: int) -> list[int]:
    shift = 16 - _TABLE_BITS
    return [(draw >> (16 * k + shift)) & (_TABLE_STEPS - 1) for draw in raw for k in range(4)][:samples]


def plain_percentiles(samples: Sequence[float], qs: Sequence[float]) -> list[float]:
    """`percentiles` of a list, without numpy: the same order statistics and interpolation."""
    ordered = sorted(samples)
    n = len(ordered)
    result = []
    for q in qs:
        virtual = (n - 1) * (float(q) / 100)
        below = math.floor(virtual)
        above = min(below + 1, n - 1)
        low, high = ordered[below], ordered[above]
        gamma = virtual - below
        diff = high - low
        result.append(high - diff * (1 - gamma) if gamma >= 0.5 else low + diff * gamma)
    return result


def plain_mean(samples: Sequence[float]) -> float:
    """float(np.mean(samples)) for a list: numpy's pairwise sum (the same partial sums in the same
    order), then the division."""
    return _pairwise_sum(samples, 0, len(samples)) / len(samples)


def _pairwise_sum(a: Sequence[float], first: int, n: int) -> float:
    # numpy/_core/src/umath/loops_utils.h.src, pairwise_sum: eight running sums over blocks of up
    # to 128, combined in a fixed tree; longer runs split in halves (a multiple of 8 on the left).
    if n < 8:
        total = -0.0
        for i in range(first, first + n):
            total += a[i]
        return total
    if n <= 128:
        r0, r1, r2, r3, r4, r5, r6, r7 = a[first:first + 8]
        i = first + 8
        stop = first + n - n % 8
        while i < stop:
            r0 += a[i]
            r1 += a[i + 1]
            r2 += a[i + 2]
            r3 += a[i + 3]
            r4 += a[i + 4]
            r5 += a[i + 5]
            r6 += a[i + 6]
            r7 += a[i + 7]
            i += 8
        total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        for k in range(i, first + n):
            total += a[k]
        return total
    half = n // 2
    half -= half % 8
    return _pairwise_sum(a, first, half) + _pairwise_sum(a, first + half, n - half)


def _peak_arrays(network: Network) -> int:
    """The most run-length arrays _simulate_runs holds at once (pending starts, the task at hand,
    the project's finish and a draw's temporaries), found by walking its bookkeeping without arrays."""
    nodes = network.nodes
    # Each slot holds None (not set), 0 (a plain number) or an array's label (1, 2, ...).
    start: list[int | None] = [None] * len(nodes)
    owned = [False] * len(nodes)
    holders: dict[int, int] = {}
    made = peak = 0

    def hold(label: int | None) -> None:
        if label:
            holders[label] = holders.get(label, 0) + 1

    def drop(label: int | None) -> None:
        if label:
            holders[label] -= 1
            if not holders[label]:
                del holders[label]

    def new() -> int:
        nonlocal made
        made += 1
        hold(made)
        return made

    for v in network.order:
        node = nodes[v]
        begin = start[v] or 0  # the slot's hold passes to `begin`
        start[v] = None
        if node.kind != TASK:
            end = begin
            hold(end)
        elif node.pessimistic - node.optimistic <= _EPS * node.pessimistic:
            end = new() if begin else 0
        else:
            end = new()
        peak = max(peak, len(holders))
        drop(begin)
        for w in network.succs[v]:
            if start[w] is None:
                start[w] = end
                hold(end)
            elif not owned[w]:
                old = start[w]
                start[w] = new() if (old or end) else 0
                owned[w] = bool(start[w])
                peak = max(peak, len(holders))
                drop(old)
        drop(end)
    return peak + 3  # the project's finish, a draw's indices and their intp copy
