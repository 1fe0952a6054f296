"""The plan's own one-line formats, each written and read in one place.

The analysis prints some of the inputs into the plan in fixed lines, and `techplan import markdown`
reads the inputs back from them (README, "How the analysis appears in the plan"). Each format is a
writer and a parser side by side, so they cannot drift apart; the renderer's context
(analysis_view) calls the writers, the importer the parsers, and a property test reads back what
every writer prints (tests/unit/test_plan_lines.py):

* estimate:  ``1 day`` · ``2 days`` · ``1-2 days`` (likely = midpoint) · ``2/3/5 days (o/m/p)``
* task:      ``[ ] **ID**: NAME — ESTIMATE[ · after `a`, `b` | · at phase start][ · START → END] · TIMING``
  (a checklist item's text, after its "- ")
* phase meta: ``**Phase id**: `ID` · **Depends on**: `a`, `b` · **Estimate**: E · **Dates**: S → E
  · **Expected**: N working days · TIMING`` (the line under a phase heading)
* contingency rule: ``each open High risk adds H% of the P80 duration × score / N, at most M% in all``

Everything after the last " — " of a task line is ours and never holds " — ", and user text can never
start a line with ``**`` (mdescape escapes every ``*``), so the lines read back exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SEP = " · "
ARROW = " → "

# A number as `exact` writes it: 2, 1.5, 0.1, and repr's 1e-05 / 1e+20 for the very small and large.
_NUMBER = r"\d+(?:\.\d+)?(?:e[+-]\d+)?"
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def exact(value: float) -> str:
    """A number as the inputs would write it, exactly: 2, 1.5, 0.1."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and _PLAIN_NUMBER.fullmatch(text) else value


# --- "**Label**: value" ---------------------------------------------------------------------------

_BOLD_LABEL = re.compile(r"^(\*\*|__)(?P<label>[^*_]{1,60}?)\1(?P<rest>.*)$", re.DOTALL)


def split_label(text: str) -> tuple[str, str] | None:
    """"**Label**: value" (as printed) or a person's "**Label:** value": (label in lower case, value source)."""
    match = _BOLD_LABEL.match(text.strip())
    if not match:
        return None
    label, rest = match.group("label").strip(), match.group("rest")
    if label.endswith(":"):
        label, value = label[:-1].strip(), rest
    elif rest.startswith(":"):
        value = rest[1:]
    else:
        return None
    return " ".join(label.lower().split()), value.strip()


# --- estimate ----------------------------------------------------------------------------------


def estimate_label(optimistic: float, likely: float, pessimistic: float) -> str:
    """"1 day", "2 days", "1-2 days" (likely = midpoint) or "2/3/5 days (o/m/p)"."""
    o, m, p = optimistic, likely, pessimistic
    if o == m == p:
        return "1 day" if o == 1 else f"{exact(o)} days"
    if m == (o + p) / 2:
        return f"{exact(o)}-{exact(p)} days"
    return f"{exact(o)}/{exact(m)}/{exact(p)} days (o/m/p)"


def parse_estimate(label: str) -> Any:
    """An `estimate_label` as the inputs write an estimate (3, "2-4", {optimistic, likely,
    pessimistic}); None for any other text."""
    text = label.strip()
    three = re.fullmatch(rf"({_NUMBER})/({_NUMBER})/({_NUMBER}) days \(o/m/p\)", text)
    if three:
        o, m, p = (_number(g) for g in three.groups())
        return {"optimistic": o, "likely": m, "pessimistic": p}
    span = re.fullmatch(rf"({_NUMBER})-({_NUMBER}) days", text)
    if span:
        low, high = span.group(1), span.group(2)
        if _PLAIN_NUMBER.fullmatch(low) and _PLAIN_NUMBER.fullmatch(high):
            return f"{low}-{high}"  # as a person writes a range in the inputs
        # The inputs' "a-b" takes plain decimals only: the midpoint is what the label means.
        return {"optimistic": float(low), "likely": (float(low) + float(high)) / 2, "pessimistic": float(high)}
    single = re.fullmatch(rf"({_NUMBER}) days?", text)
    if single:
        return _number(single.group(1))
    return None


# --- task line ---------------------------------------------------------------------------------


def code_list(ids: Sequence[str]) -> str:
    # Ids match model.ID_PATTERN (letters, digits, '-', '_', '.'), so a code span shows them as is.
    return ", ".join(f"`{ident}`" for ident in dict.fromkeys(ids))


