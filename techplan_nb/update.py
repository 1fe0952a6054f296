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
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .errors import UsageError

PLAN_FILE = "technical-plan.md"
INPUTS_FILE = "inputs.yaml"
HEADER = "header"
COMPUTED_SECTIONS = frozenset({HEADER, "risk assessment", "implementation timeline", "review feedback", "approval"})

Action = Literal["unchanged", "regenerated", "updated", "kept", "same", "added", "removed", "conflict",
                 "replaced", "kept-added", "kept-removed"]


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


def _diff(before: Section | None, after: Section | None, labels: tuple[str, str]) -> str:
    old = before.text.split("\n") if before else []
    new = after.text.split("\n") if after else []
    return "\n".join(difflib.unified_diff(old, new, *labels, lineterm="", n=1))


def merge_sections(base: str | None, ours: str, theirs: str) -> MergeResult:
    """Merge a fresh render (theirs) into a hand-edited plan (ours); see the module docstring."""
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

    def take(section: Section | None) -> None:
        if section is not None:
            chosen[section.key] = section

    def note(key: str, title: str, action: Action, detail: str = "", diff: str = "") -> None:
        outcomes.append(Outcome(key, title, action, detail, diff))

    def _decide_computed(key: str, title: str, before: Section | None, mine: Section | None,
                         new: Section | None) -> None:
        edited = (mine is not None and not _same(mine, before)) if b is not None else not _same(mine, new)
        if new is None:
            if mine is not None and edited:
                take(mine)
                note(key, title, "kept", "the template no longer makes this section; your text is kept")
            elif mine is not None:
                note(key, title, "removed")
            return
        take(new)
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
            take(new)
            note(key, title, "added")
        elif mine is None:
            if _same(new, before):
                note(key, title, "kept-removed", "you deleted this section; it stays deleted")
            else:
                note(key, title, "conflict", "you deleted this section, and the inputs changed it; it stays "
                                             "deleted", _diff(before, new, ("generated before", "generated now")))
        elif _same(mine, before):
            take(new)
            if new is None:
                note(key, title, "removed")
            else:
                note(key, title, "unchanged" if _same(new, before) else "updated")
        elif new is None and before is None:
            take(mine)
            note(key, title, "kept-added", "a section you added")
        elif _same(new, before):
            take(mine)
            note(key, title, "kept", "your edit is kept")
        elif _same(mine, new):
            take(new)
            note(key, title, "same", "your edit and the inputs agree")
        else:
            take(mine)
            note(key, title, "conflict", "you edited this section and the inputs changed it too; your text is "
                                         "kept and the inputs' change below was NOT applied",
                 _diff(before, new, ("generated before", "generated now")))

    def _decide_without_base(key: str, title: str, mine: Section | None, new: Section | None) -> None:
        if mine is None:
            take(new)
            note(key, title, "added")
        elif new is None:
            take(mine)
            note(key, title, "kept-added", "not in the generated plan; kept")
        elif _same(mine, new):
            take(new)
            note(key, title, "unchanged")
        else:
            take(mine)
            note(key, title, "conflict", "differs from the new render, and there is no record of the previously "
                                         "generated plan to tell a hand edit from an inputs change; your text is "
                                         "kept", _diff(mine, new, ("this plan", "generated now")))

    keys = list(dict.fromkeys([s.key for s in t_list] + [s.key for s in o_list] + (list(b) if b else [])))
    for key in keys:
        decide(key)
    order = _order([s.key for s in t_list], [s.key for s in o_list])
    merged = [chosen[key] for key in order if key in chosen]
    by_position = {key: index for index, key in enumerate(order)}
    outcomes.sort(key=lambda outcome: by_position.get(outcome.key, len(order)))
    return MergeResult(join_sections(merged), tuple(outcomes), base is not None)


def _order(theirs: list[str], ours: list[str]) -> list[str]:
    """Theirs' order, with sections only ours has placed after the section they followed in ours."""
    order = list(theirs)
    for index, key in enumerate(ours):
        if key in order:
            continue
        anchor = next((ours[j] for j in range(index - 1, -1, -1) if ours[j] in order), None)
        order.insert(order.index(anchor) + 1 if anchor is not None else 0, key)
    return order


