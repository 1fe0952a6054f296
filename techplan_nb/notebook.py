"""What the cells of notebooks/technical_plan.ipynb call: the notebook holds no logic of its own.

Each `show_*` function displays a human view (Markdown tables, PNG charts) and stores the same
facts as data in the cell's output under SCRAP_MIME (the way scrapbook did, without depending on
it), so `techplan audit` can read a run back from the executed notebook alone, even one run by
plain papermill. Runs in the kernel; imports IPython lazily so the module stays testable.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypedDict

from . import __version__, numfmt
from .errors import InputError, TechPlanError
from .inputs import load_bytes
from .model import PlanInput, dated
from .output import child_path, find_plan_dir, plan_dir_name, sha256_bytes
from .plan_folder import (
    CHART_FILES,
    PLAN_FILE,
    PlanFolder,
    inputs_copy_name,
    installed_output_dir,
    installed_path,
    is_staging_path,
)

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis

SCRAP_MIME = "application/vnd.techplan.scrap+json"
"""Output mime type of the data a run stores in its notebook (a mapping {"name", "data"})."""

RECORD_SCHEMA = "techplan-nb/record@1"
VERSIONED = ("techplan-nb", "papermill", "nbclient", "jinja2", "matplotlib", "numpy", "pydantic")


class InputsInvalid(TechPlanError):
    """The inputs did not validate; the table above the error lists every problem."""

    def __init__(self, name: str, count: int, first: str = "") -> None:
        self.name = name
        self.count = count
        # The first problem (FILE:LINE: field: message) travels with the error, so a batch summary
        # says what to fix without opening the failed notebook.
        shown = f", the first: {first}" if first else ""
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in {name}{shown}; see the table above. "
                         "Nothing was written.")

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a stack trace: the table above already says what to fix.
        return [f"InputsInvalid: {self}"]


class ParameterInvalid(TechPlanError):
    """A notebook parameter has the wrong form (papermill passes whatever it is given)."""

    def _render_traceback_(self) -> list[str]:
        return [f"ParameterInvalid: {self}"]


# --- parameters --------------------------------------------------------------------------------


def _as_of(value: object) -> dt.date | None:
    """The as_of parameter; None when it is empty (the plan is then dated by model.dated)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if value in ("", None):
        return None
    text = str(value).strip()
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ParameterInvalid(f"as_of={value!r} is not a date in the form YYYY-MM-DD") from None


def _seed(value: object) -> int:
    if isinstance(value, bool):
        raise ParameterInvalid(f"seed={value!r} is not a whole number")
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ParameterInvalid(f"seed={value!r} is not a whole number") from None
    if not 0 <= number < 2**32 or (isinstance(value, float) and not value.is_integer()):
        raise ParameterInvalid(f"seed={value!r} must be a whole number between 0 and 4294967295")
    return number


def _text(name: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, os.PathLike)):
        raise ParameterInvalid(f"{name}={value!r} must be text (a path)")
    return os.fspath(value)


def _flag(name: str, value: object, *, empty: bool = False) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", ""):
        return value.strip().lower() == "true" if value.strip() else empty
    raise ParameterInvalid(f"{name}={value!r} must be True or False")


# --- the run -------------------------------------------------------------------------------------


class _Params(TypedDict):
    """start()'s checked parameters, passed on to Run."""

    as_of: dt.date
    seed: int
    output_dir: str
    template: str
    force: bool
    images: bool


