"""PlanForm: the whole interactive editor — load, edit every section, live checks, preview, save, Generate.

The form is an editor of the inputs file the command line reads: it holds plain data, checks it
with the command line's own validator on every change, and writes the same format back. Generate
runs the plan notebook through papermill exactly as `techplan run` does (techplan_nb.runner).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import html
import json
import os
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as W

from ..errors import InputError, TechPlanError
from ..inputs import Document, decode, validate_document
from ..model import Loc, PlanInput
from ..output import plan_dir_name
from ..plan_folder import INPUTS_FILE, PLAN_FILE
from . import files, notation
from .channel import keep_all_widget_messages
from .editors import Context
from .importing import from_github_export, from_markdown_plan, is_markdown_plan, looks_like_github_export
from .messages import describe, humanise, parse_path
from .preview import DEBOUNCE_SECONDS, Debouncer, Preview, _running_loop
from .sections import OTHER_TAB, TAB_OF_KEY, TAB_TITLES, PlanEditor, blank_inputs, preview_heading
from .style import CSS

FORM_NAME = "plan form"
"""How problems name the form's own (unsaved) inputs."""


class Problem:
    """One validation problem, located in the form."""

    def __init__(self, loc: Loc, message: str, where: str) -> None:
        self.loc = loc
        self.message = message
        self.where = where

    def __repr__(self) -> str:
        return f"Problem({self.where}: {self.message})"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class PlanForm:
    """The interactive Technical Plan form (display it, or its `.widget`, in a notebook or Voilà)."""

    # What "Undo load" puts back: the form's data, source, saved data and path text.
    _undo: tuple[dict[str, Any], Path | None, dict[str, Any] | None, str] | None

    def __init__(self, *, inputs: str | Path | None = None, data: dict[str, Any] | None = None,
                 output_dir: str | Path = "plans", as_of: dt.date | None = None, seed: int = 0,
                 template: str | Path | None = None, workdir: str | Path | None = None,
                 debounce: float = DEBOUNCE_SECONDS, notebook: str | Path | None = None) -> None:
        keep_all_widget_messages()
        self.workdir = Path(workdir or os.getcwd()).resolve()
        # Generate runs in another process and folder: relative paths are the workdir's.
        self.template = self._resolve(template) if template else None
        self.notebook = self._resolve(notebook) if notebook else None
        self.ctx = Context()
        self.editor = PlanEditor(self.ctx)
        self.ctx.on_change = self._changed
        self.ctx.on_ids = self.editor.refresh_choices
        self.ctx.on_rename = self.editor.rename
        self.ctx.on_removed = self._row_removed
        self.preview = Preview()
        self.debouncer = Debouncer(debounce, self.refresh)
        self.problems: list[Problem] = []
        self.plan: PlanInput | None = None
        self.data: dict[str, Any] = {}
        self.saved_data: dict[str, Any] | None = None
        self.source: Path | None = None
        self.last_refresh_seconds = 0.0
        self.result: Any = None  # the runner's PlanResult of the last Generate
        self.written: list[Path] = []
        self._confirm_overwrite: Path | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._estimate_seconds = 6.0
        self.focused: W.DOMWidget | None = None  # the control the last problem link focused
        self._build(output_dir, as_of or dt.date.today(), seed)
        if inputs is not None:
            self.load(inputs)
            self._undo = None  # nothing was in the form before its first file
            self.undo_button.layout.display = "none"
        else:
            self.set_data(data if data is not None else blank_inputs(self.as_of))
        self._offer_draft()

    # --- layout --------------------------------------------------------------------------------

    def _build(self, output_dir: str | Path, as_of: dt.date, seed: int) -> None:
        self.title = W.HTML()
        self.title.add_class("tp-title")
        self.path = W.Text(placeholder="inputs .yaml or .json, a GitHub issue export (.json) or a Markdown plan (.md)",
                           description="File", style={"description_width": "3em"},
                           layout=W.Layout(flex="1 1 auto", width="auto"))
        self.path.add_class("tp-path")
        self.load_button = W.Button(description="Load", tooltip="Load the file named on the left")
        self.load_button.add_class("tp-load")
        self.upload = W.FileUpload(accept=".yaml,.yml,.json,.md,.markdown", multiple=False, description="Upload…",
                                   tooltip="Load a file from this computer")
        self.save_button = W.Button(description="Save", tooltip="Save the inputs to the file named on the left")
        self.save_button.add_class("tp-save")
        self.load_button.on_click(lambda _: self._guard(self._load_clicked))
        self.save_button.on_click(lambda _: self._guard(self._save_clicked))
        self.undo_button = W.Button(description="Undo load", tooltip="Put back what the form held before the load",
                                    layout=W.Layout(display="none", width="auto"))
        self.undo_button.add_class("tp-undo")
        self.undo_button.on_click(lambda _: self._guard(self.undo_load))
        self._undo = None
        self.upload.observe(lambda change: self._guard(lambda: self._uploaded(change)), "value")

        self.output_dir = W.Text(value=str(output_dir), description="Output folder",
                                 style={"description_width": "7em"}, layout=W.Layout(flex="1 1 auto", width="auto"))
        self.output_dir.add_class("tp-output-dir")
        self.as_of_picker = W.DatePicker(value=as_of, description="As of", style={"description_width": "3em"},
                                         layout=W.Layout(width="13em"))
        self.seed_box = W.BoundedIntText(value=seed, min=0, max=2**32 - 1, description="Seed",
                                         style={"description_width": "3em"}, layout=W.Layout(width="10em"))
        self.force = W.Checkbox(description="Overwrite a plan edited by hand (keeps .bak)", indent=False,
                                layout=W.Layout(width="auto"))
        # As `techplan run --no-images`: a relative image link shows broken in a GitHub issue or PR.
        self.no_images = W.Checkbox(description="For pasting into GitHub: the plan links no image", indent=False,
                                    layout=W.Layout(width="auto"))
        self.generate_button = W.Button(description="Generate", button_style="primary",
                                        tooltip="Run the plan notebook (as `techplan run` does) and write the files")
        self.generate_button.add_class("tp-generate")
        self.generate_button.on_click(lambda _: self._guard(self.generate))
        self.as_of_picker.observe(lambda _: self._changed(), "value")
        self.seed_box.observe(lambda _: self._changed(), "value")

        self.progress = W.FloatProgress(value=0, min=0, max=1, layout=W.Layout(width="12em", display="none"))
        self.progress_label = W.HTML()
        self.progress_label.add_class("tp-progress")
        self.status = W.HTML()
        self.status.add_class("tp-status-line")
        self.problems_html = W.HTML()
        # Each problem once, as a link to its field (the tab is opened and the field focused).
        self.problem_links: list[W.Button] = []
        self.problem_list = W.VBox(layout=W.Layout(width="100%"))
        self.problem_list.add_class("tp-problem-list")
        self.problems_box = W.VBox([self.problems_html, self.problem_list], layout=W.Layout(width="100%"))
        self.problems_box.add_class("tp-problems")
        self.files_html = W.HTML()
        self.files_html.add_class("tp-files")
        # Work is kept: the page asks before it is left with unsaved changes (it looks for
        # .tp-dirty), a draft is written beside the inputs as you type, and removals can be undone.
        self.leave_guard = W.HTML(layout=W.Layout(height="0", overflow="hidden"))
        self.leave_guard.add_class("tp-leave-guard")
        self.notice = W.HTML()
        self.notice_buttons: list[W.Button] = [W.Button(layout=W.Layout(width="auto")) for _ in range(2)]
        for number, button in enumerate(self.notice_buttons):
            button.add_class(f"tp-notice-{number}")
            button.on_click(lambda _, n=number: self._guard(lambda: self._notice_clicked(n)))
        self._notice_actions: list[Callable[[], None]] = []
        self.notice_bar = W.HBox([self.notice, *self.notice_buttons],
                                 layout=W.Layout(width="100%", display="none", align_items="center"))
        self.notice_bar.add_class("tp-notice")
        self.draft_written: Path | None = None
        self._pristine: dict[str, Any] = {}

        self.tabs = W.Tab(children=self.editor.pages, titles=list(TAB_TITLES), selected_index=0)
        self.tabs.add_class("tp-tabs")
        self.editor.ensure_tab(0)
        self.tabs.observe(self._on_tab, "selected_index")
        files_row = W.HBox([self.path, self.load_button, self.upload, self.save_button, self.undo_button],
                           layout=W.Layout(width="100%"))
        run_row = W.HBox([self.output_dir, self.as_of_picker, self.seed_box, self.generate_button],
                         layout=W.Layout(width="100%"))
        # Downloads to this computer (Save and Generate write on the server): links the kernel
        # refreshes with each change, holding the file as a data: URI.
        self.downloads = W.HTML(layout=W.Layout(width="auto"))
        self.downloads.add_class("tp-downloads")
        # The generated folder as a zip: its own box, made once per Generate (it is larger than the
        # rest, and the downloads above are refreshed with every change).
        self.folder_download = W.HTML(_FOLDER_ZIP_OFF, layout=W.Layout(width="auto"))
        self.folder_download.add_class("tp-download-folder-box")
        options_row = W.HBox([self.force, self.no_images, W.HBox([self.downloads, self.folder_download])],
                             layout=W.Layout(width="100%", justify_content="space-between"))
        options_row.add_class("tp-options")
        progress_row = W.HBox([self.progress, self.progress_label], layout=W.Layout(width="100%"))
        progress_row.add_class("tp-progress-row")
        left = W.VBox([self.tabs], layout=W.Layout(flex="3 1 0", min_width="0", width="auto"))
        right = W.VBox([self.preview.widget], layout=W.Layout(flex="2 1 0", min_width="0", width="auto"))
        left.add_class("tp-form-column")
        right.add_class("tp-preview-column")
        # What changes while you type (problems, progress, messages, files written) is said in a
        # footer pinned to the bottom of the window, never above the fields: a box appearing or
        # going above the tabs moved the field being typed in.
        self.footer = W.VBox([self.notice_bar, self.status, progress_row, self.problems_box, self.files_html,
                              self.leave_guard],
                             layout=W.Layout(width="100%"))
        self.footer.add_class("tp-footer")
        self.widget = W.VBox([W.HTML(CSS), self.title, files_row, run_row, options_row,
                              W.HBox([left, right], layout=W.Layout(width="100%")), self.footer],
                             layout=W.Layout(width="100%"))
        self.widget.add_class("tp-form")

    def _on_tab(self, change: dict[str, Any]) -> None:
        index = change["new"]
        if isinstance(index, int):
            # The preview scrolls first: a tab opened for the first time takes a moment to build.
            self.preview.follow(preview_heading(index))
            self.build_tab(index)

    def build_tab(self, index: int) -> None:
        """Make a tab's boxes (once) and show their problems; looking at a tab changes nothing saved."""
        self.debouncer.flush()  # edits typed just before belong to the old state
        clean = self.source is not None and self.data == self.saved_data
        if self.editor.ensure_tab(index):
            self.refresh()
            if clean:
                # The boxes write the loaded values in the form's own spelling ("" left out,
                # "h" as "High"): the same inputs, so still nothing unsaved.
                self.saved_data = self.data
                self._update_title()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        # The widget's own text form lists every child's state (dates, ids); a stable line keeps
        # notebook outputs comparable (nbval) and readable where widgets cannot show.
        bundle: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = "Technical Plan form (open in JupyterLab or with `techplan app` to use it)"
        return bundle

    # --- reading and writing the form ----------------------------------------------------------------

    @property
    def as_of(self) -> dt.date:
        value = self.as_of_picker.value
        return value if isinstance(value, dt.date) else dt.date.today()

    @property
    def seed(self) -> int:
        return int(self.seed_box.value)

    def to_dict(self) -> dict[str, Any]:
        """The inputs as plain data, exactly what Save writes."""
        data = self.editor.get()
        return data if isinstance(data, dict) else {}

    def set_data(self, data: dict[str, Any], *, source: Path | None = None) -> None:
        """Show these inputs (plain data as an inputs file holds it) in the form."""
        self.ctx.warnings = []
        with self.ctx.quiet():
            self.editor.set(notation.plain(data), ())
        self.source = source
        self.saved_data = self.to_dict() if source is not None else None
        self._pristine = self.to_dict()
        self._confirm_overwrite = None
        self.refresh()

    def load(self, path: str | Path) -> None:
        """Load an inputs file (YAML or JSON), a GitHub issue export (JSON) or a Markdown plan."""
        target = self._resolve(path)
        self._load_bytes(files.read_raw(target), str(path), target)

    def _load_bytes(self, raw: bytes, name: str, target: Path | None) -> None:
        text = decode(raw, name)
        notes: list[str] = []
        # Loading replaces everything in the form: keep what was there, for "Undo load".
        self._undo = (self.to_dict(), self.source, self.saved_data, self.path.value)
        if is_markdown_plan(name):
            data, notes = from_markdown_plan(text, name)
        elif looks_like_github_export(text, name):
            data, notes = from_github_export(text, name, self.as_of)
        else:
            data = files.read_bytes(raw, name)
            if target is not None:
                self.set_data(data, source=target)
                # As every other message names files: relative to the folder the app serves.
                self.path.value = self._shown(target)
                self._report_load(name, notes)
                return
        # Not an inputs file (or not one on this machine): Save proposes a new .yaml beside it.
        self.set_data(data)
        folder = Path(name).parent if target is not None else Path()
        self.path.value = str(folder / self.default_name())
        self._report_load(name, notes)

    def _report_load(self, name: str, notes: list[str]) -> None:
        notes = [*notes, *(f"{describe(loc, self.data)}: {message}" for loc, message in self.ctx.warnings)]
        text = f"Loaded <b>{html.escape(name)}</b>."
        if notes:
            text += "<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>"
        self._say(text, "ok" if not self.problems else "warn")
        self.undo_button.layout.display = None if self._undo is not None else "none"

    def undo_load(self) -> None:
        """Put back what the form held before the last Load or Upload."""
        if self._undo is None:
            return
        data, source, saved, path = self._undo
        self._undo = None
        self.set_data(data, source=source)
        self.saved_data = saved
        # The box held the name of the file just loaded: show the form's own file again.
        self.path.value = self._shown(source) if source is not None else path
        self._update_title()
        self.undo_button.layout.display = "none"
        self._say("The form is back as it was before that load.", "ok")

    def save(self, path: str | Path | None = None) -> Path:
        """Save the inputs (YAML, or JSON for a .json name); returns the file written."""
        self.debouncer.flush()
        target = self._resolve(path if path is not None else (self.path.value.strip() or self.default_name()))
        data = self.to_dict()
        files.save_inputs(target, data)
        self.source = target
        self.saved_data = data
        self._keep_draft()
        self._confirm_overwrite = None
        self._update_title()
        return target

    def default_name(self) -> str:
        issue = self.data.get("issue")
        if not isinstance(issue, dict):
            issue = {}
        number, title = issue.get("number"), issue.get("title")
        if isinstance(number, int) and isinstance(title, str) and title.strip():
            return plan_dir_name(number, title) + ".yaml"
        return "plan-inputs.yaml"

    def inputs_bytes(self, name: str = "inputs.yaml") -> bytes:
        return files.inputs_text(self.to_dict(), name).encode("utf-8")

    def _resolve(self, path: str | Path) -> Path:
        candidate = Path(os.path.expanduser(str(path)))
        return candidate if candidate.is_absolute() else self.workdir / candidate

    # --- checking and previewing ----------------------------------------------------------------

    def _changed(self) -> None:
        self._confirm_overwrite = None
        self.debouncer.trigger()

    def validate(self) -> list[Problem]:
        """Check the form with the command line's validator; returns the problems (empty when valid)."""
        self.debouncer.flush()
        return list(self.problems)

    def refresh(self) -> None:
        """Validate, show each problem beside its field, and redraw the preview."""
        started = time.perf_counter()
        try:
            self._refresh()
        except Exception as exc:  # noqa: BLE001 - a bug must show in the page, not vanish in the kernel log
            self._say(f"Internal error while checking the form: {html.escape(type(exc).__name__)}: "
                      f"{html.escape(str(exc))}. Please report it.", "error")
            traceback.print_exc()
        self.last_refresh_seconds = time.perf_counter() - started

    def _refresh(self) -> None:
        data = self.to_dict()
        self.data = data
        issues: list[tuple[Loc, str]] = list(self.editor.own_problems())
        plan: PlanInput | None = None
        try:
            plan = validate_document(Document(FORM_NAME, data, {}))
        except InputError as exc:
            issues.extend((parse_path(i.field), i.message) for i in exc.issues)
        if issues:
            plan = None
        self.plan = plan
        self.problems = [Problem(loc, humanise(message), describe(loc, data)) for loc, message in issues]
        self._show_problems()
        if plan is not None:
            self.preview.update(plan, as_of=self.as_of, seed=self.seed, template=self.template)
        else:
            self.preview.stale(len(self.problems))
        self._update_title()
        self._update_generate()
        self._keep_draft()
        self._update_downloads()

    def _update_downloads(self) -> None:
        import base64

        def link(css: str, name: str, mime: str, body: bytes, text: str) -> str:
            data = base64.b64encode(body).decode("ascii")
            return (f"<a class='{css}' download='{html.escape(name)}' href='data:{mime};base64,{data}' "
                    f"title='Download {html.escape(name)} to this computer'>⬇ {text}</a>")

        base = self.default_name().removesuffix(".yaml")
        name = self.source.name if self.source is not None and self.source.suffix in (".yaml", ".yml") \
            else f"{base}.inputs.yaml"
        links = [link("tp-download-inputs", name, "application/x-yaml", self.inputs_bytes(name), "Inputs (.yaml)")]
        if self.plan is not None and self.preview.text:
            links.insert(0, link("tp-download-plan", f"{base}.md", "text/markdown",
                                 self.preview.text.encode("utf-8"), "Plan (.md)"))
            # The clipboard is the browser's: the button copies the Markdown tab's text (the plan
            # exactly, as the .md download holds it), with no round trip to the kernel.
            copy = ("<button type='button' class='tp-copy-markdown' aria-live='polite' title='Copy the plan "
                    "(Markdown) to the clipboard' onclick=\"" + html.escape(_COPY_SCRIPT) + "\">Copy Markdown</button>")
        else:
            links.insert(0, "<span class='tp-download-off' title='Fix the problems first'>⬇ Plan (.md)</span>")
            copy = ("<button type='button' class='tp-copy-markdown' disabled title='Fix the problems first'>"
                    "Copy Markdown</button>")
        value = "<span class='tp-download-links'>" + copy + " Download: " + " · ".join(links) + "</span>"
        if self.downloads.value != value:
            self.downloads.value = value

    # --- keeping work: the leave-page guard, the draft file, undo of removals ---------------------

    @property
    def dirty(self) -> bool:
        """Changed since the form was loaded, saved or started (what leaving the page would lose)."""
        baseline = self.saved_data if self.saved_data is not None else self._pristine
        return bool(self.data) and self.data != baseline

    def draft_path(self) -> Path:
        """The draft beside the inputs file (`.inputs.yaml.draft`), or in the working folder for a new plan."""
        if self.source is not None:
            return self.source.parent / f".{self.source.name}.draft"
        return self.workdir / ".new-plan.inputs.draft"

    def _keep_draft(self) -> None:
        dirty = self.dirty
        self.leave_guard.value = "<span class='tp-dirty'></span>" if dirty else ""
        path = self.draft_path()
        try:
            if dirty:
                from ..output import atomic_write

                atomic_write(path, json.dumps({"saved": dt.datetime.now().isoformat(timespec="seconds"),
                                               "source": str(self.source) if self.source else None,
                                               "data": self.data}, indent=1, default=str))
                self.draft_written = path
            elif self.draft_written is not None:
                self.draft_written.unlink(missing_ok=True)
                self.draft_written = None
        except OSError:
            pass  # a read-only folder: the leave-page warning still guards the work

    def _offer_draft(self) -> None:
        path = self.draft_path()
        try:
            draft = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return
        data = draft.get("data") if isinstance(draft, dict) else None
        if not isinstance(data, dict) or data == self.data:
            return
        when = html.escape(str(draft.get("saved", "")).replace("T", " "))

        def discard() -> None:
            path.unlink(missing_ok=True)
            self._notify("", [])

        self._notify(f"⟲ A draft from {when} has changes that were not saved ({html.escape(self._shown(path))}).",
                     [("Restore the draft", lambda: self.restore_draft(data)), ("Discard it", discard)])

    def restore_draft(self, data: dict[str, Any]) -> None:
        source, saved, pristine = self.source, self.saved_data, self._pristine
        self.set_data(data, source=source)
        self.saved_data, self._pristine = saved, pristine
        self.refresh()
        self._notify("", [])
        self._say("The draft is back in the form; Save keeps it.", "ok")

    def _notify(self, text: str, actions: list[tuple[str, Callable[[], Any]]]) -> None:
        self.notice.value = text
        self._notice_actions = [action for _, action in actions]
        for number, button in enumerate(self.notice_buttons):
            if number < len(actions):
                button.description = actions[number][0]
                button.layout.display = None
            else:
                button.layout.display = "none"
        self.notice_bar.layout.display = None if text else "none"

    def _notice_clicked(self, number: int) -> None:
        if number < len(self._notice_actions):
            self._notice_actions[number]()

    def _row_removed(self, rows: Any, index: int, value: Any) -> None:
        from .messages import _row_name

        noun = {"tp-risks": "Risk", "tp-tasks": "Task", "tp-phases": "Phase", "tp-endpoints": "Endpoint",
                "tp-questions": "Question", "tp-reviews": "Review", "tp-approvals": "Approval"}.get(
                    str(rows.css), "Row")
        name = _row_name(value)
        label = html.escape(f"{noun} {index + 1}" + (f" “{name}”" if name else ""))

        def undo() -> None:
            rows.insert(index, value)
            self._notify("", [])
            self._say(f"{label} is back.", "ok")

        actions: list[tuple[str, Callable[[], Any]]] = [("Undo", undo)]
        dependents = self._dependents(value.get("id")) if rows.css == "tp-tasks" and isinstance(value, dict) else []
        if dependents:
            ident = str(value.get("id"))

            def drop() -> None:
                for depends in dependents:
                    depends.tags.value = [v for v in depends.tags.value if v != ident]
                    if not depends.tags.value:
                        depends.mode.value = depends.SEQUENTIAL
                self._notify("", [])
                self._say(f"No task waits for '{html.escape(ident)}' any more.", "ok")

            actions.insert(0, (f"Drop the dependencies on '{ident}' ({len(dependents)})", drop))
            label += f" — {len(dependents)} task{'s' if len(dependents) != 1 else ''} still wait for it"
        self._notify(f"Removed {label}.", actions)

    def _dependents(self, ident: Any) -> list[Any]:
        if not isinstance(ident, str) or not ident:
            return []
        timeline = self.editor.timeline
        return [task.depends for phase in timeline.phase_editors for task in phase.task_editors
                if ident in task.depends.tags.value]

    def _show_problems(self) -> None:
        nodes = dict(self.editor.nodes(()))
        routed: dict[Loc, list[tuple[Loc, str]]] = {}
        for problem in self.problems:
            for end in range(len(problem.loc), -1, -1):
                if problem.loc[:end] in nodes:
                    routed.setdefault(problem.loc[:end], []).append((problem.loc[end:], problem.message))
                    break
        for loc, editor in nodes.items():
            if loc == ():
                continue  # problems with no field of their own are listed at the top
            editor.show_errors(routed.get(loc, []))
        counts = [0] * len(TAB_TITLES)
        for problem in self.problems:
            tab = TAB_OF_KEY.get(str(problem.loc[0])) if problem.loc else None
            counts[tab if tab is not None else OTHER_TAB] += 1
        titles = [f"{name} ⚠{count}" if count else name for name, count in zip(TAB_TITLES, counts, strict=True)]
        if list(self.tabs.titles) != titles:
            self.tabs.titles = titles
        self._list_problems()

    SHOWN_PROBLEMS = 30

    def _list_problems(self) -> None:
        count = len(self.problems)
        shown = self.problems[:self.SHOWN_PROBLEMS]
        while len(self.problem_links) < len(shown):
            link = W.Button(layout=W.Layout(width="auto", height="auto"))
            link.add_class("tp-problem-link")
            number = len(self.problem_links)
            link.on_click(lambda _, n=number: self._guard(lambda: self.go_to_problem(n)))
            self.problem_links.append(link)
        for link, problem in zip(self.problem_links, shown, strict=False):
            text = f"{problem.where}: {problem.message}"
            if link.description != text:
                link.description = text
                link.tooltip = f"Go to {problem.where}"
        children = tuple(self.problem_links[:len(shown)])
        if self.problem_list.children != children:
            self.problem_list.children = children
        more = f" (the first {self.SHOWN_PROBLEMS} are listed)" if count > self.SHOWN_PROBLEMS else ""
        self.problems_html.value = (
            "" if not count else
            f"<div class='tp-problem-head'><b>⚠ {count} problem{'s' if count != 1 else ''}</b> — Generate is off "
            f"until {'they are' if count != 1 else 'it is'} fixed{more}. Click one to go to its field.</div>")
        self.problems_box.layout.display = None if count else "none"

    def go_to_problem(self, number: int) -> None:
        """Open the tab of problem `number`, and focus (so the browser scrolls to) its field."""
        if not 0 <= number < len(self.problems):
            return
        loc = self.problems[number].loc
        tab = TAB_OF_KEY.get(str(loc[0])) if loc else None
        index = tab if tab is not None else OTHER_TAB
        if self.tabs.selected_index != index:
            self.tabs.selected_index = index
        self.build_tab(index)
        nodes = dict(self.editor.nodes(()))
        target = None
        for end in range(len(loc), 0, -1):
            if loc[:end] in nodes:
                target = nodes[loc[:end]]
                break
        control = _focusable(target) if target is not None else None
        if control is None:
            return
        self.focused = control
        control.focus()
        loop = _running_loop()
        if loop is not None:
            # A tab built just now has views the browser is still making: ask again once they exist.
            loop.call_later(0.4, control.focus)

    def _update_title(self) -> None:
        issue = self.data.get("issue")
        if not isinstance(issue, dict):
            issue = {}
        number = issue.get("number")
        title = issue.get("title") if isinstance(issue.get("title"), str) else ""
        heading = f"#{number}: {title}" if isinstance(number, int) and title else (title or "New plan")
        state = ("<span class='tp-ok'>✓ ready to generate</span>" if not self.problems else
                 f"<span class='tp-bad'>⚠ {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}</span>")
        unsaved = ""
        if self.source is not None:
            where = html.escape(self._shown(self.source))
            unsaved = (f" · <span class='tp-muted'>{where}</span>" + (
                " · <span class='tp-warn'>unsaved changes</span>" if self.data != self.saved_data else ""))
        # One line whatever its length (the full text on hover): a title wrapping to a second line as
        # it is typed moved every field below it.
        self.title.value = (f"<div class='tp-heading-line' title='{html.escape(heading)}'>"
                            "<span class='tp-app'>Technical Plan</span> "
                            f"<span class='tp-plan-title'>{html.escape(heading)}</span> · {state}{unsaved}</div>")

    def _update_generate(self) -> None:
        running = self._executor is not None
        self.generate_button.disabled = bool(self.problems) or running
        self.generate_button.tooltip = (
            "Running…" if running else
            f"Fix the {len(self.problems)} problem(s) listed at the bottom first" if self.problems else
            "Run the plan notebook (as `techplan run` does) and write the files")

    # --- buttons -------------------------------------------------------------------------------

    def _guard(self, action: Callable[[], Any]) -> None:
        """Button actions report failures in the page (a user error in words, a bug as a bug)."""
        try:
            action()
        except InputError as exc:
            items = "".join(f"<li>{html.escape(str(i))}</li>" for i in exc.issues[:20])
            self._say(f"Could not load: <ul>{items}</ul>", "error")
        except TechPlanError as exc:
            self._say(html.escape(str(exc)), "error")
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            self._say(f"Internal error: {html.escape(type(exc).__name__)}: {html.escape(str(exc))}. "
                      "This is a bug in techplan; please report it.", "error")

    def _load_clicked(self) -> None:
        name = self.path.value.strip()
        if not name:
            self._say("Type the path of an inputs file (or an issue export) in the File box first.", "warn")
            return
        self.load(name)

    def _uploaded(self, change: dict[str, Any]) -> None:
        uploaded = change["new"]
        if not uploaded:
            return
        item = uploaded[0]
        # An upload has no place on this machine: Save proposes a file in the working folder.
        self._load_bytes(bytes(item["content"]), Path(str(item["name"])).name, None)
        self.status.value = self.status.value.replace("</b>.", " (uploaded)</b>.", 1)

    def _save_clicked(self) -> None:
        self.debouncer.flush()
        target = self._resolve(self.path.value.strip() or self.default_name())
        known = target == self.source
        if target.exists() and not known and self._confirm_overwrite != target:
            self._confirm_overwrite = target
            self._say(f"{html.escape(self._shown(target))} already exists and was not loaded here. "
                      "Press Save again to replace it.", "warn")
            return
        if not self.path.value.strip():
            self.path.value = (str(target.relative_to(self.workdir)) if target.is_relative_to(self.workdir)
                               else str(target))
        written = self.save(target)
        note = f" It has {len(self.problems)} problem(s) still to fix before it can generate a plan." \
            if self.problems else ""
        self._say(f"Saved <b>{html.escape(self._shown(written))}</b>.{note}", "ok" if not self.problems else "warn")

    # --- Generate ------------------------------------------------------------------------------

    def generate(self) -> None:
        """Write the inputs into the plan's folder and run the notebook there, as `techplan run` does.

        In a kernel the run happens on a worker thread, so the page stays live and shows
        progress; without an event loop (tests, scripts) it runs before this returns.
        """
        self.debouncer.flush()
        if self.problems or self.plan is None:
            self._say(f"Fix the {len(self.problems)} problem(s) listed at the bottom first.", "error")
            return
        if self._executor is not None:
            return
        out_dir = self._resolve(self.output_dir.value.strip() or "plans")
        folder = out_dir / plan_dir_name(self.plan.issue.number, self.plan.issue.title)
        inputs_path = folder / INPUTS_FILE
        data = self.to_dict()
        job = _Job(inputs_path=inputs_path, data=data, out_dir=out_dir, as_of=self.as_of, seed=self.seed,
                   template=self.template, notebook=self.notebook, force=bool(self.force.value),
                   images=not self.no_images.value)
        self.files_html.value = ""
        self._set_progress(0.02, "Writing the inputs and starting a Jupyter kernel…")
        self._clicked = time.monotonic()  # "Done in" is the time the person waited, not the notebook's
        loop = _running_loop()
        if loop is None:
            self._finish(job, _capture(job.run))
            return
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="techplan-generate")
        self._update_generate()
        started = time.monotonic()
        future = self._executor.submit(job.run)
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._finish, job, _capture(f.result)))
        self._tick(loop, future, started)

    def _tick(self, loop: asyncio.AbstractEventLoop, future: concurrent.futures.Future[Any], started: float) -> None:
        if future.done():
            return
        elapsed = time.monotonic() - started
        # papermill reports no per-cell progress through the runner; the bar follows the time the
        # last run took (an estimate, and labelled so) and never claims to be finished early.
        fraction = min(0.95, 0.05 + 0.9 * elapsed / max(self._estimate_seconds, 0.1))
        self._set_progress(fraction, f"Running the plan notebook with papermill… {elapsed:.1f} s "
                                     f"(usually about {self._estimate_seconds:.0f} s)")
        loop.call_later(0.25, self._tick, loop, future, started)

    def _finish(self, job: _Job, outcome: tuple[Any, BaseException | None]) -> None:
        result, error = outcome
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None
        self._update_generate()
        if error is not None:
            self._set_progress(None, "")
            if isinstance(error, InputError):
                items = "".join(f"<li>{html.escape(str(i))}</li>" for i in error.issues[:20])
                self._say(f"Generate stopped: the inputs are not valid:<ul>{items}</ul>", "error")
            elif isinstance(error, TechPlanError):
                self._say(f"Generate stopped: {html.escape(str(error))}", "error")
            else:
                self._say(f"Generate failed with an internal error: {html.escape(type(error).__name__)}: "
                          f"{html.escape(str(error))}. This is a bug in techplan; please report it.", "error")
            return
        self.result = result
        self._estimate_seconds = max(1.0, float(getattr(result, "seconds", 0) or 0) + 1.5)
        if getattr(result, "status", "") != "succeeded":
            self._set_progress(None, "")
            self._say(f"The notebook run failed: {html.escape(result.message)}. No plan was written; the failed "
                      f"notebook is kept at <code>{html.escape(self._shown(Path(result.notebook)))}</code>.", "error")
            return
        folder = Path(result.plan).parent
        self.written = sorted((p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")),
                              key=lambda p: (_ORDER.index(_kind(p)) if _kind(p) in _ORDER else len(_ORDER), p.name))
        waited = time.monotonic() - getattr(self, "_clicked", time.monotonic())
        self._set_progress(1.0, f"Done in {max(waited, float(result.seconds or 0)):.1f} s.")
        # By name, on a line or two: the footer stays in sight and must not cover the form.
        rows = " · ".join(
            f"<span class='tp-file'><code>{html.escape(p.name)}</code> <span class='tp-muted'>({_kind(p)}, "
            f"{p.stat().st_size:,} bytes)</span></span>" for p in self.written)
        self.files_html.value = (f"<div class='tp-files-box'><b>Files written</b> to "
                                 f"<code>{html.escape(self._shown(folder))}/</code>: {rows}</div>")
        self._offer_folder(folder)
        self._say(f"Generated the plan for #{html.escape(str(self.plan.issue.number if self.plan else ''))}.", "ok")

    def _offer_folder(self, folder: Path) -> None:
        """The generated folder as a zip link (made in memory from the folder; nothing is written)."""
        import base64

        try:
            body = files.folder_zip(folder)
        except (TechPlanError, OSError) as exc:
            self.folder_download.value = (f"<span class='tp-download-links'>&nbsp;· <span class='tp-download-off' "
                                          f"title='{html.escape(str(exc))}'>⬇ Plan folder (.zip)</span></span>")
            return
        data = base64.b64encode(body).decode("ascii")
        name = html.escape(f"{folder.name}.zip")
        self.folder_download.value = (
            f"<span class='tp-download-links'>&nbsp;· <a class='tp-download-folder' download='{name}' "
            f"href='data:application/zip;base64,{data}' title='Download the folder Generate wrote "
            f"({html.escape(self._shown(folder))}) as {name}'>⬇ Plan folder (.zip)</a></span>")

    def _set_progress(self, fraction: float | None, text: str) -> None:
        if fraction is None:
            self.progress.layout.display = "none"
        else:
            self.progress.layout.display = None
            self.progress.value = fraction
            self.progress.bar_style = "success" if fraction >= 1 else "info"
        self.progress_label.value = html.escape(text)

    # --- messages ------------------------------------------------------------------------------

    def _say(self, text: str, kind: str = "ok") -> None:
        self.status.value = f"<div class='tp-msg tp-msg-{kind}'>{text}</div>"

    def _shown(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.workdir))
        except ValueError:
            return str(path)

    # --- helpers for tests and scripts -----------------------------------------------------------

    def field(self, *loc: str | int) -> Any:
        """The editor of a field path, e.g. form.field("issue", "title") (its tab is built if need be)."""
        self.build_tab(TAB_OF_KEY[str(loc[0])])
        nodes = dict(self.editor.nodes(()))
        return nodes[tuple(loc)]

    def build_all_tabs(self) -> None:
        for index in range(len(TAB_TITLES)):
            self.build_tab(index)

    def show_tab(self, key: str) -> None:
        """Select the tab holding a top-level key of the inputs (e.g. "risks")."""
        self.tabs.selected_index = TAB_OF_KEY[key]


