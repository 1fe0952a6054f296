"""The ```sh kernel blocks of README.md and docs/*.md: the documented commands that start Jupyter
kernels (`techplan run`, `batch`, the review commands on a folder `run` made), run as written.

The key one is the review walkthrough in docs/review-workflow.md: run the bundled example, add a
review round that asks for changes, be refused Approved, resolve the round, approve, move to
Approved, and verify the plan against its audit notebook. tests/docs_shell.py has the convention.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from techplan_nb.inputs import load_path

from docs_shell import Block, blocks, commands, run_block

pytestmark = pytest.mark.kernel

KERNEL_BLOCKS = blocks("sh kernel")
WALKTHROUGH = [b for b in KERNEL_BLOCKS if b.doc.name == "review-workflow.md"]
OTHERS = [b for b in KERNEL_BLOCKS if b not in WALKTHROUGH]
FOLDER = "plans/issue-57-export-roast-profiles-to-csv-and-share-them-by"


@pytest.mark.parametrize("block", OTHERS, ids=[b.id for b in OTHERS])
def test_documented_kernel_commands_run_and_exit_as_the_docs_say(block: Block, tmp_path: Path) -> None:
    run_block(block, tmp_path)


@pytest.mark.parametrize("block", WALKTHROUGH, ids=[b.id for b in WALKTHROUGH])
def test_the_review_walkthrough_on_a_run_made_folder_ends_approved_with_a_true_audit_record(
        block: Block, tmp_path: Path) -> None:
    texts = [c.text for c in commands(block)]
    assert texts[0].startswith("techplan run examples/issue-57-roast-export.yaml")
    assert [c.expected for c in commands(block) if c.text.startswith("techplan status $P Approved")] == [2, 0]

    run_block(block, tmp_path)

    folder = tmp_path / FOLDER
    inputs = load_path(folder / "inputs.yaml")
    assert inputs.status == "Approved"
    assert [(r.round, r.status, bool(r.resolution)) for r in inputs.reviews] == [
        (1, "Changes Requested", True), (2, "Changes Requested", True)]
    assert all(a.approved for a in inputs.approvals)
    assert "**Status**: Approved" in (folder / "technical-plan.md").read_text("utf-8")
    assert (tmp_path / "plans" / "README.md").is_file()
