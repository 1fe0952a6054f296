"""audit, verify, update, review, approve, index and render --template read plans, notebooks and
templates through the one capped reader: a pipe is refused at once, a 50 MB file from its size,
with exit 2 naming the file and nothing written (before, a pipe named technical-plan.md or
technical-plan.ipynb hung them, and any size was read into memory)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from helpers import AS_OF, BUNDLED_EXAMPLE, files_under, run_techplan_process

# (command and arguments, the file under test, as a path under the working folder)
READERS = [
    (["audit", "run.ipynb"], "run.ipynb"),
    (["verify", "plan.md", "run.ipynb"], "run.ipynb"),
    (["update", "plan"], "plan/technical-plan.md"),
    (["update", "plan", "--dry-run"], "plan/technical-plan.md"),
    (["update", "plan"], "plan/technical-plan.ipynb"),
    (["approve", "plan", "--role", "Stakeholder", "--by", "Kim"], "plan/technical-plan.md"),
    (["review", "add", "plan", "--reviewer", "Kim", "--status", "Approved"], "plan/technical-plan.md"),
    (["render", "inputs.yaml", "--template", "team.md.j2"], "team.md.j2"),
    # The folder's records: a pipe named .techplan-state.json hung update for ever (issue 14, round 3).
    (["update", "plan"], "plan/.techplan-state.json"),
    (["update", "plan"], "plan/.techplan-generated.json"),
    (["status", "plan"], "plan/.techplan-journal.json"),
]
IDS = [f"{' '.join(args[:2])} {target}" for args, target in READERS]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copy(BUNDLED_EXAMPLE, tmp_path / "inputs.yaml")
    (tmp_path / "plan").mkdir()
    shutil.copy(BUNDLED_EXAMPLE, tmp_path / "plan" / "inputs.yaml")
    return tmp_path


def special(path: Path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    else:
        with path.open("wb") as handle:  # sparse: 50 MB long, nothing on disk
            handle.truncate(50 * 2**20)


@pytest.mark.parametrize("kind", ["fifo", "50-MB"])
@pytest.mark.parametrize(("args", "target"), READERS, ids=IDS)
def test_a_pipe_or_a_huge_file_is_refused_at_once_naming_it(work: Path, args: list[str], target: str,
                                                            kind: str) -> None:
    special(work / target, kind)
    before = {p: p.stat().st_mtime_ns for p in files_under(work) if p.is_file()}
    started = time.monotonic()
    # A real process: a regression would block open() for ever, and only a timeout stops that.
    result = run_techplan_process(*args, cwd=work, timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode == 2, result.stderr
    problem = "is not a regular file" if kind == "fifo" else "is larger than"
    assert f"{target}: {problem}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert {p: p.stat().st_mtime_ns for p in files_under(work) if p.is_file()} == before


def test_index_does_not_wait_on_a_plan_that_is_a_pipe(tmp_path: Path) -> None:
    folder = tmp_path / "plans" / "issue-7-seven"
    folder.mkdir(parents=True)
    (folder / "inputs.yaml").write_text("issue: {number: 7, title: Seven}\nrisks: nonsense\n", "utf-8")
    os.mkfifo(folder / "technical-plan.md")  # read for its Last Updated line when the inputs give none
    result = run_techplan_process("index", "plans", "-o", "-", "--as-of", AS_OF, cwd=tmp_path, timeout=60)
    assert result.returncode == 1, result.stderr  # the inputs' problem, reported; the row shows no date
    assert "issue-7-seven" in result.stdout and "Traceback" not in result.stderr
