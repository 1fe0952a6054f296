"""Issue 16's CLI rough edges, each with the behaviour it has now."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from helpers import run_techplan


def test_bare_techplan_prints_the_help() -> None:
    result = run_techplan()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: techplan") and "    render " in result.stdout and result.stderr == ""


@pytest.mark.parametrize(("value", "message"), [
    ("1.5", "'1.5' is not a whole number of seconds; give a whole number from 1 to 86400 (e.g. 2)"),
    ("0", "'0' is out of range; give a whole number of seconds from 1 to 86400"),
    ("86401", "'86401' is out of range; give a whole number of seconds from 1 to 86400"),
    ("soon", "'soon' is not a number of seconds; give a whole number from 1 to 86400"),
])
@pytest.mark.parametrize("command", ["run", "batch"])
def test_timeout_is_whole_seconds_refused_clearly_before_anything_runs(command: str, value: str, message: str,
                                                                      tmp_path: Path) -> None:
    # Was: 1.5 an internal error (TraitError, exit 3) in run and every plan failed in batch;
    # 0 refused as "must be between 0 and 86400".
    result = run_techplan(command, "inputs.yaml", "--out", tmp_path / "out", "--timeout", value, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_timeout_accepts_a_whole_number_written_with_a_point() -> None:
    from techplan_nb.cli.run import timeout_seconds

    assert timeout_seconds("30") == timeout_seconds("30.0") == 30.0


def test_schema_dash_writes_to_standard_output(tmp_path: Path) -> None:
    result = run_techplan("schema", "-o", "-", cwd=tmp_path)
    assert result.returncode == 0 and json.loads(result.stdout)["title"]
    assert list(tmp_path.iterdir()) == []


def test_new_needs_no_option_and_dates_the_file_from_today(tmp_path: Path) -> None:
    result = run_techplan("new", "--as-of", "2026-12-09", cwd=tmp_path)  # a Wednesday
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "inputs.yaml").read_text("utf-8")
    assert "\ncreated: 2026-12-09 " in text and "\n  start: 2026-12-14" in text  # the next Monday
    assert run_techplan("validate", tmp_path / "inputs.yaml").returncode == 0
    again = run_techplan("new", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_new_without_as_of_is_not_in_the_past(tmp_path: Path) -> None:
    assert run_techplan("new", "-o", tmp_path / "x.yaml").returncode == 0
    text = (tmp_path / "x.yaml").read_text("utf-8")
    created = dt.date.fromisoformat(text.split("\ncreated: ")[1][:10])
    start = dt.date.fromisoformat(text.split("\n  start: ")[1][:10])
    assert created == dt.date.today() and start > created and start.weekday() == 0


def test_verify_finds_the_notebook_beside_the_plan_or_says_to_name_it(tmp_path: Path) -> None:
    plan = tmp_path / "technical-plan.md"
    plan.write_text("# plan\n", "utf-8")
    result = run_techplan("verify", plan)
    assert result.returncode == 2
    assert "technical-plan.ipynb: no notebook beside the plan; name the executed notebook" in result.stderr
    (tmp_path / "technical-plan.ipynb").write_text("{}", "utf-8")
    found = run_techplan("verify", plan)  # read (and refused as no notebook run), not "required"
    assert "the following arguments are required" not in found.stderr and found.returncode in (1, 2)


def test_a_tab_indented_yaml_file_is_told_about_tabs(tmp_path: Path) -> None:
    path = tmp_path / "inputs.yaml"
    path.write_text("issue:\n\tnumber: 5\n\ttitle: x\n", "utf-8")
    result = run_techplan("validate", path)
    assert result.returncode == 2
    assert ":2: " in result.stderr and "indented with a tab, and YAML indents with spaces only" in result.stderr
