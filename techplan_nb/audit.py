"""The audit record of a plan run: stamped into the executed notebook's metadata, read back, verified.

Two sources, merged: the data the notebook's cells stored in their outputs (SCRAP_MIME; present
even when plain papermill ran the notebook) and `metadata.techplan`, which techplan's runner adds
(times, the run's real status, the kernel, versions). No Jupyter imports: notebooks are JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError, UsageError, VerificationError
from .output import sha256_bytes
from .records import ABSENT, AuditRecord, RecordProblem, RunError, kind

METADATA_KEY = "techplan"
AUDIT_SCHEMA = "techplan-nb/audit@1"
SCRAP_MIME = "application/vnd.techplan.scrap+json"  # same value as techplan_nb.notebook.SCRAP_MIME


def scraps(nb: Any) -> dict[str, tuple[Any, dict[str, Any]]]:
    """name -> (data, output metadata) of every datum the cells stored; the last of a name wins."""
    found: dict[str, tuple[Any, dict[str, Any]]] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            payload = (output.get("data") or {}).get(SCRAP_MIME)
            if isinstance(payload, dict) and isinstance(payload.get("name"), str):
                meta = (output.get("metadata") or {}).get(SCRAP_MIME) or {}
                found[payload["name"]] = (payload.get("data"), meta)
    return found


def _summary(found: dict[str, tuple[Any, dict[str, Any]]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    if "risk_summary" in found:
        summary["risk"] = found["risk_summary"][0]
    if "schedule_summary" in found:
        summary["schedule"] = found["schedule_summary"][0]
    return summary


def _files(record: tuple[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    """Files the run wrote: charts (kept in the output's metadata) first, then inputs and plan."""
    data, meta = record
    return list(meta.get("charts") or []) + list((data or {}).get("files") or [])


def stamp(nb: Any, *, status: str, error: RunError | None, started: dt.datetime, ended: dt.datetime,
          kernel: dict[str, Any], parameters: dict[str, Any], notebook_path: str, notebook_sha256: str,
          versions: dict[str, str], staged_in: str | None = None,
          worker: dict[str, Any] | None = None) -> AuditRecord:
    """Write the run's audit record into nb.metadata["techplan"] and return it.

    `staged_in`: the folder the kernel really wrote into when the files were then installed in
    parameters["output_dir"] by the caller (a plan folder's own staging area is never named: the
    cells record and show the plan folder's files, see plan_folder.installed_path).
    """
    found = scraps(nb)
    record = found.get("record", (None, {}))
    kernel_record: dict[str, Any] = record[0] or {}
    inputs = dict(kernel_record.get("inputs") or {})
    if "inputs" in found:
        inputs["normalised"] = found["inputs"][0].get("normalised")
    plan = {k: v for k, v in (kernel_record.get("plan") or {}).items() if k != "text"}
    meta = AuditRecord(
        schema=AUDIT_SCHEMA,
        status=status,
        error=error,
        started=started.isoformat(),
        ended=ended.isoformat(),
        seconds=round((ended - started).total_seconds(), 3),
        as_of=kernel_record.get("as_of", parameters.get("as_of")),
        seed=kernel_record.get("seed", parameters.get("seed")),
        parameters=parameters,
        notebook={"path": notebook_path, "sha256": notebook_sha256},
        inputs=inputs or {"path": parameters.get("inputs_path")},
        template=kernel_record.get("template"),
        # A failed run produced no plan, whatever a cell may have computed.
        plan=(plan or None) if status == "succeeded" else None,
        files=_files(record),
        summary=_summary(found),
        versions=versions,
        kernel_versions=record[1].get("versions"),
        kernel=kernel,
        staged_in=staged_in or ABSENT,
        worker=worker if worker is not None else ABSENT,
    )
    nb.metadata[METADATA_KEY] = meta.to_json()
    return meta


# --- reading -------------------------------------------------------------------------------------


@dataclass
class Audit:
    path: str
    data: AuditRecord  # merged view; see read()
    plan_text: str | None
    source: str  # "techplan" (runner metadata) or "outputs" (e.g. a plain papermill run)

    @property
    def record(self) -> dict[str, Any]:
        """The record's JSON form, as `audit --format json` prints it."""
        return self.data.to_json()

    @property
    def status(self) -> str:
        return str(self.data.get("status", "unknown"))


def load(path: Path) -> dict[str, Any]:
    from .safe_files import MAX_NOTEBOOK_BYTES, read_file, shown_name

    if not Path(path).exists() and not Path(path).is_symlink():
        raise UsageError(f"{path}: no such notebook")
    raw = read_file(path, MAX_NOTEBOOK_BYTES, what="Jupyter notebook file (.ipynb)")  # never a pipe, nor 5 GB
    try:
        nb = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise UsageError(f"{path}: not a Jupyter notebook (it is not JSON)") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise UsageError(f"{path}: not a Jupyter notebook (no cells)")
    problem = _shape_problem(nb)
    if problem is not None:
        field, what = problem
        raise InputError.single(shown_name(path), f"{what}; the notebook is damaged or was not written by Jupyter "
                                                  "(run the plan again with `techplan run` for a new record)",
                                field=field)
    return nb


_kind = kind


def _shape_problem(nb: dict[str, Any]) -> tuple[str, str] | None:
    """(field, what is wrong) for the first part of the notebook that readers here take for a
    given type and that has another; None when every part read has its type. The notebook
    format's own validator (nbformat) is an optional extra, and it does not cover the audit
    record techplan stores in the metadata."""
    metadata = nb.get("metadata", {})
    if not isinstance(metadata, dict):
        return "metadata", f"the notebook's metadata is a {_kind(metadata)}, not a mapping"
    for key in ("papermill", METADATA_KEY):
        if metadata.get(key) is not None and not isinstance(metadata[key], dict):
            return f"metadata.{key}", f"is a {_kind(metadata[key])}, not a mapping"
    seconds = (metadata.get("papermill") or {}).get("duration")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))):
        return ("metadata.papermill.duration",
                f"the run's duration is {_kind(seconds)} {str(seconds)[:40]!r}, not a number")
    if metadata.get(METADATA_KEY) is not None:
        try:  # the record's own types are checked where it is read (records.AuditRecord.from_json)
            AuditRecord.from_json(metadata[METADATA_KEY], f"metadata.{METADATA_KEY}")
        except RecordProblem as problem:
            return problem.field, problem.what
    for index, cell in enumerate(nb["cells"]):
        where = f"cells[{index}]"
        if not isinstance(cell, dict):
            return where, f"cell {index} is a {_kind(cell)}, not a mapping"
        source = cell.get("source", "")
        if not isinstance(source, str) and not (isinstance(source, list) and all(isinstance(s, str) for s in source)):
            return f"{where}.source", f"cell {index}'s source is a {_kind(source)}, not text or a list of lines"
        outputs = cell.get("outputs", [])
        if outputs is None:
            continue
        if not isinstance(outputs, list):
            return f"{where}.outputs", f"cell {index}'s outputs are a {_kind(outputs)}, not a list"
        for number, output in enumerate(outputs):
            at = f"{where}.outputs[{number}]"
            if not isinstance(output, dict):
                return at, f"output {number} of cell {index} is a {_kind(output)}, not a mapping"
            for key in ("data", "metadata"):
                if output.get(key) is not None and not isinstance(output[key], dict):
                    return f"{at}.{key}", (f"output {number} of cell {index}: {key} is a {_kind(output[key])}, "
                                           "not a mapping")
            scrap = (output.get("data") or {}).get(SCRAP_MIME)
            if isinstance(scrap, dict) and scrap.get("data") is not None and not isinstance(scrap["data"], dict):
                return f"{at}.data", f"output {number} of cell {index}: the stored record is a {_kind(scrap['data'])}"
            meta = (output.get("metadata") or {}).get(SCRAP_MIME)
            if meta is not None and not isinstance(meta, dict):
                return f"{at}.metadata", f"output {number} of cell {index}: its metadata is a {_kind(meta)}"
    return None


