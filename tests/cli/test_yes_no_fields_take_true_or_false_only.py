"""Yes/no fields (approved, done, answered) take YAML true/false only.

pydantic's lax bool read `approved: yes` (or on, y, 1) as true while the review commands only
withdraw an approval written `true`, so "Changes Requested" left it standing and
`techplan status Approved` passed with nobody re-approving. Every other spelling is refused
with its file, line and field.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import example_data, run_techplan, write_inputs

ROLES = ("System Architect (Author)", "Staff UX Designer (if UI changes)", "Engineering Manager", "Stakeholder")

# Spellings YAML 1.1 (PyYAML, ruamel with `%YAML 1.1`) or pydantic's lax mode read as a yes or no.
LOOSE = ["yes", "Yes", "YES", "no", "No", "on", "On", "ON", "off", "Off", "y", "Y", "n", "1", "0",
         '"true"', "'false'", "!!bool yes", "t", "f"]

# (YAML text of a minimal plan with {value} in one yes/no field, the field's path)
FIELDS = [
    ("approvals:\n  - role: Stakeholder\n    approved: {value}\n", "approvals[0].approved"),
    ("requirements:\n  functional:\n    - text: Export CSV\n      done: {value}\n", "requirements.functional[0].done"),
    ("questions:\n  - text: Expiry?\n    answered: {value}\n", "questions[0].answered"),
    ("timeline:\n  phases:\n    - name: Build\n      tasks:\n        - id: api\n          name: API\n"
     "          estimate: 2\n          done: {value}\n", "timeline.phases[0].tasks[0].done"),
    ("timeline:\n  phases:\n    - name: Build\n      items:\n        - text: Docs\n          done: {value}\n",
     "timeline.phases[0].items[0].done"),
]

HEAD = "issue:\n  number: 57\n  title: Roast export\n"


def field_line(text: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if "{value}" in line)


@pytest.mark.parametrize("value", LOOSE)
@pytest.mark.parametrize("body, field", FIELDS, ids=[f for _, f in FIELDS])
def test_a_loose_spelling_is_refused_naming_file_line_and_field(tmp_path: Path, body: str, field: str,
                                                                value: str) -> None:
    template = HEAD + body
    path = tmp_path / "inputs.yaml"
    path.write_text(template.format(value=value), "utf-8")
    result = run_techplan("validate", path)
    assert result.returncode == 2, result.stderr
    assert f"{path}:{field_line(template)}: {field}: " in result.stderr
    assert "write true or false" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("value, expected", [("true", True), ("True", True), ("TRUE", True),
                                             ("false", False), ("False", False), ("FALSE", False)])
def test_yaml_true_and_false_in_any_case_are_read(tmp_path: Path, value: str, expected: bool) -> None:
    from techplan_nb.inputs import load_path

    path = tmp_path / "inputs.yaml"
    path.write_text(HEAD + FIELDS[0][0].format(value=value), "utf-8")
    assert load_path(path).approvals[0].approved is expected


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, None])
def test_json_takes_only_true_and_false(tmp_path: Path, value: Any) -> None:
    data = {"issue": {"number": 57, "title": "Roast export"},
            "approvals": [{"role": "Stakeholder", "approved": value}]}
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps(data, indent=2), "utf-8")
    result = run_techplan("validate", path)
    if value is None:  # `approved: null` is "not given", as every optional key left empty
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 2
    assert re.search(rf"{re.escape(str(path))}:\d+: approvals\[0\]\.approved: .*write true or false", result.stderr)


def approved_folder(tmp_path: Path, spelling: str) -> Path:
    """A plan folder, Approved by all four roles, with `approved: <spelling>` as a person edited it."""
    data = example_data()
    data.pop("reviews")
    data.update(status="Approved", approvals=[{"role": role, "approved": True} for role in ROLES])
    folder = tmp_path / "plans" / "issue-57"
    folder.mkdir(parents=True)
    write_inputs(folder, data)
    made = run_techplan("update", folder, "--as-of", "2026-11-02")
    assert made.returncode == 0, made.stderr
    inputs = folder / "inputs.yaml"
    text = inputs.read_text("utf-8")
    assert text.count("approved: true") == 4
    inputs.write_text(text.replace("approved: true", f"approved: {spelling}"), "utf-8")
    return folder


@pytest.mark.parametrize("spelling", ["yes", "on", "Yes"])
def test_an_approval_written_yes_cannot_pass_the_gate_or_escape_withdrawal(tmp_path: Path, spelling: str) -> None:
    folder = approved_folder(tmp_path, spelling)
    inputs = folder / "inputs.yaml"
    before = inputs.read_bytes()
    line = next(n for n, text in enumerate(before.decode().splitlines(), 1) if f"approved: {spelling}" in text)
    for args in (["status", folder, "Approved"],
                 ["review", "add", folder, "--reviewer", "Security", "--status", "Changes Requested",
                  "--feedback", "Rate-limit the share route"]):
        result = run_techplan(*args)
        assert result.returncode == 2, result.stderr
        assert f"{inputs}:{line}: approvals[0].approved: " in result.stderr
        assert "write true or false" in result.stderr
        assert inputs.read_bytes() == before


@pytest.mark.parametrize("spelling", ["true", "True", "TRUE"])
def test_changes_requested_withdraws_every_spelling_the_loader_reads_as_true(tmp_path: Path, spelling: str) -> None:
    folder = approved_folder(tmp_path, spelling)
    result = run_techplan("review", "add", folder, "--reviewer", "Security", "--status", "Changes Requested",
                          "--feedback", "Rate-limit the share route", "--as-of", "2026-11-12")
    assert result.returncode == 0, result.stderr
    assert "approvals withdrawn" in result.stderr and all(role in result.stderr for role in ROLES)
    written = yaml.safe_load((folder / "inputs.yaml").read_text("utf-8"))
    assert [entry["approved"] for entry in written["approvals"]] == [False] * 4
    # Written the one way the loader reads, so the next edit sees what the workflow saw.
    assert (folder / "inputs.yaml").read_text("utf-8").count("approved: false") == 4
    refused = run_techplan("status", folder, "Approved")
    assert refused.returncode == 2 and "required approvals missing (0 of 4 given)" in refused.stderr


def test_the_review_commands_write_true_and_false(tmp_path: Path) -> None:
    folder = approved_folder(tmp_path, "true")
    assert run_techplan("approve", folder, "--role", "Stakeholder", "--revoke").returncode == 0
    assert run_techplan("approve", folder, "--role", "Stakeholder", "--by", "Ann").returncode == 0
    text = (folder / "inputs.yaml").read_text("utf-8")
    values = re.findall(r"approved: (\S+)", text)
    assert values and set(values) <= {"true", "false"}
