"""`techplan update` keeps hand edits; `render -o`, `run` and `batch` refuse to overwrite them."""

from __future__ import annotations

import json
from pathlib import Path

from techplan_nb.output import plan_dir_name
from techplan_nb.update import split_sections

from helpers import example_data, files_under, run_techplan, write_inputs

AUTHZ = "- **Authorization**: Only the roast's owner may export or share it"
HAND_AUTHZ = AUTHZ + "; support staff need a ticket number (SEC-112)"
NEW_RISK = """\
  - id: R5
    risk: "Bulk exports overload the primary database"
    probability: Medium
    impact: High
    mitigation: Read from the replica; cap concurrent exports per user
"""


def make_folder(root: Path) -> Path:
    data = example_data()
    folder = root / "plans" / plan_dir_name(data["issue"]["number"], data["issue"]["title"])
    folder.mkdir(parents=True)
    write_inputs(folder, data)
    made = run_techplan("update", folder, "--as-of", "2026-11-20")
    assert made.returncode == 0, made.stderr
    return folder


def hand_edit(folder: Path, old: str, new: str) -> None:
    plan = folder / "technical-plan.md"
    text = plan.read_text("utf-8")
    assert old in text
    plan.write_text(text.replace(old, new), "utf-8")


def add_risk(folder: Path) -> None:
    inputs = folder / "inputs.yaml"
    text = inputs.read_text("utf-8")
    marker = "timeline:\n"
    assert marker in text
    inputs.write_text(text.replace(marker, NEW_RISK.replace("  - id", "- id").replace("\n    ", "\n  ") + marker),
                      "utf-8")


def section(folder: Path, key: str) -> str:
    return next(s.text for s in split_sections((folder / "technical-plan.md").read_text("utf-8")) if s.key == key)


