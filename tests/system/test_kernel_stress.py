"""A kernel under stress: a cell that loops forever, one that allocates without bound and one that
ignores interrupts are each stopped (by --timeout, or by --memory-limit as soon as the allocation
reaches it); the item fails with its reason, no kernel is left behind, and the batch goes on to
make every other plan.

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

from helpers import AS_OF, ROOT, run_techplan, write_inputs

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
if "grow-small-objects" in inputs_path:
    hog = []
    while True:  # many small allocations: at the cap any of the kernel's threads may fail one
        hog.append(list(range(100000)))
if "grow-big-blocks" in inputs_path:
    hog = []
    while True:
        hog.append(bytearray(64 * 2**20))
if "one-huge-array" in inputs_path:
    import numpy
    hog = numpy.ones(2**38)  # 2 TiB at once
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


def _start_resource_tracker() -> None:
    """multiprocessing's resource tracker serves this test process until it exits; started by the
    batch, it would inherit the marker and be counted as a process the batch left running."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()


def test_runaway_cells_time_out_and_the_batch_makes_every_other_plan(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for number, name in enumerate(["fine-1", "loop-forever", "allocate-forever", "ignore-interrupts", "fine-2"],
                                  start=1):
        write_inputs(inputs, {"issue": {"number": number, "title": name}}, f"{name}.yaml")
    out = tmp_path / "out"
    marker = f"TECHPLAN_STRESS_{uuid.uuid4().hex}"
    _start_resource_tracker()
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


MEMORY_LIMIT = "1536M"


def test_unbounded_allocations_fail_fast_with_reason_memory_and_the_batch_goes_on(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    names = ["fine-1", "grow-small-objects", "grow-big-blocks", "one-huge-array", "fine-2"]
    for number, name in enumerate(names, start=1):
        write_inputs(inputs, {"issue": {"number": number, "title": name}}, f"{name}.yaml")
    out = tmp_path / "out"
    marker = f"TECHPLAN_STRESS_{uuid.uuid4().hex}"
    _start_resource_tracker()
    os.environ[marker] = "1"
    try:
        # A timeout far beyond what the cap needs: a "timeout" here means the cap did not work.
        result = run_techplan("batch", inputs, "--out", out, "--notebook", stress_notebook(tmp_path),
                              "--timeout", "300", "--memory-limit", MEMORY_LIMIT, "--jobs", "2", "--as-of", AS_OF,
                              "--no-progress", timeout=900)
    finally:
        del os.environ[marker]
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["options"]["memory_limit"] == 1536 * 2**20
    items = {Path(i["input"]).stem: i for i in summary["items"]}
    assert {name: item["status"] for name, item in items.items()} == {
        "fine-1": "succeeded", "grow-small-objects": "failed", "grow-big-blocks": "failed",
        "one-huge-array": "failed", "fine-2": "succeeded"}, result.stderr
    for name in ("grow-small-objects", "grow-big-blocks", "one-huge-array"):
        item = items[name]
        assert item["reason"] == "memory", item
        assert "out of memory" in item["error"] and "1.5 GiB memory limit" in item["error"], item
        assert item["seconds"] < 60, item
        failed = nbformat.read(out / item["notebook"], as_version=4)
        assert failed.metadata["techplan"]["status"] == "failed"
        assert failed.metadata["techplan"]["error"]["reason"] == "memory"
        assert failed.metadata["techplan"]["kernel"]["memory_limit"] == 1536 * 2**20
    for name in ("fine-1", "fine-2"):
        assert (out / items[name]["plan"]).read_text("utf-8").startswith(f"# Technical Plan: {name}")
    assert processes_with(marker) == []


def test_run_fails_a_runaway_allocation_with_the_memory_reason_and_writes_no_plan(tmp_path: Path) -> None:
    source = write_inputs(tmp_path, {"issue": {"number": 7, "title": "grow-small-objects"}}, "grow-small-objects.yaml")
    out = tmp_path / "out"
    result = run_techplan("run", source, "--out", out, "--notebook", stress_notebook(tmp_path), "--timeout", "300",
                          "--memory-limit", MEMORY_LIMIT, "--as-of", AS_OF, timeout=600)
    assert result.returncode == 1, result.stderr
    assert "out of memory" in result.stderr and "--memory-limit" in result.stderr, result.stderr
    (folder,) = out.iterdir()
    assert not (folder / "technical-plan.md").exists()
    record = nbformat.read(folder / "technical-plan.failed.ipynb", as_version=4).metadata["techplan"]
    assert record["error"]["reason"] == "memory" and record["seconds"] < 60


@pytest.mark.parametrize("text, size", [("4G", 4 * 2**30), ("1.5GiB", 1536 * 2**20), ("1536M", 1536 * 2**20),
                                        ("2gb", 2 * 2**30), ("none", None), ("0", None)])
def test_memory_limit_sizes_read_as_binary_units_and_none_lifts_the_cap(text: str, size: int | None) -> None:
    from techplan_nb.cli.run import memory_size

    assert memory_size(text) == size


@pytest.mark.parametrize("text", ["512M", "lots", "-4G", "4X"])
def test_memory_limits_below_a_kernels_own_footprint_or_unreadable_are_usage_errors(text: str) -> None:
    result = run_techplan("run", ROOT / "examples" / "issue-57-roast-export.yaml", "--out", "OUT",
                          "--memory-limit", text)
    assert result.returncode == 2 and "--memory-limit" in result.stderr, result.stderr


def test_every_front_end_defaults_to_the_runners_memory_limit() -> None:
    from techplan_nb import runner
    from techplan_nb.batch import BatchOptions
    from techplan_nb.cli import run

    assert run.DEFAULT_MEMORY_LIMIT == runner.DEFAULT_MEMORY_LIMIT == BatchOptions.memory_limit == 4 * 2**30
