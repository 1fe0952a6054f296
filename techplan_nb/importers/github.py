"""Import GitHub issues (as `gh issue view --json ...` or the REST API give them) into inputs.

Accepts one issue object or a JSON list of them; camelCase (gh) and snake_case (REST) fields;
labels as strings or objects; a null body. Pull requests in a list are skipped and reported.
An issue-form body ("### Label", a blank line, the answer) is mapped to plan fields through a
mapping file (a default ships beside this module); any other body becomes the summary, with its
task lists as functional requirements. Nothing in the body is dropped: what maps to no field is
kept verbatim as extra content under the summary.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import InputError, InputIssue
from ..plan_format import html
from . import ImportResult, strip_invisible
from .markdown.blocks import Block, has_image, split_blocks, trimmed_end
from .mdtext import plain

DEFAULT_MAPPING = Path(__file__).with_name("issue_form_mapping.yaml")
EMPTY_ANSWERS = {"_no response_", "none", "n/a", "na", "-", "no response", "_tbc_", "tbc", "tbd", "_tbd_", "todo",
                 "...", "…", "_none_", "no"}
# An issue template's own hint text, left in a body unanswered: never content. Whole lines only
# (outside code), matched after list marks and emphasis are set aside.
_HINTS = re.compile(
    r"^(?:a clear and concise description\b.*|steps to reproduce the behaviou?r:?|"
    r"(?:go to|click on|scroll down to|run command)\s+'\.{2,}'.*|see error\.?|"
    r"if applicable, add screenshots to help explain your problem\.?|"
    r"add any other context (?:or screenshots )?about the (?:problem|feature request) here\.?|"
    r"please complete the following information:?|"
    r"\[(?:e\.g\.|describe|first step|second step|and so on|add|if applicable)[^\]]*\]\.?|"
    r".{0,40}:?\s*\[e\.g\.?[^\]]*\]|\.\.\.[^.]{0,80}\.\.\.)$", re.IGNORECASE)


# GitHub's own bug template's steps, and any step that only quotes an ellipsis ("Run '...'").
_PLACEHOLDER_STEPS = re.compile(
    r"^(?:in this environment|with this config|see error|steps to reproduce)\s*(?:\.{2,}|…)$|"
    r"^.{0,40}(?:'(?:\.{2,}|…)'|\"(?:\.{2,}|…)\"|<(?:\.{2,}|…)>).{0,20}$", re.IGNORECASE)
# "- npm:" with nothing after it: a form's environment list left unanswered.
_EMPTY_LIST_LABEL = re.compile(r"^\s*[-*+]\s+[^:\s][^:]{0,30}:\s*$")


def is_hint(line: str, *, next_line: str = "") -> bool:
    """A line that is an issue template's hint or a placeholder, not the author's words. `next_line`:
    a list label with nothing after it is a placeholder unless items follow under it."""
    if _EMPTY_LIST_LABEL.match(line):
        nested = next_line.strip() and len(next_line) - len(next_line.lstrip()) > len(line) - len(line.lstrip())
        if not nested:
            return True
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s*", "", line.strip())
    text = text.strip().strip("*_").strip()
    return bool(text) and (text.lower() in EMPTY_ANSWERS or _HINTS.match(text) is not None or
                           _PLACEHOLDER_STEPS.match(text) is not None)


def drop_hints(text: str) -> tuple[str, list[str]]:
    """The body without template hint lines (outside code fences), and the lines dropped."""
    out: list[str] = []
    dropped: list[str] = []
    fence: str | None = None
    lines = text.split("\n")
    for number, line in enumerate(lines):
        stripped = line.strip()
        marker = re.match(r"^(`{3,}|~{3,})", stripped)
        if fence is None and marker:
            fence = marker.group(1)[0] * len(marker.group(1))
        elif fence is not None and stripped.startswith(fence):
            fence = None
        elif fence is None and is_hint(line, next_line=lines[number + 1] if number + 1 < len(lines) else ""):
            dropped.append(stripped)
            continue
        out.append(line)
    return "\n".join(out), dropped


# Form labels that ask for the problem: "The problem", "What is the problem this feature will solve?",
# "Current vs. Expected behavior" -- not "What version has the issue?".
_DESCRIBING = re.compile(r"\b(?:problem|bug|behaviou?r|what happened|describe|description)\b")
_NOT_DESCRIBING = re.compile(r"\b(?:version|environment|platform|operating system|reproduc\w*|steps)\b")

# A classic Markdown template's labels as bold lines ("**Describe the bug**"), read like form headings.
_BOLD_HEADING = re.compile(r"^(?:\*\*|__)(?P<label>[^*_\n]{1,80}?)(?:\*\*|__)\s*:?\s*$")

BULLET_TARGETS = {
    "requirements.out_of_scope", "architecture.context", "database.migration_strategy", "api.modified_endpoints",
    "testing.unit", "testing.integration", "testing.e2e", "dependencies.internal", "dependencies.external",
    "rollback", "future", "assumptions", "issue.labels",
}
CHECKLIST_TARGETS = {"requirements.functional", "requirements.non_functional"}
BLOCK_TARGETS = {"architecture.components", "database.new_tables", "database.modified_tables"}
TEXT_TARGET = re.compile(
    r"^(security\.(authentication|authorization|data_protection|input_validation|output_sanitization)|"
    r"performance\.(database|api|frontend|caching)|monitoring\.(metrics|logging|alerts|dashboards)|"
    r"approach\.frontend\.(components|pages|state_management|api_integration|styling|routing)|"
    r"approach\.backend\.(models|apis|authentication|business_logic|data_migration))$")
OTHER_TARGETS = {"issue.summary", "risks", "questions", "extra", "ignore"}


def target_names() -> str:
    return ", ".join(sorted(OTHER_TARGETS | BULLET_TARGETS | CHECKLIST_TARGETS | BLOCK_TARGETS) +
                     ["security.<field>", "performance.<field>", "monitoring.<field>",
                      "approach.frontend.<field>", "approach.backend.<field>"])


def valid_target(target: str) -> bool:
    return (target in OTHER_TARGETS or target in BULLET_TARGETS or target in CHECKLIST_TARGETS
            or target in BLOCK_TARGETS or TEXT_TARGET.match(target) is not None)


def normalise_label(label: str) -> str:
    text = re.sub(r"\(\s*optional\s*\)", "", label, flags=re.IGNORECASE)
    text = re.sub(r"[^\w\s'-]", " ", text.lower().replace("_", " "))
    return " ".join(text.split()).strip("-' ")


# --- mapping -------------------------------------------------------------------------------


def load_mapping(path: Path | None) -> dict[str, str]:
    """The default mapping, with a user's mapping file laid over it."""
    mapping = _read_mapping(DEFAULT_MAPPING)
    if path is not None:
        mapping.update(_read_mapping(Path(path)))
    return mapping


