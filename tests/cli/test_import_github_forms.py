"""`techplan import github` on issue forms whose labels the mapping does not know: the answer that
states the problem is the summary, and a template's unanswered placeholders are never content."""

from __future__ import annotations

import json
from pathlib import Path

from techplan_nb.inputs import load_path
from techplan_nb.model import PlanInput

from helpers import run_techplan


def imported(tmp_path: Path, body: str) -> tuple[PlanInput, str]:
    export = tmp_path / "issue.json"
    export.write_text(json.dumps({"number": 1, "title": "T", "body": body, "url": "https://github.com/o/r/issues/1",
                                  "author": {"login": "u"}, "createdAt": "2024-01-01T00:00:00Z", "state": "OPEN",
                                  "labels": []}), encoding="utf-8")
    out = tmp_path / "inputs.yaml"
    result = run_techplan("import", "github", export, "-o", out, "--force", "--as-of", "2026-11-20")
    assert result.returncode == 0, result.stderr
    return load_path(out), result.stderr


def test_the_answer_stating_the_problem_is_the_summary_when_no_label_maps_there(tmp_path: Path) -> None:
    for label in ("The problem", "What is the problem this feature will solve?", "Current vs. Expected behavior"):
        body = (f"### What version has the issue?\n\ncore-2025.12.5\n\n### {label}\n\n"
                "Lights stop responding after update.\n\n### Additional information\n\n_No response_")
        plan, _ = imported(tmp_path, body)
        assert plan.issue.summary == "Lights stop responding after update.", label


def test_a_screenshot_as_the_bug_description_leaves_the_summary_to_the_behaviour_answer(tmp_path: Path) -> None:
    body = ("### Describe the bug\n\n![shot](https://example.com/a.png)\n\n"
            "### Current vs. Expected behavior\n\nThe page is blank; it should list the roasts.\n")
    plan, _ = imported(tmp_path, body)
    assert plan.issue.summary == "The page is blank; it should list the roasts."
    assert "![shot](https://example.com/a.png)" in plan.extra["issue_summary"].after


def test_unanswered_placeholders_are_left_out_and_the_note_names_them(tmp_path: Path) -> None:
    body = ("### Describe the bug\n\nIt crashes on start.\n\n### Steps To Reproduce\n\n1. In this environment...\n"
            "2. With this config...\n3. Run '...'\n4. See error...\n\n### Environment\n\n- npm:\n- Node: 20\n- OS:\n")
    plan, messages = imported(tmp_path, body)
    kept = plan.extra["issue_summary"].after
    for placeholder in ("In this environment", "With this config", "Run '...'", "See error", "npm:", "OS:"):
        assert placeholder not in kept
    assert "- Node: 20" in kept
    assert "6 lines of the issue template's hints and placeholders left out: '1. In this environment...'" in messages


def test_an_issue_with_no_summary_prints_its_kept_answers_without_filler(tmp_path: Path) -> None:
    imported(tmp_path, "### Describe the bug\n\n![shot](https://example.com/a.png)\n\n### Steps\n\nOpen it.\n")
    plan = tmp_path / "plan.md"
    rendered = run_techplan("render", tmp_path / "inputs.yaml", "-o", plan, "--as-of", "2026-11-20")
    assert rendered.returncode == 0, rendered.stderr
    text = plan.read_text(encoding="utf-8")
    summary = text[text.index("## Issue Summary"):text.index("## Requirements Analysis")]
    assert "![shot](https://example.com/a.png)" in summary and "Open it." in summary
    assert "_Not specified._" not in summary
