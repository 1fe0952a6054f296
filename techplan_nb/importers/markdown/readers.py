"""Which reader reads each of the template's sections: one table, keyed by the catalogue's keys
(plan_format/sections.py). A reader takes the page and the section's blocks and returns the blocks it
read into fields (by index); the page keeps the rest verbatim around them. A list, code or labelled
section is read into the field the catalogue names for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ...plan_format import sections as catalogue
from . import api, approvals, header, questions, reviews, risks, summary, timeline
from .importer import BACKEND_LABELS, FRONTEND_LABELS, MONITORING_LABELS, PERFORMANCE_LABELS, SECURITY_LABELS
from .outline import Section

if TYPE_CHECKING:
    from .blocks import Block
    from .importer import Page

Reader = Callable[["Page", list["Block"], Section], set[int]]


def _field(key: str) -> str:
    path = catalogue.by_key(key).field
    assert path is not None, key
    return path


def bullets(*, checklist: bool = False) -> Reader:
    """A bullet (or numbered) list, one field entry an item; `checklist` keeps each item's [x]."""
    def read(page: Page, blocks: list[Block], section: Section) -> set[int]:
        return page.read_list(blocks, section.key, _field(section.key), checklist)
    return read


def code(info: str) -> Reader:
    """The first code block in the language the template prints (`info`; "" for plain)."""
    def read(page: Page, blocks: list[Block], section: Section) -> set[int]:
        return page.read_code(blocks, section.key, _field(section.key), info)
    return read


def labelled(labels: dict[str, str]) -> Reader:
    """`- **Label**: value` lines (or paragraphs), each label one sub-field."""
    def read(page: Page, blocks: list[Block], section: Section) -> set[int]:
        return page.read_labelled(blocks, section.key, _field(section.key), labels)
    return read


def container(page: Page, blocks: list[Block], section: Section) -> set[int]:
    """Only sub-sections under it: everything of its own is kept verbatim."""
    return set()


READERS: dict[str, Reader] = {
    "header": header.read_header,
    "issue_summary": summary.read_summary,
    "requirements": container,
    "functional": bullets(checklist=True),
    "non_functional": bullets(checklist=True),
    "out_of_scope": bullets(),
    "architecture": container,
    "system_context": bullets(),
    "component_architecture": code(""),
    "technical_approach": container,
    "frontend": labelled(FRONTEND_LABELS),
    "backend": labelled(BACKEND_LABELS),
    "database": container,
    "new_tables": code("sql"),
    "modified_tables": code("sql"),
    "migration_strategy": bullets(),
    "api": container,
    "new_endpoints": api.read_new_endpoints,
    "modified_endpoints": bullets(),
    "security": labelled(SECURITY_LABELS),
    "performance": labelled(PERFORMANCE_LABELS),
    "testing": container,
    "unit_tests": bullets(),
    "integration_tests": bullets(),
    "e2e_tests": bullets(),
    "risks": risks.read_risks,
    "timeline": timeline.read_timeline,
    "dependencies": container,
    "internal_dependencies": bullets(),
    "external_dependencies": bullets(),
    "monitoring": labelled(MONITORING_LABELS),
    "rollback": bullets(),
    "future": bullets(),
    "questions": container,
    "stakeholder_questions": questions.read_questions,
    "assumptions": bullets(),
    "reviews": reviews.read_reviews,
    "approval": approvals.read_approvals,
}


def read_section(page: Page, section: Section) -> set[int]:
    if section.heading is not None and section.key != "header":
        page.read_heading(section)
    return READERS[section.key](page, section.own_blocks, section)