# --- plan folders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanFolder:
    path: Path

    @property
    def plan_path(self) -> Path:
        return self.path / PLAN_FILE

    @property
    def inputs_path(self) -> Path:
        return self.path / INPUTS_FILE

    @classmethod
    def open(cls, path: str | Path) -> PlanFolder:
        folder = Path(path)
        if not folder.is_dir():
            what = ("is a file, not a plan folder; give the folder that holds inputs.yaml" if folder.exists()
                    else "no such plan folder; plans live in plans/issue-<number>-<slug>/")
            raise UsageError(f"{folder}: {what}")
        inputs = folder / INPUTS_FILE
        if inputs.is_dir():
            raise UsageError(f"{inputs}: is a folder; a plan folder holds its inputs in the file inputs.yaml")
        if not inputs.is_file():
            raise UsageError(f"{inputs}: missing; a plan folder holds its inputs as inputs.yaml "
                             "(`techplan run FILE --out plans/` writes it, or copy your inputs file there)")
        plan = folder / PLAN_FILE
        if plan.is_dir():
            raise UsageError(f"{plan}: is a folder, where the plan file goes; move it away (nothing was written)")
        if plan.exists() or plan.is_symlink():  # a pipe would hang every later read; 5 GB would fill memory
            from .safe_files import MAX_PLAN_BYTES, read_file

            read_file(plan, MAX_PLAN_BYTES, what="Markdown plan file")
        return cls(folder)

    def audit_notebooks(self) -> list[Path]:
        return sorted(self.path.glob("*.ipynb"))


@dataclass(frozen=True)
class Regenerated:
    plan_path: Path
    written: bool
    merge: MergeResult | None = None
    backup: Path | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


Renderer = Callable[[], str]
"""Makes the fresh plan text (in-process render, or a notebook run)."""


def previous_settings(folder: PlanFolder) -> dict[str, object]:
    from .output import generated_copy

    copy = generated_copy(folder.plan_path)
    if copy:
        return copy[1]
    for record in _audit_records(folder):  # a folder made by `techplan run`: its record says how
        template = record.get("template")
        path = template.get("path") if isinstance(template, dict) else ""
        return {"seed": record.get("seed", 0), "template": path if isinstance(path, str) else ""}
    return {}


def generated_base(folder: PlanFolder) -> str | None:
    """The plan text techplan last generated here, if it can be trusted (its hash is recorded)."""
    from .output import generated_copy, recorded_hash, sha256_bytes

    copy = generated_copy(folder.plan_path)
    if copy is not None:
        return copy[0]
    recorded = recorded_hash(folder.plan_path)
    if recorded is None:
        return None
    for text in _audit_plan_texts(folder):
        if sha256_bytes(text.encode("utf-8")) == recorded:
            return text
    return None


def _audit_records(folder: PlanFolder) -> list[dict[str, object]]:
    """The run records stored in the folder's executed notebooks (`techplan run` keeps one)."""
    import json

    from .safe_files import MAX_NOTEBOOK_BYTES, read_file

    records: list[dict[str, object]] = []
    for notebook in folder.audit_notebooks():
        try:
            data = json.loads(read_file(notebook, MAX_NOTEBOOK_BYTES, what="Jupyter notebook file (.ipynb)"))
        except ValueError:  # not JSON, or not UTF-8: no record to use (a pipe or 5 GB: refused, naming it)
            continue
        for cell in data.get("cells", []) if isinstance(data, dict) else []:
            for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
                for value in (output.get("data") or {}).values() if isinstance(output, dict) else []:
                    if (isinstance(value, dict) and value.get("name") == "record"
                            and isinstance(value.get("data"), dict)):
                        records.append(value["data"])
    return records


def _audit_plan_texts(folder: PlanFolder) -> list[str]:
    texts = []
    for record in _audit_records(folder):
        plan = record.get("plan")
        if isinstance(plan, dict) and isinstance(plan.get("text"), str):
            texts.append(plan["text"])
    return texts


