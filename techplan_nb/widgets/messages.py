"""Validation messages in words a person at the form understands; pure, no widgets.

The validator (techplan_nb.inputs) is the one judge of the inputs. Its own messages are already
written for people; a few come straight from pydantic ("Value should have at least 1 item after
validation") and are reworded here, and the field path is turned into the form's own labels
("Timeline › Phase 1 “Foundation” › Task 3 “api” › Estimate").
"""

from __future__ import annotations

import re
from typing import Any

from ..model import ID_PATTERN, Loc
from .notation import ESTIMATE_HINT

_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> Loc:
    """"timeline.phases[0].tasks[2].id" → ("timeline", "phases", 0, "tasks", 2, "id")."""
    loc: list[str | int] = []
    for name, index in _PATH_PART.findall(path):
        loc.append(int(index) if index else name)
    return tuple(loc)


_REWORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(?:Value|String|List) should have at least 1 (?:item|character)s?\b.*$"), "must not be empty"),
    (re.compile(r"^(?:Value|String) should have at most (\d+) (?:item|character)s? after validation, not (\d+).*$"),
     r"is too long (\2 characters); keep it to \1"),
    (re.compile(r"^String should have at most (\d+) characters?.*$"), r"is too long; keep it to \1 characters"),
    (re.compile(r"^Input should be greater than or equal to (\d+).*$"), r"must be \1 or more"),
    (re.compile(r"^Input should be less than or equal to (\d+).*$"), r"must be \1 or less"),
    (re.compile(r"^Input should be a valid integer.*$"), "must be a whole number"),
    (re.compile(r"^Input should be a valid number.*$"), "must be a number"),
    (re.compile(r"^Input should be a valid boolean.*$"), "must be ticked or not (true/false)"),
    (re.compile(r"^Input should be a valid (?:list|array).*$"), "must be a list"),
    (re.compile(r"^Input should be a valid (?:dictionary|object).*$"), "must be a group of fields, not a single value"),
    (re.compile(r"^Input should be a valid string.*$"), "must be text"),
    (re.compile(r"^String should match pattern '\^https\?://\\S\+\$'.*$"),
     "must be a web address starting with http:// or https:// (no spaces)"),
    (re.compile(r"^String should match pattern '" + re.escape(ID_PATTERN) + "'.*$"),
     "use letters, digits, '-', '_' or '.', starting with a letter or digit, no spaces (at most 64)"),
    (re.compile(r"^String should match pattern '\^\[A-Z\]\{2\}.*$"),
     "must be a two-letter country code in capitals, e.g. US or GB (optionally a region: US-CA)"),
    (re.compile(r"^Input should be (.+)$"), r"must be \1"),
]


def humanise(message: str) -> str:
    """The validator's message, reworded where it is pydantic's rather than ours."""
    text = message.strip()
    for pattern, replacement in _REWORDS:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    # Our estimate message shows the YAML spelling; the form writes three-point estimates as 2/3/5.
    text = text.replace("or {optimistic: 2, likely: 3, pessimistic: 5}", "or optimistic/likely/pessimistic (2/3/5)")
    text = text.replace("write a number of days (3), a range (2-4), or optimistic/likely/pessimistic (2/3/5)",
                        f"write {ESTIMATE_HINT}")
    if text == "is required":
        return "is required; fill it in"
    # The schedule speaks of the inputs file's `depends_on`; the form's box is "Starts after".
    for yaml_words, form_words in _DEPENDS_WORDS:
        text = text.replace(yaml_words, form_words)
    return text


_DEPENDS_WORDS = (
    ("depends_on makes a cycle:", "these dependencies make a cycle:"),
    ("a task's depends_on lists task ids; name the task(s) of phase",
     "a task can wait only for tasks; choose the tasks of phase"),
    ("it waits for, or put depends_on on its phase", "it waits for, or make its phase start after that phase"),
    ("a phase's depends_on lists phase ids; put the dependency on the first task of this phase instead",
     "a phase can wait only for phases; make the first task of this phase wait for it instead"),
)


