"""The plan form, headless: set values, add and remove rows, press buttons, check files and preview.

No browser and no kernel here (tests/test_browser_form.py drives the real page): ipywidgets run
as plain Python objects, and with no event loop the form's debounce runs each refresh at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from techplan_nb.inputs import load_path
from techplan_nb.widgets import PlanForm
from techplan_nb.widgets.editors import ChoiceEditor, RowList
from techplan_nb.widgets.preview import Debouncer

from helpers import AS_OF, run_techplan, shared_example

AS_OF_DATE = dt.date.fromisoformat(AS_OF)


def example_copy(tmp_path: Path) -> Path:
    """The shared example in the test's folder: an edited form writes its draft beside its inputs
    file, which must land neither in the checkout nor in shared/."""
    copy = tmp_path / shared_example().name
    if not copy.exists():
        copy.write_bytes(shared_example().read_bytes())
    return copy


def example_form(tmp_path: Path, **kwargs: Any) -> PlanForm:
    return PlanForm(inputs=example_copy(tmp_path), as_of=AS_OF_DATE, workdir=tmp_path,
                    output_dir=tmp_path / "plans", **kwargs)


def messages(form: PlanForm, *loc: str | int) -> list[str]:
    return list(form.field(*loc).error.messages)


# --- load and save ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["saved.yaml", "saved.json"])
def test_shared_example_loads_and_saves_to_an_inputs_file_that_loads_to_an_equal_model(
        tmp_path: Path, name: str) -> None:
    form = example_form(tmp_path)
    assert form.problems == []
    written = form.save(name)
    assert written == tmp_path / name
    assert load_path(written) == load_path(shared_example())
    # The command line reads it as it reads any inputs file.
    result = run_techplan("validate", written)
    assert result.returncode == 0, result.stderr


def test_round_trip_holds_with_every_tab_built_so_every_editor_wrote_its_section(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    form.build_all_tabs()
    assert form.problems == []
    assert "unsaved changes" not in form.title.value  # looking at every tab changed nothing
    assert load_path(form.save("all-tabs.yaml")) == load_path(shared_example())


def test_saved_yaml_keeps_the_readers_notation_dates_plain_and_sql_as_a_block(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    form.build_all_tabs()
    text = form.save("plan.yaml").read_text("utf-8")
    assert text.startswith("# Technical Plan inputs, written by the techplan form.")
    assert "created: 2026-11-02\n" in text
    assert "  new_tables: |\n    CREATE TABLE exports_sharelink (\n" in text
    assert "estimate: 1-2\n" in text  # ranges stay ranges
    assert "optimistic: 2" in text  # three-point estimates stay three-point
    assert not any(getattr(event, "anchor", None) for event in yaml.parse(text))  # the loader refuses anchors


def test_fields_the_form_has_no_box_for_are_kept_exactly(tmp_path: Path, example_dict: dict[str, Any]) -> None:
    example_dict["status_since"] = "2026-11-04"
    example_dict["extra"] = {"security": {"after": "Pen test booked for December."}}
    source = tmp_path / "with-extras.yaml"
    source.write_text(yaml.safe_dump(example_dict, sort_keys=False), "utf-8")
    form = PlanForm(inputs=source, as_of=AS_OF_DATE, workdir=tmp_path)
    assert form.problems == []
    form.build_all_tabs()
    form.field("issue", "title").control.value = "Edited title"
    saved = load_path(form.save("out.yaml"))
    assert saved.issue.title == "Edited title"
    assert saved.extra == load_path(source).extra
    assert str(saved.status_since) == "2026-11-04"
    assert "Pen test booked for December." in form.editor.other.control.value


def test_loading_a_broken_file_names_the_line_and_keeps_what_was_in_the_form(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    broken = tmp_path / "broken.yaml"
    broken.write_text("issue:\n  number: 3\n  title: [unclosed\n", "utf-8")
    form.path.value = "broken.yaml"
    form.load_button.click()
    assert "broken.yaml:3" in form.status.value or "broken.yaml:4" in form.status.value
    assert "not valid YAML" in form.status.value
    assert form.field("issue", "title").control.value.startswith("Export roast profiles")


def test_loading_a_missing_file_says_so_in_the_page(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    form.path.value = "nowhere.yaml"
    form.load_button.click()
    assert "no such file" in form.status.value


def test_a_date_the_picker_cannot_show_is_reported_beside_it_not_dropped(tmp_path: Path,
                                                                         example_dict: dict[str, Any]) -> None:
    example_dict["created"] = "2026-02-30"
    form = PlanForm(data=example_dict, as_of=AS_OF_DATE, workdir=tmp_path)
    assert messages(form, "created") == ["'2026-02-30' is not a real calendar date"]
    assert form.generate_button.disabled
    form.field("created").control.value = dt.date(2026, 2, 28)
    assert messages(form, "created") == []
    assert form.to_dict()["created"] == "2026-02-28"


def test_upload_loads_the_files_bytes(tmp_path: Path) -> None:
    form = PlanForm(as_of=AS_OF_DATE, workdir=tmp_path)
    content = shared_example().read_bytes()
    form.upload.value = ({"name": "issue-57.yaml", "type": "application/yaml", "size": len(content),
                          "content": memoryview(content),
                          "last_modified": dt.datetime(2026, 11, 20, tzinfo=dt.UTC)},)
    assert form.problems == []
    assert form.plan == load_path(shared_example())
    assert "issue-57.yaml (uploaded)" in form.status.value


def test_save_asks_before_replacing_a_file_it_did_not_load(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    other = tmp_path / "someone-elses.yaml"
    other.write_text("issue: {number: 1, title: Theirs}\n", "utf-8")
    form.path.value = "someone-elses.yaml"
    form.save_button.click()
    assert "already exists" in form.status.value
    assert other.read_text("utf-8") == "issue: {number: 1, title: Theirs}\n"
    form.save_button.click()
    assert load_path(other) == load_path(shared_example())
    # Once saved there, later saves go straight through.
    form.field("issue", "title").control.value = "Second save"
    form.save_button.click()
    assert load_path(other).issue.title == "Second save"


# --- live validation -----------------------------------------------------------------------------


def test_empty_title_shows_its_error_beside_the_title_and_disables_generate(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    assert not form.generate_button.disabled
    form.field("issue", "title").control.value = "  "
    assert messages(form, "issue", "title") == ["must not be empty"]
    assert form.generate_button.disabled
    assert "Issue › Title: must not be empty" in [str(p) for p in form.problems]
    assert "⚠1" in form.tabs.titles[0]
    assert "Generate is off" in form.problems_html.value
    form.field("issue", "title").control.value = "Back again"
    assert messages(form, "issue", "title") == []
    assert not form.generate_button.disabled
    assert form.tabs.titles[0] == "Issue"


def test_task_depending_on_itself_shows_the_error_beside_its_dependencies(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    task = form.field("timeline", "phases", 0, "tasks", 2)  # "api", in Foundation
    task.fields["depends_on"].set(["model", "api"])
    form.refresh()
    shown = messages(form, "timeline", "phases", 0, "tasks", 2, "depends_on")
    assert shown and "api" in shown[0] and "itself" in shown[0]
    assert form.generate_button.disabled
    task.fields["depends_on"].tags.value = ["model"]
    assert messages(form, "timeline", "phases", 0, "tasks", 2, "depends_on") == []
    assert not form.generate_button.disabled


def test_a_dependency_cycle_is_shown_beside_the_task_in_the_forms_words_not_yaml_keys(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    model = form.field("timeline", "phases", 0, "tasks", 0)  # "api" already waits for "model"
    model.fields["depends_on"].set(["api"])
    form.refresh()
    (shown,) = messages(form, "timeline", "phases", 0, "tasks", 0, "depends_on")
    assert shown == ("these dependencies make a cycle: model → api → model (each waits for the next); "
                     "remove one of these dependencies")
    assert "depends_on" not in form.problems_html.value
    assert form.generate_button.disabled
    model.fields["depends_on"].set(None)
    form.refresh()
    assert messages(form, "timeline", "phases", 0, "tasks", 0, "depends_on") == []
    assert not form.generate_button.disabled


def test_a_task_waiting_for_a_phase_is_told_to_choose_tasks_in_the_forms_words(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    task = form.field("timeline", "phases", 1, "tasks", 0)
    task.fields["depends_on"].set(["foundation"])
    form.refresh()
    (shown,) = messages(form, "timeline", "phases", 1, "tasks", 0, "depends_on")
    assert shown.startswith("'foundation' is a phase, and a task can wait only for tasks; choose the tasks of ")
    assert "depends_on" not in shown


def test_a_bad_estimate_is_explained_in_the_forms_own_notation(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    estimate = form.field("timeline", "phases", 0, "tasks", 0, "estimate")
    estimate.control.value = "soon"
    (message,) = estimate.error.messages
    assert message == "'soon' is not an estimate; write days: 3, a range 2-4, or optimistic/likely/pessimistic 2/3/5"
    estimate.control.value = "5/3/8"
    assert estimate.error.messages == ["estimates must satisfy optimistic <= likely <= pessimistic, got 5 / 3 / 8"]


@pytest.mark.parametrize(("typed", "optimistic", "likely", "pessimistic"), [
    ("3", 3, 3, 3), ("2-4", 2, 3, 4), ("2/3/5", 2, 3, 5), ("1.5", 1.5, 1.5, 1.5), (" 2 / 2.5 / 6 ", 2, 2.5, 6)])
def test_estimates_are_typed_as_days_a_range_or_three_points(tmp_path: Path, typed: str, optimistic: float,
                                                             likely: float, pessimistic: float) -> None:
    form = example_form(tmp_path)
    form.field("timeline", "phases", 0, "tasks", 0, "estimate").control.value = typed
    assert form.problems == []
    estimate = form.plan.timeline.phases[0].tasks[0].estimate if form.plan else None
    assert estimate is not None
    assert (estimate.optimistic, estimate.likely, estimate.pessimistic) == (optimistic, likely, pessimistic)


def test_problems_in_a_list_of_lines_name_the_line(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    lines = form.field("requirements", "out_of_scope")
    lines.control.value = "Excel export\n\n" + "x" * 10 + "\u202e\n"
    (message,) = lines.error.messages
    assert message.startswith("line 3: contains the invisible control character U+202E")


def test_blank_form_asks_for_the_issue_number_and_title(tmp_path: Path) -> None:
    form = PlanForm(as_of=AS_OF_DATE, workdir=tmp_path)
    assert messages(form, "issue", "number") == ["is required; fill it in"]
    assert messages(form, "issue", "title") == ["must not be empty"]
    assert form.generate_button.disabled
    # The preview's place says what will appear there, rather than standing empty.
    assert form.preview.plan_html.value == ("<p class='tp-muted'>The plan appears here as you type, once the "
                                            "problems listed at the bottom are fixed.</p>")
    form.field("issue", "number").control.value = "12"
    form.field("issue", "title").control.value = "Dark mode"
    assert form.problems == []
    assert form.preview.plan_html.value.startswith("<h1>Technical Plan: Dark mode</h1>")
    assert form.plan is not None and form.plan.created == AS_OF_DATE
    assert [a.role for a in form.plan.approvals][:1] == ["System Architect (Author)"]


def test_issue_number_that_is_not_a_number_is_explained(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    form.field("issue", "number").control.value = "fifty"
    assert messages(form, "issue", "number") == ["must be a whole number"]
    form.field("issue", "number").control.value = "#58"
    assert form.plan is not None and form.plan.issue.number == 58


# --- rows -----------------------------------------------------------------------------------------


def test_add_remove_reorder_and_tick_checklist_rows(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    functional = form.field("requirements", "functional")
    assert isinstance(functional, RowList)
    new = functional.add()
    assert messages(form, "requirements", "functional", 4, "text") == ["must not be empty"]
    new.fields["text"].control.value = "Audit log of exports"
    new.fields["done"].control.value = True
    functional.move(functional.rows[4], -4)  # to the top
    functional.remove(functional.rows[2])  # "Export all roasts in a date range…"
    functional.rows[1].down.click()
    assert functional.rows[0].up.disabled and functional.rows[-1].down.disabled
    items = [(i.text, i.done) for i in load_path(form.save("rows.yaml")).requirements.functional]
    assert items == [
        ("Audit log of exports", True),
        ("Create, list and revoke share links for a profile", False),
        ("Export one roast profile as CSV (time, bean temp, env temp, rate of rise, events)", False),
        ("Shared link renders a read-only profile page without login", True),
    ]


def test_adding_a_risk_uses_the_dropdowns_and_shows_in_the_preview(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    risks = form.field("risks")
    risk = risks.add()
    assert risk.fields["id"].control.value == "R5"  # the next free id
    probability = risk.fields["probability"]
    assert isinstance(probability, ChoiceEditor)
    assert [label for label, _ in probability.control.options] == ["High", "Medium", "Low"]
    risk.fields["risk"].control.value = "Spreadsheet apps mangle timestamps"
    probability.control.value = "High"
    risk.fields["impact"].control.value = "Low"
    risk.fields["mitigation"].control.value = "ISO 8601 with offset"
    assert form.problems == []
    saved = load_path(form.save("risks.yaml")).risks[-1]
    assert (saved.id, saved.risk, saved.probability, saved.impact) == (
        "R5", "Spreadsheet apps mangle timestamps", "High", "Low")
    assert "Spreadsheet apps mangle timestamps" in form.preview.text
    assert "Spreadsheet apps mangle timestamps" in form.preview.plan_html.value


def test_the_five_level_scale_offers_numbers_and_the_validator_checks_them(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    form.field("risk_scale").control.value = 5
    probability = form.field("risks", 0, "probability")
    assert [v for _, v in probability.control.options][:5] == [5, 4, 3, 2, 1]
    probability.control.value = 4
    assert form.problems == []
    form.field("risk_scale").control.value = 3
    assert messages(form, "risks", 0, "probability") == [
        "is a number; set risk_scale: 5 to use 1-5, or write High/Medium/Low"]


def test_dependencies_are_chosen_from_existing_task_ids_and_follow_renames(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    api = form.field("timeline", "phases", 0, "tasks", 2)
    assert api.depends.tags.value == ("model", "csv") or list(api.depends.tags.value) == ["model", "csv"]
    assert "api" not in api.depends.tags.allowed_tags  # a task is not offered as its own dependency
    assert {"model", "csv", "share-ui", "public-page", "e2e", "perf"} <= set(api.depends.tags.allowed_tags)
    tasks = form.field("timeline", "phases", 2, "tasks")
    added = tasks.add()
    assert added.ident.ident == "task-1"
    assert "task-1" in api.depends.tags.allowed_tags
    # Renaming a task renames it wherever it is a dependency.
    form.field("timeline", "phases", 0, "tasks", 0, "id").control.value = "sharelink-model"
    assert list(api.depends.tags.value) == ["sharelink-model", "csv"]
    added.fields["name"].control.value = "Docs"
    assert form.problems == []
    saved = load_path(form.save("deps.yaml")).timeline.phases[0].tasks[2]
    assert saved.depends_on == ["sharelink-model", "csv"]


def test_starts_choice_maps_to_no_key_an_empty_list_or_ids(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    depends = form.field("timeline", "phases", 1, "tasks", 0, "depends_on")
    assert depends.mode.value == depends.SEQUENTIAL
    depends.mode.value = depends.AT_START
    assert form.to_dict()["timeline"]["phases"][1]["tasks"][0]["depends_on"] == []
    depends.mode.value = depends.AFTER
    depends.tags.value = ["csv"]
    assert form.to_dict()["timeline"]["phases"][1]["tasks"][0]["depends_on"] == ["csv"]
    depends.mode.value = depends.SEQUENTIAL
    assert "depends_on" not in form.to_dict()["timeline"]["phases"][1]["tasks"][0]


def test_approvals_start_with_the_templates_roles_and_can_be_restored(tmp_path: Path) -> None:
    form = PlanForm(as_of=AS_OF_DATE, workdir=tmp_path, data={"issue": {"number": 1, "title": "T"}})
    approvals = form.field("approvals")
    assert approvals.rows == []
    form.editor.add_default_approvals()
    assert [a["role"] for a in form.to_dict()["approvals"]] == [
        "System Architect (Author)", "Staff UX Designer (if UI changes)", "Engineering Manager", "Stakeholder"]


# --- preview -------------------------------------------------------------------------------------


def test_preview_follows_the_form_and_keeps_the_last_valid_plan_while_invalid(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    form.field("issue", "title").control.value = "Roast exports, take two"
    assert form.preview.text.startswith("# Technical Plan: Roast exports, take two\n")
    assert "<h1>Technical Plan: Roast exports, take two</h1>" in form.preview.plan_html.value
    form.field("issue", "title").control.value = ""
    assert form.preview.text.startswith("# Technical Plan: Roast exports, take two\n")
    assert "1 problem in the form: the preview shows the last valid version" in form.preview.note.value


def test_preview_shows_user_html_as_text_never_as_markup(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    form.field("issue", "title").control.value = '<img src=x onerror="alert(1)"> & <script>x()</script>'
    html_out = form.preview.plan_html.value
    assert "<img" not in html_out and "<script" not in html_out
    assert "&lt;img src=x onerror=" in html_out


def test_preview_text_is_exactly_what_techplan_render_prints(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    result = run_techplan("render", shared_example(), "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    assert form.preview.text == result.stdout


def test_charts_are_drawn_when_the_charts_tab_is_open_and_only_when_their_inputs_change(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    images = form.preview.images
    assert images["risk_heatmap"].value == b""
    form.preview.tabs.selected_index = 1
    heatmap, gantt = images["risk_heatmap"].value, images["gantt"].value
    assert bytes(heatmap).startswith(b"\x89PNG") and bytes(gantt).startswith(b"\x89PNG")
    form.field("issue", "title").control.value = "Only the title changed"
    assert images["risk_heatmap"].value is heatmap and images["gantt"].value is gantt
    form.field("risks", 0, "probability").control.value = "Low"
    assert bytes(images["risk_heatmap"].value) != bytes(heatmap)
    assert images["gantt"].value is gantt
    # The finish-date histogram is drawn on request only (it is in every generated plan).
    assert images["finish_distribution"].value == b"" and images["finish_distribution"].layout.display == "none"
    form.preview.show_finish.value = True
    assert bytes(images["finish_distribution"].value).startswith(b"\x89PNG")
    assert images["finish_distribution"].layout.display is None


def test_debouncer_runs_once_after_the_typing_stops() -> None:
    calls: list[float] = []

    async def typing() -> None:
        debouncer = Debouncer(0.05, lambda: calls.append(asyncio.get_running_loop().time()))
        for _ in range(5):
            debouncer.trigger()
            await asyncio.sleep(0.01)
        assert calls == [] and debouncer.pending
        await asyncio.sleep(0.1)
        assert len(calls) == 1 and not debouncer.pending
        debouncer.trigger()
        debouncer.flush()  # Save and Generate read the form at once
        assert len(calls) == 2

    asyncio.run(typing())


def test_form_in_an_event_loop_redraws_once_after_a_burst_of_keystrokes(tmp_path: Path) -> None:
    async def typing() -> tuple[int, str]:
        form = example_form(tmp_path, debounce=0.05)
        redraws = []
        original = form.refresh

        def counted() -> None:
            redraws.append(1)
            original()

        form.debouncer.callback = counted
        title = form.field("issue", "title").control
        for text in ("R", "Ro", "Roa", "Roas", "Roast"):
            title.value = text
        await asyncio.sleep(0.2)
        return len(redraws), form.preview.text

    count, text = asyncio.run(typing())
    assert count == 1
    assert text.startswith("# Technical Plan: Roast\n")


# --- Generate ------------------------------------------------------------------------------------


@pytest.mark.kernel
def test_generate_writes_the_inputs_plan_charts_and_audit_notebook_like_techplan_run(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    form.field("issue", "title").control.value = "Export roast profiles (from the form)"
    risk = form.field("risks").add()
    risk.fields["risk"].control.value = "Form-added risk"
    assert not form.generate_button.disabled
    form.generate_button.click()
    assert form.result is not None and form.result.status == "succeeded", form.status.value
    folder = tmp_path / "plans" / "issue-57-export-roast-profiles-from-the-form"
    assert [p.name for p in form.written] == ["technical-plan.md", "technical-plan.ipynb", "inputs.yaml",
                                              "finish-distribution.png", "risk-heatmap.png", "schedule-gantt.png"]
    assert all(p.parent == folder for p in form.written)
    plan = (folder / "technical-plan.md").read_text("utf-8")
    assert plan.startswith("# Technical Plan: Export roast profiles (from the form)\n")
    assert "Form-added risk" in plan
    assert load_path(folder / "inputs.yaml") == form.plan
    for name in ("technical-plan.md", "technical-plan.ipynb", "inputs.yaml", "risk-heatmap.png"):
        assert name in form.files_html.value
    assert "Done in" in form.progress_label.value
    # The executed notebook is the audit record of exactly this run, as `techplan verify` checks.
    verified = run_techplan("verify", folder / "technical-plan.md", folder / "technical-plan.ipynb")
    assert verified.returncode == 0, verified.stderr + verified.stdout


def test_generate_does_nothing_but_explain_while_the_form_is_invalid(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    form.field("issue", "title").control.value = ""
    form.generate()
    assert "Fix the 1 problem(s)" in form.status.value
    assert not (tmp_path / "plans").exists()


# --- the notebook hook -------------------------------------------------------------------------------


def test_gather_inputs_hands_a_valid_forms_inputs_to_the_notebook_run(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import techplan_nb.widgets as widgets
    from techplan_nb.notebook import load_or_form

    monkeypatch.setattr(widgets, "_session_form", None)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(widgets.FormNotReady, match="fill it in"):
        load_or_form("")
    form = widgets._session_form
    assert isinstance(form, PlanForm)
    inputs = example_copy(tmp_path)  # edited below: its draft goes beside it
    form.load(inputs)
    name, raw = load_or_form("")
    assert name == str(inputs)  # loaded and unchanged: the file itself
    from techplan_nb.inputs import load_bytes

    assert load_bytes(raw, name) == load_path(shared_example())
    form.field("issue", "title").control.value = "Edited in the form"
    name, raw = load_or_form("")
    assert name.endswith(".yaml") and "plan form" in name
    assert load_bytes(raw, name).issue.title == "Edited in the form"


def test_json_and_repr_of_the_form_are_stable_for_notebook_outputs(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    bundle = form._repr_mimebundle_()
    assert bundle["text/plain"].startswith("Technical Plan form")
    assert json.loads(json.dumps(bundle["application/vnd.jupyter.widget-view+json"]))["model_id"]


# --- other sources ---------------------------------------------------------------------------------


def test_a_github_issue_export_loads_through_the_importer_and_saves_as_inputs(tmp_path: Path) -> None:
    from helpers import ROOT

    export = ROOT / "tests" / "cases" / "import" / "gh-issue-form.json"
    form = PlanForm(as_of=AS_OF_DATE, workdir=tmp_path)
    form.load(export)
    assert form.problems == []
    assert form.plan is not None and form.plan.issue.number == 57
    assert "imported from GitHub issue #57" in form.status.value
    # The export is not overwritten: Save proposes an inputs file beside it.
    assert form.path.value.endswith("issue-57-export-roast-profiles-to-csv-and-share-them-by.yaml")
    assert form.source is None
    imported = run_techplan("import", "github", export, "--as-of", AS_OF)
    assert imported.returncode == 0, imported.stderr
    from techplan_nb.inputs import load_bytes

    assert form.plan == load_bytes(imported.stdout.encode("utf-8"), "imported.yaml")


def test_an_export_with_several_issues_asks_to_split_it(tmp_path: Path) -> None:
    export = tmp_path / "two.json"
    export.write_text(json.dumps([{"number": 1, "title": "One", "body": ""},
                                  {"number": 2, "title": "Two", "body": ""}]), "utf-8")
    form = PlanForm(as_of=AS_OF_DATE, workdir=tmp_path)
    form.path.value = "two.json"
    form.load_button.click()
    assert "holds 2 issues (#1, #2)" in form.status.value


def test_a_markdown_plan_loads_back_into_the_form(tmp_path: Path) -> None:
    from helpers import EXAMPLES

    plan_file = EXAMPLES / "issue-57-roast-export.plan.md"
    form = PlanForm(as_of=AS_OF_DATE, workdir=tmp_path)
    form.load(plan_file)
    assert form.problems == []
    assert form.plan is not None and form.plan.issue.title == load_path(shared_example()).issue.title
    assert form.path.value.endswith(".yaml") and form.source is None
    # The form reads a plan exactly as `techplan import markdown` does.
    imported = run_techplan("import", "markdown", plan_file)
    assert imported.returncode == 0, imported.stderr
    from techplan_nb.inputs import load_bytes

    assert form.plan == load_bytes(imported.stdout.encode("utf-8"), "imported.yaml")


def test_the_preview_converts_section_by_section_to_the_same_html_as_the_whole_plan(tmp_path: Path) -> None:
    from techplan_nb.widgets.preview import MarkdownCache, markdown_html, sections

    form = example_form(tmp_path)
    tricky = ("# T\n\nintro\n\n## A\n\n- one\n- two\n### B\n| a | b |\n|---|---|\n| 1 | 2 |\n"
              "````sql\n## not a heading\n```\n### still code\n````\n\n## C\n\n~~~\n## code\n~~~\ntext\n")
    for text in (form.preview.text, tricky):
        cache = MarkdownCache()
        assert cache.render(text) == markdown_html(text)
        assert cache.render(text) == markdown_html(text)  # from the cache this time
        assert "".join(sections(text)) == text
    assert [part.splitlines()[0] for part in sections(tricky)] == ["# T", "## A", "### B", "## C"]


def test_in_an_event_loop_charts_are_drawn_off_the_loop_and_a_superseded_drawing_is_dropped(
        tmp_path: Path) -> None:
    import threading

    async def edit() -> tuple[bytes, set[str]]:
        form = example_form(tmp_path, debounce=0)
        threads: set[str] = set()
        from techplan_nb import charts

        original = charts.risk_heatmap

        def spy(analysis: Any) -> bytes:
            threads.add(threading.current_thread().name)
            return original(analysis)

        charts.risk_heatmap = spy  # type: ignore[assignment]
        try:
            form.preview.tabs.selected_index = 1
            assert "Updating the charts" in form.preview.chart_note.value
            probability = form.field("risks", 0, "probability").control
            probability.value = "Low"
            probability.value = "High"  # overtakes the drawing for "Low"
            for _ in range(200):
                await asyncio.sleep(0.05)
                if not form.preview._charts_pending:
                    break
            assert form.preview._charts_pending is None
            return bytes(form.preview.images["risk_heatmap"].value), threads
        finally:
            charts.risk_heatmap = original  # type: ignore[assignment]

    png, threads = asyncio.run(edit())
    assert png.startswith(b"\x89PNG")
    assert threads and all(name.startswith("techplan-charts") for name in threads)
    form = example_form(tmp_path)
    form.field("risks", 0, "probability").control.value = "High"
    form.preview.tabs.selected_index = 1
    assert bytes(form.preview.images["risk_heatmap"].value) == png  # the last change won


async def _charts_settled(form: PlanForm) -> None:
    for _ in range(200):
        await asyncio.sleep(0.05)
        if not form.preview._charts_pending:
            return
    raise AssertionError(f"the charts never settled: {form.preview.chart_note.value}")


def test_a_timeline_without_a_start_date_has_no_gantt_chart_and_the_preview_says_why(
        tmp_path: Path, example_dict: dict[str, Any]) -> None:
    """It used to draw one anyway, raise on the worker thread and say "Updating the charts…" for ever."""
    del example_dict["timeline"]["start"]
    source = tmp_path / "no-start.yaml"
    source.write_text(yaml.safe_dump(example_dict, sort_keys=False), "utf-8")

    async def open_charts() -> PlanForm:
        form = PlanForm(inputs=source, as_of=AS_OF_DATE, workdir=tmp_path, debounce=0)
        form.preview.tabs.selected_index = 1
        await _charts_settled(form)
        return form

    form = asyncio.run(open_charts())
    assert form.problems == []
    assert form.preview.images["gantt"].layout.display == "none"
    assert bytes(form.preview.images["risk_heatmap"].value).startswith(b"\x89PNG")
    assert form.preview.chart_note.value == ("<span class='tp-muted'>No data yet for: Gantt chart (the Gantt chart "
                                             "needs the timeline's start date).</span>")
    # As a generated plan has it: the same charts, no Gantt chart.
    from techplan_nb.analysis import analyse
    from techplan_nb.charts import plan_charts

    assert "gantt" not in plan_charts(analyse(form.plan, as_of=AS_OF_DATE, seed=0))


def test_a_chart_that_fails_to_draw_is_reported_in_the_preview_not_left_updating(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from techplan_nb import charts

    def broken(analysis: Any) -> bytes:
        raise ValueError("no room for the bars")

    monkeypatch.setattr(charts, "gantt", broken)

    async def open_charts() -> PlanForm:
        form = example_form(tmp_path, debounce=0)
        form.preview.tabs.selected_index = 1
        await _charts_settled(form)
        return form

    form = asyncio.run(open_charts())
    assert "Updating the charts" not in form.preview.chart_note.value
    assert ("The charts could not be drawn: ValueError: no room for the bars. This is a bug in techplan"
            in form.preview.chart_note.value)


def _model_paths(model: Any, loc: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every field path of the inputs model, lists of rows entered at their first row."""
    import typing

    from techplan_nb.widgets.editors import model_in

    paths = []
    for name, info in model.model_fields.items():
        path = (*loc, name)
        paths.append(path)
        inner = model_in(info.annotation)
        if inner is None:
            continue
        annotation = info.annotation
        while typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        is_list = typing.get_origin(annotation) is list
        is_map = typing.get_origin(annotation) is dict
        if not is_map:
            paths += _model_paths(inner, (*path, 0) if is_list else path)
    return paths


