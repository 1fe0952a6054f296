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


def test_a_compatibility_section_is_kept_as_its_own_block_not_read_as_rollback(tmp_path: Path) -> None:
    for name in ("Compatibility", "Backwards Compatibility"):
        text = f"# Doc\n\n## Motivation\n\nWhy.\n\n## {name}\n\n- Old clients keep working.\n"
        data, plan, _ = imported(tmp_path, text, "--issue", "1")
        assert not data.get("rollback") and "rollback" not in data.get("extra", {})
        assert f"## {name}\n\n- Old clients keep working." in plan
        assert plan.index("Why.") < plan.index(f"## {name}") < plan.index("## Requirements Analysis")
