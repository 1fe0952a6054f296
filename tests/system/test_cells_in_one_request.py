"""A plan's code cells reach a kernel in one execute request (runner._CellRun), and the executed
notebook is what papermill would have written cell by cell: each cell's outputs, execution count
and status, the run stopping at a failed cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat import NotebookNode

from helpers import notebook_with, varied_inputs

pytestmark = pytest.mark.kernel

CELLS: list[tuple[str, str, list[str]]] = [
    ("markdown", "# A notebook with every kind of cell", []),
    ("code", "print('one')", []),
    ("code", "import sys\nprint('two')\nprint('to stderr', file=sys.stderr)\n1 + 1", []),
    ("code", "", []),
    ("code", "print('skipped')", ["skip-execution"]),
    ("markdown", "Between two code cells", []),
    ("code", "from IPython.display import display, Markdown\nh = display(Markdown('first'), display_id=True)\n"
             "h.update(Markdown('updated'))", []),
    ("code", "raise ValueError('allowed here')", ["raises-exception"]),
    ("code", "import asyncio\nawait asyncio.sleep(0)\nprint('awaited')", []),
    ("code", "print('before the failure')\nraise RuntimeError('stops the run')", []),
    ("code", "print('never run')", []),
    ("markdown", "The end", []),
]


def _notebook() -> NotebookNode:
    nb = nbformat.v4.new_notebook()
    for kind, source, tags in CELLS:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _shape(nb: NotebookNode) -> list[dict[str, Any]]:
    """What a reader of the executed notebook sees of each cell, without times and trace text."""
    found = []
    for cell in nb.cells:
        if "papermill-error-cell-tag" in cell.metadata.get("tags", []):
            continue  # papermill's own banner on a failed run; the runner removes it
        outputs = []
        for output in cell.get("outputs", []):
            kept = {k: v for k, v in output.items() if k not in ("traceback", "metadata", "transient")}
            outputs.append(kept)
        found.append({"type": cell.cell_type, "count": cell.get("execution_count"), "outputs": outputs,
                      "status": cell.metadata.get("papermill", {}).get("status"),
                      "exception": cell.metadata.get("papermill", {}).get("exception"),
                      "timing": sorted(cell.metadata.get("execution", {}))})
    return found


def test_the_cells_outputs_counts_and_statuses_are_what_papermill_records(tmp_path: Path) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import prepare_notebook_metadata
    from papermill.iorw import load_notebook_node

    from techplan_nb import runner

    source = tmp_path / "cells.ipynb"
    nbformat.write(_notebook(), source)
    theirs_path = tmp_path / "papermill.ipynb"
    with pytest.raises(PapermillExecutionError):
        papermill.execute_notebook(str(source), str(theirs_path), kernel_name="python3", progress_bar=False,
                                   cwd=str(tmp_path))
    theirs = nbformat.read(theirs_path, as_version=4)

    # Prepared as papermill prepares a notebook given no parameters (runner.prepare would inject a cell).
    nb = prepare_notebook_metadata(load_notebook_node(str(source)), str(source), str(theirs_path))
    kernel = runner.Kernel().start()
    try:
        execution = kernel.run(nb, timeout=60)
    finally:
        kernel.shutdown()
    assert execution.status == "failed"
    assert _shape(execution.nb) == _shape(theirs)
    shown = _shape(execution.nb)
    assert shown[9]["outputs"][-1]["ename"] == "RuntimeError" and shown[9]["status"] == "failed"
    assert shown[10] == {"type": "code", "count": None, "outputs": [], "status": "pending", "exception": None,
                         "timing": []}


def test_a_reused_kernel_gets_each_plan_reset_included_in_one_execute_request(tmp_path: Path) -> None:
    from techplan_nb import runner

    source, source_path = runner.read_source(None)
    paths = varied_inputs(tmp_path / "in", 3)
    kernel = runner.Kernel().start()
    requests: list[str] = []
    send = kernel.kc.execute

    def counted(code: str, **kwargs: Any) -> str:
        requests.append(code)
        return str(send(code, **kwargs))

    kernel.kc.execute = counted
    try:
        for path in paths:
            job = runner.job_for(path, tmp_path / "OUT", as_of=dt.date(2026, 11, 20), seed=0, template=None,
                                 force=False)
            before = len(requests)
            result, execution = runner.execute_job(job, source, source_path, kernel, timeout=60)
            assert result.status == "succeeded", result
            assert len(requests) - before == 1
            code = [cell for cell in execution.nb.cells if cell.cell_type == "code"]
            assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
            assert all(cell.outputs for cell in code[2:])  # every cell after the parameters shows something
    finally:
        kernel.shutdown()
    assert "True)" in requests[1] and "False)" in requests[0]  # the reset travels with the second plan's cells


def test_a_reset_that_fails_costs_the_next_plan_only_a_fresh_kernel(tmp_path: Path) -> None:
    from techplan_nb import runner
    from techplan_nb.batch import WarmKernel

    notebook = notebook_with(tmp_path, 'del globals()["__techplan_reset"]')  # the next reset cannot run
    source, source_path = runner.read_source(notebook)
    warm = WarmKernel(memory_limit=None, recycle_after=100, isolate=False)
    results = []
    try:
        for path in varied_inputs(tmp_path / "in", 2):
            job = runner.job_for(path, tmp_path / "OUT", as_of=dt.date(2026, 11, 20), seed=0, template=None,
                                 force=False)
            results.append(warm.run(path, lambda kernel, job=job: runner.execute_job(
                job, source, source_path, kernel, timeout=60)))
    finally:
        warm.close()
    assert [result.status for result in results] == ["succeeded", "succeeded"]
    assert warm.counters == {"started": 2, "replaced": 1, "recycled": 0}
    assert results[1].kernel is not None and results[1].kernel["sequence"] == 1


def test_a_staged_runs_notebook_is_written_plainly_and_installed_by_the_transaction(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from techplan_nb import runner
    from techplan_nb.plan_folder import NOTEBOOK_FILE

    def refused(path: Path, data: Any) -> None:
        raise AssertionError(f"{path}: a staging copy needs no atomic write; the install is atomic")

    monkeypatch.setattr(runner, "atomic_write", refused)
    source, source_path = runner.read_source(None)
    job = runner.job_for(varied_inputs(tmp_path / "in", 1)[0], tmp_path / "OUT", as_of=dt.date(2026, 11, 20),
                         seed=0, template=None, force=False)
    kernel = runner.Kernel().start()
    try:
        result, _ = runner.execute_job(job, source, source_path, kernel, timeout=60)
    finally:
        kernel.shutdown()
    assert result.status == "succeeded", result
    assert job.folder is not None
    assert nbformat.read(job.folder / NOTEBOOK_FILE, as_version=4).metadata["techplan"]["status"] == "succeeded"
