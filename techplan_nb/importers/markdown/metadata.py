"""A document's own metadata in the shapes documents keep it: front matter, `Status: Accepted` lines,
header labels, dates in words, other workflows' status words."""

from __future__ import annotations

import datetime as dt
import re

from ...plan_format.lines import split_label
from ..mdtext import unescape

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

META_LABELS: dict[str, str] = {}

for _target, _labels in {
    "created_by": ("author", "authors", "author(s)", "owner", "owners", "owner(s)", "written by", "proposed by",
                   "champion", "champions", "champion(s)", "created by", "creator", "drivers", "driver"),
    "created": ("date", "start date", "created", "created date", "created at", "created on", "proposed",
                "proposed on", "published", "creation date", "date started", "started"),
    "last_updated": ("last updated", "updated", "last modified", "last update", "updated at", "last revised"),
    "status": ("status", "state", "stage", "decision status"),
    "number": ("issue", "issues", "issue number", "ticket", "tracking issue", "rust issue", "react issue",
               "github issue", "discussion", "discussion at", "enhancement issue", "related issues",
               "proposal", "rfc pr", "pr", "pull request", "kep number", "rfc", "implementation",
               # Front matter names the number by the series it belongs to ("eip: 1559").
               "number", "eip", "pip", "kep", "pep", "jep", "bip", "tip", "keep", "se", "adr", "rfc number"),
    "title": ("title", "feature name", "feature"),
}.items():
    for _label in _labels:
        META_LABELS[_label] = _target


META_LINE = re.compile(r"^(?:\*\*|__)?(?P<label>[A-Za-z][A-Za-z ()#/_-]{0,40}?)(?:\*\*|__)?\s*:(?:\*\*|__)?\s+"
                        r"(?P<value>\S.*)$")


# "# KEP-2232: ...", "# PIP-334: ...": a series' known prefix, or any capitals joined to the number by
# a hyphen and followed by a colon (not "# Phase 1: ...", which has no hyphen).
TITLE_NUMBER = re.compile(r"^\s*(?:(?i:KEP|RFC|SE|ADR|OTEP|PEP|MCP|GEP|AIP)[- ]?0*(\d{1,9})\b\s*[:.—–-]|"
                          r"[A-Z]{2,6}-0*(\d{1,9})\s*:)")

# A header line about where the proposal is discussed ("Original proposal and discussion",
# "RFC #"): its issue or pull-request link is the number.
NUMBER_LABEL = re.compile(r"\b(?:issues?|discussion|proposal|rfc|pr|pull request)\b")


def front_matter(lines: list[str]) -> int | None:
    """The closing line of YAML front matter ("---" first, "---" or "..." within 200 lines), or None."""
    if not lines or lines[0].rstrip() != "---":
        return None
    for number in range(1, min(len(lines), 200)):
        if lines[number].rstrip() in ("---", "...") and number > 1:
            return number
    return None


# Other workflows' statuses by the one they mean here; a status that ends the plan's life (Rejected,
# Withdrawn, Superseded) has no place in Draft -> Under Review -> Approved and is kept as a note on Draft.
_WORKFLOW_WORDS = {
    "Approved": ("accepted", "implemented", "approved", "final", "released", "done", "merged", "completed",
                 "complete", "shipped", "active", "adopted", "agreed", "decided", "landed", "stable", "ga",
                 "implementable", "in effect"),
    "Under Review": ("under review", "in review", "review", "active review", "reviewing", "final comment period",
                     "fcp", "last call", "awaiting review", "scheduled for review", "ready for review"),
    "Draft": ("proposed", "draft", "provisional", "wip", "work in progress", "in progress", "pre draft", "open",
              "new", "idea", "exploring", "pitch", "awaiting implementation", "pending", "discussion",
              "experimental", "alpha", "beta", "planned"),
}


def workflow_status(value: str) -> str | None:
    """The workflow status another process's word means ("Accepted" -> Approved), by its first words;
    None when it is not clear."""
    words = " ".join(re.sub(r"[^\w\s]", " ", unescape(value)).lower().replace("-", " ").split())
    best: tuple[int, str] | None = None
    for status, names in _WORKFLOW_WORDS.items():
        for name in names:
            if (words == name or words.startswith(name + " ")) and (best is None or len(name) > best[0]):
                best = (len(name), status)
    return best[1] if best else None


def header_key(label: str) -> str | None:
    """The field a header label sets (the labels `header_line` reads), for telling repeats apart."""
    if label in ("issue number", "issue", "github issue", "issue #"):
        return "number"
    if label in ("created by", "author"):
        return "created_by"
    if label in ("created date", "created", "date"):
        return "created"
    if label in ("last updated", "updated"):
        return "last_updated"
    return label if label in ("labels", "status") else None


_PLAIN_LABEL = re.compile(r"^(?P<label>[A-Za-z][A-Za-z #]{0,30}?)\s*:\s+(?P<value>\S.*)$")


def plain_header_line(text: str) -> str:
    """A header line a person wrote without the bold ("Status: Draft") as the template's
    "**Status**: Draft"; any other text as it is."""
    match = _PLAIN_LABEL.match(text) if split_label(text) is None else None
    if match and header_key(" ".join(match.group("label").lower().split())) is not None:
        return f"**{match.group('label').strip()}**: {match.group('value')}"
    return text


_HUMAN_DATES = ("%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y", "%d %b, %Y",
                "%d %B, %Y", "%Y/%m/%d")


def human_date(text: str) -> str | None:
    """"Nov 20, 2026", "20 November 2026" or "2026/11/20" as YYYY-MM-DD; None for anything else
    (a date with words after it stays verbatim). Month names are English whatever the locale."""
    value = " ".join(text.replace("Sept ", "Sep ").split())
    value = re.sub(r"\b(\d{1,2})(?:st|nd|rd|th)\b", r"\1", value)  # "March 9th, 2026"
    for pattern in _HUMAN_DATES:
        try:
            return dt.datetime.strptime(value, pattern).date().isoformat()
        except ValueError:
            continue
    return None


STATUS_MARK = re.compile(r"^(?:✅|✔️|✔|☑️|☑|❌|✖️|✖|⚠️|⚠|⏳|🚧|🟢|🟡|🟠|🔴)\s*")
