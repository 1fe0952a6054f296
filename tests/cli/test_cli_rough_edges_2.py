"""Issue 16's remaining CLI rough edges, each with the behaviour it has now."""

from __future__ import annotations

from pathlib import Path

from helpers import run_techplan

ROOT = Path(__file__).resolve().parents[2]
IMPORT_CASES = ROOT / "tests" / "cases" / "import"


# --- import: the sections still empty ---------------------------------------------------------


def test_import_says_how_many_sections_are_empty_and_names_only_the_required(tmp_path: Path) -> None:
    # Was: "still empty: " and 28 section names, required or not, on one line.
    out = tmp_path / "inputs.yaml"
    result = run_techplan("import", "github", IMPORT_CASES / "rest-issue-null-body.json", "-o", out,
                          "--as-of", "2026-11-20")
    assert result.returncode == 0, result.stderr
    note = next(line for line in result.stderr.splitlines() if "still empty" in line)
    assert note.startswith(f"{out}: 28 sections still empty (Issue Summary, Functional Requirements, ")
    assert "Rollback Strategy are required before review)" in note
    assert "Modified Tables" not in note and "Future Considerations" not in note
    assert f"`techplan render {out} -o plan.md` then `techplan check plan.md`" in note
