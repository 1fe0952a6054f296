"""Every ```sh block in README.md and docs/*.md runs, and each command exits as the docs say.

The blocks are found and run by tests/docs_shell.py (its docstring has the convention). A test
is one block, named by its file and line (`docs/review-workflow.md:42`): when a documented
command stops working, the failure says where the docs must change.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

from docs_shell import DOCS, Block, blocks, commands, run_block
from helpers import ROOT, run_techplan

RUNNABLE = blocks("sh")
README_MAX_LINES = 150


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.id for b in RUNNABLE])
def test_documented_commands_run_and_exit_as_the_docs_say(block: Block, tmp_path: Path) -> None:
    run_block(block, tmp_path)


def test_every_doc_page_shows_runnable_commands_and_the_readme_the_first_steps() -> None:
    # A page that lost all its sh blocks (turned into console, say) would stop being checked.
    pages = {b.doc for b in RUNNABLE} | {b.doc for b in blocks("sh kernel")}
    for name in ("README.md", "docs/getting-started.md", "docs/inputs.md", "docs/analysis.md",
                 "docs/review-workflow.md", "docs/importing.md", "docs/cli.md", "docs/batch.md",
                 "docs/notebooks.md"):
        assert ROOT / name in pages, f"{name} has no ```sh block: nothing checks its commands"
    assert sum(len(commands(b)) for b in RUNNABLE) >= 40


def test_no_shell_block_escapes_the_convention() -> None:
    # ```bash or ```shell would be neither run nor marked as shown-only: say which one it is.
    fence = re.compile(r"^```+\s*(bash|shell|zsh)\b", re.M)
    for doc in DOCS:
        for match in fence.finditer(doc.read_text("utf-8")):
            line = doc.read_text("utf-8").count("\n", 0, match.start()) + 1
            pytest.fail(f"{doc.relative_to(ROOT)}:{line}: use ```sh (run by the tests), "
                        f"```sh kernel (run with kernels) or ```console (shown only)")


def test_the_readme_is_short_and_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text("utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    first_block = re.search(r"^```[^\n]*\n(.*?)^```", text, re.M | re.S)
    assert first_block is not None
    assert [line.split()[:2] for line in first_block.group(1).splitlines()[:2]] == [
        ["make", "demo"], ["make", "test"]]


def test_every_relative_link_in_the_docs_resolves() -> None:
    link = re.compile(r"\]\((?!https?://|#|mailto:)([^)\s#]+)")
    for doc in DOCS:
        for target in link.findall(doc.read_text("utf-8")):
            assert (doc.parent / target).exists(), f"{doc.relative_to(ROOT)}: broken link {target}"


def test_the_inputs_field_reference_is_what_the_generator_writes_from_the_schema() -> None:
    spec = importlib.util.spec_from_file_location("gen_inputs_reference", ROOT / "docs" / "gen_inputs_reference.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    page = (ROOT / "docs" / "inputs.md").read_text("utf-8")
    assert generator.page_with_table(page) == page, "run .venv/bin/python docs/gen_inputs_reference.py"
    # Every field of the schema has its row: a new field cannot go undocumented.
    assert "| `timeline.phases[].tasks[].depends_on` |" in page and "| `approvals[].approved` | boolean |" in page


def test_the_pre_commit_hook_runs_techplan_check_on_plans_and_not_on_the_index(tmp_path: Path) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hook["id"] == "techplan-check" and hook["language"] == "python" and hook["pass_filenames"] is True
    included = re.compile(hook["files"])
    excluded = re.compile(hook["exclude"])

    def chosen(path: str) -> bool:
        return bool(included.search(path)) and not excluded.search(path)

    assert chosen("technical-plan.md") and chosen("plans/issue-57-export/technical-plan.md")
    assert chosen("docs/plans/old-plan.md")
    assert not chosen("plans/README.md") and not chosen("README.md") and not chosen("technical-plan.md.bak")
    # pre-commit appends the staged files to the entry: several plans in one call.
    entry = hook["entry"].split()
    assert entry[0] == "techplan"
    clean = run_techplan(*entry[1:], ROOT / "examples" / "issue-57-roast-export.plan.md",
                         ROOT / "examples" / "issue-57-roast-export.plan.md")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    found = run_techplan(*entry[1:], ROOT / "examples" / "issue-57-roast-export.plan.md",
                         ROOT / "examples" / "minimal.plan.md")
    assert found.returncode == 1 and "minimal.plan.md:" in found.stdout


def test_the_readmes_plan_excerpt_is_real_output_of_the_command_it_names() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    excerpt = re.search(r"^```markdown\n(.*?)^```", readme, re.M | re.S)
    assert excerpt is not None
    command = re.search(r"`(techplan render [^`]+)`", readme[: excerpt.start()])
    assert command is not None
    plan = run_techplan(*command.group(1).split()[1:])
    assert plan.returncode == 0, plan.stderr
    lines = plan.stdout.splitlines()
    shown = [line for line in excerpt.group(1).splitlines() if line != "…"]
    assert len(shown) >= 10
    assert [line for line in shown if line not in lines] == [], "re-excerpt the README's plan from the command's output"
