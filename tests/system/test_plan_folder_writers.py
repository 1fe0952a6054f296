"""Plan folders with an audit notebook under concurrent writers, full disks and kills (issue 15):
every change lands, and `verify` accepts whatever a failure leaves."""

from __future__ import annotations

import errno
import pickle
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from techplan_nb import plan_folder
from techplan_nb.inputs import load_path
from techplan_nb.services import regenerate

from helpers import AS_OF, BUNDLED_EXAMPLE, files_under, run_techplan, run_techplan_process

pytestmark = pytest.mark.kernel


def run_folder(root: Path) -> Path:
    made = run_techplan("run", BUNDLED_EXAMPLE, "--out", root / "plans", "--as-of", AS_OF)
    assert made.returncode == 0, made.stderr
    (folder,) = (root / "plans").iterdir()
    return folder


def verified(folder: Path) -> bool:
    result = run_techplan("verify", folder / "technical-plan.md", folder / "technical-plan.ipynb")
    return result.returncode == 0


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in files_under(folder)}


def test_four_concurrent_writers_on_one_folder_all_land(tmp_path: Path) -> None:
    folder = run_folder(tmp_path)
    commands: list[tuple[str | Path, ...]] = [
        ("review", "add", folder, "--reviewer", "Dana", "--status", "Approved", "--as-of", "2026-11-21"),
        ("review", "add", folder, "--reviewer", "Eli", "--status", "Approved", "--as-of", "2026-11-21"),
        ("update", folder, "--as-of", "2026-11-21"),
        ("run", folder / "inputs.yaml", "--out", folder.parent, "--as-of", "2026-11-21"),
    ]
    results: dict[int, subprocess.CompletedProcess[str]] = {}

    def start(index: int) -> None:
        results[index] = run_techplan_process(*commands[index], cwd=tmp_path, timeout=900)

    threads = [threading.Thread(target=start, args=(index,)) for index in range(len(commands))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, result in sorted(results.items()):
        assert result.returncode == 0, (commands[index], result.stderr)
    reviewers = sorted(r.reviewer for r in load_path(folder / "inputs.yaml").reviews if r.round > 1)
    assert reviewers == ["Dana", "Eli"]
    plan = (folder / "technical-plan.md").read_text("utf-8")
    assert "Review Round 2" in plan and "Review Round 3" in plan
    assert verified(folder)
    assert not list(folder.glob(".techplan-staging-*")) and not (folder / ".techplan-journal.json").exists()
    assert not (folder / ".techplan.lock").exists()


REVIEW = ("review", "add", "--reviewer", "Dana", "--status", "Approved", "--as-of", "2026-11-21")


def _review(folder: Path) -> list[str | Path]:
    return [*REVIEW[:2], folder, *REVIEW[2:]]


@pytest.fixture(scope="module")
def notebook_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A folder made by `run`, and the pickled notebook re-run a review round makes in it (made once)."""
    root = tmp_path_factory.mktemp("made")
    folder = run_folder(root)
    probe = root / "probe"
    shutil.copytree(folder, probe)
    runs: list[Any] = []
    real = regenerate._run_notebook

    def keep(*args: Any, **kwargs: Any) -> Any:
        runs.append(real(*args, **kwargs))
        return runs[-1]

    regenerate._run_notebook = keep  # type: ignore[assignment]
    try:
        assert run_techplan(*_review(probe)).returncode == 0
    finally:
        regenerate._run_notebook = real  # type: ignore[assignment]
    pickled = root / "run.pickle"
    pickled.write_bytes(pickle.dumps(runs[0]))
    return folder, pickled


@pytest.mark.parametrize("step", ["_write_file", "_rename"])
def test_a_full_disk_at_any_file_of_a_notebook_install_leaves_a_folder_verify_accepts(
        notebook_run: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    made, pickled = notebook_run
    folder = tmp_path / made.name
    shutil.copytree(made, folder)
    run = pickle.loads(pickled.read_bytes())
    monkeypatch.setattr(regenerate, "_run_notebook", lambda *args, **kwargs: run)
    real = getattr(plan_folder, step)
    at = 0
    while True:
        at += 1
        calls = [0]

        def failing(*args: Any, _at: int = at, calls: list[int] = calls) -> None:
            calls[0] += 1
            if calls[0] == _at:
                raise OSError(errno.ENOSPC, "No space left on device", str(args[-1]))
            real(*args)

        before = snapshot(folder)
        monkeypatch.setattr(plan_folder, step, failing)
        result = run_techplan(*_review(folder))
        monkeypatch.setattr(plan_folder, step, real)
        if calls[0] < at:  # every file went through: the install is complete
            assert result.returncode == 0, result.stderr
            break
        # Before: plan and inputs new, notebook old, verify failed, although exit 2 said nothing was written.
        assert result.returncode == 2 and "nothing was changed" in result.stderr, (at, result.stderr)
        assert snapshot(folder) == before, at
        assert verified(folder), at
    assert at > 8  # charts, notebook, inputs, plan, records
    assert verified(folder)


KILLER = """
import os, pickle, signal, sys
from techplan_nb import plan_folder
from techplan_nb.services import regenerate
from techplan_nb.cli.main import main
at, calls = int(sys.argv[1]), [0]
run = pickle.loads(open(sys.argv[2], "rb").read())
regenerate._run_notebook = lambda *args, **kwargs: run
real = plan_folder._rename
def rename(source, target):
    calls[0] += 1
    if calls[0] == at:
        os.kill(os.getpid(), signal.SIGKILL)
    real(source, target)
plan_folder._rename = rename
sys.exit(main(sys.argv[3:]))
"""


def test_a_kill_at_any_file_of_a_notebook_install_leaves_a_folder_verify_accepts(
        notebook_run: tuple[Path, Path], tmp_path: Path) -> None:
    made, pickled = notebook_run
    folder = tmp_path / made.name
    shutil.copytree(made, folder)
    before = snapshot(folder)
    at = 0
    while True:
        at += 1
        killed = subprocess.run([sys.executable, "-c", KILLER, str(at), str(pickled), *map(str, _review(folder))],
                                capture_output=True, text=True, cwd=tmp_path, timeout=300)
        if killed.returncode == 0:
            break
        assert killed.returncode == -9, killed.stderr
        # verify first rolls the interrupted install back, then checks a complete (the previous) set.
        assert verified(folder), at
        assert snapshot(folder) == before, at
    assert at > 8
    assert verified(folder)
    assert [r.round for r in load_path(folder / "inputs.yaml").reviews] == [1, 2]
