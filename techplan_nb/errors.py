"""One exception tree, so every front end can map failures to messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass

# What a terminal acts on rather than shows: C0 controls but newline and tab (ESC starts the
# sequences that retitle or clear a terminal or fake output; CR overwrites a line), DEL, C1 (\x9b
# alone starts a CSI sequence on many terminals), the bidi embeddings, overrides and isolates that
# reorder what follows on the line, and the line and paragraph separators some terminals break on.
_TERMINAL_CONTROLS = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F),
                      *range(0x2066, 0x206A), 0x2028, 0x2029]
_SHOWN = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _TERMINAL_CONTROLS}
_SHOWN_IN_JSON = {code: f"\\u{code:04x}" for code in _TERMINAL_CONTROLS}


def printable(text: str, *, json: bool = False) -> str:
    """`text` as it may be printed on a terminal: the characters above written as escapes (\\x1b,
    \\u202e), everything else as it is. Every message that holds user text goes through this at
    the point it is printed. With json=True the escapes are JSON's (\\u001b), for JSON text, where
    the characters can only stand inside strings."""
    return text.translate(_SHOWN_IN_JSON if json else _SHOWN)


class TechPlanError(Exception):
    """Base of every error the tool reports to a user (never shown as a traceback)."""

    exit_code = 2


@dataclass(frozen=True)
class InputIssue:
    """One problem in an inputs file: where it is and what to do about it."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = self.field or "(file)"
        # Printed by every command that reports an inputs problem; the field and message quote
        # the user's keys and values.
        return printable(f"{where}: {field}: {self.message}")


class InputError(TechPlanError):
    """The inputs are wrong; carries every problem found, not just the first."""

    def __init__(self, issues: list[InputIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))

    @classmethod
    def single(cls, file: str, message: str, *, line: int | None = None, field: str = "") -> InputError:
        return cls([InputIssue(file, line, field, message)])


class ScheduleError(TechPlanError):
    """The timeline cannot be scheduled (a cycle, an unknown dependency)."""


class RenderError(TechPlanError):
    """A template failed to render (a team template's mistake, usually)."""


class OutputError(TechPlanError):
    """A file could not be written safely, or would overwrite a person's edits."""


class UsageError(TechPlanError):
    """The command was called wrongly."""


class VerificationError(TechPlanError):
    """A check found a difference (plan vs audit record, lint findings)."""

    exit_code = 1


class NotebookRunError(TechPlanError):
    """A notebook run failed; the failed notebook is kept at executed_path."""

    exit_code = 1

    def __init__(self, message: str, executed_path: str | None = None, cell: int | None = None) -> None:
        self.executed_path = executed_path
        self.cell = cell
        super().__init__(message)


# The import name of each optional library and the extra that installs it (pyproject.toml's
# optional-dependencies); the light install has none of them.
EXTRA_OF_MODULE = {
    "matplotlib": "notebook", "nbformat": "notebook", "nbclient": "notebook", "papermill": "notebook",
    "ipykernel": "notebook", "jupyter_client": "notebook",
    "ipywidgets": "form", "jupyterlab": "form", "voila": "form",
    "dask": "cluster", "distributed": "cluster",
}


class MissingExtra(TechPlanError):
    """A command needs a library that only an extra installs (`pip install 'techplan-nb[notebook]'`)."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(f"this needs {module}, which the light install leaves out; install it with "
                         f"pip install 'techplan-nb[{extra}]' (or 'techplan-nb[all]' for everything)")
        self.module = module
        self.extra = extra

    @classmethod
    def from_import_error(cls, exc: ModuleNotFoundError) -> MissingExtra | None:
        """The MissingExtra an import failure means, or None when it is not an optional library."""
        top = (exc.name or "").partition(".")[0]
        extra = EXTRA_OF_MODULE.get(top)
        return cls(top, extra) if extra else None
