"""The records a plan run leaves, as small frozen objects with one JSON form each.

- RunError: why a run failed (the reason, the cell, the exception's name and message).
- PlanResult: one plan's outcome, as `run`, `batch` and the cluster report it.
- AuditRecord: what an executed notebook's `metadata.techplan` holds (audit.stamp writes it,
  audit.read and `verify` read it back).

`to_json()` gives the mapping written to disk (summary.json, the notebook), key for key as the
dicts built before these classes; `from_json()` reads one back and checks every type a reader
relies on, raising RecordProblem(field, what) for the first one that is wrong, since a
notebook's record may come from anyone. Standard library only: every layer may use these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any


class RecordProblem(ValueError):
    """A record's field has the wrong type: `field` is its path, `what` says what is wrong."""

    def __init__(self, field_path: str, what: str) -> None:
        super().__init__(f"{field_path}: {what}")
        self.field = field_path
        self.what = what


def kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _mapping(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any] | None:
    value = data.get(key)
    if value is not None and not isinstance(value, Mapping):
        raise RecordProblem(f"{where}.{key}", f"is a {kind(value)}, not a mapping")
    return dict(value) if value is not None else None


def _text(data: Mapping[str, Any], key: str, where: str, *, optional: bool = True) -> str | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise RecordProblem(f"{where}.{key}", f"is a {kind(value)}, not text")
    return value


def _number(data: Mapping[str, Any], key: str, where: str, what: str) -> float | int | None:
    value = data.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise RecordProblem(f"{where}.{key}", f"{what} is {kind(value)} {str(value)[:40]!r}, not a number")
    return value


# --- the run error ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunError:
    """Why a run failed. `reason` is one word a script can branch on (cell-error, invalid-inputs,
    timeout, output-timeout, dead-kernel, memory, kernel-error, no-plan, kernel, refused, duplicate,
    internal, interrupted, worker-died); `cell` the failing cell's index, when there is one."""

    reason: str
    cell: int | None = None
    ename: str | None = ""
    evalue: str | None = ""
    traceback: str | None = None  # batch's internal errors only

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"reason": self.reason, "cell": self.cell, "ename": self.ename,
                                "evalue": self.evalue}
        if self.traceback is not None:
            data["traceback"] = self.traceback
        return data

    @classmethod
    def from_json(cls, data: object, where: str = "error") -> RunError:
        if not isinstance(data, Mapping):
            raise RecordProblem(where, f"is a {kind(data)}, not a mapping")
        cell = data.get("cell")
        if cell is not None and (isinstance(cell, bool) or not isinstance(cell, int)):
            raise RecordProblem(f"{where}.cell", f"is a {kind(cell)}, not a cell number")
        reason = data.get("reason", "error")
        if not isinstance(reason, str):
            raise RecordProblem(f"{where}.reason", f"is a {kind(reason)}, not text")
        return cls(reason=reason, cell=cell, ename=_text(data, "ename", where), evalue=_text(data, "evalue", where),
                   traceback=_text(data, "traceback", where))

    @property
    def message(self) -> str:
        """'cell N: Name: what it said', as `run` prints a failure."""
        where = f"cell {self.cell}: " if self.cell is not None else ""
        return f"{where}{self.ename or ''}: {self.evalue or ''}".strip(": ")

    @property
    def line(self) -> str:
        """'reason: cell N: Name: what it said', as the batch summary shows a failure."""
        where = f"cell {self.cell}: " if self.cell is not None else ""
        name = f"{self.ename}: " if self.ename else ""
        return f"{self.reason}: {where}{name}{self.evalue or ''}".strip()


