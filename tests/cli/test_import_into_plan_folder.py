"""`import github -o plans/` and `import markdown -o plans/issue-N-x/inputs.yaml` write a plan
folder's inputs through PlanFolder: under the folder's lock, as one transaction, and a replaced
copy (reviewed, edited) kept as a numbered backup, never overwritten (atomic_write replaced it,
backup-less, and took no lock, so a review command running at the same time lost its round)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from techplan_nb.plan_folder import LOCK_WAIT_ENV, PlanFolder

from helpers import ROOT, files_under, run_techplan

CASES = ROOT / "tests" / "cases" / "import"
AS_OF = "2026-11-20"
FOLDER = "issue-57-export-roast-profiles-to-csv-and-share-them-by"
ISSUE = CASES / "list-with-pull-request.json"


def imported(tmp_path: Path, *extra: str) -> Path:
    result = run_techplan("import", "github", ISSUE, "-o", tmp_path / "plans", "--as-of", AS_OF, *extra)
    assert result.returncode == 0, result.stderr
    return tmp_path / "plans" / FOLDER


def test_a_forced_import_over_reviewed_inputs_keeps_each_copy_as_a_numbered_backup(tmp_path: Path) -> None:
    folder = imported(tmp_path)
    first = (folder / "inputs.yaml").read_bytes()
    reviewed = first + b"# a review round was recorded here\n"
    (folder / "inputs.yaml").write_bytes(reviewed)

    refused = run_techplan("import", "github", ISSUE, "-o", tmp_path / "plans", "--as-of", AS_OF)
    assert refused.returncode == 2 and "pass --force" in refused.stderr
    assert (folder / "inputs.yaml").read_bytes() == reviewed

    forced = run_techplan("import", "github", ISSUE, "-o", tmp_path / "plans", "--as-of", AS_OF, "--force")
    assert forced.returncode == 0, forced.stderr
    assert (folder / "inputs.yaml").read_bytes() == first
    assert (folder / "inputs.yaml.bak").read_bytes() == reviewed
    assert f"kept as {folder / 'inputs.yaml.bak'}" in forced.stderr

    (folder / "inputs.yaml").write_bytes(first + b"# and a second one\n")
    assert run_techplan("import", "github", ISSUE, "-o", tmp_path / "plans", "--as-of", AS_OF,
                        "--force").returncode == 0
    assert (folder / "inputs.yaml.bak").read_bytes() == reviewed  # never overwritten
    assert (folder / "inputs.yaml.bak.2").read_bytes() == first + b"# and a second one\n"
    # Nothing of the transaction is left behind: no lock, journal or staging folder.
    assert sorted(p.name for p in folder.iterdir()) == ["inputs.yaml", "inputs.yaml.bak", "inputs.yaml.bak.2"]


def test_an_import_waits_for_a_writer_holding_the_folder_and_says_so(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder = imported(tmp_path)
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with PlanFolder(folder).locked("review add"):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    monkeypatch.setenv(LOCK_WAIT_ENV, "0.3")
    try:
        refused = run_techplan("import", "github", ISSUE, "-o", tmp_path / "plans", "--as-of", AS_OF, "--force")
    finally:
        release.set()
        holder.join()
    assert refused.returncode == 2
    assert "in use by `techplan review add`" in refused.stderr and "Nothing was written" in refused.stderr


def test_import_markdown_into_a_plan_folder_goes_through_the_folder(tmp_path: Path) -> None:
    folder = imported(tmp_path)
    (folder / "technical-plan.md").write_text("# hand-written\n", "utf-8")  # a plan folder now
    before = (folder / "inputs.yaml").read_bytes()
    plan = ROOT / "examples" / "issue-57-roast-export.plan.md"
    result = run_techplan("import", "markdown", plan, "-o", folder / "inputs.yaml", "--force")
    assert result.returncode == 0, result.stderr
    assert (folder / "inputs.yaml.bak").read_bytes() == before
    assert "number: 57" in (folder / "inputs.yaml").read_text("utf-8")


def test_a_plain_output_file_is_still_written_as_before(tmp_path: Path) -> None:
    out = tmp_path / "elsewhere" / "inputs.yaml"
    plan = ROOT / "examples" / "issue-57-roast-export.plan.md"
    assert run_techplan("import", "markdown", plan, "-o", out).returncode == 0
    assert [p.name for p in files_under(tmp_path)] == ["inputs.yaml"]


@pytest.mark.parametrize("how", ["a trailing slash", "an existing folder"])
def test_one_issue_into_a_folder_writes_its_plan_folder_not_a_file_named_after_the_folder(
        tmp_path: Path, how: str) -> None:
    # Path("plans/") is "plans": the slash that says "a folder" was lost before it was looked at,
    # and one issue went into a file named plans.
    one = ROOT / "docs" / "examples" / "issue-57.json"
    if how == "an existing folder":
        (tmp_path / "plans").mkdir()
    out = "plans/" if how == "a trailing slash" else "plans"
    result = run_techplan("import", "github", one, "-o", out, "--as-of", AS_OF, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "plans").is_dir()
    written = [p.relative_to(tmp_path).as_posix() for p in files_under(tmp_path)]
    assert len(written) == 1 and written[0].startswith("plans/issue-57-") and written[0].endswith("/inputs.yaml")
