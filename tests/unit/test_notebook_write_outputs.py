"""write_outputs, the notebook's last cell: a transaction into a plan folder, plain files into a
runner's staging copy of one (the runner installs those in its own transaction)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from techplan_nb import notebook as tp
from techplan_nb import plan_folder
from techplan_nb.plan_folder import CHART_FILES, INPUTS_FILE, PLAN_FILE, STAGING_PREFIX, STATE_FILE

from helpers import BUNDLED_EXAMPLE

AS_OF = "2026-11-20"


def _run(output_dir: Path) -> tp.Run:
    return tp.start(str(BUNDLED_EXAMPLE), as_of=AS_OF, output_dir=str(output_dir))


def test_a_run_into_a_staging_copy_writes_its_files_without_a_transaction_or_fsync(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stage = tmp_path / "issue-57-roast-export" / f"{STAGING_PREFIX}abc"
    stage.mkdir(parents=True)
    run = _run(stage)

    def no_fsync(fd: int) -> None:
        raise AssertionError("a staging copy is not fsynced: the runner's install is")

    monkeypatch.setattr(os, "fsync", no_fsync)
    tp.write_outputs(run)
    made = stage / run.folder_name
    names = sorted(p.name for p in made.iterdir())
    assert names == sorted([*CHART_FILES.values(), INPUTS_FILE, PLAN_FILE])  # no lock, state or journal
    assert (made / PLAN_FILE).read_text("utf-8") == run.plan_text
    assert {f["name"]: f["sha256"] for f in run.written}[PLAN_FILE] == plan_folder._sha256(run.plan_text.encode())


def test_a_run_into_a_staging_copy_leaves_no_chart_it_did_not_draw(tmp_path: Path) -> None:
    stage = tmp_path / "issue-57-roast-export" / f"{STAGING_PREFIX}abc"
    run = _run(stage)
    made = stage / run.folder_name
    made.mkdir(parents=True)
    run.charts.pop("gantt")
    (made / CHART_FILES["gantt"]).write_bytes(b"an earlier chart")
    tp.write_outputs(run)
    assert not (made / CHART_FILES["gantt"]).exists()  # the installer would have taken it for this run's


def test_a_run_into_a_plan_folder_still_installs_and_records_its_files(tmp_path: Path) -> None:
    run = _run(tmp_path)
    tp.write_outputs(run)
    folder = plan_folder.PlanFolder(tmp_path / run.folder_name)
    assert (folder.path / STATE_FILE).is_file()
    assert not folder.edited_by_hand(PLAN_FILE)
    assert folder.generated_base() == run.plan_text
