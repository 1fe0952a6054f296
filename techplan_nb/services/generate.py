"""Generate a plan from inputs held in memory (the form's), and save inputs to a file.

Generate never writes the folder's inputs.yaml before the reviewed-inputs rule has been checked:
the form's inputs go into a staging folder inside the plan folder, the rule is checked against
the folder's copy under the folder's lock, and the run then installs every file together.
Save keeps the comments and layout of an existing YAML file (the review commands' round-trip
editor), and goes through the plan folder's lock when the file is a plan folder's inputs.yaml.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..plan_folder import INPUTS_FILE, PLAN_FILE, STATE_FILE, PlanFolder


def generate(data: dict[str, Any], out_dir: Path, *, as_of: dt.date, seed: int, template: Path | None,
             notebook: Path | None, force: bool, images: bool = True) -> Any:
    """Run the plan notebook on `data`, as `techplan run` does on a file; returns the runner's result."""
    from ..inputs import load_bytes
    from ..inputs_dump import inputs_text
    from ..output import find_plan_dir
    from ..runner import run_plan

    raw = inputs_text(data, INPUTS_FILE).encode("utf-8")
    plan = load_bytes(raw, "the form's inputs")
    folder = PlanFolder(out_dir / find_plan_dir(out_dir, plan.issue.number, plan.issue.title))
    with folder.locked("form generate"):
        # Before anything is written: a copy the review commands edited is not replaced from the form.
        folder.check_inputs_replaceable(INPUTS_FILE, raw, source="the form's inputs", force=force)
        folder.check_plan_replaceable(force=force)
        with folder.staging_area() as stage:
            staged = stage / INPUTS_FILE
            staged.write_bytes(raw)
            # As the form's preview dates it (render_plan): the inputs' last_updated, else the As of day.
            return run_plan(staged, out_dir, as_of=plan.last_updated or as_of, seed=seed, template=template,
                            notebook=notebook, force=force, images=images)


def save_inputs(path: Path, data: dict[str, Any]) -> Path:
    """Write `data` to an inputs file; an existing YAML file keeps its comments, order and layout."""
    from ..errors import OutputError

    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise OutputError(f"{path}: save inputs as .yaml, .yml or .json")
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name ending in .yaml")
    folder = PlanFolder(path.parent)
    in_plan_folder = path.name == INPUTS_FILE and ((path.parent / PLAN_FILE).exists()
                                                   or (path.parent / STATE_FILE).exists())
    if not in_plan_folder:
        from ..output import atomic_write

        atomic_write(path, saved_text(path, data))
        return path
    with folder.locked("form save"):
        txn = folder.transaction("form save")
        txn.write(INPUTS_FILE, saved_text(path, data))
        txn.commit()
    return path


def saved_text(path: Path, data: dict[str, Any]) -> str:
    """The text Save writes: the round-trip edit of the existing file when it is YAML that loads
    (comments kept), else a fresh dump; either way checked to read back as `data`."""
    from ..errors import InputError, OutputError
    from ..inputs import parse_text
    from ..inputs_dump import inputs_text

    fresh = inputs_text(data, path.name)
    if path.suffix.lower() == ".json" or not path.is_file():
        return fresh
    from ..inputs_edit import InputsDocument

    try:
        document = InputsDocument.open(path)
    except InputError:  # the file on disk does not load: nothing of it worth keeping
        return fresh
    document.replace_data(data)
    text = document.text()
    try:
        again = parse_text(text, path.name).data
    except InputError:
        return fresh
    if again != parse_text(fresh, path.name).data:
        raise OutputError(f"{path}: the saved file would not read back as the form's values; nothing was written")
    return text