def _read_mapping(path: Path) -> dict[str, str]:
    from ..inputs import MAX_BYTES, decode, parse_yaml
    from ..safe_files import read_capped, shown_name

    name = shown_name(path)
    # The inputs' own loader and caps: composed, never constructed, so aliases (a 379-byte
    # "billion laughs" expanded to 1.3 GB) and tags are refused, and sizes are bounded.
    doc = parse_yaml(decode(read_capped(path, MAX_BYTES, what="mapping file", report_over=False), name), name)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("headings"), dict) or set(data) - {"headings"}:
        other = sorted(set(data) - {"headings"}, key=str) if isinstance(data, dict) else []
        raise InputError.single(name, "a mapping file holds one key, `headings:`, mapping each issue-form "
                                      "heading to a plan field (e.g. `Acceptance criteria: requirements.functional`)",
                                field="headings", line=doc.line_of((other[0],) if other else ("headings",)))
    mapping: dict[str, str] = {}
    problems: list[InputIssue] = []
    for heading, target in data["headings"].items():
        if not isinstance(heading, str) or not isinstance(target, str) or not valid_target(target.strip()):
            shown = repr(target) if len(repr(target)) <= 60 else repr(target)[:60] + "…"
            problems.append(InputIssue(name, doc.line_of(("headings", heading)), f"headings.{str(heading)[:60]}",
                                       f"{shown} is not a plan field to map to; use one of: {target_names()}"))
            continue
        mapping[normalise_label(heading)] = target.strip()
    if problems:
        from ..inputs import _capped

        raise InputError(_capped(problems))
    return mapping


# --- the JSON shapes --------------------------------------------------------------------------


@dataclass
class Issue:
    number: int
    title: str
    body: str
    url: str | None
    labels: list[str]
    author: str | None = None
    assignees: list[str] = field(default_factory=list)
    milestone: str | None = None
    created_at: str | None = None
    state: str | None = None


