"""A kernel under stress: a cell that loops forever, one that allocates without bound and one that
ignores interrupts are each stopped by --timeout; the item fails with its reason, no kernel is left
behind, and the batch goes on to make every other plan.

The runaway cells come from a team notebook given with --notebook: the bundled notebook with one
extra cell that misbehaves when the inputs file's name asks it to.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from conftest import AS_OF, ROOT, run_techplan, write_inputs

pytestmark = pytest.mark.kernel

RUNAWAY = '''\
import signal, time
if "loop-forever" in inputs_path:
    while True:
        pass
if "allocate-forever" in inputs_path:
    hog = []
    while True:  # ~400 MB a second: without the timeout this takes the machine's memory
        hog.append(bytearray(4 * 2**20))
        time.sleep(0.01)
if "ignore-interrupts" in inputs_path:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pass
'''
TIMEOUT = 4


def stress_notebook(folder: Path) -> Path:
    nb = nbformat.read(ROOT / "notebooks" / "technical_plan.ipynb", as_version=4)
    # After the parameters cell and the injected one the committed notebook already holds.
    index = max(i for i, c in enumerate(nb.cells)
                if {"parameters", "injected-parameters"} & set(c.metadata.get("tags", [])))
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(RUNAWAY))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    path = folder / "stress.ipynb"
    nbformat.write(nb, path)
    return path


def processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_runaway_cells_time_out_and_the_batch_makes_every_other_plan(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for number, name in enumerate(["fine-1", "loop-forever", "allocate-forever", "ignore-interrupts", "fine-2"],
                                  start=1):
        write_inputs(inputs, {"issue": {"number": number, "title": name}}, f"{name}.yaml")
    out = tmp_path / "out"
    marker = f"TECHPLAN_STRESS_{uuid.uuid4().hex}"
    os.environ[marker] = "1"  # inherited by the batch and its kernels, to find any left running
    try:
        start = time.monotonic()
        result = run_techplan("batch", inputs, "--out", out, "--notebook", stress_notebook(tmp_path),
                              "--timeout", str(TIMEOUT), "--jobs", "2", "--as-of", AS_OF, "--no-progress",
                              timeout=600)
        seconds = time.monotonic() - start
    finally:
        del os.environ[marker]
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    items = {Path(i["input"]).stem: i for i in json.loads((out / "summary.json").read_text("utf-8"))["items"]}
    assert {name: item["status"] for name, item in items.items()} == {
        "fine-1": "succeeded", "loop-forever": "failed", "allocate-forever": "failed",
        "ignore-interrupts": "failed", "fine-2": "succeeded"}
    for name in ("loop-forever", "allocate-forever", "ignore-interrupts"):
        item = items[name]
        assert item["reason"] == "timeout", item
        assert f"{TIMEOUT} s" in item["error"], item
        assert item["plan"] is None
        assert item["seconds"] < TIMEOUT + 60, item
        failed = nbformat.read(out / item["notebook"], as_version=4)
        assert failed.metadata["techplan"]["status"] == "failed"
    for name in ("fine-1", "fine-2"):
        assert (out / items[name]["plan"]).read_text("utf-8").startswith(f"# Technical Plan: {name}")
    # Three runaways at 4 s each, kernels replaced: minutes would mean a stall nothing caught.
    assert seconds < 240, seconds
    assert processes_with(marker) == []
