"""Regenerate a plan without losing what people wrote in it: a three-way merge by section.

Three versions of the plan meet here:

- base:   what techplan generated last time (output.generated_copy, or the plan text kept in
          the audit notebook of `techplan run`), trusted only when its hash is the recorded one;
- ours:   the file as people left it;
- theirs: a fresh render of the current inputs.

The plan is split into `##` sections with markdown-it-py (so a `##` inside a code block is not
a heading). Computed sections — the header, Risk Assessment, Implementation Timeline, and the
Review Feedback and Approval sections the review commands maintain — always come from theirs:
they are made from the inputs, and editing them by hand is editing the wrong file (a hand edit
there is replaced, kept in PLAN.bak, and reported). Every other section is prose people may
improve by hand:

    ours == base            -> theirs      (no hand edit: inputs changes flow in)
    theirs == base          -> ours        (hand edit, inputs did not touch the section)
    ours == theirs          -> either      (the same change made twice)
    all three differ        -> ours, reported as a conflict with the inputs' change as a diff

A hand-added section stays where it was put; a section deleted by hand stays deleted unless
the inputs changed it (then it is reported). merge_sections is pure; the rest of the module
reads and writes plan folders.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

HEADER = "header"
COMPUTED_SECTIONS = frozenset({HEADER, "risk assessment", "implementation timeline", "review feedback", "approval"})

Action = Literal["unchanged", "regenerated", "updated", "kept", "same", "added", "removed", "conflict",
                 "replaced", "kept-added", "kept-removed", "moved"]
Take = Literal["inputs", "mine"]


# --- sections --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str    # "header", or the heading's text in lower case ("risk assessment"); repeats get "#2"
    title: str  # the heading as written, for messages
    text: str   # the section's lines, trailing blank lines removed


def split_sections(markdown: str) -> list[Section]:
    """The document's header (everything before the first `##`) and each `##` section."""
    from markdown_it import MarkdownIt

    text = markdown.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    starts: list[tuple[int, str]] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2" and token.level == 0 and token.map:
            starts.append((token.map[0], tokens[index + 1].content.strip()))
    sections: list[Section] = []
    seen: dict[str, int] = {}
    bounds = [(0, HEADER, "Header")] + [(line, _key(title), title) for line, title in starts]
    for position, (start, key, title) in enumerate(bounds):
        end = bounds[position + 1][0] if position + 1 < len(bounds) else len(lines)
        body = _trim(lines[start:end])
        if key == HEADER and not body:
            continue
        seen[key] = seen.get(key, 0) + 1
        unique = key if seen[key] == 1 else f"{key}#{seen[key]}"
        sections.append(Section(unique, title, body))
    return sections


def _key(title: str) -> str:
    return " ".join(title.lower().split())


def _trim(lines: list[str]) -> str:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    while lines and not lines[0].strip():
        lines = lines[1:]
    return "\n".join(lines)


def join_sections(sections: Sequence[Section]) -> str:
    return "\n\n".join(section.text for section in sections if section.text) + "\n"


def _same(a: Section | None, b: Section | None) -> bool:
    if a is None or b is None:
        return a is b
    # Trailing spaces come and go with editors; they are not a person's edit.
    return [line.rstrip() for line in a.text.split("\n")] == [line.rstrip() for line in b.text.split("\n")]


# --- the merge ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    key: str
    title: str
    action: Action
    detail: str = ""
    diff: str = ""  # for a conflict: what the inputs changed in this section, as a unified diff


@dataclass(frozen=True)
class MergeResult:
    text: str
    outcomes: tuple[Outcome, ...]
    had_base: bool
    # Conflicts still open after this merge, to record with the generated text: key -> {"title",
    # "mine" (SHA-256 of the hand-edited section), "diff"}. An update reports them again until the
    # section is edited, or --take inputs / --take mine settles them.
    open_conflicts: dict[str, dict[str, str]] | None = None

    def with_action(self, *actions: Action) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.action in actions]

    @property
    def conflicts(self) -> list[Outcome]:
        return self.with_action("conflict")

    @property
    def replaced(self) -> list[Outcome]:
        """Hand edits in computed sections that the merge replaced (the caller keeps a .bak)."""
        return self.with_action("replaced")

    @property
    def kept(self) -> list[Outcome]:
        return self.with_action("kept", "kept-added", "kept-removed", "conflict")

    @property
    def moved(self) -> list[Outcome]:
        return self.with_action("moved")

    @property
    def loses_hand_text(self) -> bool:
        """True when a person's text is not in the merged plan (it must be kept in a backup)."""
        return bool(self.replaced or self.moved or not self.had_base)


