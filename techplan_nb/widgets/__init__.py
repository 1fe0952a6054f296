"""The interactive plan form (ipywidgets): the only package of techplan_nb that imports ipywidgets.

- `PlanForm(...)` — the editor; display it in JupyterLab (`notebooks/plan_form.ipynb`) or serve it
  with Voilà (`techplan app`).
- `gather_inputs()` — the hook `techplan_nb.notebook.load_or_form` calls when the plan notebook
  runs with `inputs_path` empty: it shows the form and hands its inputs to the run once valid.
- `app_form()` — the form as `techplan app` configures it (through environment variables, since
  Voilà passes nothing else to the notebook's kernel).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any

from ..errors import TechPlanError

if TYPE_CHECKING:  # pragma: no cover
    from .form import PlanForm, Problem
    from .preview import DEBOUNCE_SECONDS, Debouncer

__all__ = ["PlanForm", "Problem", "Debouncer", "DEBOUNCE_SECONDS", "gather_inputs", "app_form", "FormNotReady",
           "APP_ENV"]

APP_ENV = {
    "workdir": "TECHPLAN_APP_WORKDIR",
    "inputs": "TECHPLAN_APP_INPUTS",
    "output_dir": "TECHPLAN_APP_OUT",
    "as_of": "TECHPLAN_APP_AS_OF",
    "seed": "TECHPLAN_APP_SEED",
    "template": "TECHPLAN_APP_TEMPLATE",
}
"""How `techplan app` tells the form in Voilà's kernel its folder, file and settings."""


_LAZY = {"PlanForm": "form", "Problem": "form", "Debouncer": "preview", "DEBOUNCE_SECONDS": "preview"}


def __getattr__(name: str) -> Any:
    # `techplan app` reads APP_ENV without paying for ipywidgets; the form loads on first use.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class FormNotReady(TechPlanError):
    """The plan notebook was run without an inputs file and the form is not filled in yet."""

    def _render_traceback_(self) -> list[str]:
        return [f"FormNotReady: {self}"]


_session_form: Any = None


def gather_inputs(**options: Any) -> tuple[str, bytes]:
    """Show this session's form; once it is valid, return (name, bytes) of its inputs for the run.

    A running cell cannot wait for clicks (the kernel handles widget events only between cells),
    so the first run shows the form and stops with a message; running the notebook again, once
    the form is valid, carries on with the form's inputs. The same form (with what was typed) is
    shown on every run.
    """
    from IPython.display import display

    from ..output import plan_dir_name
    from .form import PlanForm

    global _session_form
    if _session_form is None:
        _session_form = PlanForm(**options)
    form = _session_form
    display(form)
    problems = form.validate()
    if form.plan is None:
        count = len(problems)
        raise FormNotReady(
            "inputs_path is empty, so this run takes its inputs from the form above"
            + (f", which has {count} problem{'s' if count != 1 else ''} to fix" if count else "")
            + ": fill it in (or load a file), then run the notebook again. "
            "Running it with papermill? Pass the file: -p inputs_path inputs.yaml")
    if form.source is not None and form.data == form.saved_data:
        # Unchanged since it was loaded or saved: the run reads the file itself, so the audit
        # record's hash is the file's, as with `techplan run FILE`.
        from ..errors import InputError
        from ..inputs import load_bytes
        from .files import read_raw

        try:
            raw = read_raw(form.source)
            if load_bytes(raw, str(form.source)) == form.plan:
                return str(form.source), raw
        except InputError:
            pass  # changed or gone since: the form's own inputs below
    name = f"(plan form) {plan_dir_name(form.plan.issue.number, form.plan.issue.title)}.yaml"
    return name, form.inputs_bytes(name)


def app_form() -> PlanForm:
    """The form for `techplan app`, configured from the environment the command set for Voilà."""
    from .form import PlanForm

    env = {key: os.environ.get(var, "") for key, var in APP_ENV.items()}
    as_of = dt.date.fromisoformat(env["as_of"]) if env["as_of"] else None
    return PlanForm(inputs=env["inputs"] or None, output_dir=env["output_dir"] or "plans", as_of=as_of,
                    seed=int(env["seed"] or 0), template=env["template"] or None,
                    workdir=env["workdir"] or None)