def read(path: Path) -> Audit:
    """The audit record of an executed notebook, from techplan's metadata and the cells' data."""
    nb = load(path)
    found = scraps(nb)
    meta = (nb.get("metadata") or {}).get(METADATA_KEY)
    kernel_record = found.get("record", (None, {}))
    plan_text = (kernel_record[0] or {}).get("plan", {}).get("text") if kernel_record[0] else None
    if isinstance(meta, dict):
        stamped = AuditRecord.from_json(meta)  # its types were checked by load()
        return Audit(str(path), stamped, plan_text if stamped.status == "succeeded" else None, "techplan")
    if not found:
        raise UsageError(f"{path}: holds no techplan audit record; was it executed from "
                         "notebooks/technical_plan.ipynb (by techplan or papermill)?")
    papermill = (nb.get("metadata") or {}).get("papermill") or {}
    failed = bool(papermill.get("exception")) or _has_error(nb)
    status = "failed" if failed else "succeeded" if kernel_record[0] else "incomplete"
    record = dict(kernel_record[0] or {})
    plan = {k: v for k, v in (record.get("plan") or {}).items() if k != "text"}
    inputs = dict(record.get("inputs") or {})
    if "inputs" in found:
        inputs["normalised"] = found["inputs"][0].get("normalised")
    problems = (found["validation"][0].get("issues")
                if "validation" in found and not found["validation"][0].get("ok", True) else ABSENT)
    merged = AuditRecord(
        schema=AUDIT_SCHEMA,
        status=status,
        error=_first_error(nb) if failed else None,
        started=papermill.get("start_time"),
        ended=papermill.get("end_time"),
        seconds=papermill.get("duration"),
        as_of=record.get("as_of"),
        seed=record.get("seed"),
        parameters=papermill.get("parameters"),
        notebook={"path": papermill.get("input_path")},
        inputs=inputs,
        template=record.get("template"),
        plan=plan if status == "succeeded" else None,
        files=_files(kernel_record),
        summary=_summary(found),
        versions=dict(kernel_record[1].get("versions") or {}, papermill=papermill.get("version")),
        kernel=None,
        input_problems=problems,
    )
    return Audit(str(path), merged, plan_text if status == "succeeded" else None, "outputs")