class _Job:
    """One Generate: the inputs written into the plan's folder, then the runner, as `techplan run`."""

    def __init__(self, *, inputs_path: Path, data: dict[str, Any], out_dir: Path, as_of: dt.date, seed: int,
                 template: Path | None, notebook: Path | None, force: bool, images: bool = True) -> None:
        self.inputs_path = inputs_path
        self.data = data
        self.out_dir = out_dir
        self.as_of = as_of
        self.seed = seed
        self.template = template
        self.notebook = notebook
        self.force = force
        self.images = images

    def run(self) -> Any:
        from ..services.generate import generate

        # The folder's inputs.yaml is checked (reviewed rounds are never replaced) before anything is written.
        return generate(self.data, self.out_dir, as_of=self.as_of, seed=self.seed, template=self.template,
                        notebook=self.notebook, force=self.force, images=self.images)


def _focusable(editor: Any) -> W.DOMWidget | None:
    """The control to focus for a problem on `editor`: its own box, or the first box inside it."""
    from .editors import DependsEditor, Editor, RowList

    control = getattr(editor, "control", None)
    if isinstance(control, W.DOMWidget):
        return control
    if isinstance(editor, DependsEditor):
        return editor.mode
    if isinstance(editor, RowList):
        for row in editor.rows:
            found = _focusable(row.editor)
            if found is not None:
                return found
        return editor.add_button
    fields = getattr(editor, "fields", None)
    if isinstance(fields, dict):
        for child in fields.values():
            if isinstance(child, Editor):
                found = _focusable(child)
                if found is not None:
                    return found
    return None


