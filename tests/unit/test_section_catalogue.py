"""The section catalogue is the one list of the template's sections: a name added there is read by
`import markdown` and accepted by `check` alike."""

from __future__ import annotations

import dataclasses

import pytest

from techplan_nb.importers import empty_sections
from techplan_nb.importers.markdown import import_markdown
from techplan_nb.importers.markdown.readers import READERS, container
from techplan_nb.lint import check_text
from techplan_nb.model import PlanInput
from techplan_nb.plan_format import sections as catalogue

DOC = """# Technical Plan: Export roasts

**Issue Number**: #57

## Issue Summary

Export roasts to CSV.

## Battle Plan

### Phase 1: Build (3 days)
- [ ] Write the exporter
"""


def _with_alias(key: str, alias: str) -> tuple[catalogue.SectionSpec, ...]:
    return tuple(dataclasses.replace(spec, aliases=spec.aliases + (alias,)) if spec.key == key else spec
                 for spec in catalogue.SECTIONS)


def test_an_alias_added_to_the_catalogue_is_read_by_import_and_check(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = [f for f in check_text(DOC, "plan.md") if f.rule == "heading-missing" and "Timeline" in f.message]
    assert missing, "without the alias, check misses the timeline"
    assert "timeline" not in import_markdown(DOC, "plan.md").data

    monkeypatch.setattr(catalogue, "SECTIONS", _with_alias("timeline", "battle plan"))
    data = import_markdown(DOC, "plan.md").data
    assert data["timeline"]["phases"][0]["name"] == "Build"
    assert data["extra"]["timeline"]["heading"] == "Battle Plan"
    assert not [f for f in check_text(DOC, "plan.md") if f.rule == "heading-missing" and "Timeline" in f.message]


def test_the_catalogue_is_the_template_outline() -> None:
    assert catalogue.top_level()[0] == "issue_summary"
    assert catalogue.descendants("technical_approach") == (
        "frontend", "backend", "database", "new_tables", "modified_tables", "migration_strategy")
    assert catalogue.by_key("new_tables").level == 4
    every_name = [name for spec in catalogue.SECTIONS for name in spec.names + spec.aliases]
    assert all(name == name.lower() for name in every_name)


def test_empty_sections_come_from_the_catalogue() -> None:
    plan = PlanInput.model_validate({"issue": {"number": 1, "title": "t", "summary": "s"}, "rollback": ["r"]})
    empty = empty_sections(plan)
    assert "Issue Summary" not in empty and "Rollback Strategy" not in empty
    assert empty[0] == "Functional Requirements" and "Approval" not in empty


def test_every_section_of_the_catalogue_has_one_reader_and_only_containers_read_nothing() -> None:
    assert set(READERS) == {"header"} | {spec.key for spec in catalogue.SECTIONS}
    assert {key for key, reader in READERS.items() if reader is container} == set(catalogue.containers())


LIST_SECTIONS = ["functional", "non_functional", "out_of_scope", "system_context", "migration_strategy",
                 "modified_endpoints", "unit_tests", "integration_tests", "e2e_tests", "internal_dependencies",
                 "external_dependencies", "rollback", "future", "assumptions"]


def test_a_list_section_is_read_into_the_field_the_catalogue_names_for_it() -> None:
    lines = ["# Technical Plan: Export roasts", "", "**Issue Number**: #57", ""]
    for spec in catalogue.SECTIONS:
        lines += ["#" * spec.level + " " + spec.title, ""]
        if spec.key in LIST_SECTIONS:
            lines += [f"- an entry of {spec.key}", ""]
    plan = PlanInput.model_validate(import_markdown("\n".join(lines), "plan.md").data)
    for key in LIST_SECTIONS:
        path = catalogue.by_key(key).field
        assert path is not None and catalogue.is_filled(catalogue.field_value(plan, path)), key
