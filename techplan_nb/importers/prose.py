"""Fields in the way people write them in prose documents, not in the template's own shapes: a
`## Risks` or `## Drawbacks` list ("X — mitigation: Y", "Risk: X. Mitigation: Y"), a milestone or
phase table (`| Milestone | Date |`, `| Phase | Duration |`) and a numbered work plan ("1. Build X
(2 weeks)"). These functions split Markdown source; the importer reads each piece as field text.

Every pattern here runs on user text, so each is linear: no two unbounded blank runs side by side
without a possessive quantifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOLD = r"(?:\*\*|__)?"
# "Risk: ...", "**Risk**: ...", "**Risk:** ..." at the start of a risk's text.
_RISK_LEAD = re.compile(rf"^{_BOLD}(?:risk|drawback){_BOLD}\s*+:{_BOLD}\s*+", re.IGNORECASE)
# "mitigation: ...", "**Mitigation**: ...", "Mitigations:" after the risk.
_MITIGATION = re.compile(rf"{_BOLD}\bmitigations?{_BOLD}\s*+:{_BOLD}\s*+", re.IGNORECASE)
_LEVEL = r"(high|medium|med|low)"
_LEVEL_NAME = r"(probability|likelihood|impact|severity)"
# "probability: high", "Impact = Low" (not "high impact": in a sentence that may be the risk's words).
_LEVELS = re.compile(rf"\b{_LEVEL_NAME}\b\s*+[:=]\s*+{_BOLD}{_LEVEL}\b{_BOLD}", re.IGNORECASE)
_LEVEL_WORDS = {"high": "High", "medium": "Medium", "med": "Medium", "low": "Low"}
# What removing the levels leaves: "()", "(, )", a separator before the end or before the mitigation.
_EMPTY_GROUP = re.compile(r"[(\[][\s,;/]*+[)\]]")
_DANGLING = re.compile(r"(?<![\s,;/])(?:\s*+[,;/])++(?=\s*+(?:[—–-]\s|$))")
_TRAILING = " \t—–-;,:("


_PAIR = r"(high|medium|med|low|h|m|l)"
# "**Key leak** (Medium/High): rotate keys": a named risk, its probability/impact, then its mitigation.
_NAMED = re.compile(rf"^(\*\*|__)(?P<name>[^*_]{{1,200}}?)\1\s*+\(\s*+{_PAIR}\s*+/\s*+{_PAIR}\s*+\)\s*+:\s*+",
                    re.IGNORECASE)
_PAIR_WORDS = {"h": "High", "m": "Medium", "l": "Low", **_LEVEL_WORDS}


@dataclass(frozen=True)
class RiskParts:
    """A risk written in words: Markdown source of the risk and its mitigation, and the levels it
    states (None when it does not)."""

    risk: str
    mitigation: str
    probability: str | None
    impact: str | None


def risk_parts(src: str) -> RiskParts | None:
    """One risk from a list item's or a paragraph's Markdown source; None when nothing is left of it."""
    named = _NAMED.match(src.strip())
    if named is not None:
        return RiskParts(named.group("name").strip(), " ".join(src.strip()[named.end():].split()),
                         _PAIR_WORDS[named.group(3).lower()], _PAIR_WORDS[named.group(4).lower()])
    text = _RISK_LEAD.sub("", src.strip(), count=1)
    levels: dict[str, str] = {}

    def level(match: re.Match[str]) -> str:
        name, word = match.group(1).lower(), _LEVEL_WORDS[match.group(2).lower()]
        levels.setdefault("probability" if name in ("probability", "likelihood") else "impact", word)
        return ""

    text = _LEVELS.sub(level, text)
    if levels:
        text = _DANGLING.sub("", _EMPTY_GROUP.sub("", text))
    mitigation = ""
    found = _MITIGATION.search(text)
    if found is not None and found.start() > 0:
        risk = text[:found.start()]
        opened = risk.rstrip().endswith("(")
        mitigation = text[found.end():].strip()
        if opened and mitigation.endswith(")"):
            mitigation = mitigation[:-1].rstrip()
        risk = risk.rstrip(_TRAILING)
    else:
        risk = text
    risk = " ".join(risk.split()).rstrip(" \t—–-;,:")
    if not re.search(r"\w", risk):
        return None
    return RiskParts(risk, " ".join(mitigation.split()), levels.get("probability"), levels.get("impact"))


def is_labelled_risk(src: str) -> bool:
    """A paragraph written "Risk: ... Mitigation: ..." (one risk)."""
    text = src.strip()
    return _RISK_LEAD.match(text) is not None and _MITIGATION.search(text) is not None


# A milestone or phase table's columns, by the part of a phase each gives (matched after core_title).
PHASE_COLUMNS = {
    "phase": "name", "milestone": "name", "milestones": "name", "stage": "name", "step": "name",
    "deliverable": "name", "work item": "name", "workstream": "name", "name": "name", "release": "name",
    "duration": "duration", "estimate": "duration", "estimated duration": "duration", "effort": "duration",
    "estimated effort": "duration", "length": "duration", "time": "duration", "time estimate": "duration",
    "date": "date", "target date": "date", "due": "date", "due date": "date", "deadline": "date", "eta": "date",
    "target": "date", "when": "date", "end date": "date", "completion date": "date", "target release": "date",
    "description": "items", "deliverables": "items", "scope": "items", "details": "items", "notes": "items",
    "goal": "items", "goals": "items", "work": "items", "tasks": "items", "activities": "items",
    "outcome": "items", "outcomes": "items", "exit criteria": "items", "criteria": "items",
}


def phase_columns(header: list[str]) -> list[str] | None:
    """Each column's part of a phase, when the table is a milestone or phase table: one name column,
    a duration or a date column, and every other column one this reads; else None."""
    parts = [PHASE_COLUMNS.get(name) for name in header]
    if None in parts or parts.count("name") != 1 or not ({"duration", "date"} & set(parts)):
        return None
    if parts.count("duration") > 1 or parts.count("date") > 1:
        return None
    return [part for part in parts if part is not None]


# "(2 weeks)", "— 3 days", "[2-3 days]" at the end of a work plan's step.
_STATED = re.compile(r"(?:\(|\[|[—–-]\s)\s*+(?:~|≈)?\s*+\d+(?:\.\d+)?(?:\s*+(?:-|–|to)\s*+\d+(?:\.\d+)?)?\s*+"
                     r"(?:working\s+|business\s+)?(?:days?|d|weeks?|w|hours?|hrs?|h)\s*+[)\]]?\s*+$", re.IGNORECASE)


def states_duration(text: str) -> bool:
    """A step that ends with its duration ("Build X (2 weeks)", "Ship — 3 days")."""
    return _STATED.search(text) is not None