def _capture(call: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    try:
        return call(), None
    except Exception as exc:  # noqa: BLE001 - reported in the page by _finish
        return None, exc


_ORDER = ["the plan", "audit notebook", "inputs", "chart"]

_FOLDER_ZIP_OFF = ("<span class='tp-download-links'>&nbsp;· <span class='tp-download-off' title='Generate the "
                   "plan first: the zip holds the folder Generate writes'>⬇ Plan folder (.zip)</span></span>")

_COPY_SCRIPT = (
    "const text = this.closest('.tp-form').querySelector('.tp-preview-markdown pre').textContent;"
    "const done = (said) => { this.textContent = said;"
    " setTimeout(() => { this.textContent = 'Copy Markdown'; }, 2500); };"
    # Where the Clipboard API is missing (a page served over plain http from another machine, such
    # as JupyterLab on a server), the older way: a hidden text box selected and copied.
    "const legacy = () => { const area = document.createElement('textarea'); area.value = text;"
    " area.style.position = 'fixed'; area.style.opacity = '0'; document.body.appendChild(area); area.select();"
    " let ok = false; try { ok = document.execCommand('copy'); } catch (e) { ok = false; }"
    " area.remove(); this.focus(); done(ok ? 'Copied ✓' : 'Not copied: use the download'); };"
    "if (navigator.clipboard && window.isSecureContext) {"
    " navigator.clipboard.writeText(text).then(() => done('Copied ✓'), legacy); } else { legacy(); }")


def _kind(path: Path) -> str:
    if path.name == PLAN_FILE:
        return "the plan"
    if path.suffix == ".ipynb":
        return "audit notebook" if "failed" not in path.name else "failed run"
    if path.suffix == ".png":
        return "chart"
    if path.name.startswith("inputs."):
        return "inputs"
    if path.name.endswith(".bak"):
        return "backup of a hand-edited plan"
    return "file"


__all__ = ["PlanForm", "Problem"]
