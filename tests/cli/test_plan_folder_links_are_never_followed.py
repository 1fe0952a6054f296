"""A plan folder's own files are never followed out of the folder (issue 14, round 3).

A plan folder can come from someone else's pull request, and git carries symbolic links. Before:
`inputs.yaml -> ~/private/inputs.yaml` put that file's text into the plan and the index;
`.techplan.lock -> ~/.bashrc` had update truncate and overwrite ~/.bashrc; a planted
`.techplan-journal.json` whose staging folder held `prev -> ~/.ssh` had the next command "roll
back" ~/.ssh/id_rsa into the plan folder (moving it out of ~/.ssh). Now each is exit 2 naming the
link, or a journal that is set aside unused, and nothing outside the folder is read or changed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import AS_OF, BUNDLED_EXAMPLE, run_techplan

SECRET = "CONFIDENTIAL-7f3a"


def snapshot(root: Path) -> dict[str, bytes | str]:
    return {str(p.relative_to(root)): (str(p.readlink()) if p.is_symlink() else p.read_bytes() if p.is_file() else "")
            for p in sorted(root.rglob("*"))}


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    folder = tmp_path / "repo" / "plans" / "issue-57-x"
    folder.mkdir(parents=True)
    shutil.copy(BUNDLED_EXAMPLE, folder / "inputs.yaml")
    assert run_techplan("update", folder, "--as-of", AS_OF).returncode == 0
    return folder


@pytest.fixture
def private(tmp_path: Path) -> Path:
    """Files of the person running techplan, outside the repository."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text(f"{SECRET} key\n", "utf-8")
    (home / ".bashrc").write_text("export KEEP=1\n", "utf-8")
    text = BUNDLED_EXAMPLE.read_text("utf-8").replace("Export roast profiles", f"{SECRET} roast profiles", 1)
    assert SECRET in text
    (home / "inputs.yaml").write_text(text, "utf-8")
    return home


COMMANDS = [
    ["update", "{plan}", "--as-of", AS_OF],
    ["status", "{plan}"],
    ["approve", "{plan}", "--role", "Stakeholder", "--by", "Kim"],
    ["review", "add", "{plan}", "--reviewer", "Kim", "--status", "Approved"],
]
LINKS = ["inputs.yaml", "technical-plan.md", ".techplan-state.json", ".techplan-generated.json", ".techplan.lock"]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("name", LINKS)
def test_a_link_among_a_plan_folders_files_is_refused_and_its_target_untouched(
        plan: Path, private: Path, tmp_path: Path, name: str, command: list[str]) -> None:
    target = {"inputs.yaml": private / "inputs.yaml", ".techplan.lock": private / ".bashrc"}.get(
        name, private / ".ssh" / "id_rsa")
    (plan / name).unlink(missing_ok=True)
    (plan / name).symlink_to(target)
    before = snapshot(tmp_path)
    result = run_techplan(*(arg.format(plan=plan) for arg in command))
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{name}: is a symbolic link" in result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert snapshot(tmp_path) == before


def test_index_lists_no_plan_through_a_link(plan: Path, private: Path) -> None:
    plans = plan.parent
    (plan / "inputs.yaml").unlink()
    (plan / "inputs.yaml").symlink_to(private / "inputs.yaml")
    elsewhere = private / "plans" / "issue-9-private"
    elsewhere.mkdir(parents=True)
    shutil.copy(private / "inputs.yaml", elsewhere / "inputs.yaml")
    (plans / "issue-9-private").symlink_to(elsewhere, target_is_directory=True)
    result = run_techplan("index", plans, "-o", "-", "--as-of", AS_OF)
    assert result.returncode == 1
    assert SECRET not in result.stdout
    assert "inputs.yaml: is a symbolic link" in result.stdout
    assert "issue-9-private: is a symbolic link to a folder elsewhere" in result.stdout


@pytest.mark.parametrize("staging", ["link-as-prev", "dot-dot", "absolute", "staging-is-a-link"])
def test_a_planted_journal_never_moves_a_file_from_outside_the_folder(plan: Path, private: Path,
                                                                       staging: str) -> None:
    ssh = private / ".ssh"
    name = ".techplan-staging-evil"
    if staging == "link-as-prev":
        (plan / name).mkdir()
        (plan / name / "prev").symlink_to(ssh, target_is_directory=True)
    elif staging == "staging-is-a-link":
        (plan / name).symlink_to(private, target_is_directory=True)
        (private / "prev").symlink_to(ssh, target_is_directory=True)
    else:
        name = "../../../home/.ssh/.." if staging == "dot-dot" else str(private)
        (private / "prev").mkdir()
        shutil.copy(ssh / "id_rsa", private / "prev" / "id_rsa")  # what `<staging>/prev/id_rsa` names
    journal = {"command": "update", "pid": 1, "staging": name, "files": [{"name": "id_rsa", "prev": True}]}
    (plan / ".techplan-journal.json").write_text(json.dumps(journal), "utf-8")
    result = run_techplan("status", plan)
    assert result.returncode == 0, result.stderr
    assert "removed an unreadable journal" in result.stderr and "nothing was rolled back" in result.stderr
    assert (ssh / "id_rsa").read_text("utf-8").startswith(SECRET)
    assert staging in ("link-as-prev", "staging-is-a-link") or (private / "prev" / "id_rsa").is_file()
    assert not (plan / "id_rsa").exists() and not (plan / ".techplan-journal.json").exists()


def test_a_journal_techplan_wrote_is_still_rolled_back(plan: Path) -> None:
    """The check refuses planted journals only: a real interrupted install is undone as before."""
    staging = plan / ".techplan-staging-abc123"
    (staging / "prev").mkdir(parents=True)
    (staging / "new").mkdir()
    original = (plan / "technical-plan.md").read_bytes()
    (staging / "prev" / "technical-plan.md").write_bytes(original)
    (plan / "technical-plan.md").write_text("half-installed\n", "utf-8")
    (plan / "risk-heatmap.png").write_bytes(b"new chart")
    journal = {"command": "update", "pid": 1, "staging": staging.name,
               "files": [{"name": "risk-heatmap.png", "prev": False}, {"name": "technical-plan.md", "prev": True}]}
    (plan / ".techplan-journal.json").write_text(json.dumps(journal), "utf-8")
    result = run_techplan("status", plan)
    assert result.returncode == 0, result.stderr
    assert "was rolled back" in result.stderr
    assert (plan / "technical-plan.md").read_bytes() == original
    assert not (plan / "risk-heatmap.png").exists() and not staging.exists()
