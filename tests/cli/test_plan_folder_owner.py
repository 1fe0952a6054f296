"""One owner for the plan folder (issue 15): every writer goes through techplan_nb.plan_folder, and no
change is ever lost. Each test reproduces a bug that was verified before PlanFolder existed."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from techplan_nb import plan_folder
from techplan_nb.inputs import load_path
from techplan_nb.plan_folder import PlanFolder
from techplan_nb.update import split_sections

from helpers import BUNDLED_EXAMPLE, ROOT, example_data, files_under, run_techplan

AUTHZ = "- **Authorization**: Only the roast's owner may export or share it"
HAND_AUTHZ = AUTHZ + "; support staff need a ticket number (SEC-112)"


def make_folder(root: Path) -> Path:
    """A plan folder without a notebook (rendered in-process), from the bundled example with its comments."""
    folder = root / "plans" / "issue-57"
    folder.mkdir(parents=True)
    shutil.copy(BUNDLED_EXAMPLE, folder / "inputs.yaml")
    made = run_techplan("update", folder, "--as-of", "2026-11-20")
    assert made.returncode == 0, made.stderr
    return folder


def plan_text(folder: Path) -> str:
    return (folder / "technical-plan.md").read_text("utf-8")


def section(folder: Path, key: str) -> str:
    return next(s.text for s in split_sections(plan_text(folder)) if s.key == key)


def hand_edit(folder: Path, old: str, new: str) -> None:
    text = plan_text(folder)
    assert old in text, old
    (folder / "technical-plan.md").write_text(text.replace(old, new, 1), "utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in files_under(folder)}


def ok(*args: str | Path) -> str:
    result = run_techplan(*args)
    assert result.returncode == 0, result.stderr
    return result.stderr


# --- the form's Generate and Save ------------------------------------------------------------------------


def test_the_forms_generate_never_replaces_a_reviewed_inputs_file(tmp_path: Path) -> None:
    from techplan_nb.errors import OutputError
    from techplan_nb.output import plan_dir_name
    from techplan_nb.services.generate import generate

    data = json.loads(json.dumps(example_data(), default=str))  # the form holds dates as text
    out = tmp_path / "plans"
    folder = out / plan_dir_name(data["issue"]["number"], data["issue"]["title"])
    folder.mkdir(parents=True)
    shutil.copy(BUNDLED_EXAMPLE, folder / "inputs.yaml")
    ok("update", folder, "--as-of", "2026-11-20")
    ok("review", "add", folder, "--reviewer", "Dana", "--status", "Approved", "--as-of", "2026-11-21")
    reviewed = (folder / "inputs.yaml").read_bytes()
    # Before: Generate wrote folder/inputs.yaml first, then checked it against itself: round 2 gone, no backup.
    with pytest.raises(OutputError, match="has changed since techplan copied the inputs there"):
        generate(data, out, as_of=load_path(folder / "inputs.yaml").created, seed=0, template=None, notebook=None,
                 force=False)
    assert (folder / "inputs.yaml").read_bytes() == reviewed
    assert not list(folder.glob(".techplan-staging-*")) and not (folder / ".techplan.lock").exists()


def test_the_forms_save_keeps_the_files_comments_and_layout(tmp_path: Path) -> None:
    from techplan_nb.widgets.files import save_inputs

    path = tmp_path / "issue-57.yaml"
    shutil.copy(BUNDLED_EXAMPLE, path)
    data = json.loads(json.dumps(example_data(), default=str))
    data["issue"]["title"] = "Export roast profiles to CSV, and share them"
    save_inputs(path, data)
    text = path.read_text("utf-8")
    # Before: the form's YAML dump replaced the file: every comment gone, every section reformatted.
    assert "# Inputs for one Technical Plan, as a user writes them." in text
    assert "status: Under Review            # Draft | Under Review | Approved" in text
    assert 'title: "Export roast profiles to CSV, and share them"' in text or "share them" in text
    assert load_path(path).issue.title == "Export roast profiles to CSV, and share them"
    original = BUNDLED_EXAMPLE.read_text("utf-8").splitlines()
    changed = [line for line in text.splitlines() if line not in original]
    assert len(changed) == 1, changed  # only the title's line


# --- concurrent writers -----------------------------------------------------------------------------------


def test_two_concurrent_review_adds_both_land(tmp_path: Path) -> None:
    import datetime as dt

    from techplan_nb.services.review import Options, add_review

    folder = make_folder(tmp_path)
    errors: list[BaseException] = []

    def add(name: str) -> None:
        try:
            add_review(folder, Options(as_of=dt.date(2026, 11, 21)), reviewer=name, status="Approved", feedback=[])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(name,)) for name in ("Dana", "Eli")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    # Before: both exited 0 and one round was lost; the hash record then called the plan hand-edited.
    reviewers = sorted(r.reviewer for r in load_path(folder / "inputs.yaml").reviews if r.round > 1)
    assert reviewers == ["Dana", "Eli"]
    assert "Review Round 2" in plan_text(folder) and "Review Round 3" in plan_text(folder)
    assert not PlanFolder(folder).edited_by_hand("technical-plan.md")


def test_a_writer_that_cannot_get_the_lock_exits_2_naming_the_holder(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_folder(tmp_path)
    before = snapshot(folder)
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with PlanFolder(folder).locked("review add"):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(10)
    try:
        monkeypatch.setenv("TECHPLAN_LOCK_WAIT", "0.3")
        result = run_techplan("approve", folder, "--role", "manager", "--as-of", "2026-11-21")
    finally:
        release.set()
        thread.join()
    assert result.returncode == 2
    assert "in use by `techplan review add` (process" in result.stderr and "Nothing was written" in result.stderr
    assert "waiting for" in result.stderr
    assert snapshot(folder) == before


# --- update: conflicts, dry runs, moved sections ----------------------------------------------------------


def test_a_conflict_is_reported_by_every_update_until_it_is_settled(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    hand_edit(folder, AUTHZ, HAND_AUTHZ)
    inputs = folder / "inputs.yaml"
    inputs.write_text(inputs.read_text("utf-8").replace("Tokens stored hashed;", "Tokens stored as SHA-256;"), "utf-8")
    first = run_techplan("update", folder, "--as-of", "2026-11-23")
    assert first.returncode == 1 and "CONFLICT    Security Considerations" in first.stderr
    # Before: the second update said "up to date (hand edits kept)", exit 0; the change was never applied.
    second = run_techplan("update", folder, "--as-of", "2026-11-24")
    assert second.returncode == 1, second.stderr
    assert "CONFLICT    Security Considerations" in second.stderr and "still unsettled" in second.stderr
    assert "Tokens stored as SHA-256" in second.stderr  # the inputs' change, as a diff
    settled = run_techplan("update", folder, "--as-of", "2026-11-24", "--take", "inputs")
    assert settled.returncode == 0, settled.stderr
    assert "Tokens stored as SHA-256" in section(folder, "security considerations")
    assert HAND_AUTHZ not in plan_text(folder)
    assert any(HAND_AUTHZ in p.read_text("utf-8") for p in PlanFolder(folder).backups())
    assert "up to date" in ok("update", folder, "--as-of", "2026-11-25")


def test_take_mine_settles_a_conflict_keeping_the_hand_edit(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    hand_edit(folder, AUTHZ, HAND_AUTHZ)
    inputs = folder / "inputs.yaml"
    inputs.write_text(inputs.read_text("utf-8").replace("Tokens stored hashed;", "Tokens stored as SHA-256;"), "utf-8")
    assert run_techplan("update", folder, "--as-of", "2026-11-23").returncode == 1
    assert run_techplan("update", folder, "--as-of", "2026-11-23", "--take", "mine").returncode == 0
    assert HAND_AUTHZ in section(folder, "security considerations")
    again = run_techplan("update", folder, "--as-of", "2026-11-24")
    assert again.returncode == 0 and "up to date" in again.stderr, again.stderr


def _scenarios() -> dict[str, list[tuple[str, str]]]:
    """name -> edits to make to the plan (old, new) and, with 'inputs:' in old, to inputs.yaml."""
    return {
        "nothing": [],
        "prose edit": [(AUTHZ, HAND_AUTHZ)],
        "approval edit": [("- [ ] Stakeholder", "- [x] Stakeholder (told me in the hallway)")],
        "risk note": [("## Implementation Timeline", "A note by hand about risks.\n\n## Implementation Timeline")],
        "inputs change": [("inputs:Tokens stored hashed;", "Tokens stored as SHA-256;")],
        "conflict": [(AUTHZ, HAND_AUTHZ), ("inputs:Tokens stored hashed;", "Tokens stored as SHA-256;")],
        "deleted section": [("## Performance Implications", "## Performance Implications (gone)")],
        "no record": [("record:", "")],
    }


def _apply(folder: Path, edits: list[tuple[str, str]]) -> None:
    for old, new in edits:
        if old.startswith("inputs:"):
            inputs = folder / "inputs.yaml"
            text = inputs.read_text("utf-8")
            assert old[7:] in text
            inputs.write_text(text.replace(old[7:], new), "utf-8")
        elif old == "record:":
            (folder / ".techplan-generated.json").unlink()
        else:
            hand_edit(folder, old, new)


@pytest.mark.parametrize("name", list(_scenarios()))
def test_the_dry_run_reports_exactly_what_update_then_does(tmp_path: Path, name: str) -> None:
    made = make_folder(tmp_path / "made")
    _apply(made, _scenarios()[name])
    dry_folder, real_folder = tmp_path / "dry", tmp_path / "real"
    shutil.copytree(made, dry_folder)
    shutil.copytree(made, real_folder)
    before = snapshot(dry_folder)
    dry = run_techplan("update", dry_folder, "--dry-run", "--as-of", "2026-11-23")
    assert snapshot(dry_folder) == before
    real = run_techplan("update", real_folder, "--as-of", "2026-11-23")
    assert dry.returncode == real.returncode, (dry.stderr, real.stderr)

    def normal(text: str, folder: Path) -> list[str]:
        lines = [line.replace(str(folder), "PLAN").replace("would write:", "wrote:")
                 .replace("would update:", "updated:").replace("is to be kept", "is kept")
                 for line in text.splitlines() if line != "dry run: nothing written"]
        return lines

    # Before: the dry run announced "REPLACED Approval" and "wrote:"; the real run changed nothing.
    assert normal(dry.stderr, dry_folder) == normal(real.stderr, real_folder)
    changed = snapshot(real_folder) != before
    assert changed == ("wrote:" in real.stderr or "updated:" in real.stderr), real.stderr


def test_a_section_moved_by_hand_is_reported_and_kept_in_a_backup(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    sections = split_sections(plan_text(folder))
    keys = [s.key for s in sections]
    rollback, dependencies = keys.index("rollback strategy"), keys.index("dependencies")
    moved = sections[:dependencies] + [sections[rollback]] + sections[dependencies:rollback] + sections[rollback + 1:]
    (folder / "technical-plan.md").write_text("\n\n".join(s.text for s in moved) + "\n", "utf-8")
    hand = plan_text(folder)
    result = run_techplan("update", folder, "--as-of", "2026-11-23")
    assert result.returncode == 0, result.stderr
    # Before: put back silently, and the report said "hand edits kept in 0 sections".
    assert "1 moved section put back" in result.stderr
    assert "MOVED BACK  Rollback Strategy: you moved this section below" in result.stderr
    assert [s.key for s in split_sections(plan_text(folder))] == keys
    assert any(p.read_text("utf-8") == hand for p in PlanFolder(folder).backups())


# --- backups ----------------------------------------------------------------------------------------------


def test_hand_edits_replaced_by_two_commands_are_both_kept(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    hand_edit(folder, "## Implementation Timeline",
              "NOTE-ONE: a note in Risk Assessment.\n\n## Implementation Timeline")
    ok("review", "add", folder, "--reviewer", "Dana", "--status", "Changes Requested", "--feedback", "Owner for R1",
       "--as-of", "2026-11-21")
    hand_edit(folder, "- [ ] Stakeholder", "- [ ] Stakeholder NOTE-TWO")
    ok("review", "resolve", folder, "--round", "2", "--resolution", "Ada owns R1", "--as-of", "2026-11-21")
    backups = PlanFolder(folder).backups()
    # Before: resolve overwrote the one technical-plan.md.bak, and NOTE-ONE existed nowhere.
    assert [p.name for p in backups] == ["technical-plan.md.bak", "technical-plan.md.bak.2"]
    assert "NOTE-ONE" in backups[0].read_text("utf-8") and "NOTE-TWO" in backups[1].read_text("utf-8")


# --- review rules -----------------------------------------------------------------------------------------


def test_resolving_a_resolved_round_is_refused_unless_appending(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    before = snapshot(folder)
    refused = run_techplan("review", "resolve", folder, "--round", "1", "--resolution", "again",
                           "--as-of", "2026-11-21")
    # Before: exit 0, and the items were appended a second time.
    assert refused.returncode == 2 and "--append: review round 1 is already resolved" in refused.stderr
    assert snapshot(folder) == before
    ok("review", "resolve", folder, "--round", "1", "--resolution", "One more item", "--append",
       "--as-of", "2026-11-21")
    (round_one,) = [r for r in load_path(folder / "inputs.yaml").reviews if r.round == 1]
    assert round_one.resolution[-1] == "One more item" and round_one.resolution.count("One more item") == 1


def test_changes_requested_withdraws_approvals_on_a_plan_under_review_too(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    assert load_path(folder / "inputs.yaml").status == "Under Review"
    out = ok("review", "add", folder, "--reviewer", "Eli", "--status", "Changes Requested", "--feedback", "More tests",
             "--as-of", "2026-11-21")
    # Deliberate, and now what docs/review-workflow.md says: an approval given before changes is withdrawn.
    assert "approvals withdrawn" in out and "System Architect (Author)" in out
    assert not any(a.approved for a in load_path(folder / "inputs.yaml").approvals)
    docs = (ROOT / "docs" / "review-workflow.md").read_text("utf-8")
    assert "whatever the plan's status" in docs


# --- crashes and full disks --------------------------------------------------------------------------------


def _count_calls(monkeypatch: pytest.MonkeyPatch, name: str, fail_at: int | None) -> list[int]:
    calls = [0]
    real = getattr(plan_folder, name)

    def wrapper(*args: object) -> None:
        calls[0] += 1
        if fail_at is not None and calls[0] == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device", str(args[-1]))
        real(*args)

    monkeypatch.setattr(plan_folder, name, wrapper)
    return calls


@pytest.mark.parametrize("step", ["_write_file", "_rename"])
def test_a_full_disk_at_any_file_of_the_install_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                step: str) -> None:
    folder = make_folder(tmp_path)
    hand_edit(folder, AUTHZ, HAND_AUTHZ)
    args = ("review", "add", folder, "--reviewer", "Dana", "--status", "Approved", "--as-of", "2026-11-21")
    probe = tmp_path / "probe"
    shutil.copytree(folder, probe)
    with monkeypatch.context() as patch:
        calls = _count_calls(patch, step, None)
        assert run_techplan(*args[:2], probe, *args[3:]).returncode == 0
    assert calls[0] >= 4
    for at in range(1, calls[0] + 1):
        before = snapshot(folder)
        with monkeypatch.context() as patch:
            _count_calls(patch, step, at)
            result = run_techplan(*args)
        assert result.returncode == 2, (at, result.stderr)
        assert "the disk is full; nothing was changed" in result.stderr
        assert snapshot(folder) == before, at
    assert run_techplan(*args).returncode == 0


KILLER = """
import os, signal, sys
from techplan_nb import plan_folder
from techplan_nb.cli.main import main
at, calls = int(sys.argv[1]), [0]
real = plan_folder._rename
def rename(source, target):
    calls[0] += 1
    if calls[0] == at:
        os.kill(os.getpid(), signal.SIGKILL)
    real(source, target)
plan_folder._rename = rename
sys.exit(main(sys.argv[2:]))
"""


def test_a_review_add_killed_at_any_file_is_rolled_back_and_never_applied_twice(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    args = ["review", "add", str(folder), "--reviewer", "Dana", "--status", "Approved", "--as-of", "2026-11-21"]
    for at in range(1, 5):  # inputs, plan, state record, generated record
        before = snapshot(folder)
        killed = subprocess.run([sys.executable, "-c", KILLER, str(at), *args], capture_output=True, text=True,
                                cwd=tmp_path, timeout=120)
        assert killed.returncode == -9, killed.stderr
        assert (folder / ".techplan-journal.json").exists()
        # Before: the round was in inputs.yaml but not in the plan, a staging folder stayed behind, and
        # running the command again recorded the round twice.
        shown = run_techplan("status", folder)
        assert shown.returncode == 0 and "was rolled back" in shown.stderr
        assert snapshot(folder) == before, at
    ok(*args)
    assert [r.round for r in load_path(folder / "inputs.yaml").reviews] == [1, 2]
    assert not (folder / ".techplan-journal.json").exists() and not list(folder.glob(".techplan-staging-*"))
