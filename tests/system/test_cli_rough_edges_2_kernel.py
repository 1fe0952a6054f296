"""Issue 16's remaining CLI rough edges that need a Jupyter kernel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_techplan

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-20"


@pytest.mark.kernel
def test_batch_lists_every_problem_of_an_invalid_input_with_file_and_line(tmp_path: Path) -> None:
    # Was: "cell 4: InputsInvalid: 25 problems in bad.yaml, the first: ...; see the table above",
    # with no table above and one problem of the 25.
    (tmp_path / "good.yaml").write_bytes((ROOT / "examples" / "minimal.yaml").read_bytes())
    risks = "".join(f"  - risk: r{n}\n    probability: Huge\n    impact: High\n" for n in range(24))
    (tmp_path / "bad.yaml").write_text(f"issue:\n  number: x\n  title: Bad\nrisks:\n{risks}", "utf-8")
    result = run_techplan("batch", "good.yaml", "bad.yaml", "--out", "plans", "--as-of", AS_OF, "--no-progress",
                          "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "InputsInvalid" not in result.stderr and "table above" not in result.stderr
    printed = result.stderr.split("techplan: failed: bad.yaml: invalid-inputs: 25 problems in the inputs\n")[1]
    lines = printed.splitlines()[:21]
    assert lines[0] == "  bad.yaml:2: issue.number: Input should be a valid integer (got 'x')"
    assert lines[1] == "  bad.yaml:6: risks[0].probability: 'Huge' is not a level; use High, Medium or Low (or H, M, L)"
    assert lines[20] == "  and 5 more"
    summary = json.loads((tmp_path / "plans" / "summary.json").read_text("utf-8"))
    row = next(item for item in summary["items"] if item["input"] == "bad.yaml")
    assert row["error"] == "invalid-inputs: 25 problems in the inputs" and len(row["problems"]) == 25
    markdown = (tmp_path / "plans" / "summary.md").read_text("utf-8")
    assert "| invalid-inputs: 25 problems in the inputs |" in markdown
    assert "## Problems in the inputs\n\nbad.yaml:\n\n```\nbad.yaml:2: issue.number: " in markdown
    assert "\nand 5 more\n```\n" in markdown


OLD_NAME = "issue-57-export-roast-profiles-to-csv-and-share-them-by-lin"  # cut mid-word, as before
NEW_NAME = "issue-57-export-roast-profiles-to-csv-and-share-them-by"


@pytest.mark.kernel
def test_run_and_batch_write_into_the_issues_existing_plan_folder(tmp_path: Path) -> None:
    # Was: a re-run after slugs were cut between words would have made a second folder for issue 57.
    inputs = tmp_path / "inputs.yaml"
    inputs.write_bytes((ROOT / "examples" / "issue-57-roast-export.yaml").read_bytes())
    fresh = run_techplan("run", inputs, "--out", tmp_path / "new", "--as-of", AS_OF)
    assert fresh.returncode == 0, fresh.stderr
    assert [p.name for p in (tmp_path / "new").iterdir()] == [NEW_NAME]
    (tmp_path / "new" / NEW_NAME).rename(tmp_path / "new" / OLD_NAME)
    again = run_techplan("run", inputs, "--out", tmp_path / "new", "--as-of", AS_OF)
    assert again.returncode == 0, again.stderr
    assert [p.name for p in (tmp_path / "new").iterdir()] == [OLD_NAME]
    assert (tmp_path / "new" / OLD_NAME / "technical-plan.md").is_file()
    assert run_techplan("verify", tmp_path / "new" / OLD_NAME / "technical-plan.md").returncode == 0
    batch = run_techplan("batch", inputs, "--out", tmp_path / "new", "--as-of", AS_OF, "--no-progress", "--jobs", "1")
    assert batch.returncode == 0, batch.stderr
    assert sorted(p.name for p in (tmp_path / "new").iterdir() if p.is_dir()) == [OLD_NAME]


@pytest.mark.kernel
def test_run_an_explicit_as_of_is_the_plans_date_over_the_inputs_last_updated(tmp_path: Path) -> None:
    # Was: the notebook dated the plan by the inputs' last_updated whatever --as-of said.
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text((ROOT / "examples" / "minimal.yaml").read_text("utf-8") + "last_updated: 2026-10-01\n", "utf-8")
    assert run_techplan("run", inputs, "--out", tmp_path / "given", "--as-of", AS_OF).returncode == 0
    assert run_techplan("run", inputs, "--out", tmp_path / "left-out").returncode == 0
    given = next((tmp_path / "given").glob("issue-*/technical-plan.md")).read_text("utf-8")
    left_out = next((tmp_path / "left-out").glob("issue-*/technical-plan.md")).read_text("utf-8")
    assert f"\n**Last Updated**: {AS_OF}  \n" in given
    assert "\n**Last Updated**: 2026-10-01  \n" in left_out
    rendered = run_techplan("render", inputs, "--as-of", AS_OF).stdout
    assert given == rendered  # run and render agree
    audit = run_techplan("audit", next((tmp_path / "given").glob("issue-*/technical-plan.ipynb")), "--format", "json")
    assert json.loads(audit.stdout)["as_of"] == AS_OF
