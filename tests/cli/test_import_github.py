"""`techplan import github`: gh and REST issue exports, lists with pull requests, issue forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from techplan_nb.importers.github import import_github, load_mapping
from techplan_nb.inputs import load_path

from helpers import ROOT, files_under, run_techplan

CASES = ROOT / "tests" / "cases" / "import"
AS_OF = "2026-11-20"


def test_gh_issue_form_with_crlf_and_no_response_maps_each_answer(tmp_path: Path) -> None:
    out = tmp_path / "inputs.yaml"
    result = run_techplan("import", "github", CASES / "gh-issue-form.json", "-o", out, "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    plan = load_path(out)
    assert plan.issue.number == 57
    assert plan.issue.url == "https://github.com/example-org/coffee-roast-tracker/issues/57"
    assert plan.issue.labels == ["enhancement", "export"]
    assert plan.issue.summary == "Roasters want to export a roast profile as CSV for their spreadsheets."
    assert [(i.text, i.done) for i in plan.requirements.functional] == [
        ("Export one roast as CSV", True), ("Export a date range as a ZIP", False), ("Share a read-only link", True)]
    # "_No response_" and "None" are empty answers, not requirements or dependencies.
    assert plan.requirements.non_functional == []
    assert plan.dependencies == {}
    assert plan.requirements.out_of_scope == ["Excel export", "Editing through a shared link"]
    first, second = plan.risks
    assert (first.risk, first.probability, first.impact, first.mitigation) == (
        "CSV injection in spreadsheets", "Medium", "High", "quote formula-like cells")
    assert (second.probability, second.impact) == ("Medium", "Medium")
    assert "gives no probability or impact" in result.stderr
    # The plan starts when the issue was opened, by who opened it (not the import day and a placeholder).
    assert (str(plan.created), plan.created_by) == ("2026-10-30", "@" + json.loads(
        (CASES / "gh-issue-form.json").read_text("utf-8"))["author"]["login"])
    # No carriage return survives anywhere in the file.
    assert "\r" not in out.read_text("utf-8")


def test_gh_issue_form_keeps_code_stray_hashes_and_unmapped_answers_verbatim(tmp_path: Path) -> None:
    out = tmp_path / "inputs.yaml"
    run_techplan("import", "github", CASES / "gh-issue-form.json", "-o", out, "--as-of", AS_OF)
    after = load_path(out).extra["issue_summary"].after
    assert "### not a heading: a comment in code" in after  # inside the code block of an answer
    assert "###\nA stray hash line above, typed into the answer." in after
    assert "### Browser\n\nFirefox 130" in after  # its heading as written  # an answer the mapping does not know
    assert "Code of Conduct" not in out.read_text("utf-8")  # mapped to `ignore`


def test_the_issue_facts_without_plan_fields_are_recorded_as_comments(tmp_path: Path) -> None:
    out = tmp_path / "inputs.yaml"
    run_techplan("import", "github", CASES / "gh-issue-form.json", "-o", out, "--as-of", AS_OF)
    head = out.read_text("utf-8").split("\nissue:")[0]
    for fact in ("@priya", "@dana", "milestone v2.0", "state OPEN", "2026-10-30T09:12:00Z"):
        assert fact in head


def test_rest_issue_with_null_body_and_mixed_labels_imports(tmp_path: Path) -> None:
    out = tmp_path / "inputs.yaml"
    result = run_techplan("import", "github", CASES / "rest-issue-null-body.json", "-o", out, "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    plan = load_path(out)
    assert plan.issue.number == 61
    # html_url, not the API url
    assert plan.issue.url == "https://github.com/example-org/coffee-roast-tracker/issues/61"
    assert plan.issue.labels == ["ui", "charts"]
    assert plan.issue.summary == ""
    assert "Issue Summary" in result.stderr.split("still empty (")[1]


def test_free_form_body_becomes_summary_and_its_task_list_the_requirements(tmp_path: Path) -> None:
    out = tmp_path / "inputs.yaml"
    assert run_techplan("import", "github", CASES / "rest-free-form.json", "-o", out, "--as-of", AS_OF).returncode == 0
    plan = load_path(out)
    assert plan.issue.summary == ("Remind roasters when beans in storage are getting old. "
                                  "The reminder links to the batch.")
    assert [(i.text, i.done) for i in plan.requirements.functional] == [
        ("Daily digest e-mail", False), ("In-app badge on the inventory page", True)]
    after = plan.extra["issue_summary"].after
    assert "| Kenya AA | 40 d |" in after and "Some context:" in after
    assert "template hint" not in out.read_text("utf-8")  # HTML comments are instructions, not content


def test_list_writes_one_folder_per_issue_and_skips_pull_requests(tmp_path: Path) -> None:
    result = run_techplan("import", "github", CASES / "list-with-pull-request.json", "-o", tmp_path / "plans",
                          "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    names = [p.relative_to(tmp_path / "plans").as_posix() for p in files_under(tmp_path / "plans")]
    assert names == ["issue-57-export-roast-profiles-to-csv-and-share-them-by/inputs.yaml",
                     "issue-61-roast-comparison-overlay/inputs.yaml", "issue-64-roast-reminders/inputs.yaml"]
    assert "skipped #70: a pull request" in result.stderr
    for name in names:
        load_path(tmp_path / "plans" / name)


def test_standard_input_is_read_with_a_dash(tmp_path: Path) -> None:
    text = (CASES / "rest-issue-null-body.json").read_text("utf-8")
    result = run_techplan("import", "github", "-", "--as-of", AS_OF, stdin=text)
    assert result.returncode == 0, result.stderr
    assert "number: 61" in result.stdout
    written = tmp_path / "inputs.yaml"
    written.write_text(result.stdout, "utf-8")
    assert load_path(written).issue.title == "Roast comparison overlay"


def test_a_team_mapping_adds_headings_and_overrides_defaults(tmp_path: Path) -> None:
    issue = {"number": 9, "title": "Team form", "body": "### What should it do?\n\nExport things.\n\n"
             "### Proposed solution\n\n- A new exports app\n\n### Browser\n\nFirefox"}
    source = tmp_path / "issue.json"
    source.write_text(json.dumps(issue), "utf-8")
    out = tmp_path / "inputs.yaml"
    result = run_techplan("import", "github", source, "-o", out, "--mapping", CASES / "mapping-team.yaml",
                          "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    plan = load_path(out)
    assert plan.issue.summary == "Export things."
    assert plan.architecture.context == ["A new exports app"]
    assert "Firefox" not in out.read_text("utf-8")


def test_a_mapping_to_an_unknown_field_is_refused_naming_the_heading(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("headings:\n  Summary: issue.sumary\n", "utf-8")
    result = run_techplan("import", "github", CASES / "gh-issue-form.json", "--mapping", mapping)
    assert result.returncode == 2
    assert "headings.Summary" in result.stderr and "issue.sumary" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("content, expected", [
    ("{\"number\": 1,", "not valid JSON"),
    ("{\"title\": \"No number\"}", "(issue).number"),
    ("[{\"number\": 2, \"title\": \"\"}]", "[0].title"),
    ("{\"number\": 3, \"title\": \"x\", \"labels\": [7]}", "labels[0]"),
    ("[]", "holds no issues"),
])
def test_bad_exports_exit_2_naming_the_field_and_write_nothing(tmp_path: Path, content: str, expected: str) -> None:
    source = tmp_path / "bad.json"
    source.write_text(content, "utf-8")
    result = run_techplan("import", "github", source, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert expected in result.stderr and str(source) in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_list_without_an_output_folder_is_a_usage_error() -> None:
    result = run_techplan("import", "github", CASES / "list-with-pull-request.json")
    assert result.returncode == 2 and "-o FOLDER" in result.stderr


def test_existing_inputs_are_not_overwritten_without_force(tmp_path: Path) -> None:
    out = tmp_path / "inputs.yaml"
    out.write_text("# my edits\n", "utf-8")
    refused = run_techplan("import", "github", CASES / "gh-issue-form.json", "-o", out)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert out.read_text("utf-8") == "# my edits\n"
    forced = run_techplan("import", "github", CASES / "gh-issue-form.json", "-o", out, "--force")
    assert forced.returncode == 0 and load_path(out).issue.number == 57


def test_duplicate_issue_numbers_in_a_list_are_refused() -> None:
    issue = {"number": 5, "title": "Twice"}
    with pytest.raises(Exception, match="appears twice"):
        import_github(json.dumps([issue, issue]), "list.json", load_mapping(None),
                      __import__("datetime").date(2026, 1, 1))


def test_an_imported_issue_renders_and_its_plan_shows_the_labels(tmp_path: Path) -> None:
    out = tmp_path / "inputs.yaml"
    run_techplan("import", "github", CASES / "gh-issue-form.json", "-o", out, "--as-of", AS_OF)
    rendered = run_techplan("render", out, "--as-of", AS_OF)
    assert rendered.returncode == 0, rendered.stderr
    assert "**Labels**: enhancement, export" in rendered.stdout
    assert "- [x] Export one roast as CSV" in rendered.stdout