def parse_json(text: str, name: str) -> Any:
    from ..inputs import json_error_at

    try:
        return json.loads(text, parse_int=_int_or_text)
    except json.JSONDecodeError as exc:
        line, column = json_error_at(text, exc.pos)  # json's own lineno counts \n only, not a lone \r
        raise InputError.single(name, f"not valid JSON: {exc.msg} (column {column}); give the output of "
                                      "`gh issue view N --json number,title,body,...` or a REST API issue",
                                line=line) from None
    except RecursionError:
        raise InputError.single(name, "JSON nested too deeply") from None


MAX_ISSUE_NUMBER = 10**9  # the most an inputs file's issue.number takes (model.Issue)


def _int_or_text(digits: str) -> int | str:
    try:
        return int(digits)
    except ValueError:  # past sys.get_int_max_str_digits(): refused below as no issue number
        return digits


_SURROGATE = re.compile("[\ud800-\udfff]")


def _mend(value: Any, mended: list[int]) -> Any:
    """JSON may escape half a UTF-16 pair ("\\ud800"), which no UTF-8 file can hold: each becomes
    U+FFFD, counted in `mended`. Iterative, so a deeply nested export cannot exhaust the stack."""
    def text(s: str) -> str:
        if not _SURROGATE.search(s):
            return s
        mended.extend([0] * len(_SURROGATE.findall(s)))
        return _SURROGATE.sub("\ufffd", s)

    if isinstance(value, str):
        return text(value)
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in list(node):
                item = node.pop(key)
                fixed = text(item) if isinstance(item, str) else item
                node[text(key)] = fixed
                if isinstance(fixed, (dict, list)):
                    stack.append(fixed)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, str):
                    node[index] = text(item)
                elif isinstance(item, (dict, list)):
                    stack.append(item)
    return value


def is_pull_request(item: dict[str, Any]) -> bool:
    if "pull_request" in item or item.get("isPullRequest") is True:
        return True
    url = item.get("html_url") or item.get("url") or ""
    return isinstance(url, str) and re.search(r"/pull/\d+/?$", url) is not None


def _login(value: Any) -> str | None:
    if isinstance(value, dict):
        login = value.get("login") or value.get("name")
        return _text(login)
    return _text(value)


def _text(value: Any) -> str | None:
    """An optional piece of metadata as one line of text; anything else (a number, an object, an
    empty string) is left out: it only feeds the file's comments, never a field."""
    return " ".join(value.split()) or None if isinstance(value, str) else None


def read_issue(item: Any, name: str, where: str) -> Issue:
    """One issue object, gh or REST, checked field by field."""
    if not isinstance(item, dict):
        raise InputError.single(name, "is not a JSON object; give issue objects as gh or the REST "
                                      "API print them", field=where)
    problems: list[InputIssue] = []
    number = item.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_ISSUE_NUMBER:
        shown = repr(number) if len(repr(number)) <= 40 else repr(number)[:40] + "…"
        problems.append(InputIssue(name, None, f"{where}.number",
                                   f"must be the issue's number (a whole number from 1 to {MAX_ISSUE_NUMBER:,}), "
                                   f"got {shown}; include `number` in gh's --json fields"))
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(InputIssue(name, None, f"{where}.title",
                                   "is missing or empty; include `title` in gh's --json fields"))
    body = item.get("body")
    if body is not None and not isinstance(body, str):
        problems.append(InputIssue(name, None, f"{where}.body", f"must be text or null, got {type(body).__name__}"))
    labels_raw = item.get("labels") or []
    labels: list[str] = []
    if not isinstance(labels_raw, list):
        problems.append(InputIssue(name, None, f"{where}.labels", "must be a list of names or label objects"))
    else:
        for index, label in enumerate(labels_raw):
            value = label.get("name") if isinstance(label, dict) else label
            if not isinstance(value, str):
                problems.append(InputIssue(name, None, f"{where}.labels[{index}]",
                                           "must be a label name or an object with `name`"))
            elif value.strip():
                labels.append(value.strip())
    if problems:
        raise InputError(problems)
    assert isinstance(number, int) and isinstance(title, str)  # each was a problem above otherwise
    url = item.get("html_url") or item.get("url")
    if not isinstance(url, str) or not re.fullmatch(r"https?://\S+", url) or "api.github.com" in url:
        url = None
    milestone = item.get("milestone")
    assignees = item.get("assignees")
    return Issue(
        number=number, title=" ".join(title.split()), body=body or "", url=url, labels=labels,
        author=_login(item.get("author")) or _login(item.get("user")),
        assignees=[a for a in (_login(x) for x in assignees) if a] if isinstance(assignees, list) else [],
        milestone=_text(milestone.get("title")) if isinstance(milestone, dict) else _text(milestone),
        created_at=_text(item.get("createdAt")) or _text(item.get("created_at")),
        state=_text(item.get("state")),
    )


