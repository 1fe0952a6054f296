"""Plan folders made by `techplan run` are regenerated through the notebook, so the audit stays true."""

from __future__ import annotations

from pathlib import Path

import pytest

from techplan_nb.output import sha256_file
from techplan_nb.plan_folder import PlanFolder

from helpers import BUNDLED_EXAMPLE, run_techplan

pytestmark = pytest.mark.kernel

AUTHZ = "- **Authorization**: Only the roast's owner may export or share it"
HAND_AUTHZ = AUTHZ + "; support staff need a ticket number (SEC-112)"


def run_folder(root: Path) -> Path:
    made = run_techplan("run", BUNDLED_EXAMPLE, "--out", root / "plans", "--as-of", "2026-11-20")
    assert made.returncode == 0, made.stderr
    (folder,) = (root / "plans").iterdir()
    return folder


def recorded_inputs_sha(folder: Path) -> str:
    (record,) = PlanFolder(folder).audit_records()
    inputs = record["inputs"]
    assert isinstance(inputs, dict)
    return str(inputs["sha256"])


def test_a_review_round_reruns_the_notebook_and_the_audit_record_matches(tmp_path: Path) -> None:
    folder = run_folder(tmp_path)
    result = run_techplan("review", "add", folder, "--reviewer", "Dana", "--status", "Approved",
                          "--as-of", "2026-11-21")
    assert result.returncode == 0, result.stderr
    assert "ran the plan notebook again" in result.stderr
    assert recorded_inputs_sha(folder) == sha256_file(folder / "inputs.yaml")
    assert "### Review Round 2 (Date: 2026-11-21)" in (folder / "technical-plan.md").read_text("utf-8")
    verified = run_techplan("verify", folder / "technical-plan.md", folder / "technical-plan.ipynb")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert not list(tmp_path.joinpath("plans").glob(".techplan-run-*"))
    # The audit names the plan's own folder as where the run wrote, not the scratch folder it used.
    import nbformat
    nb = nbformat.read(str(folder / "technical-plan.ipynb"), as_version=4)
    assert nb.metadata.techplan["parameters"]["output_dir"] == str((tmp_path / "plans").resolve())
    # The staging folder inside the plan folder is gone once the files are installed: not recorded.
    assert "staged_in" not in nb.metadata.techplan
    assert not list(folder.glob(".techplan-staging-*")) and not (folder / ".techplan-journal.json").exists()


def test_hand_edits_survive_a_notebook_rerun(tmp_path: Path) -> None:
    folder = run_folder(tmp_path)
    plan = folder / "technical-plan.md"
    plan.write_text(plan.read_text("utf-8").replace(AUTHZ, HAND_AUTHZ), "utf-8")
    result = run_techplan("approve", folder, "--role", "Engineering Manager", "--by", "Mo", "--as-of", "2026-11-22")
    assert result.returncode == 0, result.stderr
    text = plan.read_text("utf-8")
    assert HAND_AUTHZ in text and "- [x] Engineering Manager: ✓ Mo (2026-11-22)" in text
    # The audit record holds the generated plan; the file differs only by the hand edit.
    verified = run_techplan("verify", plan, folder / "technical-plan.ipynb")
    assert verified.returncode == 1 and "support staff need a ticket" in verified.stdout + verified.stderr


def test_fast_leaves_the_audit_stale_and_update_brings_it_back(tmp_path: Path) -> None:
    folder = run_folder(tmp_path)
    fast = run_techplan("review", "add", folder, "--reviewer", "Dana", "--status", "Approved", "--fast",
                        "--as-of", "2026-11-21")
    assert fast.returncode == 0, fast.stderr
    assert "still describe the previous inputs" in fast.stderr
    assert recorded_inputs_sha(folder) != sha256_file(folder / "inputs.yaml")
    updated = run_techplan("update", folder, "--as-of", "2026-11-21")
    assert updated.returncode == 0, updated.stderr
    assert recorded_inputs_sha(folder) == sha256_file(folder / "inputs.yaml")
    assert run_techplan("verify", folder / "technical-plan.md", folder / "technical-plan.ipynb").returncode == 0


def test_a_hand_deleted_plan_comes_back_and_fast_warns_only_when_the_audit_is_stale(tmp_path: Path) -> None:
    folder = run_folder(tmp_path)
    plan = folder / "technical-plan.md"
    generated = plan.read_bytes()
    plan.unlink()
    fast = run_techplan("update", folder, "--fast", "--as-of", "2026-11-20")
    assert fast.returncode == 0, fast.stderr
    assert plan.read_bytes() == generated
    assert "still describe the previous inputs" not in fast.stderr  # the inputs did not change
    assert run_techplan("verify", plan, folder / "technical-plan.ipynb").returncode == 0