def after_text(depends_on: Sequence[str] | None) -> str:
    """"after `a`, `b`", "at phase start" (depends on nothing), or "" (the listed order's default)."""
    if depends_on is None:
        return ""
    return f"after {code_list(depends_on)}" if depends_on else "at phase start"


def task_detail(estimate: str, after: str, dates: str, timing: str) -> str:
    return SEP.join(part for part in (estimate, after, dates, timing) if part)


def task_line(done: bool, ident: str, name: str, detail: str) -> str:
    """A task's checklist item text; `name` is Markdown already (escaped user text)."""
    return f"[{'x' if done else ' '}] **{ident}**: {name} — {detail}"


@dataclass(frozen=True)
class TaskLine:
    done: bool
    id: str
    name: str  # as Markdown source: the importer reads it back to text
    estimate: Any  # as the inputs write it (parse_estimate)
    depends_on: list[str] | None


_TASK = re.compile(r"^\[( |x|X)\] \*\*([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\*\*: (.+) — ([^—]+)$")


def parse_task_line(text: str) -> TaskLine | None:
    match = _TASK.match(text)
    if not match:
        return None
    detail = match.group(4).split(SEP)
    estimate = parse_estimate(detail[0])
    if estimate is None:
        return None
    depends_on: list[str] | None = None
    for part in detail[1:]:
        if part == "at phase start":
            depends_on = []
        elif part.startswith("after "):
            depends_on = re.findall(r"`([^`]+)`", part)
    return TaskLine(match.group(1) != " ", match.group(2), match.group(3), estimate, depends_on)


# --- phase meta --------------------------------------------------------------------------------


def phase_meta(ident: str | None, depends_on: Sequence[str] | None, estimate: str | None, dates: str,
               expected: str, timing: str) -> str:
    """The line under a phase heading: each part only when there is something to say."""
    parts: list[str] = []
    if ident:
        parts.append(f"**Phase id**: `{ident}`")
    if depends_on is not None:
        parts.append(f"**Depends on**: {code_list(depends_on)}" if depends_on else
                     "**Depends on**: nothing (starts with the project)")
    if estimate is not None:
        parts.append(f"**Estimate**: {estimate}")
    if dates:
        parts.append(f"**Dates**: {dates}")
    if expected:
        parts.append(f"**Expected**: {expected} working days")
    if timing:
        parts.append(timing)
    return SEP.join(parts)


@dataclass(frozen=True)
class PhaseMeta:
    id: str | None
    depends_on: list[str] | None
    estimate: Any  # as the inputs write it, or None


_META_START = re.compile(r"^\*\*(Phase id|Depends on|Estimate|Dates|Expected)\*\*: ")


def parse_phase_meta(text: str) -> PhaseMeta | None:
    parts = text.split(SEP)
    if not _META_START.match(parts[0]):
        return None
    ident: str | None = None
    depends_on: list[str] | None = None
    estimate: Any = None
    for part in parts:
        parsed = split_label(part)
        if parsed is None:
            continue
        label, value = parsed
        if label == "phase id":
            found = re.fullmatch(r"`([A-Za-z0-9][A-Za-z0-9_.-]{0,63})`", value)
            ident = found.group(1) if found else ident
        elif label == "depends on":
            depends_on = [] if value.startswith("nothing") else re.findall(r"`([^`]+)`", value)
        elif label == "estimate" and parse_estimate(value) is not None:
            estimate = parse_estimate(value)
    return PhaseMeta(ident, depends_on, estimate)


# --- contingency rule --------------------------------------------------------------------------


def contingency_rule(high_risk_percent: float, max_score: int, max_percent: float) -> str:
    return (f"each open High risk adds {exact(high_risk_percent)}% of the P80 duration × score / {max_score}, "
            f"at most {exact(max_percent)}% in all")


_RULE = re.compile(rf"^each open High risk adds ({_NUMBER})% of the P80 duration × score / (\d+), "
                   rf"at most ({_NUMBER})% in all$")


def parse_contingency_rule(text: str) -> tuple[int | float, int, int | float] | None:
    """(high_risk_percent, max score, max_percent) from a `contingency_rule` line."""
    match = _RULE.match(text)
    if match is None:
        return None
    return _number(match.group(1)), int(match.group(2)), _number(match.group(3))
