"""The analysis in the plan: scored risks and matrix, dated phases, summary, Mermaid gantt; and
the documented line formats, read back, give the inputs they were made from."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from markdown_it import MarkdownIt

from techplan_nb.inputs import load_path
from techplan_nb.model import PlanInput
from techplan_nb.render import render_plan

from helpers import AS_OF, shared_example

AS_OF_DATE = dt.date.fromisoformat(AS_OF)


def render(data: dict[str, Any], seed: int = 0) -> str:
    return render_plan(PlanInput.model_validate(data), as_of=AS_OF_DATE, seed=seed)


def section(plan: str, heading: str) -> str:
    start = plan.index(f"## {heading}\n")
    end = plan.index("\n## ", start + 1)
    return plan[start:end]


def gantt_of(plan: str) -> list[str]:
    fences = [t for t in MarkdownIt("commonmark").parse(plan) if t.type == "fence" and t.info == "mermaid"]
    assert len(fences) == 1
    return fences[0].content.rstrip("\n").split("\n")


def test_shared_example_plan_shows_the_whole_analysis() -> None:
    plan = render_plan(load_path(shared_example()), as_of=AS_OF_DATE)
    risks = section(plan, "Risk Assessment")
    # The inputs' order (an id-less risk is "risk N", the Nth row), the house four columns first.
    assert risks.index("| **R1**:") < risks.index("| **R2**:") < risks.index("| **R3**:") < risks.index("| **R4**:")
    assert "| Risk | Probability | Impact | Mitigation | Score | Level |\n" in risks
    assert "| Quote-prefix formula-like cells; test with known payloads | 6 | High |\n" in risks
    assert "| **Medium** | Low (2) | Medium (4): R3 | **High (6): R1** |" in risks
    assert "- **Overall risk**: High" in risks and "R1 (High, score 6) has no owner" in risks
    timeline = section(plan, "Implementation Timeline")
    assert ("### Phase 1: Foundation (4-8 days)\n\n"
            "**Phase id**: `foundation` · **Dates**: 2026-11-09 → 2026-11-16") in timeline
    assert re.search(r"- \*\*Finish \(Monte Carlo\)\*\*: P50 2026-11-\d\d · P80 2026-11-\d\d · P90 2026-1\d-\d\d",
                     timeline)
    assert "- **Critical path**: `model` → `csv` → `api` → `public-page` → `e2e` → `perf`" in timeline
    assert "- **P80 with contingency**: 2026-11-30 (+10% = " in timeline
    lines = gantt_of(plan)
    assert lines[:2] == ["gantt", "    title Export roast profiles to CSV and share them by link"]
    crit = [line for line in lines if ":crit, " in line]
    assert len(crit) == 6 and "    SharePanel and ExportMenu :t4, 2026-11-16, 2026-11-20" in lines
    # Day-granular bars (no clock times); weekends and the listed holidays shaded as Mermaid excludes.
    assert lines[2:5] == ["    dateFormat YYYY-MM-DD", "    axisFormat %d %b",
                          "    excludes weekends, 2026-11-26, 2026-11-27"]
    assert not any(re.search(r"\d\d:\d\d", line) for line in lines)


def test_phase_headings_carry_network_day_ranges() -> None:
    plan = render({"issue": {"number": 1, "title": "t"}, "timeline": {"phases": [
        {"name": "Parallel", "tasks": [{"id": "a", "name": "a", "estimate": "2-4"},
                                       {"id": "b", "name": "b", "estimate": "3-5", "depends_on": []}]}]}})
    assert "### Phase 1: Parallel (3-5 days)\n" in plan


# The Mermaid gantt lexer, as far as a task line goes: label up to ':', then data up to '#' or ';'.
GANTT_TASK = re.compile(r"^    (?P<label>[^:#;\n]+) :(?P<data>[^#;\n]+)$")
GANTT_KEYWORDS = re.compile(r"(?i)^\s*(title|section|dateformat|axisformat|excludes|includes|todaymarker|click|"
                            r"tickinterval|weekday|inclusiveenddates|topaxis|acctitle|accdescr|%%)")
HOSTILE_NAMES = ["Ratio 1:2; then #3", "section Injected", "%% not a comment", "click x call y()",
                 "line one\nline two", "```\n## not a heading", "title: Title", ":::", "dateFormat YYYY"]


def test_gantt_labels_cannot_break_the_chart_or_the_document() -> None:
    tasks = [{"id": f"t{i}", "name": name, "estimate": 1} for i, name in enumerate(HOSTILE_NAMES)]
    plan = render({"issue": {"number": 1, "title": "Issue: #1; `x`"},
                   "timeline": {"start": "2026-11-09", "phases": [{"name": "Phase: #A; b", "tasks": tasks}]}})
    lines = gantt_of(plan)
    assert lines[1] == "    title Issue∶ ＃1； `x`"
    assert lines[5] == "    section Phase∶ ＃A； b"
    task_lines = lines[6:]
    assert len(task_lines) == len(HOSTILE_NAMES)
    for line in task_lines:
        match = GANTT_TASK.match(line)
        assert match, line
        assert not GANTT_KEYWORDS.match(match.group("label")), line
    assert task_lines[4].startswith("    line one line two :")
    # The fence held: the document's headings are still the template's.
    headings = [line for line in plan.splitlines() if line.startswith("## ")]
    assert "## not a heading" not in headings


def test_gantt_bars_are_whole_days_from_first_to_last_working_day() -> None:
    """Mermaid draws an end written with a time of day across excluded days (counting a weekend
    twice); whole-day ends are taken as given, and the excluded days are shaded."""
    plan = render({"issue": {"number": 1, "title": "t"}, "timeline": {
        "start": "2026-11-09", "calendar": {"weekends": ["Fri", "Sat"], "holidays": ["2026-11-11"]}, "phases": [
            {"id": "p1", "name": "One", "tasks": [{"id": "a", "name": "A", "estimate": 1.5},
                                                 {"id": "b", "name": "B", "estimate": 1, "depends_on": []}]},
            {"id": "p2", "name": "Two", "tasks": [{"id": "c", "name": "C", "estimate": 1, "depends_on": ["b"]}]}]}})
    lines = gantt_of(plan)
    assert "    excludes friday, saturday, 2026-11-11" in lines
    assert "    A :crit, t1, 2026-11-09, 2026-11-11" in lines
    assert "    B :t2, 2026-11-09, 2026-11-10" in lines
    # c's phase waits for all of One: it starts on day 2 (a ends at noon), the 10th; the 11th is a holiday.
    assert "    C :crit, t3, 2026-11-10, 2026-11-13" in lines


# --- reading the documented formats back --------------------------------------------------------

ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescape(text: str) -> str:
    return ESCAPED.sub(r"\1", text)


def parse_estimate(text: str) -> Any:
    three = re.fullmatch(r"([\d.]+)/([\d.]+)/([\d.]+) days \(o/m/p\)", text)
    if three:
        return {"optimistic": float(three[1]), "likely": float(three[2]), "pessimistic": float(three[3])}
    span = re.fullmatch(r"([\d.]+)-([\d.]+) days", text)
    if span:
        return f"{span[1]}-{span[2]}"
    single = re.fullmatch(r"([\d.]+) days?", text)
    assert single, text
    return float(single[1])


def ids_in(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def read_back(plan: str) -> dict[str, Any]:
    """A reader written only from README's "How the analysis appears in the plan"."""
    risks: list[dict[str, Any]] = []
    risk_part = section(plan, "Risk Assessment")
    header: list[str] = []
    for line in risk_part.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells[:6] == ["Risk", "Probability", "Impact", "Mitigation", "Score", "Level"]:
            header = cells  # then Owner and Status when some risk has an owner or is closed
            continue
        if not header or len(cells) != len(header) or set(cells[0]) <= {"-"}:
            continue
        row = dict(zip(header, cells, strict=True))
        head = re.match(r"^\*\*(.+?)\*\*: (.*)$", row["Risk"])
        risk: dict[str, Any] = {"id": unescape(head[1]), "risk": unescape(head[2])} if head else {
            "risk": unescape(row["Risk"])}
        for key in ("probability", "impact"):
            value = row[key.capitalize()]
            risk[key] = int(value) if value.isdigit() else value
        risk.update(mitigation=unescape(row["Mitigation"]), owner=unescape(row.get("Owner", "")),
                    status=row.get("Status", "Open").lower())
        risks.append(risk)
    scale = int(re.search(r"`risk_scale: (\d)`", risk_part)[1])  # type: ignore[index]

    timeline_part = section(plan, "Implementation Timeline")
    summary = dict(re.findall(r"^- \*\*(.+?)\*\*: (.*)$", timeline_part, re.M))
    timeline: dict[str, Any] = {"calendar": {}}
    start = re.match(r"\d{4}-\d{2}-\d{2}", summary["Start"])
    if start:
        timeline["start"] = start[0]
    timeline["calendar"]["weekends"] = [] if summary["Weekends"] == "none" else summary["Weekends"].split(", ")
    timeline["calendar"]["holidays"] = [] if summary["Holidays"] == "none" else summary["Holidays"].split(", ")
    if summary["Country holidays"] != "none":
        timeline["calendar"]["country"] = ids_in(summary["Country holidays"])[0]
    runs = re.search(r"([\d,]+) runs", summary.get("Finish (Monte Carlo)", "")) or re.match(
        r"(\d+)", summary.get("Monte Carlo runs", ""))
    timeline["simulations"] = int(runs[1].replace(",", ""))  # type: ignore[index]
    rule = re.search(r"adds ([\d.]+)% of the P80 duration .* at most ([\d.]+)%", summary["Contingency rule"])
    timeline["contingency"] = {"high_risk_percent": float(rule[1]), "max_percent": float(rule[2])}  # type: ignore[index]

    phases: list[dict[str, Any]] = []
    for block in re.split(r"^### ", timeline_part, flags=re.M)[1:]:
        lines = block.split("\n")
        title = re.match(r"^Phase \d+: (.*?)(?: \(\d[\d.]*(?:-[\d.]+)? days?\))?$", lines[0])
        assert title, lines[0]
        phase: dict[str, Any] = {"name": unescape(title[1]), "tasks": [], "items": []}
        for line in lines[1:]:
            if line.startswith("**Phase id**") or line.startswith("**Depends on**") or line.startswith("**Estimate"):
                for part in line.split(" · "):
                    label, _, value = part.partition(": ")
                    if label == "**Phase id**":
                        phase["id"] = ids_in(value)[0]
                    elif label == "**Depends on**":
                        phase["depends_on"] = ids_in(value)
                    elif label == "**Estimate**":
                        phase["estimate"] = parse_estimate(value)
                continue
            task = re.match(r"^- \[( |x)\] \*\*(.+?)\*\*: (.*)$", line)
            if task:
                name, _, detail = task[3].rpartition(" — ")
                parts = detail.split(" · ")
                entry: dict[str, Any] = {"id": unescape(task[2]), "name": unescape(name),
                                         "estimate": parse_estimate(parts[0]), "done": task[1] == "x"}
                if len(parts) > 1 and parts[1] == "at phase start":
                    entry["depends_on"] = []
                elif len(parts) > 1 and parts[1].startswith("after "):
                    entry["depends_on"] = ids_in(parts[1])
                phase["tasks"].append(entry)
                continue
            item = re.match(r"^- \[( |x)\] (.*)$", line)
            if item:
                phase["items"].append({"text": unescape(item[2]), "done": item[1] == "x"})
        phases.append(phase)
    timeline["phases"] = phases
    return {"risk_scale": scale, "risks": risks,
            "timeline": timeline}


