"""A notebook techplan cannot read is bad input, named, not an internal error (issue 14, class 10).

`techplan audit` and `verify` read notebooks anyone may send. Each case damages one part of the
committed executed notebook (notebooks/technical_plan.ipynb, so no kernel is needed): the answer
is exit 2 with a message naming the file and, where there is one, the cell; never exit 3 or a
traceback."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helpers import ROOT, run_techplan

NOTEBOOK = ROOT / "notebooks" / "technical_plan.ipynb"
Notebook = dict[str, Any]


def _set(change: Callable[[Notebook], None]) -> Callable[[Notebook], Notebook]:
    def apply(nb: Notebook) -> Notebook:
        nb = copy.deepcopy(nb)
        change(nb)
        return nb
    return apply


def _record(nb: Notebook, **fields: Any) -> None:
    nb["metadata"]["techplan"] = {"schema": "techplan-nb/audit@1", "status": "succeeded", **fields}


# (id, how the notebook is damaged, what the message must say)
CASES: list[tuple[str, Callable[[Notebook], Notebook], str]] = [
    ("integer-source", _set(lambda nb: nb["cells"][4].__setitem__("source", 42)), "cell 4's source is a int"),
    ("string-outputs", _set(lambda nb: nb["cells"][4].__setitem__("outputs", "oops")), "cell 4's outputs are a str"),
    ("output-not-a-dict", _set(lambda nb: nb["cells"][6]["outputs"].__setitem__(0, ["x"])),
     "output 0 of cell 6 is a list"),
    ("output-data-a-list", _set(lambda nb: nb["cells"][6]["outputs"][2].__setitem__("data", [1])),
     "output 2 of cell 6: data is a list"),
    ("cell-a-string", _set(lambda nb: nb["cells"].__setitem__(3, "cell")), "cell 3 is a str"),
    ("metadata-a-list", _set(lambda nb: nb.__setitem__("metadata", [])), "metadata is a list"),
    ("papermill-a-string", _set(lambda nb: nb["metadata"].__setitem__("papermill", "x")), "is a str, not a mapping"),
    ("papermill-duration-text", _set(lambda nb: nb["metadata"]["papermill"].__setitem__("duration", "slow")),
     "the run's duration is str 'slow'"),
    ("record-seconds-text", _set(lambda nb: _record(nb, seconds="slow")), "the run's duration is str 'slow'"),
    ("record-error-a-list", _set(lambda nb: _record(nb, error=["x"])), "metadata.techplan.error: is a list"),
    ("record-files-strings", _set(lambda nb: _record(nb, files=["a.png"])), "is not a list of mappings"),
    ("record-plan-a-number", _set(lambda nb: _record(nb, plan=3)), "metadata.techplan.plan: is a int"),
]


@pytest.mark.parametrize(("damage", "expected"), [(d, e) for _, d, e in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", ["audit", "verify"])
def test_a_damaged_notebook_is_bad_input(tmp_path: Path, command: str,
                                         damage: Callable[[Notebook], Notebook], expected: str) -> None:
    notebook = tmp_path / "run.ipynb"
    notebook.write_text(json.dumps(damage(json.loads(NOTEBOOK.read_text("utf-8")))), "utf-8")
    args = ("audit", notebook) if command == "audit" else ("verify", tmp_path / "plan.md", notebook)
    (tmp_path / "plan.md").write_text("# Plan\n", "utf-8")
    result = run_techplan(*args)
    assert result.returncode == 2, result.stderr
    assert str(notebook) in result.stderr and expected in result.stderr, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "not a Jupyter notebook"), (b"\x89PNG\r\n\x1a\n\x00\x00", "not a Jupyter notebook"),
    (b'{"cells": [', "not a Jupyter notebook"), (b"[1, 2]", "not a Jupyter notebook"),
    (b'{"metadata": {}}', "not a Jupyter notebook"),
], ids=["empty", "binary", "invalid-json", "a-list", "no-cells"])
def test_a_file_that_is_no_notebook_is_bad_input(tmp_path: Path, content: bytes, expected: str) -> None:
    notebook = tmp_path / "run.ipynb"
    notebook.write_bytes(content)
    result = run_techplan("audit", notebook)
    assert result.returncode == 2, result.stderr
    assert str(notebook) in result.stderr and expected in result.stderr, result.stderr


def test_the_committed_notebook_still_reads(tmp_path: Path) -> None:
    """The undamaged original passes the same checks (the cases above differ from it in one part)."""
    result = run_techplan("audit", NOTEBOOK)
    assert result.returncode == 0, result.stderr
    assert "Status       succeeded" in result.stdout
