"""`techplan check`: lint Markdown plans for what makes them unfinished or inconsistent.

Works on any plan, generated or written by hand (even the bare template), with the same
markdown-it outline the importer uses. Each finding has a line, a rule id and a message; the
rules are listed in RULES (and in the README).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from .importers.markdown.approvals import approval_table
from .importers.markdown.blocks import Block, split_blocks
from .importers.markdown.metadata import STATUS_MARK, front_matter, plain_header_line
from .importers.markdown.outline import (
    PHASE_HEADING,
    REVIEW_HEADING,
    Section,
    core_title,
    heading_text,
    outline,
)
from .importers.markdown.risks import RISK_COLUMNS
from .importers.markdown.timeline import bracketed_duration
from .importers.mdtext import plain, table_cells, unescape
from .plan_format import sections as catalogue
from .plan_format.lines import split_label
from .verbatim import code_spans

RULES = {
    "heading-missing": "a section or sub-section of the house template is missing",
    "heading-order": "a template section comes before one the template puts ahead of it",
    "placeholder": "text left from the template: {date}, {issue-number}, {Name}, \"Requirement 1\", "
                   "\"X days\", \"/api/...\", \"Risk 1\", \"High/Medium/Low\", or one of its guidance lines",
    "empty-section": "a section heading with nothing under it",
    "not-specified": "a section a plan cannot be reviewed without says \"_Not specified._\" (Issue Summary, "
                     "Functional and Non-Functional Requirements, System Context, Security Considerations, "
                     "Unit Tests, Risk Assessment, Implementation Timeline, Rollback Strategy)",
    "status-unknown": "the status is not Draft, Under Review or Approved",
    "risk-no-mitigation": "a risk row with no mitigation (empty, '-', 'TBD', 'TODO', 'N/A', 'none')",
    "approval-missing": "the status is Approved but a required approval is unchecked (the Staff UX Designer only "
                        "when the plan has frontend work)",
    "approved-with-changes-requested": "the status is Approved but the latest review round asks for changes",
    "phase-duration-missing": "a phase heading without a duration such as (3 days) or (3-4 days)",
    "total-mismatch": "a stated total (\"Total Estimated Timeline: 10-14 days\") that is not the sum of the phases",
}

# The template's outline, from the one catalogue (plan_format.sections).
REQUIRED = catalogue.required()
CONTAINERS = catalogue.containers()
ORDER = catalogue.top_level()
CHILD_ORDER = {key: catalogue.descendants(key) for key in ORDER if catalogue.descendants(key)}
TITLES = catalogue.titles()
_CHILD_TITLES = {"frontend": "Frontend (...)", "backend": "Backend (...)"}

_PLACEHOLDERS = [
    (re.compile(r"\{(?:date|issue-number|Issue Title|Name)\}"), None),
    (re.compile(r"\{\.\.\.\}"), "{...}"),
    (re.compile(r"/api/\.\.\."), "/api/..."),
    (re.compile(r"\(\s*X\s+days?\s*\)"), "X days"),
    (re.compile(r"High/Medium/Low"), None),
    (re.compile(r"Draft/Under Review/Approved"), None),
    (re.compile(r"Approved/Changes Requested"), None),
    (re.compile(r"^\|?\s*Mitigation strategy\s*\|?$|\|\s*Mitigation strategy\s*\|"), "Mitigation strategy"),
]
# Numbered stand-ins, a placeholder only when they are all a list item or table cell says: a plan may
# well refer to "Requirement 2 of #57" or "Risk 3" in a sentence.
_WHOLE_PLACEHOLDERS = re.compile(r"(?:Requirement|Risk|Question|Feedback item) \d+|Assumption \d+ with justification")
# The seed template's guidance lines: left in a plan, they say the section was never written.
GUIDANCE = {
    "brief summary of the github issue and its requirements.",
    "performance requirements", "security requirements", "scalability requirements", "accessibility requirements",
    "items explicitly not included in this implementation", "future enhancements to consider",
    "how this feature fits into the overall system", "dependencies on existing systems",
    "impact on current architecture", "[high-level component diagram or description]",
    "**components**: new components to be created", "**pages**: new or modified pages",
    "**state management**: state changes required", "**api integration**: frontend api client updates",
    "**styling**: css/styling approach", "**routing**: any routing changes",
    "**models**: new or modified database models", "**apis**: new or modified endpoints",
    "**authentication**: auth requirements", "**business logic**: core logic implementation",
    "**data migration**: migration strategy if needed",
    "-- sql schema for new tables", "-- sql for table modifications",
    "migration steps", "data integrity considerations", "rollback procedures",
    "list any changes to existing endpoints", "backward compatibility considerations",
    "**authentication**: how users are authenticated for this feature",
    "**authorization**: what permissions are required", "**data protection**: how sensitive data is protected",
    "**input validation**: validation strategy", "**output sanitization**: sanitization approach",
    "**database performance**: query optimization considerations", "**api performance**: expected response times",
    "**frontend performance**: rendering and user experience",
    "**caching strategy**: what can be cached and how",
    "backend: models, views, serializers", "frontend: components, hooks, utilities", "api endpoint testing",
    "database interaction testing", "user workflow testing", "cross-browser compatibility",
    "other features or systems this depends on", "blockers that must be resolved first", "third-party services",
    "library updates", "infrastructure changes",
    "**metrics**: what metrics to track", "**logging**: what events to log",
    "**alerts**: what conditions should trigger alerts", "**dashboards**: what dashboards to create/update",
    "how to rollback if issues are discovered", "database rollback procedures",
    "feature flag strategy if applicable", "potential enhancements", "scalability improvements",
    "technical debt created (if any)", "how feedback was addressed",
}
# "- [x] Role: ✓ Name", "1. [ ] Role:", or a tick in words: "- ✅ Role: Name", "- ❌ Role".
# The role after the mark is cut with str methods (_approval_role): "(.*?):?\s*(✓.*)?$" retried
# the blanks after every character of a long line, quadratic.
_APPROVAL_LINE = re.compile(r"^(?:[-*+]|\d+[.)])\s+(?:\[( |x|X)\]|(✅|✔️|✔|☑️|☑|❌|✖️|✖|⬜|☐|⏳))\s+")
_TICKS = ("✅", "✔️", "✔", "☑️", "☑")
# A review round as people head it: "Round 2 — Nov 20", "Review Round 2", "Round 2 (security)".
_LOOSE_ROUND = re.compile(r"^(?:review\s+)?round\s+(\d+)\b", re.IGNORECASE)
_PLAIN_STATUS = re.compile(r"^status\s*:\s*(\S.*)$", re.IGNORECASE)
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?")
_NO_MITIGATION = {"", "-", "—", "tbd", "todo", "n/a", "na", "none", "?", "_not specified._"}
_DURATION = re.compile(r"\((?:~|≈)?\s*(?P<low>\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(?P<high>\d+(?:\.\d+)?))?\s*"
                       r"(?:working\s+|business\s+)?(?P<unit>days?|d|weeks?|w|hours?|hrs?|h)\)", re.IGNORECASE)
# The separator is atomic (?>...): its blanks, stars and colons split no other way that a number
# could follow, and retrying the splits was cubic in a run of blanks.
_TOTAL = re.compile(r"total(?:\s+estimated)?(?:\s+(?:timeline|duration|effort|time))?(?>\**\s*:?\**\s*:?\s*~?\s*)"
                    r"(?P<low>\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(?P<high>\d+(?:\.\d+)?))?\s*(?P<unit>days?|weeks?)",
                    re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.rule}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class _Linter:
    def __init__(self, text: str, name: str) -> None:
        self.name = name
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        matter = front_matter(self.lines)
        if matter is not None:  # YAML front matter is the document's metadata, as the importer reads it
            self.lines[:matter + 1] = [""] * (matter + 1)
        self.blocks = split_blocks(self.lines)
        self.sections = outline(self.lines, self.blocks)
        self.by_key = {s.key: s for s in self.sections if not s.kept}
        self.findings: list[Finding] = []

    def add(self, line: int, rule: str, message: str) -> None:
        self.findings.append(Finding(self.name, line + 1, rule, message))

    def run(self) -> list[Finding]:
        self.headings()
        self.placeholders()
        self.emptiness()
        self.status_rules()
        self.risks()
        self.phases()
        return sorted(set(self.findings), key=lambda f: (f.line, f.rule, f.message))

    # -- structure --

    def first_of(self, key: str) -> Section | None:
        """Where a `##` section is in the document: its heading, or else the first of its sub-sections
        another document's name gave ("Background" is the System Context of an Architecture Overview
        the document never titles)."""
        inside = {key, *catalogue.descendants(key)}
        found = [s for s in self.sections if s.key in inside and s.heading is not None and not s.kept]
        return min(found, key=lambda s: s.heading.start if s.heading else 0, default=None)

    def headings(self) -> None:
        present = [s for s in self.sections if s.key in ORDER and s.heading is not None and not s.kept]
        # "At the end" is the document's last line with text, not the empty one after its final newline.
        end = max((n for n, text in enumerate(self.lines) if text.strip()), default=0)
        for index, key in enumerate(ORDER):
            if key not in self.by_key and self.first_of(key) is None:
                following = next((found for k in ORDER[index + 1:] if (found := self.first_of(k)) is not None), None)
                line = following.heading.start if following and following.heading else end
                self.add(line, "heading-missing", f"no '## {TITLES[key]}' section (the template has it "
                                                  f"{'before this line' if following else 'at the end'})")
        self._order(present, ORDER, "##")
        for parent, children in CHILD_ORDER.items():
            section = self.by_key.get(parent)
            if section is None or section.heading is None:
                continue
            subs = [s for s in self.sections if s.key in children and not s.kept]
            for child in children:
                if child not in self.by_key:
                    level = "#" * catalogue.by_key(child).level
                    title = _CHILD_TITLES.get(child, TITLES.get(child, child))
                    self.add(section.heading.start, "heading-missing",
                             f"no '{level} {title}' under '## {TITLES[parent]}'")
            self._order(subs, children, "###")

    def _order(self, sections: list[Section], order: tuple[str, ...], marks: str) -> None:
        best = -1
        best_key = ""
        for section in sections:
            rank = order.index(section.key)
            if rank < best and section.heading is not None:
                self.add(section.heading.start, "heading-order",
                         f"'{TITLES.get(section.key, section.key)}' comes after "
                         f"'{TITLES.get(best_key, best_key)}'; the template puts it before")
            elif rank > best:
                best, best_key = rank, section.key

    def code_lines(self) -> frozenset[int]:
        """Lines of fenced and indented code: a `{date}` or "High/Medium/Low" there is an example, not
        left-over text (only the template's own guidance lines, which it prints in code blocks too, are)."""
        return frozenset(n for b in self.blocks if b.kind in ("fence", "code_block") for n in range(b.start, b.end))

    def placeholders(self) -> None:
        code = self.code_lines()
        for number, raw in enumerate(self.lines):
            if number in code:
                if _LIST_MARK.sub("", raw.strip()).strip().lower() in GUIDANCE:
                    self.add(number, "placeholder", f"'{raw.strip()}' is the template's guidance text; write this "
                                                    "plan's own")
                continue
            line = _without_code_spans(raw).strip()
            if not line:
                continue
            for pattern, label in _PLACEHOLDERS:
                for match in pattern.finditer(line):
                    shown = label or match.group(0)
                    self.add(number, "placeholder", f"'{shown}' is left from the template; replace it")
            pieces = [_LIST_MARK.sub("", line).strip()]
            if line.startswith("|"):
                pieces += [unescape(cell) for cell in table_cells(line)]
            for piece in pieces:
                whole = _WHOLE_PLACEHOLDERS.fullmatch(piece.strip())
                if whole:
                    self.add(number, "placeholder", f"'{whole.group(0)}' is left from the template; replace it")
            content = _LIST_MARK.sub("", line).strip().lower()
            if content in GUIDANCE:
                self.add(number, "placeholder", f"'{_LIST_MARK.sub('', line).strip()}' is the template's guidance "
                                                "text; write this plan's own")

    def emptiness(self) -> None:
        for section in self.sections:
            if section.heading is None or section.key in CONTAINERS or section.key == "header" or section.kept:
                continue
            content = [b for b in section.blocks if b.kind != "hr"]
            if not content:
                self.add(section.heading.start, "empty-section",
                         f"'{TITLES.get(section.key, section.key)}' has nothing under it; write it, or "
                         "'_Not specified._' if it does not apply")
                continue
            if section.key in REQUIRED and self._only_not_specified(section):
                self.add(section.heading.start, "not-specified",
                         f"'{TITLES[section.key]}' is not specified; a plan needs it before review")

    def _only_not_specified(self, section: Section) -> bool:
        texts = [self.source(b).strip() for b in section.blocks if b.kind not in ("hr",)]
        return bool(texts) and texts[0] == "_Not specified._" and all(
            t == "_Not specified._" or t.startswith("GitHub issue:") for t in texts)

    def source(self, block: Block) -> str:
        return "\n".join(self.lines[block.start:block.end])

    # -- status and approvals --

    def status_rules(self) -> None:
        status, status_line = self._status()
        if status is None:
            return
        value = status.lower()
        known = next((s for s in ("draft", "under review", "approved") if value.startswith(s) and (
            len(value) == len(s) or value[len(s)] in " (-–—:,")), None)
        if known is None:
            if "/" not in status:  # the template's "Draft/Under Review/Approved" is a placeholder finding
                self.add(status_line, "status-unknown",
                         f"status '{status}' is not Draft, Under Review or Approved")
            return
        if known != "approved":
            return
        frontend = self.by_key.get("frontend")
        has_frontend = frontend is not None and any(
            self.source(b).strip() != "_Not specified._" for b in frontend.blocks)
        for line, role, checked in self._approvals():
            if checked:
                continue
            if "if ui changes" in role.lower() and not has_frontend:
                continue
            self.add(line, "approval-missing", f"the plan is Approved but '{role}' has not approved it")
        latest = self._latest_review()
        if latest is not None and latest[1].lower().startswith("changes requested") \
                and not latest[1].endswith("(resolved)"):
            self.add(latest[0], "approved-with-changes-requested",
                     "the plan is Approved but its latest review round asks for changes")

    def _status(self) -> tuple[str | None, int]:
        header = self.by_key.get("header")
        blocks = header.blocks if header else []
        for block in blocks:
            for offset, raw in enumerate(self.lines[block.start:block.end]):
                if block.kind == "table":
                    # A header kept as a table: "| **Status** | Approved |".
                    cells = table_cells(raw)
                    label = re.sub(r"^(\*\*|__)(.*)\1$", r"\2", cells[0].strip()) if len(cells) == 2 else ""
                    raw = f"**{label.strip().rstrip(':').strip()}**: {cells[1]}" if label else ""
                elif block.kind != "paragraph":
                    break
                parsed = split_label(plain_header_line(raw.strip()))
                if parsed and parsed[0] == "status":
                    return STATUS_MARK.sub("", unescape(parsed[1]).strip()), block.start + offset
        return None, 0

    def _approvals(self) -> list[tuple[int, str, bool]]:
        section = self.by_key.get("approval")
        found: list[tuple[int, str, bool]] = []
        if section is None:
            return found
        for block in section.blocks:
            rows = approval_table(self.lines, block)
            if rows is not None:
                found.extend((line, unescape(row["role"]).strip(), row["approved"] == "yes") for line, row in rows)
                continue
            if block.kind not in ("bullet_list", "ordered_list"):
                continue
            for token in block.tokens:
                if token.type == "list_item_open" and token.map and token.level == block.tokens[0].level + 1:
                    line = token.map[0]
                    text = self.lines[line].strip()
                    match = _APPROVAL_LINE.match(text)
                    if match:
                        checked = match.group(1) in ("x", "X") or (match.group(2) or "") in _TICKS
                        role = unescape(_approval_role(text[match.end():])).rstrip(":")
                        found.append((line, role.split(": ")[0] if match.group(2) else role, checked))
        return found

    def _latest_review(self) -> tuple[int, str] | None:
        """(line, status) of the latest review round's status; a round asking for changes whose
        Resolution says what was done counts as answered, as `techplan status` counts it."""
        section = self.by_key.get("reviews")
        if section is None:
            return None
        rounds: list[tuple[int, int, str]] = []
        resolved: set[int] = set()
        current: int | None = None
        in_resolution = False
        for block in section.blocks:
            if block.kind == "heading":
                match = REVIEW_HEADING.match(core_title(heading_text(self.lines, block))) or \
                    REVIEW_HEADING.match(heading_text(self.lines, block)) or \
                    _LOOSE_ROUND.match(core_title(heading_text(self.lines, block)))
                current = int(match.group(1)) if match else None
                in_resolution = False
                continue
            if current is None:
                continue
            if block.kind != "paragraph":
                if in_resolution and block.kind in ("bullet_list", "ordered_list") and any(
                        self.lines[i].strip() not in ("", "_Not specified._", "- _Not specified._")
                        for i in range(block.start, block.end)):
                    resolved.add(current)
                continue
            for offset, raw in enumerate(self.lines[block.start:block.end]):
                # "**Status**: ..." as the template has it, or a person's plain "Status: ...".
                parsed = split_label(raw.strip())
                plain_label = _PLAIN_STATUS.match(raw.strip())
                if parsed:
                    in_resolution = parsed[0] == "resolution"
                    if in_resolution and parsed[1].strip() not in ("", "_Not specified._"):
                        resolved.add(current)
                elif in_resolution and raw.strip() not in ("", "_Not specified._"):
                    resolved.add(current)
                if parsed and parsed[0] == "status":
                    rounds.append((current, block.start + offset, unescape(parsed[1]).strip()))
                elif plain_label:
                    rounds.append((current, block.start + offset, unescape(plain_label.group(1)).strip()))
        if not rounds:
            return None
        latest = max(rounds, key=lambda r: r[0])
        latest = (latest[0], latest[1], STATUS_MARK.sub("", latest[2]))  # "❌ Changes Requested"
        if latest[0] in resolved:
            return latest[1], f"{latest[2]} (resolved)"
        return latest[1], latest[2]

    # -- risks --

    def risks(self) -> None:
        section = self.by_key.get("risks")
        if section is None:
            return
        for block in section.blocks:
            if block.kind != "table":
                continue
            header = [RISK_COLUMNS.get(core_title(unescape(c))) for c in table_cells(self.lines[block.start])]
            if "risk" not in header or "mitigation" not in header:
                continue
            column = header.index("mitigation")
            name_column = header.index("risk")
            for line in range(block.start + 2, block.end):
                cells = table_cells(self.lines[line])
                if len(cells) <= max(column, name_column):
                    continue
                mitigation = unescape(cells[column]).strip().lower()
                if mitigation in _NO_MITIGATION:
                    risk = plain(cells[name_column])[0]
                    self.add(line, "risk-no-mitigation", f"risk '{risk[:60]}' has no mitigation")

    # -- timeline --

    def phases(self) -> None:
        section = self.by_key.get("timeline")
        if section is None:
            return
        low = high = 0.0
        complete = True
        count = 0
        fuzz = 1e-9
        for index, block in enumerate(section.blocks):
            if block.kind != "heading":
                continue
            title = heading_text(self.lines, block)
            if not (PHASE_HEADING.match(core_title(title)) or PHASE_HEADING.match(title.strip())):
                continue
            count += 1
            match = _DURATION.search(bracketed_duration(title))
            following = section.blocks[index + 1] if index + 1 < len(section.blocks) else None
            if match is None and following is not None and following.kind == "paragraph":
                # "**Estimate**: 2 days" on the line under the heading, as the importer reads it.
                label = split_label(self.lines[following.start].strip())
                if label and label[0] == "estimate":
                    match = _DURATION.search(f"({label[1].split(' · ')[0].strip()})")
            if match is None:
                complete = False
                if not re.search(r"\(\s*X\s+days?\s*\)", title):
                    self.add(block.start, "phase-duration-missing",
                             f"phase '{title}' has no duration; add one such as (3 days) or (3-4 days)")
                continue
            factor = {"w": 5.0, "h": 1 / 8}.get(match.group("unit").lower()[0], 1.0)
            if "." in match.group(0):
                # A generated plan prints a heading's days to one decimal (6 hours: "0.8 days").
                fuzz += 0.05 * factor
            first = float(match.group("low")) * factor
            low += first
            high += float(match.group("high") or match.group("low")) * factor
        for number in range(section.heading.start if section.heading else 0, self._section_end(section)):
            stated = _TOTAL.search(self.lines[number])
            if stated is None or not complete or not count:
                continue
            factor = 5.0 if stated.group("unit").lower().startswith("w") else 1.0
            s_low = float(stated.group("low")) * factor
            s_high = float(stated.group("high") or stated.group("low")) * factor
            single = stated.group("high") is None
            agrees = (low - fuzz <= s_low <= high + fuzz) if single else (
                abs(s_low - low) < fuzz and abs(s_high - high) < fuzz)
            if not agrees:
                self.add(number, "total-mismatch",
                         f"the stated total ({_fmt(s_low, s_high)} days) disagrees with the phases, which add up "
                         f"to {_fmt(low, high)} days")

    def _section_end(self, section: Section) -> int:
        later = [s.heading.start for s in self.sections if s.heading is not None and section.heading is not None
                 and s.heading.start > section.heading.start]
        return min(later) if later else len(self.lines)


def _approval_role(rest: str) -> str:
    """An approval line's role, as "(.*?):?\\s*(✓.*)?$" reads it: the text before the first ✓ (or all
    of it), less the blanks and one colon that end it."""
    tick = rest.find("✓")
    role = (rest if tick < 0 else rest[:tick]).rstrip()
    return role[:-1] if role.endswith(":") and (tick >= 0 or role == rest.rstrip()) else role


def _fmt(low: float, high: float) -> str:
    def one(value: float) -> str:
        return str(int(value)) if float(value).is_integer() else f"{value:g}"

    return one(low) if abs(low - high) < 1e-9 else f"{one(low)}-{one(high)}"


def _without_code_spans(line: str) -> str:
    """The line with each code span blanked: "`{date}`" names a placeholder, it does not leave one."""
    spans = code_spans(line)
    if not spans:
        return line
    out: list[str] = []
    pos = 0
    for start, stop in sorted(spans.items()):
        if start < pos:
            continue
        out.append(line[pos:start] + " " * (stop - start))
        pos = stop
    return "".join(out) + line[pos:]


def check_text(text: str, name: str) -> list[Finding]:
    """Every finding in one plan, by line."""
    return _Linter(text, name).run()