def section_sha(section: Section) -> str:
    text = "\n".join(line.rstrip() for line in section.text.split("\n"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _diff(before: Section | None, after: Section | None, labels: tuple[str, str]) -> str:
    old = before.text.split("\n") if before else []
    new = after.text.split("\n") if after else []
    return "\n".join(difflib.unified_diff(old, new, *labels, lineterm="", n=1))


def merge_sections(base: str | None, ours: str, theirs: str, *, take: Take | None = None,
                   pending: dict[str, dict[str, str]] | None = None) -> MergeResult:
    """Merge a fresh render (theirs) into a hand-edited plan (ours); see the module docstring.

    `pending`: conflicts an earlier merge reported and recorded; one whose section still holds the
    same hand edit is a conflict again (it was never settled), however often update runs.
    `take`: settle every conflict with the inputs' version ("inputs") or the hand edit ("mine").
    """
    pending = pending or {}
    settle = take
    still_open: dict[str, dict[str, str]] = {}
    b = {s.key: s for s in split_sections(base)} if base is not None else None
    o_list = split_sections(ours)
    o = {s.key: s for s in o_list}
    t_list = split_sections(theirs)
    t = {s.key: s for s in t_list}
    chosen: dict[str, Section] = {}
    outcomes: list[Outcome] = []

    def decide(key: str) -> None:
        before = b.get(key) if b is not None else None
        mine, new = o.get(key), t.get(key)
        title = (new or mine or before).title  # type: ignore[union-attr]
        if key.split("#")[0] in COMPUTED_SECTIONS:
            _decide_computed(key, title, before, mine, new)
        elif b is None:
            _decide_without_base(key, title, mine, new)
        else:
            _decide_prose(key, title, before, mine, new)

    def choose(section: Section | None) -> None:
        if section is not None:
            chosen[section.key] = section

    take_section = choose

    def note(key: str, title: str, action: Action, detail: str = "", diff: str = "") -> None:
        outcomes.append(Outcome(key, title, action, detail, diff))

    def _decide_computed(key: str, title: str, before: Section | None, mine: Section | None,
                         new: Section | None) -> None:
        edited = (mine is not None and not _same(mine, before)) if b is not None else not _same(mine, new)
        if new is None:
            if mine is not None and edited:
                choose(mine)
                note(key, title, "kept", "the template no longer makes this section; your text is kept")
            elif mine is not None:
                note(key, title, "removed")
            return
        choose(new)
        if edited and mine is not None and not _same(mine, new):
            note(key, title, "replaced", "computed from the inputs: your edit here was replaced (see the .bak "
                                         "file); change inputs.yaml instead")
        elif mine is None and b is not None and before is not None:
            note(key, title, "replaced", "computed from the inputs: the section you deleted is back")
        elif mine is None:
            note(key, title, "added")
        else:
            note(key, title, "unchanged" if _same(mine, new) else "regenerated")

    def _decide_prose(key: str, title: str, before: Section | None, mine: Section | None,
                      new: Section | None) -> None:
        if mine is None and before is None:
            choose(new)
            note(key, title, "added")
        elif mine is None:
            if _same(new, before):
                note(key, title, "kept-removed", "you deleted this section; it stays deleted")
            else:
                note(key, title, "conflict", "you deleted this section, and the inputs changed it; it stays "
                                             "deleted", _diff(before, new, ("generated before", "generated now")))
        elif _same(mine, before):
            choose(new)
            if new is None:
                note(key, title, "removed")
            else:
                note(key, title, "unchanged" if _same(new, before) else "updated")
        elif new is None and before is None:
            choose(mine)
            note(key, title, "kept-added", "a section you added")
        elif _same(new, before) and key in pending and section_sha(mine) == pending[key].get("mine"):
            conflict(key, title, mine, new, "an earlier update found that you edited this section and the "
                                            "inputs changed it too; still unsettled", pending[key].get("diff", ""))
        elif _same(new, before):
            choose(mine)
            note(key, title, "kept", "your edit is kept")
        elif _same(mine, new):
            choose(new)
            note(key, title, "same", "your edit and the inputs agree")
        else:
            conflict(key, title, mine, new, "you edited this section and the inputs changed it too",
                     _diff(before, new, ("generated before", "generated now")))

    def conflict(key: str, title: str, mine: Section, new: Section | None, why: str, diff: str) -> None:
        if settle == "inputs":
            take_section(new)
            note(key, title, "replaced", f"{why}; --take inputs: the inputs' version replaced your edit "
                                         "(kept in the backup)", diff)
        elif settle == "mine":
            take_section(mine)
            note(key, title, "kept", f"{why}; --take mine: your edit is kept and the conflict is settled")
        else:
            take_section(mine)
            still_open[key] = {"title": title, "mine": section_sha(mine), "diff": diff}
            note(key, title, "conflict", f"{why}; your text is kept and the inputs' change below was NOT "
                                         "applied (settle it: edit the section, or --take inputs / --take mine)",
                 diff)

    def _decide_without_base(key: str, title: str, mine: Section | None, new: Section | None) -> None:
        if mine is None:
            choose(new)
            note(key, title, "added")
        elif new is None:
            choose(mine)
            note(key, title, "kept-added", "not in the generated plan; kept")
        elif _same(mine, new):
            choose(new)
            note(key, title, "unchanged")
        else:
            choose(mine)
            note(key, title, "conflict", "differs from the new render, and there is no record of the previously "
                                         "generated plan to tell a hand edit from an inputs change; your text is "
                                         "kept", _diff(mine, new, ("this plan", "generated now")))

    keys = list(dict.fromkeys([s.key for s in t_list] + [s.key for s in o_list] + (list(b) if b else [])))
    for key in keys:
        decide(key)
    order = _order([s.key for s in t_list], [s.key for s in o_list])
    merged = [chosen[key] for key in order if key in chosen]
    for key, after in _moved([s.key for s in o_list], [s.key for s in merged]):
        title = o[key].title
        anchor = f"below {o[after].title}" if after else "to the top"
        note(key, title, "moved", f"you moved this section {anchor}; it is back in the template's order "
                                  "(your order is in the backup)")
    by_position = {key: index for index, key in enumerate(order)}
    outcomes.sort(key=lambda outcome: by_position.get(outcome.key, len(order)))
    return MergeResult(join_sections(merged), tuple(outcomes), base is not None, still_open)


def _moved(ours: list[str], merged: list[str]) -> list[tuple[str, str | None]]:
    """Sections whose place among the others differs between ours and the merged plan: the fewest
    sections that, taken out, leave both orders the same (a longest common subsequence)."""
    common = [key for key in ours if key in set(merged)]
    target = [key for key in merged if key in set(common)]
    n, m = len(common), len(target)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = (table[i + 1][j + 1] + 1 if common[i] == target[j]
                           else max(table[i + 1][j], table[i][j + 1]))
    stay: set[str] = set()
    i = j = 0
    while i < n and j < m:
        if common[i] == target[j]:
            stay.add(common[i])
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    moved = []
    for index, key in enumerate(ours):
        if key in set(common) and key not in stay:
            moved.append((key, ours[index - 1] if index else None))
    return moved


def _order(theirs: list[str], ours: list[str]) -> list[str]:
    """Theirs' order, with sections only ours has placed after the section they followed in ours."""
    order = list(theirs)
    for index, key in enumerate(ours):
        if key in order:
            continue
        anchor = next((ours[j] for j in range(index - 1, -1, -1) if ours[j] in order), None)
        order.insert(order.index(anchor) + 1 if anchor is not None else 0, key)
    return order


def differs_beyond_last_updated(a: str, b: str) -> bool:
    """True when two plans differ in more than their "Last Updated" line."""
    pattern = re.compile(r"^\*\*Last Updated\*\*:.*$", re.MULTILINE)
    return pattern.sub("", a) != pattern.sub("", b)


# Plan folders: see plan_folder.py; regenerating one: see services/regenerate.py.