_LABELS = {
    "issue": "Issue", "number": "Number", "title": "Title", "url": "Link", "summary": "Summary",
    "labels": "Labels", "created_by": "Created by", "created": "Created", "last_updated": "Last updated",
    "status": "Status", "status_since": "Status since", "stack": "Stack", "frontend": "Frontend",
    "backend": "Backend", "requirements": "Requirements", "functional": "Functional",
    "non_functional": "Non-functional", "out_of_scope": "Out of scope", "architecture": "Architecture",
    "context": "System context", "components": "Components", "approach": "Technical approach",
    "pages": "Pages", "state_management": "State management", "api_integration": "API integration",
    "styling": "Styling", "routing": "Routing", "models": "Models", "apis": "APIs",
    "authentication": "Authentication", "business_logic": "Business logic", "data_migration": "Data migration",
    "database": "Database", "new_tables": "New tables", "modified_tables": "Modified tables",
    "migration_strategy": "Migration strategy", "api": "API", "new_endpoints": "New endpoints",
    "modified_endpoints": "Modified endpoints", "method": "Method", "path": "Path",
    "description": "Description", "request": "Request", "response": "Response", "security": "Security",
    "authorization": "Authorization", "data_protection": "Data protection",
    "input_validation": "Input validation", "output_sanitization": "Output sanitization",
    "performance": "Performance", "caching": "Caching", "testing": "Testing", "unit": "Unit tests",
    "integration": "Integration tests", "e2e": "End-to-end tests", "risk_scale": "Risk scale",
    "risks": "Risks", "risk": "Risk", "probability": "Probability", "impact": "Impact",
    "mitigation": "Mitigation", "owner": "Owner", "timeline": "Timeline", "start": "Start",
    "calendar": "Calendar", "weekends": "Weekend days", "holidays": "Holidays", "country": "Country",
    "phases": "Phases", "tasks": "Tasks", "items": "Checklist", "estimate": "Estimate",
    "depends_on": "Depends on", "done": "Done", "id": "Id", "name": "Name", "dependencies": "Dependencies",
    "internal": "Internal", "external": "External", "monitoring": "Monitoring", "metrics": "Metrics",
    "logging": "Logging", "alerts": "Alerts", "dashboards": "Dashboards", "rollback": "Rollback",
    "future": "Future considerations", "questions": "Questions", "text": "Text", "answered": "Answered",
    "answer": "Answer", "assumptions": "Assumptions", "reviews": "Reviews", "round": "Round",
    "date": "Date", "reviewer": "Reviewer", "feedback": "Feedback", "resolution": "Resolution",
    "approvals": "Approvals", "role": "Role", "approved": "Approved", "by": "By",
    "optimistic": "Optimistic", "likely": "Likely", "pessimistic": "Pessimistic",
    "simulations": "Monte Carlo runs", "contingency": "Contingency",
    "high_risk_percent": "High-risk buffer %", "max_percent": "Buffer cap %", "status_note": "Status note",
}

_ROW_NOUNS = {
    "functional": "Requirement", "non_functional": "Requirement", "new_endpoints": "Endpoint",
    "risks": "Risk", "phases": "Phase", "tasks": "Task", "items": "Item", "questions": "Question",
    "reviews": "Review", "approvals": "Approval", "holidays": "Holiday", "weekends": "Day",
}


def label(key: str) -> str:
    return _LABELS.get(key, key.replace("_", " ").capitalize())


def _row_name(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)[:40] if isinstance(item, str) else ""
    for key in ("name", "id", "role", "reviewer", "risk", "path", "text"):
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            text = value.strip()
            return text if len(text) <= 40 else text[:39] + "…"
    return ""


def describe(loc: Loc, data: Any = None) -> str:
    """A field path in the form's words, naming rows by their content where it can."""
    parts: list[str] = []
    current = data
    parent_key: str | int | None = None
    for part in loc:
        if isinstance(part, int):
            noun = _ROW_NOUNS.get(str(parent_key), "Item")
            item = current[part] if isinstance(current, list) and 0 <= part < len(current) else None
            name = _row_name(item)
            row = f"{noun} {part + 1}" + (f" “{name}”" if name else "")
            if parts and parent_key in _ROW_NOUNS:
                parts[-1] = row  # "Risks › Risk 2" reads better as "Risk 2"
            else:
                parts.append(row)
            current = item
        else:
            parts.append(label(part))
            current = current.get(part) if isinstance(current, dict) else None
        parent_key = part
    return " › ".join(parts) if parts else "Inputs"