def audit_is_stale(folder: PlanFolder) -> bool:
    """True when the folder's audit notebook was made from other inputs than inputs.yaml holds now."""
    from .output import sha256_file

    path = folder.path / NOTEBOOK_FILE
    if not path.is_file():
        return False
    current = sha256_file(folder.inputs_path)
    for record in _audit_records(PlanFolder(folder.path)):
        inputs = record.get("inputs")
        if isinstance(inputs, dict) and inputs.get("sha256") == current:
            return False
    return True


def differs_beyond_last_updated(a: str, b: str) -> bool:
    """True when two plans differ in more than their "Last Updated" line."""
    pattern = re.compile(r"^\*\*Last Updated\*\*:.*$", re.MULTILINE)
    return pattern.sub("", a) != pattern.sub("", b)


_LOOK_IT_UP = object()


def regenerate(folder: PlanFolder, fresh: str, *, force: bool = False, new_inputs: str | None = None,
               settings: dict[str, object] | None = None, base: object = _LOOK_IT_UP) -> Regenerated:
    """Write `fresh` as the folder's plan, merged with any hand edits (or over them with force).

    `new_inputs`, when given, is the edited inputs.yaml: it is written first, right before the
    plan, after every check has passed, so a refused or failed command leaves both untouched.
    `base` is the previously generated text when the caller looked it up before replacing the
    audit notebook that may hold it.
    """
    from .output import atomic_write

    if new_inputs is None:
        return _write_plan(folder, fresh, force=force, settings=settings, base=base, before_plan=None)
    from .inputs import MAX_BYTES
    from .safe_files import MAX_PLAN_BYTES, read_file

    previous = read_file(folder.inputs_path, MAX_BYTES, what="inputs file (.yaml, .yml or .json)")
    plan_before = (read_file(folder.plan_path, MAX_PLAN_BYTES, what="Markdown plan file")
                   if folder.plan_path.is_file() else None)
    plan_written = False

    def write_inputs() -> None:
        atomic_write(folder.inputs_path, new_inputs)

    def mark_written() -> None:
        nonlocal plan_written
        plan_written = True

    try:
        return _write_plan(folder, fresh, force=force, settings=settings, base=base, before_plan=write_inputs,
                           after_plan=mark_written)
    except BaseException:
        # The plan could not be written: put the inputs back, so the two still agree and the command
        # can simply be run again (it would otherwise find its change made, and say "nothing changed").
        if not plan_written:
            try:
                atomic_write(folder.inputs_path, previous)
                if plan_before is not None and folder.plan_path.read_bytes() != plan_before:
                    atomic_write(folder.plan_path, plan_before)
            except Exception:  # noqa: BLE001 - the first failure is the one to report
                pass
        raise


def _write_plan(folder: PlanFolder, fresh: str, *, force: bool, settings: dict[str, object] | None, base: object,
                before_plan: Callable[[], None] | None, after_plan: Callable[[], None] | None = None) -> Regenerated:
    from .output import edited_by_hand, keep_generated_copy, write_generated, write_keeping_edits

    path = folder.plan_path
    hand_edited = edited_by_hand(path)
    merge: MergeResult | None = None
    backup: Path | None = None
    if hand_edited and not force:
        from .safe_files import MAX_PLAN_BYTES, read_file

        ours = read_file(path, MAX_PLAN_BYTES, what="Markdown plan file").decode("utf-8")
        previous = generated_base(folder) if base is _LOOK_IT_UP else base
        merge = merge_sections(previous if isinstance(previous, str) else None, ours, fresh)
        if before_plan is not None:
            before_plan()
        if merge.text == fresh:
            # Every hand edit was in computed sections and got replaced; force keeps them in .bak.
            write_generated(path, fresh, force=True)
            if after_plan is not None:
                after_plan()
            keep_generated_copy(path, fresh, settings)
            return Regenerated(path, True, merge, path.with_name(path.name + ".bak"))
        # Without a base no one can tell what the person changed in computed sections: keep a copy.
        keep = ours.encode("utf-8") if merge.replaced or not merge.had_base else None
        if keep is not None:
            backup = path.with_name(path.name + ".bak")
        written = merge.text != ours
        write_keeping_edits(path, merge.text, fresh, backup=keep, settings=settings)
        if after_plan is not None:
            after_plan()
        return Regenerated(path, written, merge, backup)
    if before_plan is not None:
        before_plan()
    if hand_edited:
        backup = path.with_name(path.name + ".bak")
    written = write_generated(path, fresh, force=force)
    if after_plan is not None:
        after_plan()
    keep_generated_copy(path, fresh, settings)
    return Regenerated(path, written, None, backup)


