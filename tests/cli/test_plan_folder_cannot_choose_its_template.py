"""A plan folder's own files never choose the template that renders it (issue 14).

`update`, `review add/resolve`, `approve` and `status NEW` re-render a folder. Its records (the
generated copy's settings, the audit notebook's run record) say which template made it, and a
folder from someone else's pull request can say anything. So a recorded team template is used
only when the person running the command names it with --template; without it the command
stops with exit 2, names the recorded template and the option, and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import techplan_nb.render
from techplan_nb.output import plan_dir_name

from helpers import AS_OF, example_data, run_techplan, write_inputs

# What the folder's author planted: it renders fine, so had it been used, the plan would show it.
EVIL = "PLANTED {{ plan.issue.title }}\n"
TEAM = '{% extends "technical-plan.md.j2" %}{% block rollback %}TEAM-MARK\n\n{{ super() }}{% endblock %}\n'

UNDER_REVIEW: dict[str, Any] = {
    "status": "Under Review",
    "reviews": [{"round": 1, "date": "2026-11-18", "reviewer": "Ann", "status": "Changes Requested",
                 "feedback": ["Say more"]}],
}


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def folder_made_with(root: Path, template: Path, **fields: Any) -> Path:
    """A plan folder whose generated-copy record names `template`, as `update --template` leaves it."""
    data = {**example_data(), **fields}
    folder = root / "plans" / plan_dir_name(data["issue"]["number"], data["issue"]["title"])
    folder.mkdir(parents=True)
    write_inputs(folder, data)
    made = run_techplan("update", folder, "--template", template, "--as-of", AS_OF)
    assert made.returncode == 0, made.stderr
    assert "PLANTED" in (folder / "technical-plan.md").read_text("utf-8")
    return folder


@pytest.fixture
def templates_loaded(monkeypatch: pytest.MonkeyPatch) -> list[Path | None]:
    """Every template path render_plan was asked to load, in this process."""
    loaded: list[Path | None] = []
    real = techplan_nb.render._template

    def spy(template_path: Path | None) -> Any:
        loaded.append(template_path)
        return real(template_path)

    monkeypatch.setattr(techplan_nb.render, "_template", spy)
    return loaded


COMMANDS = [
    pytest.param({}, ["review", "add", "{dir}", "--reviewer", "Bo", "--status", "Changes Requested",
                      "--feedback", "More tests"], id="review-add"),
    pytest.param(UNDER_REVIEW, ["review", "resolve", "{dir}", "--round", "1", "--resolution", "Added"],
                 id="review-resolve"),
    pytest.param(UNDER_REVIEW, ["approve", "{dir}", "--role", "Engineering Manager", "--by", "Cy"], id="approve"),
    pytest.param({"status": "Draft"}, ["status", "{dir}", "Under Review"], id="status"),
    pytest.param({}, ["update", "{dir}"], id="update"),
    pytest.param({}, ["update", "{dir}", "--force"], id="update-force"),
    pytest.param({}, ["update", "{dir}", "--dry-run"], id="update-dry-run"),
]


@pytest.mark.parametrize("fields, command", COMMANDS)
def test_a_recorded_template_is_not_used_unless_named(tmp_path: Path, templates_loaded: list[Path | None],
                                                      fields: dict[str, Any], command: list[str]) -> None:
    evil = tmp_path / "evil.md.j2"
    evil.write_text(EVIL, "utf-8")
    folder = folder_made_with(tmp_path, evil, **fields)
    before = snapshot(tmp_path)
    templates_loaded.clear()

    result = run_techplan(*[folder if part == "{dir}" else part for part in command], "--as-of", "2026-11-23")

    assert result.returncode == 2, result.stderr
    assert str(evil) in result.stderr and "--template PATH" in result.stderr
    assert "nothing was written" in result.stderr and "Traceback" not in result.stderr
    assert templates_loaded == []  # the recorded template was never even opened
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("fields, command", [c for c in COMMANDS if c.id != "update-dry-run"])
def test_naming_a_template_renders_with_it(tmp_path: Path, fields: dict[str, Any], command: list[str]) -> None:
    evil = tmp_path / "evil.md.j2"
    evil.write_text(EVIL, "utf-8")
    team = tmp_path / "team.md.j2"
    team.write_text(TEAM, "utf-8")
    folder = folder_made_with(tmp_path, evil, **fields)

    args = [folder if part == "{dir}" else part for part in command]
    result = run_techplan(*args, "--template", team, "--as-of", "2026-11-23")

    assert result.returncode in (0, 1), result.stderr  # 1: update reported a hand-edit conflict
    plan = (folder / "technical-plan.md").read_text("utf-8")
    assert "TEAM-MARK" in plan and "## Rollback Strategy" in plan
    assert "PLANTED" not in plan or result.returncode == 1


def test_a_plan_made_with_the_house_template_needs_no_option(tmp_path: Path,
                                                             templates_loaded: list[Path | None]) -> None:
    data = example_data()
    folder = tmp_path / "plans" / "p"
    folder.mkdir(parents=True)
    write_inputs(folder, data)
    assert run_techplan("update", folder, "--as-of", AS_OF).returncode == 0
    result = run_techplan("review", "add", folder, "--reviewer", "Bo", "--status", "Changes Requested",
                          "--feedback", "More", "--as-of", "2026-11-23")
    assert result.returncode == 0, result.stderr
    assert templates_loaded and set(templates_loaded) == {None}


def test_an_audit_notebook_naming_a_template_stops_before_any_kernel(tmp_path: Path,
                                                                    templates_loaded: list[Path | None]) -> None:
    """A folder `techplan run` made keeps its run record in technical-plan.ipynb; a planted one
    names the template. The command refuses before rendering or starting the notebook."""
    evil = tmp_path / "evil.md.j2"
    evil.write_text(EVIL, "utf-8")
    folder = tmp_path / "plans" / "p"
    folder.mkdir(parents=True)
    write_inputs(folder, example_data())
    record = {"name": "record", "data": {"seed": 7, "template": {"path": str(evil), "sha256": "0" * 64}}}
    notebook = {"cells": [{"cell_type": "code", "source": "", "metadata": {},
                           "outputs": [{"output_type": "display_data", "metadata": {},
                                        "data": {"application/json": record}}]}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / "technical-plan.ipynb").write_text(json.dumps(notebook), "utf-8")
    before = snapshot(tmp_path)

    for extra in ([], ["--fast"]):
        result = run_techplan("update", folder, *extra, "--as-of", AS_OF)
        assert result.returncode == 2, result.stderr
        assert str(evil) in result.stderr and "--template PATH" in result.stderr
    assert templates_loaded == []
    assert snapshot(tmp_path) == before

    team = tmp_path / "team.md.j2"
    team.write_text(TEAM, "utf-8")
    result = run_techplan("update", folder, "--fast", "--template", team, "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    assert "TEAM-MARK" in (folder / "technical-plan.md").read_text("utf-8")
    assert set(templates_loaded) == {team}


@pytest.mark.parametrize("recorded", [-1, 2**40, "7", 1.5, True])
def test_a_recorded_seed_that_is_not_a_seed_is_exit_2_naming_it(tmp_path: Path, recorded: Any) -> None:
    """The seed is read from the folder's records, which a pull request can edit: -1 there was an
    internal error (exit 3) in numpy, "7" and true were taken silently (issue 14, round 3)."""
    data = example_data()
    folder = tmp_path / "plans" / plan_dir_name(data["issue"]["number"], data["issue"]["title"])
    folder.mkdir(parents=True)
    write_inputs(folder, data)
    assert run_techplan("update", folder, "--as-of", AS_OF).returncode == 0
    records = json.loads((folder / ".techplan-generated.json").read_text("utf-8"))
    records["technical-plan.md"]["settings"]["seed"] = recorded
    (folder / ".techplan-generated.json").write_text(json.dumps(records), "utf-8")
    data["issue"]["summary"] = "Changed, so update regenerates the plan."
    write_inputs(folder, data)
    before = snapshot(folder)
    result = run_techplan("update", folder, "--as-of", AS_OF)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"the folder's records give the seed {recorded!r}" in result.stderr and "--seed N" in result.stderr
    assert snapshot(folder) == before
    assert run_techplan("update", folder, "--seed", "3", "--as-of", AS_OF).returncode == 0