def test_every_field_of_the_inputs_format_has_its_own_box_in_the_form(tmp_path: Path,
                                                                      example_dict: dict[str, Any]) -> None:
    from techplan_nb.model import PlanInput

    example_dict["timeline"]["phases"][0]["items"] = ["Kick-off"]
    form = PlanForm(data=example_dict, as_of=AS_OF_DATE, workdir=tmp_path)
    form.build_all_tabs()
    boxes = {loc for loc, _ in form.editor.nodes(())}
    # Verbatim extra content from imported plans is kept, and editable, under "Other fields (YAML)";
    # an estimate's three numbers share one box (3, 2-4 or 2/3/5).
    missing = [path for path in _model_paths(PlanInput) if path not in boxes and path[0] != "extra"
               and "estimate" not in path[:-1]]
    assert missing == []


def test_undo_load_puts_back_the_edits_a_load_replaced(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    assert form.undo_button.layout.display == "none"
    form.field("issue", "title").control.value = "Edited, not saved"
    other = tmp_path / "other.yaml"
    other.write_text("issue: {number: 9, title: Another plan}\n", "utf-8")
    form.path.value = "other.yaml"
    form.load_button.click()
    assert form.plan is not None and form.plan.issue.title == "Another plan"
    assert form.undo_button.layout.display is None
    form.undo_button.click()
    assert form.plan is not None and form.plan.issue.title == "Edited, not saved"
    assert form.source == example_copy(tmp_path) and "unsaved changes" in form.title.value
    assert form.path.value == shared_example().name  # shown relative to the folder the form serves
    assert form.undo_button.layout.display == "none"


def test_a_misspelt_section_is_kept_under_other_fields_and_judged_there(tmp_path: Path,
                                                                       example_dict: dict[str, Any]) -> None:
    example_dict["rollbak"] = example_dict.pop("rollback")
    form = PlanForm(data=example_dict, as_of=AS_OF_DATE, workdir=tmp_path)
    assert [str(p) for p in form.problems] == ["Rollbak: unknown key 'rollbak'; did you mean 'rollback'?"]
    assert form.tabs.titles[-1] == "Reviews ⚠1"
    form.field("reviews")  # opens the tab that holds "Other fields"
    other = form.editor.other
    assert other.error.messages == ["unknown key 'rollbak'; did you mean 'rollback'?"]
    assert other.control.value.startswith("rollbak:\n")
    other.control.value = other.control.value.replace("rollbak:", "rollback:")
    assert form.problems == []
    assert load_path(form.save("fixed.yaml")) == load_path(shared_example())


def test_other_fields_that_are_not_yaml_say_so_and_stop_generate(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    form.build_all_tabs()
    form.editor.other.control.value = "status_note: [unclosed"
    assert form.generate_button.disabled
    assert form.problems and form.problems[0].message.startswith("not valid YAML: line 1")


# --- issue 17: the footer's problem list -----------------------------------------------------------


def test_each_problem_is_listed_once_in_the_footer_and_its_link_opens_the_tab_and_focuses_the_field(
        tmp_path: Path) -> None:
    form = example_form(tmp_path)
    form.field("issue", "title").control.value = ""
    form.show_tab("timeline")
    assert [link.description for link in form.problem_list.children] == ["Issue › Title: must not be empty"]
    assert form.footer.children.index(form.problems_box) >= 0  # below the fields, not above the tabs
    assert form.widget.children[-1] is form.footer
    form.problem_list.children[0].click()
    assert form.tabs.selected_index == 0
    assert form.focused is form.field("issue", "title").control
    # A problem on a list (no risk text) goes to the row's first box.
    form.field("issue", "title").control.value = "Back"
    form.editor.risks.add({"id": "R9", "risk": ""})
    form.validate()
    (link,) = form.problem_list.children
    assert link.description.startswith("Risk ")
    link.click()
    assert form.tabs.selected_index == 5
    assert form.focused is form.editor.risks.editors[-1].fields["risk"].control
    form.editor.risks.editors[-1].fields["risk"].control.value = "Fixed"
    form.validate()
    assert form.problem_list.children == () and form.problems_box.layout.display == "none"


def test_a_draft_is_written_beside_the_inputs_while_unsaved_and_offered_to_the_next_form(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.yaml"
    inputs.write_bytes(shared_example().read_bytes())
    form = PlanForm(inputs=inputs, output_dir=tmp_path / "plans", as_of=AS_OF_DATE, workdir=tmp_path, debounce=0)
    draft = tmp_path / ".inputs.yaml.draft"
    assert not form.dirty and not draft.exists() and form.leave_guard.value == ""
    form.field("issue", "title").control.value = "Typed, not saved"
    assert form.dirty and "tp-dirty" in form.leave_guard.value
    assert json.loads(draft.read_text("utf-8"))["data"]["issue"]["title"] == "Typed, not saved"
    # The page is reloaded: a new form on the same file offers the draft back.
    again = PlanForm(inputs=inputs, output_dir=tmp_path / "plans", as_of=AS_OF_DATE, workdir=tmp_path, debounce=0)
    assert "draft" in again.notice.value and again.notice_bar.layout.display is None
    again.notice_buttons[0].click()  # Restore the draft
    assert again.field("issue", "title").control.value == "Typed, not saved"
    assert again.dirty and again.source == inputs
    again.save()
    assert not draft.exists() and "tp-dirty" not in again.leave_guard.value


def test_a_removed_row_can_be_put_back_and_removing_a_task_offers_to_drop_the_waits_on_it(tmp_path: Path) -> None:
    form = example_form(tmp_path)
    risks = form.editor.risks
    before = risks.get()
    risks.remove(risks.rows[1])
    assert "Removed Risk 2" in form.notice.value
    form.notice_buttons[0].click()  # Undo
    assert risks.get() == before
    timeline = form.editor.timeline
    tasks = timeline.phase_editors[0].tasks
    waiting = [t for p in timeline.phase_editors for t in p.task_editors if "model" in t.depends.tags.value]
    assert waiting
    tasks.remove(tasks.rows[0])  # "model"
    assert "still wait for it" in form.notice.value
    assert form.notice_buttons[0].description.startswith("Drop the dependencies on 'model'")
    form.notice_buttons[0].click()
    assert all("model" not in t.depends.tags.value for t in waiting)
    form.validate()
    assert not [p for p in form.problems if "model" in p.message]