# --- regenerating through the notebook --------------------------------------------------------------
# A folder made by `techplan run` holds the executed notebook as its audit record. Regenerating it
# with the in-process renderer would leave that record (and the charts) describing old inputs, so
# by default such folders are regenerated by running the same notebook again.

NOTEBOOK_FILE = "technical-plan.ipynb"
FAILED_NOTEBOOK_FILE = "technical-plan.failed.ipynb"
CHART_FILES = ("risk-heatmap.png", "schedule-gantt.png", "finish-distribution.png")


def has_audit_notebook(folder: PlanFolder) -> bool:
    return (folder.path / NOTEBOOK_FILE).is_file()


@dataclass(frozen=True)
class NotebookRun:
    plan_text: str
    files: dict[str, bytes]   # the executed notebook and the charts, to copy into the plan folder
    stale: tuple[str, ...]    # charts of the previous run that this run did not make
    seconds: float


def run_notebook(folder: PlanFolder, inputs_text: str | None, *, as_of: object, seed: int,
                 template: Path | None) -> NotebookRun:
    """Run the plan notebook on the folder's inputs (with `inputs_text` written first, if given).

    The kernel reads PLAN_DIR/inputs.yaml itself, so the audit record names the real inputs
    file; it writes into a temporary folder, so a person's edits in the plan are never touched
    by the run. If the run fails, inputs.yaml is put back as it was and the failed notebook is
    kept as PLAN_DIR/technical-plan.failed.ipynb.
    """
    import tempfile

    from .errors import NotebookRunError
    from .inputs import MAX_BYTES
    from .output import atomic_write
    from .runner import run_plan
    from .safe_files import read_file

    previous = read_file(folder.inputs_path, MAX_BYTES, what="inputs file (.yaml, .yml or .json)")
    if inputs_text is not None:
        atomic_write(folder.inputs_path, inputs_text)
    try:
        with tempfile.TemporaryDirectory(prefix=".techplan-run-", dir=folder.path.parent) as scratch:
            result = run_plan(folder.inputs_path, Path(scratch), as_of=as_of, seed=seed,  # type: ignore[arg-type]
                              template=template, force=False, installed_in=folder.path.parent)
            if result.status != "succeeded" or result.plan is None:
                if result.notebook and Path(result.notebook).is_file():
                    atomic_write(folder.path / FAILED_NOTEBOOK_FILE, Path(result.notebook).read_bytes())
                raise NotebookRunError(
                    f"the notebook run failed ({result.message}); nothing changed in {folder.path}, and the "
                    f"failed notebook is kept as {folder.path / FAILED_NOTEBOOK_FILE}",
                    executed_path=str(folder.path / FAILED_NOTEBOOK_FILE))
            made = Path(result.plan).parent
            files = {name: (made / name).read_bytes() for name in (NOTEBOOK_FILE, *CHART_FILES)
                     if (made / name).is_file()}
            text = Path(result.plan).read_text("utf-8")
    except BaseException:
        if inputs_text is not None:
            atomic_write(folder.inputs_path, previous)
        raise
    stale = tuple(name for name in CHART_FILES if name not in files and (folder.path / name).is_file())
    return NotebookRun(text, files, stale, result.seconds)


def install_run_files(folder: PlanFolder, run: NotebookRun) -> None:
    """Put the run's notebook and charts into the plan folder (before the plan itself is written)."""
    from .output import atomic_write

    for name, data in run.files.items():
        atomic_write(folder.path / name, data)
    for name in run.stale:
        (folder.path / name).unlink(missing_ok=True)
    (folder.path / FAILED_NOTEBOOK_FILE).unlink(missing_ok=True)