def _has_error(nb: dict[str, Any]) -> bool:
    return _first_error(nb) is not None


def _first_error(nb: dict[str, Any]) -> RunError | None:
    for index, cell in enumerate(nb.get("cells", [])):
        for output in cell.get("outputs", []) or []:
            if output.get("output_type") == "error":
                ename, evalue = output.get("ename"), output.get("evalue")
                return RunError("cell-error", index, ename if isinstance(ename, str) else None,
                                evalue if isinstance(evalue, str) else None)
    return None


# --- presenting ----------------------------------------------------------------------------------


def _short(sha: object) -> str:
    return f"{sha}"[:16] + "…" if sha else "n/a"


def format_text(audit: Audit) -> str:
    r = audit.data
    lines = [f"Audit record of {audit.path}" + ("" if audit.source == "techplan" else
                                                 " (read from the cells' outputs: not run by techplan)")]

    def row(label: str, value: object) -> None:
        lines.append(f"  {label:<12} {value}")

    timing = f"started {r.get('started') or 'n/a'}"
    if r.get("seconds") is not None:
        timing += f", {float(r.seconds):.2f} s"
    row("Status", f"{audit.status} ({timing})")
    error = r.run_error
    if error:
        where = f"cell {error.cell}: " if error.cell is not None else ""
        row("Error", f"{error.reason}: {where}{error.ename or ''}: {error.evalue or ''}")
    for issue in r.get("input_problems") or []:
        row("Input", f"{issue.get('file')}:{issue.get('line') or ''}: {issue.get('field')}: {issue.get('message')}")
    inputs = r.get("inputs") or {}
    row("Inputs", f"{inputs.get('path', 'n/a')} (SHA-256 {_short(inputs.get('sha256'))})")
    template = r.get("template") or {}
    if template:
        row("Template", f"{template.get('path') or 'default technical-plan.md.j2'} "
                        f"(SHA-256 {_short(template.get('sha256'))}, "
                        f"with includes {_short(template.get('bundle_sha256'))})")
    row("As of, seed", f"{r.get('as_of', 'n/a')}, {r.get('seed', 'n/a')}")
    plan = r.get("plan")
    if plan:
        where = f"{plan.get('folder')}/{plan.get('file')}" if plan.get("folder") else plan.get("file")
        output_dir = (r.get("parameters") or {}).get("output_dir")
        if output_dir and plan.get("folder"):
            where = f"{output_dir.rstrip('/')}/{where}"
        row("Plan", f"{where} (SHA-256 {_short(plan.get('sha256'))}, {plan.get('bytes', 0):,} bytes)")
    else:
        row("Plan", "none (the run did not produce one)")
    if r.get("staged_in"):
        row("Staged in", f"{r.staged_in} (where the kernel wrote; the files were then installed in the plan folder)")
    for item in r.get("files") or []:
        row("File", f"{item.get('name')} ({item.get('bytes', 0):,} bytes, SHA-256 {_short(item.get('sha256'))})")
    summary = r.get("summary") or {}
    risk = summary.get("risk")
    if risk:
        counts = ", ".join(f"{n} {level}" for level, n in (risk.get("counts") or {}).items() if n)
        row("Risk", f"overall {risk.get('overall')}" + (f" ({counts})" if counts else ""))
    schedule = summary.get("schedule")
    if schedule:
        row("Schedule", f"P50 {schedule.get('p50')}, P80 {schedule.get('p80')}, P90 {schedule.get('p90')}; "
                        f"critical path {' -> '.join(schedule.get('critical_path') or []) or 'none'}")
    kernel = r.get("kernel")
    if kernel:
        reuse = (f"reused, plan {kernel.get('sequence')} in this kernel" if kernel.get("reused")
                 else "fresh kernel" if kernel.get("sequence", 1) == 1 else f"plan {kernel.get('sequence')}")
        row("Kernel", f"{kernel.get('id')} (pid {kernel.get('pid')}, {reuse}; {kernel.get('python')})")
    worker = r.get("worker")
    if isinstance(worker, dict):
        row("Worker", f"Dask worker {worker.get('name')} at {worker.get('address')} (host {worker.get('host')}, "
                      f"pid {worker.get('pid')}; its private copy of the inputs in {worker.get('private_folder')})")
    versions = r.get("versions") or {}
    if versions:
        row("Versions", ", ".join(f"{k} {v}" for k, v in versions.items() if v))
    notebook = r.get("notebook") or {}
    if notebook.get("path"):
        row("Notebook", f"{notebook.get('path')}" + (f" (SHA-256 {_short(notebook.get('sha256'))})"
                                                      if notebook.get("sha256") else ""))
    return "\n".join(lines) + "\n"


