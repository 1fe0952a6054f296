"""Design documents from outside the corpus: each section's text stays in that section, and what
the document states (its number, title, status) is read from where it states it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from helpers import run_techplan

AS_OF = "2026-11-20"


def imported(tmp_path: Path, text: str, *args: str) -> tuple[dict[str, Any], str, str]:
    """The inputs, the rendered plan and the import's messages for a document."""
    doc, inputs, plan = tmp_path / "doc.md", tmp_path / "inputs.yaml", tmp_path / "plan.md"
    doc.write_text(text, encoding="utf-8")
    result = run_techplan("import", "markdown", doc, "-o", inputs, "--force", *args)
    assert result.returncode == 0, result.stderr
    rendered = run_techplan("render", inputs, "-o", plan, "--force", "--as-of", AS_OF)
    assert rendered.returncode == 0, rendered.stderr
    return yaml.safe_load(inputs.read_text(encoding="utf-8")), plan.read_text(encoding="utf-8"), result.stderr


def section(plan: str, heading: str) -> str:
    """The plan's text from `heading` to the next heading of any level."""
    start = plan.index(f"{heading}\n")
    rest = plan[start + len(heading) + 1:]
    stops = [i for i in (rest.find("\n#"),) if i >= 0]
    return rest[:min(stops)] if stops else rest


def test_a_section_with_the_documents_text_is_specified_without_filler(tmp_path: Path) -> None:
    _, plan, messages = imported(tmp_path, "# Title\n\n## Context\n\n- Bullet context only.\n", "--issue", "5")
    context = section(plan, "## Context")
    assert "Bullet context only." in context and "_Not specified._" not in context
    assert "Issue Summary" not in messages  # the empty-section report agrees with the plan
    check = run_techplan("check", tmp_path / "plan.md")
    assert "'Issue Summary' is not specified" not in check.stdout + check.stderr


def test_a_list_under_an_unknown_heading_stays_out_of_the_section_before_it(tmp_path: Path) -> None:
    for name, field in (("Future work", "future"), ("Non-Goals", "out_of_scope")):
        data, plan, _ = imported(tmp_path, f"# Doc\n\n## {name}\n\nProse only.\n\n## Glossary\n\n- Term: a word.\n",
                                 "--issue", "1")
        assert data.get(field) is None and field not in data.get("requirements", {})
        assert plan.index("Prose only.") < plan.index("## Glossary") < plan.index("- Term: a word.")


def test_a_list_under_a_deeper_heading_is_still_the_sections_own(tmp_path: Path) -> None:
    data, _, _ = imported(tmp_path, "# Doc\n\n## Future work\n\n### Storage notes\n\n- Sharding.\n", "--issue", "1")
    assert data["future"] == ["Sharding."]


def test_a_compatibility_section_is_kept_as_its_own_block_not_read_as_rollback(tmp_path: Path) -> None:
    for name in ("Compatibility", "Backwards Compatibility"):
        text = f"# Doc\n\n## Motivation\n\nWhy.\n\n## {name}\n\n- Old clients keep working.\n"
        data, plan, _ = imported(tmp_path, text, "--issue", "1")
        assert not data.get("rollback") and "rollback" not in data.get("extra", {})
        assert f"## {name}\n\n- Old clients keep working." in plan
        assert plan.index("Why.") < plan.index(f"## {name}") < plan.index("## Requirements Analysis")


def test_a_number_stated_in_front_matter_a_header_link_or_the_title_is_read(tmp_path: Path) -> None:
    documents = {
        1559: "---\neip: 1559\ntitle: Fee market\n---\n\n## Abstract\n\nText.\n",
        45: "# Explicit API mode\n\n* **Original proposal and discussion**: "
            "[KEEP-45](https://github.com/Kotlin/KEEP/issues/45)\n\n## Synopsis\n\nText.\n",
        195: "# Data service\n\n| Status | Accepted |\n| :-- | :-- |\n| **RFC #** | "
             "[195](https://github.com/tensorflow/community/pull/195) |\n\n## Objective\n\nText.\n",
        334: "# PIP-334: Create a new command\n\n## Motivation\n\nText.\n",
    }
    for number, text in documents.items():
        data, _, _ = imported(tmp_path, text)
        assert data["issue"]["number"] == number


def test_a_numbered_step_in_the_title_is_no_issue_number(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("# Phase 1: Build it\n\n## Motivation\n\nText with a [link](https://example.com/issues).\n",
                   encoding="utf-8")
    result = run_techplan("import", "markdown", doc)
    assert result.returncode != 0
    assert "no issue number found in the document's header" in result.stderr and "--issue N" in result.stderr


FRONT_MATTER = ("---\ntitle: Platform-based Flags\nstatus: Approved\nauthors:\n  - katre\n"
                "date-started: \"2020-08-27\"\nreviewers:\n  - gregestren\n---\n\n")


def test_front_matter_is_read_into_the_header_and_its_other_keys_kept_in_a_named_block(tmp_path: Path) -> None:
    data, plan, _ = imported(tmp_path, FRONT_MATTER + "# Overview\n\nWe add platform flags.\n", "--issue", "9")
    assert data["issue"]["title"] == "Platform-based Flags"  # not the section name "Overview"
    assert (data["created"], data["created_by"], data["status"]) == ("2020-08-27", "katre", "Approved")
    assert data["issue"]["summary"] == "We add platform flags."
    assert plan.startswith("# Technical Plan: Platform-based Flags\n")
    kept = plan.index("Front matter (what the header above has is read from it):")
    assert plan.index("**Status**") < kept < plan.index("reviewers:\n  - gregestren") < plan.index("## Overview")


def test_a_document_sectioned_by_h1s_reads_each_h1_as_a_section(tmp_path: Path) -> None:
    text = ("# Overview\n\nWe add platform flags.\n\n# Security/Privacy considerations\n\n"
            "- **Authorization**: only owners.\n\n# Future work\n\n- More later.\n")
    data, plan, _ = imported(tmp_path, text, "--issue", "9", "--title", "Flags")
    assert data["issue"]["summary"] == "We add platform flags."
    assert data["security"] == {"authorization": "only owners."}
    assert data["future"] == ["More later."]


def test_an_adr_status_section_of_one_line_sets_the_header_status(tmp_path: Path) -> None:
    for body, note in (("Accepted", "Accepted"), ("[Approved](https://github.com/o/r/pull/918)", None)):
        text = f"# 2. Implement as shell scripts\n\nDate: 2016-02-12\n\n## Status\n\n{body}\n\n## Context\n\nWhy.\n"
        data, plan, _ = imported(tmp_path, text, "--issue", "2")
        assert data["status"] == "Approved" and data.get("status_note") == note
        assert data["created"] == "2016-02-12"


def test_a_status_section_of_several_paragraphs_is_not_read_as_the_status(tmp_path: Path) -> None:
    text = "# Title\n\n## Status\n\nAccepted\n\nBut superseded later by ADR 9.\n\n## Context\n\nWhy.\n"
    data, _, _ = imported(tmp_path, text, "--issue", "2")
    assert "status" not in data