@dataclass
class Run:
    """One plan being made in a notebook: validated parameters, inputs and everything derived."""

    inputs_path: str
    as_of: dt.date
    seed: int
    output_dir: str
    template: str
    force: bool
    plan: PlanInput
    inputs_sha256: str
    inputs_raw: bytes = field(repr=False)
    written: list[dict[str, Any]] = field(default_factory=list)
    # False: the plan links no image, so it pastes into a GitHub issue or pull request as it is
    # (the charts are still drawn, shown and written beside it).
    images: bool = True

    @cached_property
    def analysis(self) -> Analysis:
        from .analysis import analyse

        return analyse(self.plan, as_of=self.as_of, seed=self.seed)

    @cached_property
    def charts(self) -> dict[str, bytes]:
        """PNG bytes of each chart this plan has data for (none without risks or tasks)."""
        from . import charts

        return charts.plan_charts(self.analysis)

    @property
    def chart_links(self) -> dict[str, str]:
        return {key: CHART_FILES[key] for key in self.charts} if self.images else {}

    @property
    def template_path(self) -> Path | None:
        return Path(self.template) if self.template else None

    @cached_property
    def plan_text(self) -> str:
        from .render import render_plan

        plan, _ = dated(self.plan, self.as_of, today=self.as_of)  # Last Updated: as_of (see start)
        return render_plan(plan, as_of=self.as_of, seed=self.seed, template_path=self.template_path,
                           charts=self.chart_links)

    @cached_property
    def folder_name(self) -> str:
        """The issue's plan folder in output_dir: the one there already, else a new name."""
        if not self.output_dir:
            return plan_dir_name(self.plan.issue.number, self.plan.issue.title)
        return find_plan_dir(Path(self.output_dir), self.plan.issue.number, self.plan.issue.title)



def load_or_form(inputs_path: str) -> tuple[str, bytes]:
    """The inputs file's name and bytes; with no path, the interactive form's (when it exists).

    This is the hook for the widget form (techplan_nb.widgets): when `inputs_path` is empty and a
    person runs the notebook, `techplan_nb.widgets.gather_inputs()` may return `(name, bytes)` of
    the inputs it gathered; the rest of the notebook then runs on them exactly as on a file.
    """
    if inputs_path:
        from .inputs import read_inputs

        return inputs_path, read_inputs(inputs_path)
    widgets: ModuleType | None
    try:
        from . import widgets
    except ImportError:
        widgets = None
    gather = getattr(widgets, "gather_inputs", None)
    if gather is None:
        raise ParameterInvalid("inputs_path is empty: pass an inputs file, e.g. "
                               "`papermill technical_plan.ipynb out.ipynb -p inputs_path inputs.yaml`")
    name, raw = gather()
    return str(name), bytes(raw)


def start(inputs_path: str = "", *, as_of: object = "", seed: object = 0, output_dir: str = "",
          template: str = "", force: object = False, images: object = True) -> Run:
    """Check the parameters, load and validate the inputs, and show them (or every problem)."""
    path = _text("inputs_path", inputs_path)
    explicit = _as_of(as_of)
    params = _Params(as_of=explicit or dt.date.today(), seed=_seed(seed), output_dir=_text("output_dir", output_dir),
                     template=_text("template", template), force=_flag("force", force),
                     images=_flag("images", images, empty=True))
    if params["template"] and not Path(params["template"]).is_file():
        raise ParameterInvalid(f"template={params['template']!r}: no such template file")
    try:
        name, raw = load_or_form(path)
        name = installed_path(name)  # a writer's staging copy is named as the plan folder's own file
        plan = load_bytes(raw, name)
        # An explicit as_of is the plan's date (its Last Updated), else the inputs' last_updated;
        # the plan itself stays as the inputs give it (it is recorded so), plan_text dates it.
        params["as_of"] = dated(plan, explicit, today=dt.date.today())[1]
    except InputError as exc:
        _show_input_errors(exc)
        glue("validation", {"ok": False, "issues": [_issue_dict(i) for i in exc.issues]})
        raise InputsInvalid(path or "the inputs", len(exc.issues), str(exc.issues[0])) from None
    run = Run(inputs_path=name, plan=plan, inputs_sha256=sha256_bytes(raw), inputs_raw=raw, **params)
    _show_inputs(run)
    glue("validation", {"ok": True, "issues": []})
    glue("inputs", {"path": run.inputs_path, "sha256": run.inputs_sha256,
                    "normalised": plan.model_dump(mode="json")})
    return run


# --- views ---------------------------------------------------------------------------------------


