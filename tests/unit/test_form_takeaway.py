"""The form's accessible row buttons, the preview's section to follow, Copy Markdown and the folder zip."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from techplan_nb.plan_format.sections import by_key
from techplan_nb.widgets import PlanForm
from techplan_nb.widgets.files import folder_zip
from techplan_nb.widgets.sections import TAB_TITLES, preview_heading

from helpers import AS_OF, shared_example

AS_OF_DATE = dt.date.fromisoformat(AS_OF)


def example_form(tmp_path: Path) -> PlanForm:
    copy = tmp_path / "inputs.yaml"
    copy.write_bytes(shared_example().read_bytes())
    return PlanForm(inputs=copy, as_of=AS_OF_DATE, workdir=tmp_path, output_dir=tmp_path / "plans")


def test_row_buttons_are_named_for_the_row_and_renamed_when_rows_move(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    risks = form.editor.risks
    names = [(row.up.description, row.down.description, row.remove.description) for row in risks.rows]
    assert names[1] == ("Move risk 2 up", "Move risk 2 down", "Remove risk 2")
    first = risks.rows[0]
    risks.move(first, +1)
    assert first.remove.description == "Remove risk 2" and first.up.tooltip == "Move risk 2 up"
    tasks = form.editor.timeline.phase_editors[0].tasks
    assert tasks.rows[0].remove.description == "Remove task 1"


def test_each_tab_scrolls_the_preview_to_the_catalogue_heading_of_its_first_section() -> None:
    expected = {"Issue": None, "Requirements": "requirements", "Architecture": "architecture",
                "Database & API": "database", "Quality": "security", "Risks": "risks", "Timeline": "timeline",
                "Operations": "dependencies", "Questions": "questions", "Reviews": "reviews"}
    assert {title: preview_heading(index) for index, title in enumerate(TAB_TITLES)} == {
        title: by_key(key).title if key else None for title, key in expected.items()}


def test_opening_a_tab_asks_the_page_to_follow_it_in_the_preview(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    form.show_tab("risks")
    assert "data-heading='Risk Assessment'" in form.preview.follow_marker.value
    assert "<h2>Risk Assessment</h2>" in form.preview.plan_html.value  # what the page scrolls to
    form.tabs.selected_index = 0
    assert "data-heading=''" in form.preview.follow_marker.value


def test_copy_markdown_is_offered_only_for_a_plan_that_renders(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    assert "class='tp-copy-markdown' aria-live='polite' title=" in form.downloads.value
    assert "disabled" not in form.downloads.value
    form.field("issue", "title").control.value = ""
    form.refresh()
    assert "class='tp-copy-markdown' disabled" in form.downloads.value


def test_the_folder_zip_holds_every_file_of_the_plan_folder_but_a_writers_lock(tmp_path: Path) -> None:
    folder = tmp_path / "issue-1-x"
    folder.mkdir()
    (folder / "technical-plan.md").write_text("# Plan\n", "utf-8")
    (folder / "inputs.yaml").write_text("issue: {}\n", "utf-8")
    (folder / ".techplan-state.json").write_text("{}", "utf-8")
    (folder / ".techplan.lock").write_text("", "utf-8")
    (folder / ".techplan-staging-1").mkdir()
    before = sorted(p.name for p in folder.iterdir())
    with zipfile.ZipFile(io.BytesIO(folder_zip(folder))) as archive:
        assert sorted(archive.namelist()) == ["issue-1-x/.techplan-state.json", "issue-1-x/inputs.yaml",
                                              "issue-1-x/technical-plan.md"]
        assert archive.read("issue-1-x/technical-plan.md") == b"# Plan\n"
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written