TRICKY = {
    "issue": {"number": 8, "title": "Round trip"},
    "risk_scale": 5,
    "risks": [
        {"risk": "No id, *stars* and a | pipe", "probability": 2, "impact": 5, "owner": "Ann [ops]"},
        {"id": "R_2", "risk": "Words — on the 5-point scale", "probability": "High", "impact": "Low",
         "mitigation": "Use `feature_flag` #1", "status": "closed"},
        {"id": "R3", "risk": "**Bold** attempt", "probability": 5, "impact": 5},
    ],
    "timeline": {
        "start": "2026-11-07",
        "calendar": {"weekends": ["Fri", "Sat"], "holidays": ["2026-11-26", "2026-12-24"], "country": "GB"},
        "simulations": 1234,
        "contingency": {"high_risk_percent": 12.5, "max_percent": 40},
        "phases": [
            {"id": "design", "name": "Design (UX) & *copy*", "estimate": {"optimistic": 1, "likely": 2.5,
                                                                         "pessimistic": 7}},
            {"name": "Build — the #1 part", "depends_on": [], "tasks": [
                {"id": "x_1", "name": "Parse a — b · c", "estimate": "1.5-3.25", "depends_on": ["design"]},
                {"id": "y", "name": "**not bold** [link](x)", "estimate": 0.5, "done": True},
                {"id": "z", "name": "Starts with phase", "estimate": {"optimistic": 1, "likely": 1.1,
                                                                      "pessimistic": 4}, "depends_on": []},
            ], "items": ["Docs (not a task)", {"text": "Done item", "done": True}]},
            {"id": "ship", "name": "Ship", "depends_on": ["design"], "items": ["Announce"]},
        ],
    },
}


def test_documented_formats_read_back_into_the_same_inputs() -> None:
    plan = render(TRICKY)
    original = PlanInput.model_validate(TRICKY)
    rebuilt = PlanInput.model_validate({"issue": TRICKY["issue"], **read_back(plan)})
    assert rebuilt.risk_scale == original.risk_scale
    assert rebuilt.risks == original.risks
    assert rebuilt.timeline == original.timeline


def test_shared_example_reads_back_into_its_inputs() -> None:
    original = load_path(shared_example())
    plan = render_plan(original, as_of=AS_OF_DATE)
    rebuilt = PlanInput.model_validate({"issue": {"number": 57, "title": "t"}, **read_back(plan)})
    assert rebuilt.risks == original.risks and rebuilt.timeline == original.timeline