def _md_cell(value: object) -> str:
    from . import mdescape

    return str(mdescape.cell(str(value))) if str(value) else " "


def _table(headers: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _issue_dict(issue: Any) -> dict[str, Any]:
    return {"file": issue.file, "line": issue.line, "field": issue.field, "message": issue.message}


def _show_input_errors(exc: InputError) -> None:
    rows: list[list[object]] = [[i.line or "", f"`{i.field}`" if i.field else "(file)", i.message]
                                for i in exc.issues]
    count = len(exc.issues)
    name = exc.issues[0].file if exc.issues else "the inputs"
    markdown(f"### The inputs are not valid\n\n{count} problem{'s' if count != 1 else ''} in "
             f"`{name}`; fix {'them' if count != 1 else 'it'} and run again.\n\n"
             + _table(["Line", "Field", "Problem"], rows))


def _show_inputs(run: Run) -> None:
    plan = run.plan
    tasks = sum(len(p.tasks) for p in plan.timeline.phases)
    rows: list[list[object]] = [
        ["Issue", f"#{plan.issue.number}: {plan.issue.title}"],
        ["Status", plan.status],
        ["Created by", plan.created_by],
        ["Requirements", f"{len(plan.requirements.functional)} functional, "
                         f"{len(plan.requirements.non_functional)} non-functional"],
        ["Risks", len(plan.risks)],
        ["Timeline", f"{len(plan.timeline.phases)} phases, {tasks} tasks, starting "
                     f"{plan.timeline.start or 'as of the run'}"],
        ["Inputs file", f"{run.inputs_path} (SHA-256 {run.inputs_sha256[:16]}…)"],
        ["As of / seed", f"{run.as_of.isoformat()} / {run.seed}"],
        ["Template", run.template or "default (technical-plan.md.j2)"],
    ]
    markdown("### Validated inputs\n\n" + _table(["", ""], rows))


def show_risks(run: Run) -> None:
    """The scored risk register and the probability × impact heat-map."""
    risk = run.analysis.risk
    if not risk.register:
        markdown("### Risk register\n\nNo risks listed.")
    else:
        rows: list[list[object]] = [[r.id or "", r.risk, r.probability, r.impact, r.score, r.level,
                                     r.owner or "", r.status.capitalize()] for r in risk.register]
        counts = ", ".join(f"{count} {level}" for level, count in risk.counts.items() if count)
        text = (f"### Risk register\n\nOverall risk: **{risk.overall}** ({counts or 'none open'}).\n\n"
                + _table(["ID", "Risk", "Probability", "Impact", "Score", "Level", "Owner", "Status"], rows))
        if risk.flags:
            text += "\n\n" + "\n".join(f"- {_md_cell(flag)}" for flag in risk.flags)
        markdown(text)
    if "risk_heatmap" in run.charts:
        image(run.charts["risk_heatmap"])
    glue("risk_summary", {"overall": risk.overall, "counts": dict(risk.counts), "flags": list(risk.flags)})


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else "n/a"


def show_schedule(run: Run) -> None:
    """Task dates, slack and the critical path; the Gantt chart and the finish-date distribution."""
    schedule = run.analysis.schedule
    if not schedule.tasks:
        markdown("### Schedule\n\nNo tasks in the timeline, so there is nothing to schedule.")
    else:
        rows: list[list[object]] = [
            [t.id, t.name, t.phase_id or "", _date(t.start), _date(t.end), numfmt.days(t.expected_days),
             numfmt.days(t.slack), "yes" if t.critical else ""] for t in schedule.tasks]
        summary = (f"Expected length **{numfmt.days(schedule.expected_days)} working days**; finish P50 "
                   f"{_date(schedule.p50)}, **P80 {_date(schedule.p80)}**, P90 {_date(schedule.p90)} "
                   f"(P80 with contingency {_date(schedule.p80_with_contingency)}).\n\n"
                   f"Critical path: {' → '.join(schedule.critical_path) or 'none'}.")
        markdown("### Schedule\n\n" + summary + "\n\n"
                 + _table(["Task", "Name", "Phase", "Start", "End", "Expected days", "Slack", "Critical"], rows))
    for key in ("gantt", "finish_distribution"):
        if key in run.charts:
            image(run.charts[key])
    glue("schedule_summary", {
        "expected_days": schedule.expected_days, "critical_path": list(schedule.critical_path),
        "p50": _date(schedule.p50), "p80": _date(schedule.p80), "p90": _date(schedule.p90),
        "p80_with_contingency": _date(schedule.p80_with_contingency)})


def show_plan(run: Run) -> None:
    """The plan as it will be written, its chart links showing the charts themselves: embedded in
    the output as data, since a link relative to the plan folder is broken wherever the notebook is
    opened but there (JupyterLab showed broken images). The written plan keeps its links."""
    import base64

    text = run.plan_text
    for key, name in run.chart_links.items():
        if key in run.charts:
            data = base64.b64encode(run.charts[key]).decode("ascii")
            text = text.replace(f"]({name})", f"](data:image/png;base64,{data})")
    markdown(text)


@lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    # Looked up once per process: importlib.metadata scans site-packages (~10 ms a call).
    found = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    found["techplan-nb"] = __version__
    return found


def write_outputs(run: Run) -> None:
    """Install charts, the inputs copy and the plan together (plan_folder.Transaction: all or none,
    under the folder's lock), or only write them into a runner's staging copy of the folder, which
    the runner installs so; show where they went; store the record."""
    files: list[dict[str, Any]] = []
    if run.output_dir:
        folder = PlanFolder(child_path(Path(run.output_dir), run.folder_name))
        inputs_name = inputs_copy_name(run.inputs_path)
        payloads: list[tuple[str, bytes]] = [(CHART_FILES[key], png) for key, png in run.charts.items()]
        payloads.append((inputs_name, run.inputs_raw))
        plan_bytes = run.plan_text.encode("utf-8")
        payloads.append((PLAN_FILE, plan_bytes))
        if is_staging_path(run.output_dir):
            _write_staged(folder.path, payloads, files, drawn=run.charts)
        else:
            _install(run, folder, inputs_name, payloads, files)
        # Named in the plan folder: an absolute path, or the staging folder a run installs from,
        # would name a place the folder does not keep once installed or moved.
        rows: list[list[object]] = [[f"`{f['name']}`", f["bytes"], f["sha256"][:16] + "…"] for f in files]
        markdown(f"### Files written\n\nInto the plan folder `{run.folder_name}/`:\n\n"
                 + _table(["File", "Bytes", "SHA-256"], rows))
    else:
        markdown("### Files written\n\nNone: `output_dir` is empty, so this run only previews the plan.")
    run.written = files
    # Versions, and the PNG bytes that depend on the installed matplotlib and FreeType, differ
    # between machines: they go in the output's metadata, which nbval does not compare, so the
    # record itself stays byte-stable for the committed notebook.
    charts = [f for f in files if f["name"].endswith(".png")]
    glue("record", record(run), metadata={"versions": dict(versions()), "charts": charts})


def _write_staged(folder: Path, payloads: list[tuple[str, bytes]], files: list[dict[str, Any]], *,
                  drawn: dict[str, bytes]) -> None:
    """Into a runner's private staging copy of the plan folder: the runner checks, locks and
    installs these files in its own transaction, so a second transaction here (its lock, journal and
    a dozen fsyncs, half a plan's time in a batch) would make nothing safer."""
    folder.mkdir(parents=True, exist_ok=True)
    for key, name in CHART_FILES.items():
        if key not in drawn:  # the installer takes a chart file it finds here for one this run drew
            (folder / name).unlink(missing_ok=True)
    for name, data in payloads:
        (folder / name).write_bytes(data)
        files.append({"name": name, "bytes": len(data), "sha256": sha256_bytes(data)})


def _install(run: Run, folder: PlanFolder, inputs_name: str, payloads: list[tuple[str, bytes]],
             files: list[dict[str, Any]]) -> None:
    """Into the plan folder itself (plain papermill, nbval): checked and installed together."""
    with folder.locked("notebook run"):
        folder.check_plan_replaceable(force=run.force)
        folder.check_inputs_replaceable(inputs_name, run.inputs_raw, source=run.inputs_path, force=run.force)
        txn = folder.transaction("notebook run")
        for name, data in payloads:
            current = folder.path / name
            recorded = name in (inputs_name, PLAN_FILE)
            if (recorded and run.force and current.is_file() and folder.edited_by_hand(name)
                    and current.read_bytes() != data):
                txn.backup(name, current.read_bytes())
            txn.write(name, data, record=recorded)
            files.append({"name": name, "bytes": len(data), "sha256": sha256_bytes(data)})
        for key, name in CHART_FILES.items():
            # A chart an earlier run drew (the plan had risks then, say) must not outlive its link.
            if key not in run.charts:
                txn.remove(name)
        txn.keep_generated(run.plan_text, {"seed": run.seed, "template": run.template or "",
                                           **({} if run.images else {"images": False})})
        txn.commit()


def record(run: Run) -> dict[str, Any]:
    """Provenance of this run as the kernel sees it; the runner adds times, status and kernel facts."""
    from .render import template_sha256

    plan_bytes = run.plan_text.encode("utf-8")
    found: dict[str, Any] = {
        "schema": RECORD_SCHEMA,
        "as_of": run.as_of.isoformat(),
        "seed": run.seed,
        # Writing into a plan folder: the inputs are the folder's copy (the one a review edits).
        "inputs": {"path": inputs_copy_name(run.inputs_path) if run.output_dir else run.inputs_path,
                   "sha256": run.inputs_sha256},
        "template": {"path": run.template or "", "sha256": template_sha256(run.template_path),
                     "bundle_sha256": template_bundle_sha256(run.template_path)},
        "plan": {"folder": run.folder_name if run.output_dir else "", "file": PLAN_FILE,
                 "sha256": sha256_bytes(plan_bytes), "bytes": len(plan_bytes), "text": run.plan_text},
        "output_dir": installed_output_dir(run.output_dir) if run.output_dir else "",
        "files": [f for f in run.written if not f["name"].endswith(".png")],
        "analysis": run.analysis.to_json(),
    }
    if not run.images:  # recorded only when off, so a default run's record keeps its bytes
        found["images"] = False
    return found


def template_bundle_sha256(template_path: Path | None) -> str:
    """One hash over every template file a render could load (the team's and the defaults)."""
    from .render import default_template_dir
    from .safe_files import MAX_TEMPLATE_BYTES, read_file

    folders = [default_template_dir()]
    if template_path is not None:
        folders.insert(0, Path(template_path).resolve().parent)
    digest = []
    for folder in folders:
        for path in sorted(folder.glob("*.j2")):
            # Capped, regular files only: a pipe (or a link to /dev/zero) named x.j2 beside a team
            # template hung the run, or read until the kernel's memory ran out.
            data = read_file(path, MAX_TEMPLATE_BYTES, what="Jinja2 template file")
            digest.append(f"{path.name}:{sha256_bytes(data)}")
    return sha256_bytes("\n".join(digest).encode("utf-8"))


# --- display helpers -----------------------------------------------------------------------------


def glue(name: str, data: Any, *, metadata: dict[str, Any] | None = None) -> None:
    """Store data in this cell's output under SCRAP_MIME (read back by techplan_nb.audit)."""
    from IPython.display import display

    bundle = {SCRAP_MIME: {"name": name, "data": data}, "text/plain": f"[techplan data: {name}]"}
    display(bundle, raw=True, metadata={SCRAP_MIME: metadata} if metadata else None)


def markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def image(png: bytes) -> None:
    from IPython.display import Image, display

    display(Image(data=png, format="png"))


__all__ = ["Run", "start", "load_or_form", "show_risks", "show_schedule", "show_plan", "write_outputs",
           "glue", "SCRAP_MIME", "InputsInvalid", "ParameterInvalid"]