def test_a_security_hand_edit_survives_update_after_a_risk_is_added(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    hand_edit(folder, AUTHZ, HAND_AUTHZ)
    add_risk(folder)
    result = run_techplan("update", folder, "--as-of", "2026-11-23")
    assert result.returncode == 0, result.stderr
    assert HAND_AUTHZ in section(folder, "security considerations")
    assert ("| **R5**: Bulk exports overload the primary database | Medium | High | Read from the replica; cap "
            "concurrent exports per user |") in section(folder, "risk assessment")
    assert "**Last Updated**: 2026-11-23" in section(folder, "header")
    assert "kept        Security Considerations: your edit is kept" in result.stderr
    assert "regenerated Risk Assessment" in result.stderr
    assert "0 conflicts" in result.stderr
    # Still a hand-edited plan: render -o refuses to overwrite it, and a second update changes nothing.
    refused = run_techplan("render", folder / "inputs.yaml", "-o", folder / "technical-plan.md")
    assert refused.returncode == 2 and "edited by hand" in refused.stderr
    again = run_techplan("update", folder, "--as-of", "2026-11-24")
    assert again.returncode == 0 and "up to date" in again.stderr and "(hand edits kept)" in again.stderr
    assert HAND_AUTHZ in section(folder, "security considerations")


def test_a_section_edited_by_hand_and_by_the_inputs_is_a_reported_conflict(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    hand_edit(folder, AUTHZ, HAND_AUTHZ)
    inputs = folder / "inputs.yaml"
    inputs.write_text(inputs.read_text("utf-8").replace("Tokens stored hashed;", "Tokens stored as SHA-256;"), "utf-8")
    result = run_techplan("update", folder, "--as-of", "2026-11-23")
    assert result.returncode == 1
    assert "CONFLICT    Security Considerations" in result.stderr
    assert "+- **Data Protection**: Tokens stored as SHA-256;" in result.stderr
    assert HAND_AUTHZ in section(folder, "security considerations")


def test_a_hand_edit_to_a_computed_section_is_replaced_and_kept_in_a_bak(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    hand_edit(folder, "| Medium | High | Quote-prefix", "| Low | High | Quote-prefix")
    hand_edit(folder, AUTHZ, HAND_AUTHZ)
    add_risk(folder)
    result = run_techplan("update", folder, "--as-of", "2026-11-23")
    assert result.returncode == 0, result.stderr
    assert "REPLACED    Risk Assessment" in result.stderr
    assert "| Medium | High | Quote-prefix" in section(folder, "risk assessment")
    assert "| Low | High | Quote-prefix" in (folder / "technical-plan.md.bak").read_text("utf-8")
    assert HAND_AUTHZ in section(folder, "security considerations")


def test_update_force_discards_hand_edits_but_keeps_a_bak(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    hand_edit(folder, AUTHZ, HAND_AUTHZ)
    result = run_techplan("update", folder, "--force", "--as-of", "2026-11-20")
    assert result.returncode == 0, result.stderr
    assert HAND_AUTHZ not in (folder / "technical-plan.md").read_text("utf-8")
    assert HAND_AUTHZ in (folder / "technical-plan.md.bak").read_text("utf-8")


def test_update_dry_run_reports_and_writes_nothing(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    hand_edit(folder, AUTHZ, HAND_AUTHZ)
    add_risk(folder)
    before = {p: p.read_bytes() for p in files_under(folder)}
    result = run_techplan("update", folder, "--dry-run", "--as-of", "2026-11-23")
    assert result.returncode == 0, result.stderr
    assert "dry run: nothing written" in result.stderr and "kept        Security Considerations" in result.stderr
    assert {p: p.read_bytes() for p in files_under(folder)} == before


def test_review_commands_keep_hand_edits_and_still_show_the_round(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    hand_edit(folder, AUTHZ, HAND_AUTHZ)
    result = run_techplan("review", "add", folder, "--reviewer", "Dana", "--status", "Changes Requested",
                          "--feedback", "Name the support ticket process", "--as-of", "2026-11-24")
    assert result.returncode == 0, result.stderr
    assert HAND_AUTHZ in section(folder, "security considerations")
    assert "### Review Round 2 (Date: 2026-11-24)" in section(folder, "review feedback")
    state = json.loads((folder / ".techplan-state.json").read_text("utf-8"))
    copy = json.loads((folder / ".techplan-generated.json").read_text("utf-8"))
    # The recorded hash is the generated plan's, so the file still counts as edited by hand.
    assert copy["technical-plan.md"]["sha256"] == state["technical-plan.md"]
    assert HAND_AUTHZ not in copy["technical-plan.md"]["text"]


def test_a_plan_without_a_record_of_its_generated_text_keeps_every_differing_section(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    (folder / ".techplan-generated.json").unlink()
    hand_edit(folder, AUTHZ, HAND_AUTHZ)
    add_risk(folder)
    result = run_techplan("update", folder, "--as-of", "2026-11-23")
    assert result.returncode == 1
    assert "no record of the previously generated plan" in result.stderr
    assert HAND_AUTHZ in section(folder, "security considerations")
    assert "**R5**" in section(folder, "risk assessment")
    assert (folder / "technical-plan.md.bak").is_file()


def test_run_refuses_to_overwrite_a_hand_edited_plan_before_starting_a_kernel(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    hand_edit(folder, AUTHZ, HAND_AUTHZ)
    before = {p: p.read_bytes() for p in files_under(folder)}
    refused = run_techplan("run", folder / "inputs.yaml", "--out", folder.parent, "--as-of", "2026-11-20")
    assert refused.returncode == 2, refused.stderr
    assert "edited by hand" in refused.stderr and "techplan update" in refused.stderr
    assert {p: p.read_bytes() for p in files_under(folder)} == before


def test_batch_refuses_to_overwrite_a_hand_edited_plan_and_says_so(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    hand_edit(folder, AUTHZ, HAND_AUTHZ)
    source = tmp_path / "inputs"
    source.mkdir()
    write_inputs(source, example_data(), "issue-57.yaml")
    result = run_techplan("batch", source, "--out", folder.parent, "--as-of", "2026-11-20", "--no-progress")
    assert result.returncode != 0
    assert "edited by hand" in result.stderr + result.stdout
    assert HAND_AUTHZ in (folder / "technical-plan.md").read_text("utf-8")


def test_a_plan_that_cannot_be_written_leaves_the_inputs_as_they_were(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    hand_edit(folder, AUTHZ, HAND_AUTHZ)
    before = {p.name: p.read_bytes() for p in (folder / "inputs.yaml", folder / "technical-plan.md")}
    state = folder / ".techplan-state.json"
    saved = state.read_bytes()
    state.unlink()
    state.mkdir()  # the hash record cannot be written, so neither can the plan
    refused = run_techplan("approve", folder, "--role", "manager", "--as-of", "2026-11-21")
    assert refused.returncode == 2 and ".techplan-state.json" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    assert {name: (folder / name).read_bytes() for name in before} == before
    # Nothing half-done: once the folder is fixed, the same command does the whole change.
    state.rmdir()
    state.write_bytes(saved)
    again = run_techplan("approve", folder, "--role", "manager", "--as-of", "2026-11-21")
    assert again.returncode == 0, again.stderr
    assert "- [x] Engineering Manager: ✓ (2026-11-21)" in section(folder, "approval")
    assert HAND_AUTHZ in section(folder, "security considerations")