# --- one plan's result -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanResult:
    """One plan's outcome: where its notebook and plan are, how it ended and what it found."""

    inputs_path: str
    status: str  # "succeeded" | "failed"
    notebook: str | None
    plan: str | None
    error: RunError | None
    seconds: float
    overall_risk: str | None = None
    p80: str | None = None
    kernel: dict[str, Any] | None = None
    worker: dict[str, Any] | None = None  # the Dask worker that ran it (batch --scheduler)

    @classmethod
    def failure(cls, inputs_path: str, reason: str, message: str) -> PlanResult:
        """A plan that never ran (refused, a duplicate, its kernel or worker lost, interrupted)."""
        return cls(inputs_path=inputs_path, status="failed", notebook=None, plan=None,
                   error=RunError(reason, None, "", message), seconds=0.0)

    @property
    def message(self) -> str:
        return self.error.message if self.error else ""

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    def but(self, **changes: Any) -> PlanResult:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        data = {"inputs_path": self.inputs_path, "status": self.status, "notebook": self.notebook,
                "plan": self.plan, "error": self.error.to_json() if self.error else None,
                "seconds": self.seconds, "overall_risk": self.overall_risk, "p80": self.p80,
                "kernel": self.kernel}
        if self.worker is not None:
            data["worker"] = self.worker
        return data

    @classmethod
    def from_json(cls, data: object, where: str = "result") -> PlanResult:
        if not isinstance(data, Mapping):
            raise RecordProblem(where, f"is a {kind(data)}, not a mapping")
        error = data.get("error")
        seconds = _number(data, "seconds", where, "the run's duration")
        status = _text(data, "status", where, optional=False)
        inputs_path = _text(data, "inputs_path", where, optional=False)
        assert status is not None and inputs_path is not None
        return cls(inputs_path=inputs_path, status=status,
                   notebook=_text(data, "notebook", where), plan=_text(data, "plan", where),
                   error=RunError.from_json(error, f"{where}.error") if error is not None else None,
                   seconds=float(seconds or 0.0), overall_risk=_text(data, "overall_risk", where),
                   p80=_text(data, "p80", where), kernel=_mapping(data, "kernel", where),
                   worker=_mapping(data, "worker", where))


# --- the audit record ------------------------------------------------------------------------------


class _Absent:
    """A key the record does not hold (written back as absent, not as null)."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()
_MAPPINGS = ("inputs", "template", "plan", "summary", "parameters", "notebook", "versions")
_LISTS = ("files", "input_problems")


@dataclass(frozen=True)
class AuditRecord:
    """What `metadata.techplan` of an executed notebook holds. A field the record does not hold is
    ABSENT (falsy), so a record read back is written back key for key; keys this version does not
    know are kept, after the known ones, in `other`."""

    schema: Any = ABSENT
    status: Any = ABSENT  # "succeeded" | "failed" | "incomplete"
    error: Any = ABSENT  # RunError | None
    started: Any = ABSENT
    ended: Any = ABSENT
    seconds: Any = ABSENT
    as_of: Any = ABSENT
    seed: Any = ABSENT
    parameters: Any = ABSENT
    notebook: Any = ABSENT  # {"path", "sha256"}: the notebook that was run
    inputs: Any = ABSENT  # {"path", "sha256", "normalised"}
    template: Any = ABSENT
    plan: Any = ABSENT  # {"folder", "file", "sha256", "bytes"}, None for a run that made no plan
    files: Any = ABSENT
    summary: Any = ABSENT
    versions: Any = ABSENT
    kernel_versions: Any = ABSENT
    kernel: Any = ABSENT
    staged_in: Any = ABSENT
    worker: Any = ABSENT
    input_problems: Any = ABSENT
    other: tuple[tuple[str, Any], ...] = field(default=())

    def get(self, name: str, default: Any = None) -> Any:
        """A field's value, `default` when the record does not hold it (or holds null)."""
        value = getattr(self, name, ABSENT)
        return default if value is ABSENT or value is None else value

    @property
    def run_error(self) -> RunError | None:
        return self.error if isinstance(self.error, RunError) else None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for item in fields(self):
            if item.name == "other":
                continue
            value = getattr(self, item.name)
            if value is ABSENT:
                continue
            data[item.name] = value.to_json() if isinstance(value, RunError) else value
        data.update(self.other)
        return data

    @classmethod
    def from_json(cls, data: object, where: str = "metadata.techplan") -> AuditRecord:
        """Read a record anyone may have written: the first field of a type readers cannot use
        raises RecordProblem naming it (`techplan audit` and `verify` exit 2 with it)."""
        if not isinstance(data, Mapping):
            raise RecordProblem(where, f"is a {kind(data)}, not a mapping")
        _number(data, "seconds", where, "the run's duration")
        for key in _MAPPINGS:
            _mapping(data, key, where)
        if data.get("error") is not None and not isinstance(data["error"], Mapping):
            raise RecordProblem(f"{where}.error", f"is a {kind(data['error'])}, not a mapping")
        for key in _LISTS:
            value = data.get(key)
            if value is not None and not (isinstance(value, list) and all(isinstance(i, Mapping) for i in value)):
                raise RecordProblem(f"{where}.{key}", "is not a list of mappings")
        known = {item.name for item in fields(cls)} - {"other"}
        values: dict[str, Any] = {key: value for key, value in data.items() if key in known}
        if isinstance(values.get("error"), Mapping):
            values["error"] = RunError.from_json(values["error"], f"{where}.error")
        other = tuple((str(key), value) for key, value in data.items() if key not in known)
        return cls(**values, other=other)