def as_json(audit: Audit) -> str:
    document = dict(audit.record, source=audit.source, notebook_file=audit.path)
    return json.dumps(document, indent=2, sort_keys=False, default=str) + "\n"


# --- verifying -----------------------------------------------------------------------------------


def _show(line: str, limit: int = 100) -> str:
    shown = repr(line.rstrip("\n"))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _lines(text: str) -> list[str]:
    return [line for line in re.split(r"(?<=\n)", text) if line]


def first_difference(expected: str, actual: str) -> str:
    want, got = _lines(expected), _lines(actual)
    for number, (a, b) in enumerate(zip(want, got, strict=False), start=1):  # extra lines: after the loop
        if a != b:
            if a.rstrip("\r\n") == b.rstrip("\r\n"):
                return (f"line {number} differs in its line ending: the run produced "
                        f"{a[len(a.rstrip(chr(13) + chr(10))):]!r}, "
                        f"the file has {b[len(b.rstrip(chr(13) + chr(10))):]!r}")
            return f"line {number} differs:\n  run produced: {_show(a)}\n  file has:     {_show(b)}"
    if len(got) > len(want):
        return f"line {len(want) + 1}: the file has extra text: {_show(got[len(want)])}"
    if len(got) < len(want):
        return f"line {len(got) + 1}: the file ends early; the run produced {_show(want[len(got)])}"
    return "the files differ only in bytes that are not valid UTF-8"


def verify(plan_path: Path, notebook_path: Path) -> str:
    """Return a confirmation when plan_path holds exactly the plan the notebook's run produced.

    Raises VerificationError (exit 1) naming the first differing line otherwise.
    """
    audit = read(notebook_path)
    if audit.status != "succeeded":
        raise VerificationError(f"{notebook_path} records a {audit.status} run, which produced no plan")
    plan = audit.data.get("plan", {})
    expected_sha = plan.get("sha256")
    if not expected_sha or audit.plan_text is None:
        raise VerificationError(f"{notebook_path} records no plan to compare with")
    if sha256_bytes(audit.plan_text.encode("utf-8")) != expected_sha:
        raise VerificationError(f"{notebook_path}: the record is inconsistent (its plan text does not match "
                                "its SHA-256); the notebook was altered")
    from .safe_files import MAX_PLAN_BYTES, read_file

    actual = read_file(plan_path, MAX_PLAN_BYTES, what="Markdown plan file")
    if sha256_bytes(actual) == expected_sha:
        return f"{plan_path}: identical to the plan recorded in {notebook_path} (SHA-256 {expected_sha[:16]}…)"
    where = first_difference(audit.plan_text, actual.decode("utf-8", errors="replace"))
    raise VerificationError(f"{plan_path} is not the plan recorded in {notebook_path}: {where}")