# --- bodies --------------------------------------------------------------------------------

_TASK = re.compile(r"^\[( |x|X)\]\s+")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_LEVEL = {"high": "High", "h": "High", "medium": "Medium", "med": "Medium", "m": "Medium", "low": "Low", "l": "Low"}


def _without_comments(text: str) -> str:
    """`text` less each `<!-- ... -->` (one left open is kept). str.find rather than `<!--.*?-->`:
    that regex rescans the rest of the body from every unclosed `<!--`, quadratic in its length."""
    out: list[str] = []
    position = 0
    while (start := text.find("<!--", position)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        out.append(text[position:start])
        position = end + 3
    out.append(text[position:])
    return "".join(out)


def _drop_comments(text: str) -> str:
    """The body without its HTML comments (an issue template's hints), except inside code, where
    `<!-- ... -->` is part of a snippet someone pasted."""
    if "<!--" not in text:
        return text
    lines = text.split("\n")
    code = [False] * len(lines)
    for block in split_blocks(lines):
        if block.kind in ("fence", "code_block"):
            end = block.tokens[0].map[1] if block.tokens and block.tokens[0].map else block.end
            for number in range(block.start, min(end, len(lines))):
                code[number] = True
    out: list[str] = []
    chunk: list[str] = []
    for line, in_code in zip(lines, code, strict=True):
        if in_code:
            if chunk:
                out.append(_without_comments("\n".join(chunk)))
                chunk = []
            out.append(line)
        else:
            chunk.append(line)
    if chunk:
        out.append(_without_comments("\n".join(chunk)))
    return "\n".join(out)


class BodyReader:
    def __init__(self, issue: Issue, mapping: dict[str, str], name: str) -> None:
        self.issue = issue
        self.mapping = mapping
        self.name = name
        self.data: dict[str, Any] = {}
        self.summary: list[str] = []
        self.extra: list[str] = []
        self.notes: list[str] = []
        self.marks: dict[int, str] = {}
        self.heading_marks: dict[int, str] = {}
        self.heading_of = ""

    def note(self, message: str) -> None:
        self.notes.append(f"#{self.issue.number}: {message}")

    def run(self) -> None:
        text = _drop_comments(self.issue.body.replace("\r\n", "\n").replace("\r", "\n"))
        text, dropped = drop_hints(text)
        if dropped:
            shown = ", ".join(repr(line[:40] + ("..." if len(line) > 40 else "")) for line in dropped[:4])
            self.note(f"{len(dropped)} line{'s' if len(dropped) > 1 else ''} of the issue template's hints and "
                      f"placeholders left out: {shown}{', ...' if len(dropped) > 4 else ''}")
        # "**Describe the bug**" on a line of its own, in a form the mapping knows: read as a heading,
        # and kept as written.
        lines: list[str] = []
        for line in text.split("\n"):
            bold = _BOLD_HEADING.match(line.strip())
            if bold and normalise_label(bold.group("label")) in self.mapping:
                self.marks[len(lines)] = line.strip()
                lines.append("### " + bold.group("label").strip())
            else:
                lines.append(line)
        blocks = split_blocks(lines)
        sections = self.form_sections(lines, blocks)
        if sections is None:
            self.free_form(lines, blocks)
        else:
            answers = [(label, start, "\n".join(lines[start:end]).strip("\n")) for label, start, end in sections]
            described = self.describing_answer(answers)
            for label, start, value in answers:
                self.heading_of = self.heading_marks.get(start, f"#### {label}")
                self.answer(label, value, summary=start == described)

    def describing_answer(self, answers: list[tuple[str | None, int, str]]) -> int | None:
        """Where the answer that becomes the summary starts, when no answer the mapping sends there
        has words of its own (a form asking "The problem", or a screenshot as its bug description):
        the first free-text answer whose label asks for the problem or the behaviour."""
        def words(value: str) -> bool:
            lines = value.split("\n")
            return value.strip().lower() not in EMPTY_ANSWERS and any(
                b.kind == "paragraph" and not has_image(b) for b in split_blocks(lines))
        targets = [(self.mapping.get(normalise_label(label), "extra") if label else "issue.summary", start, value,
                    normalise_label(label or "")) for label, start, value in answers]
        if any(target == "issue.summary" and words(value) for target, _, value, _ in targets):
            return None
        return next((start for target, start, value, label in targets if target == "extra" and
                     _DESCRIBING.search(label) and not _NOT_DESCRIBING.search(label) and words(value)), None)

    def form_sections(self, lines: list[str], blocks: list[Block]) -> list[tuple[str | None, int, int]] | None:
        """(label, first line, end line) per answer, or None when the body is not an issue form.

        A body is a form when a heading's label is in the mapping. Every top-level "### Label" then
        starts an answer (one the mapping does not know is kept verbatim); a "###" with no label is a
        stray line inside the answer, and a "###" inside a code block is no heading at all.
        """
        known = [b for b in blocks if b.kind == "heading" and b.level in (2, 3) and b.inline is not None
                 and normalise_label(b.inline.content) in self.mapping]
        if not known:
            # A form of labels the mapping does not know: GitHub prints each as "### Label", and
            # one asking for the problem ("### The problem") makes it a form all the same.
            known = [b for b in blocks if b.kind == "heading" and b.level == 3 and b.inline is not None
                     and _DESCRIBING.search(normalise_label(b.inline.content))
                     and not _NOT_DESCRIBING.search(normalise_label(b.inline.content))]
        if not known:
            return None
        levels = {b.level for b in known}
        heads = [(b.inline.content.strip(), b.start, b.end) for b in blocks
                 if b.kind == "heading" and b.level in levels and b.inline is not None
                 and normalise_label(b.inline.content)]
        sections: list[tuple[str | None, int, int]] = []
        if heads[0][1] > 0 and "\n".join(lines[:heads[0][1]]).strip():
            sections.append((None, 0, heads[0][1]))
        self.heading_marks = {}
        for index, (label, start, end) in enumerate(heads):
            stop = heads[index + 1][1] if index + 1 < len(heads) else len(lines)
            sections.append((label, end, stop))
            # The answer keeps its heading as the issue wrote it ("## Steps", "**Describe the bug**").
            self.heading_marks[end] = self.marks.get(start, lines[start].strip())
        return sections

    def answer(self, label: str | None, value: str, *, summary: bool = False) -> None:
        if value.strip().lower() in EMPTY_ANSWERS or not value.strip():
            return
        target = "issue.summary" if summary else (
            self.mapping.get(normalise_label(label), "extra") if label else "issue.summary")
        if target == "ignore":
            return
        if target == "extra":
            self.extra.append(f"{self.heading_of or '#### ' + str(label)}\n\n{value}")
            return
        lines = value.split("\n")
        blocks = split_blocks(lines)
        if target == "issue.summary":
            self.summary_from(lines, blocks, label)
        elif target in CHECKLIST_TARGETS or target in BULLET_TARGETS or target in ("risks", "questions"):
            items = self.items_of(lines, blocks, label)
            self.add_items(target, items)
        elif target in BLOCK_TARGETS:
            fence = next((b for b in blocks if b.kind in ("fence", "code_block")), None)
            code = fence.tokens[0].content.rstrip("\n") if fence is not None else value
            self.set(target, code)
        else:
            self.set(target, plain(" ".join(value.split()))[0])

    def set(self, path: str, value: Any) -> None:
        target = self.data
        parts = path.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        if isinstance(value, list):
            target.setdefault(parts[-1], []).extend(value)
        elif isinstance(value, str) and target.get(parts[-1]):
            target[parts[-1]] = f"{target[parts[-1]]}\n\n{value}" if "\n" in value or parts[-1] in (
                "components", "new_tables", "modified_tables") else f"{target[parts[-1]]} {value}"
        else:
            target[parts[-1]] = value

    def summary_from(self, lines: list[str], blocks: list[Block], label: str | None) -> None:
        """Leading paragraphs become summary text; from the first other block on, Markdown stays verbatim."""
        index = 0
        # A screenshot stays an image: as summary text it would become "alt (url)".
        while index < len(blocks) and blocks[index].kind == "paragraph" and not has_image(blocks[index]):
            inline = blocks[index].inline
            if inline is not None:
                self.summary.append(plain(inline.content)[0])
            index += 1
        if index < len(blocks):
            rest = "\n".join(lines[blocks[index].start:blocks[-1].end])
            self.extra.append(f"{self.heading_of or '#### ' + str(label)}\n\n{rest}" if label and not self.summary
                              else rest)

    def items_of(self, lines: list[str], blocks: list[Block], label: str | None) -> list[tuple[str, bool | None]]:
        """(text, checked) per item: list items, or one per line of a plain answer."""
        items: list[tuple[str, bool | None]] = []
        leftovers: list[Block] = []
        kept_items: list[str] = []
        for block in blocks:
            if block.kind in ("bullet_list", "ordered_list"):
                complex_items: list[str] = []
                for item, start, end in _list_item_spans(block):
                    if item is None:
                        # Sub-items or a second paragraph: the item is kept whole, as written.
                        complex_items.append("\n".join(lines[start:trimmed_end(lines, start, end)]))
                        continue
                    task = _TASK.match(item)
                    text = plain(item[task.end():] if task else item)[0]
                    if text:
                        items.append((text, (task.group(1) != " ") if task else None))
                if complex_items:
                    kept_items.append("\n".join(complex_items))
            elif block.kind == "paragraph" and block.inline is not None:
                for line in block.inline.content.split("\n"):
                    text = plain(_BULLET.sub("", line))[0]
                    if text and text.lower() not in EMPTY_ANSWERS:
                        items.append((text, None))
            else:
                leftovers.append(block)
        if leftovers or kept_items:
            rest = "\n\n".join(kept_items + ["\n".join(lines[b.start:b.end]) for b in leftovers])
            self.extra.append(f"{self.heading_of or '#### ' + str(label)}\n\n{rest}" if label else rest)
            if kept_items:
                self.note(f"list items with sub-items or several paragraphs under '{label}' are kept as written "
                          "under the summary")
        return items

    def add_items(self, target: str, items: list[tuple[str, bool | None]]) -> None:
        if not items:
            return
        if target in CHECKLIST_TARGETS:
            self.set(target, [{"text": text, "done": True} if done else text for text, done in items])
        elif target == "questions":
            self.set(target, [{"text": text, "answered": True} if done else text for text, done in items])
        elif target == "risks":
            self.set(target, [self.risk(text) for text, done in items if done is not False])
        else:
            tasks = any(done is not None for _, done in items)
            self.set(target, [text for text, done in items if not tasks or done])

    def risk(self, text: str) -> dict[str, Any]:
        risk: dict[str, Any] = {}
        for name, pattern in (("probability", r"(?:probability|likelihood)"), ("impact", r"impact")):
            match = re.search(pattern + r"\s*[:=]\s*(high|medium|med|low|h|m|l)\b", text, re.IGNORECASE)
            risk[name] = _LEVEL[match.group(1).lower()] if match else None
        mitigation = re.search(r"\bmitigation\s*[:=]\s*(.+)$", text, re.IGNORECASE)
        body = text[:mitigation.start()] if mitigation else text
        body = re.sub(r"(?:[(\[]|(?<!\s))\s*(?:probability|likelihood|impact)\s*[:=]\s*\w+\s*[,;/]?\s*"
                      r"(?:(?:probability|likelihood|impact)\s*[:=]\s*\w+)?\s*[)\]]?", "", body, flags=re.IGNORECASE)
        risk["risk"] = " ".join(body.split()).strip(" -–—;,") or text
        if mitigation:
            risk["mitigation"] = mitigation.group(1).strip()
        if risk["probability"] is None or risk["impact"] is None:
            self.note(f"risk {risk['risk'][:40]!r} gives no probability or impact; set to Medium, review it")
            risk["probability"] = risk["probability"] or "Medium"
            risk["impact"] = risk["impact"] or "Medium"
        return {"risk": risk["risk"], "probability": risk["probability"], "impact": risk["impact"],
                **({"mitigation": risk["mitigation"]} if "mitigation" in risk else {})}

    def free_form(self, lines: list[str], blocks: list[Block]) -> None:
        """Leading paragraphs are the summary; task lists are the functional requirements; the rest is
        kept verbatim in order."""
        index = 0
        # A screenshot stays an image: as summary text it would become "alt (url)".
        while index < len(blocks) and blocks[index].kind == "paragraph" and not has_image(blocks[index]):
            inline = blocks[index].inline
            if inline is not None:
                self.summary.append(plain(inline.content)[0])
            index += 1
        kept: list[str] = []
        for block in blocks[index:]:
            if block.kind == "bullet_list":
                items = [(item, _TASK.match(item)) for item in (_list_items(block)) if item is not None]
                tasks = [(item[m.end():], m.group(1) != " ") for item, m in items if m]
                if tasks and len(tasks) == len(_list_items(block)):
                    self.add_items("requirements.functional", [(plain(t)[0], d) for t, d in tasks])
                    continue
            kept.append("\n".join(lines[block.start:block.end]))
        if kept:
            self.extra.append("\n\n".join(kept))

    def result(self) -> dict[str, Any]:
        summary = "\n\n".join(part for part in self.summary if part)
        if summary:
            existing = self.data.get("issue", {}).get("summary")
            self.data.setdefault("issue", {})["summary"] = f"{existing}\n\n{summary}" if existing else summary
        if self.extra:
            # A screenshot pasted into an issue is an <img> tag: kept, it is the Markdown image it shows.
            # With no summary the kept answers are the section's text: before its field, so the plan
            # prints them in place of "_Not specified._" rather than after it.
            where = "after" if summary or self.data.get("issue", {}).get("summary") else "before"
            self.data.setdefault("extra", {})["issue_summary"] = {where: html.convert("\n\n".join(self.extra))}
        return self.data


def _list_items(block: Block) -> list[str | None]:
    """Each item's text (lines joined), None for an item with more than one paragraph or a nested list."""
    return [text for text, _, _ in _list_item_spans(block)]


def _list_item_spans(block: Block) -> list[tuple[str | None, int, int]]:
    """Each top-level item's text (None when it is not one plain paragraph) and its source lines.
    One pass over the tokens, however long the list."""
    items: list[tuple[str | None, int, int]] = []
    depth = 0
    inner: list[Any] = []
    start = end = 0
    for token in block.tokens[1:-1]:
        if token.type == "list_item_open" and depth == 0:
            inner = []
            start, end = token.map or (block.start, block.end)
        elif token.type == "list_item_close" and depth == 1:
            simple = len(inner) == 3 and inner[1].type == "inline"
            text = " ".join(line.strip() for line in inner[1].content.split("\n")) if simple else None
            items.append((text, start, end))
        elif depth >= 1:
            inner.append(token)
        depth += token.nesting
    return items


# --- the importer --------------------------------------------------------------------------


@dataclass
class IssueImport:
    issue: Issue
    result: ImportResult
    where: str = "(issue)"  # its place in the export, for messages: "(issue)" or "[3]"

    def comments(self, source: str, as_of: dt.date) -> list[str]:
        issue = self.issue
        lines = [f"Inputs for a Technical Plan, imported from GitHub issue #{issue.number} by "
                 f"`techplan import github` on {as_of.isoformat()} (source: {source}).",
                 "Fill in the empty sections, then: techplan render THIS_FILE -o technical-plan.md"]
        facts = []
        if issue.url:
            facts.append(f"url {issue.url}")
        if issue.author:
            facts.append(f"opened by @{issue.author}")
        if issue.created_at:
            facts.append(f"on {issue.created_at}")
        if issue.state:
            facts.append(f"state {issue.state}")
        if issue.assignees:
            facts.append("assignees " + ", ".join(f"@{a}" for a in issue.assignees))
        if issue.milestone:
            facts.append(f"milestone {issue.milestone}")
        if facts:
            lines.append("Issue: " + "; ".join(facts) + ".")
        return [" ".join(line.split()) for line in lines]


@dataclass
class GithubExport:
    """What an export holds: the issues read, the pull requests skipped (as messages), and the
    problems of the items that could not be read (each names its place in the list)."""

    is_list: bool
    imports: list[IssueImport]
    skipped: list[str]
    problems: list[InputIssue]


def import_github(text: str, name: str, mapping: dict[str, str], as_of: dt.date) -> tuple[list[IssueImport], list[str]]:
    """Every issue in the JSON as inputs data, and the pull requests skipped (as messages); any
    item that cannot be read refuses the whole export."""
    export = read_export(text, name, mapping, as_of)
    if export.problems:
        raise InputError(export.problems)
    if not export.imports:
        raise InputError.single(name, "no issues to import: every item is a pull request")
    return export.imports, export.skipped


def read_export(text: str, name: str, mapping: dict[str, str], as_of: dt.date) -> GithubExport:
    """Every issue in the JSON, item by item: a bad item is a problem of its own, and the other
    issues are still read (a list of fifty issues is not refused for one). JSON that cannot be
    read at all, or an empty list, raises."""
    data = parse_json(text, name)
    mended: list[int] = []
    data = _mend(data, mended)
    items = data if isinstance(data, list) else [data]
    if isinstance(data, list) and not data:
        raise InputError.single(name, "the JSON list holds no issues")
    imports: list[IssueImport] = []
    skipped: list[str] = []
    if mended:
        skipped.append(f"note: {name}: {len(mended)} broken character{'s' if len(mended) != 1 else ''} "
                       "(\\ud800-style escapes with no pair) shown as \ufffd; export the issues again to get them back")
    problems: list[InputIssue] = []
    seen: dict[int, str] = {}
    for index, item in enumerate(items):
        where = f"[{index}]" if isinstance(data, list) else "(issue)"
        if isinstance(item, dict) and is_pull_request(item):
            skipped.append(f"skipped #{item.get('number', '?')}: a pull request, not an issue")
            continue
        try:
            issue = read_issue(item, name, where)
        except InputError as exc:
            problems.extend(exc.issues)
            continue
        if issue.number in seen:
            problems.append(InputIssue(name, None, f"{where}.number",
                                       f"issue #{issue.number} appears twice (first at {seen[issue.number]}); "
                                       "keep one"))
            continue
        seen[issue.number] = where
        issue.title, in_title = strip_invisible(issue.title)
        issue.body, in_body = strip_invisible(issue.body)
        reader = BodyReader(issue, mapping, name)
        if in_title or in_body:
            reader.note("invisible control characters were removed from the "
                        + " and ".join(part for part, found in (("title", in_title), ("body", in_body)) if found)
                        + (f" ({'; '.join(in_body[:5])} of the body)" if in_body else ""))
        reader.run()
        body = reader.result()
        inputs: dict[str, Any] = {"issue": {"number": issue.number, "title": issue.title[:200]}}
        if len(issue.title) > 200:
            reader.note("the title is longer than the 200 characters a plan title may have; it was shortened")
        if issue.url:
            inputs["issue"]["url"] = issue.url
        if body.get("issue", {}).get("summary"):
            inputs["issue"]["summary"] = body["issue"]["summary"]
        labels = issue.labels + [x for x in body.get("issue", {}).get("labels", []) if x not in issue.labels]
        if labels:
            inputs["issue"]["labels"] = labels
        # The plan starts the day the issue was opened, by the person who opened it.
        opened = re.match(r"^(\d{4}-\d{2}-\d{2})", issue.created_at or "")
        try:
            inputs["created"] = dt.date.fromisoformat(opened.group(1)).isoformat() if opened else as_of.isoformat()
        except ValueError:
            inputs["created"] = as_of.isoformat()
        if issue.author:
            inputs["created_by"] = f"@{issue.author}"
        inputs["status"] = "Draft"
        for key, value in body.items():
            if key != "issue":
                inputs[key] = value
        if issue.state and issue.state.lower() == "closed":
            reader.note("the issue is closed")
        imports.append(IssueImport(issue, ImportResult(inputs, reader.notes), where))
    return GithubExport(isinstance(data, list), imports, skipped, _with_lines(problems, text, name))


def _with_lines(problems: list[InputIssue], text: str, name: str) -> list[InputIssue]:
    """Each problem with the line of its field in the export ("[2].labels[0]"; a missing field: its
    issue's line). They had none: a list of fifty issues said which item, not where it is."""
    if not problems:
        return problems
    from ..inputs import Document, json_field_lines

    doc = Document(name, None, json_field_lines(text, name))
    located = []
    for problem in problems:
        path = problem.field.split(" ")[0].removeprefix("(issue)")
        loc = tuple(int(index) if index else key for index, key in re.findall(r"\[(\d+)\]|([^.\[\]]+)", path))
        located.append(replace(problem, line=problem.line or doc.line_of(loc)))
    return located
