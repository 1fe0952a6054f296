"""`techplan import github` on the exports people really feed it: null bodies, labels of both
shapes, odd metadata, screenshots, code with "###" in it, non-ASCII, huge bodies, and lists where
one item is bad."""

from __future__ import annotations

import json
from pathlib import Path

from techplan_nb.inputs import load_path

from helpers import ROOT, files_under, run_techplan

DATA = ROOT / "tests" / "data"
HOSTILE = DATA / "gh-hostile-list.json"
AS_OF = "2026-11-20"


def folders(out: Path) -> list[str]:
    return [p.parent.name for p in files_under(out)]


def test_a_list_with_a_pull_request_and_bad_items_writes_the_good_issues_and_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "plans"
    result = run_techplan("import", "github", HOSTILE, "-o", out, "--as-of", AS_OF)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert folders(out) == ["issue-101-body-null-nothing-else", "issue-102-labels-as-objects-and-strings",
                            "issue-103-over-roast-alert", "issue-104-cafe-quotes", "issue-107-odd-metadata"]
    assert "skipped #105: a pull request" in result.stderr
    assert f"{HOSTILE}:62: [5].title: is missing or empty" in result.stderr
    assert f"{HOSTILE}:78: [7]: is not a JSON object" in result.stderr
    assert "2 items of the list not imported ([5], [7]; see above); the other 5 issues were written" in result.stderr
    for path in files_under(out):
        load_path(path)


def test_a_list_whose_every_issue_is_bad_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "bad.json"
    source.write_text(json.dumps([{"number": 1, "title": ""}, {"number": 2, "title": "PR", "pull_request": {}}]),
                      "utf-8")
    result = run_techplan("import", "github", source, "-o", tmp_path / "plans")
    assert result.returncode == 2
    assert f"{source}:1: [0].title: is missing or empty" in result.stderr and "skipped #2" in result.stderr
    assert not (tmp_path / "plans").exists()


def test_labels_as_objects_and_strings_and_blank_names(tmp_path: Path) -> None:
    out = tmp_path / "plans"
    run_techplan("import", "github", HOSTILE, "-o", out, "--as-of", AS_OF)
    path = out / "issue-102-labels-as-objects-and-strings" / "inputs.yaml"
    assert load_path(path).issue.labels == ["bug", "ux"]
    # Assignees of both shapes, a null among them, and a milestone object go to the comments.
    assert "# Issue: assignees @ana, @lee; milestone 2026 Q4." in path.read_text("utf-8")


def test_metadata_of_the_wrong_type_is_left_out_not_a_crash(tmp_path: Path) -> None:
    out = tmp_path / "plans"
    run_techplan("import", "github", HOSTILE, "-o", out, "--as-of", AS_OF)
    text = (out / "issue-107-odd-metadata" / "inputs.yaml").read_text("utf-8")
    # state {"name": ...}, createdAt 12345 and milestone 5 are not text; assignees "ana" is not split
    # into letters; an author without a login is known by name.
    assert "# Issue: opened by @Dee." in text
    assert "@a, @n" not in text and "12345" not in text


def test_an_issue_form_with_unknown_headings_screenshots_and_hashes_in_code(tmp_path: Path) -> None:
    out = tmp_path / "plans"
    run_techplan("import", "github", HOSTILE, "-o", out, "--as-of", AS_OF)
    plan = load_path(out / "issue-103-over-roast-alert" / "inputs.yaml")
    assert plan.issue.summary == "Roasters want an alert 🔔 when a batch over-roasts."
    assert [(r.text, r.done) for r in plan.requirements.functional] == [
        ("Alert at 5 °C over target", True), ("Snooze for 10 minutes", False)]
    assert [(r.risk, r.probability, r.impact, r.mitigation) for r in plan.risks] == [
        ("Alert storms", "High", "Medium", "rate limit")]
    assert plan.requirements.out_of_scope == []
    kept = plan.extra["issue_summary"].after
    # The screenshot stays an image (not "screenshot (url)" in the summary); the unknown answers
    # keep their headings; the "###" inside the code block is code, not a new answer.
    assert kept.startswith("![screenshot](https://user-images.githubusercontent.com/1/over-roast.png)\n\n")
    assert "### Browser / Device\n\nSafari on iPad" in kept
    assert "### Logs\n\n```text\n### not a heading\nERROR probe 2 disconnected\n```" in kept
    assert "\r" not in (out / "issue-103-over-roast-alert" / "inputs.yaml").read_text("utf-8")


def test_a_screenshot_in_a_free_form_body_is_not_flattened_into_the_summary(tmp_path: Path) -> None:
    source = tmp_path / "issue.json"
    source.write_text(json.dumps({"number": 90, "title": "Crash on save", "body":
                                  "Saving a roast crashes.\r\n\r\n![image](https://example.com/a.png)\r\n\r\n"
                                  "Steps: open, save."}), "utf-8")
    out = tmp_path / "inputs.yaml"
    assert run_techplan("import", "github", source, "-o", out).returncode == 0
    plan = load_path(out)
    assert plan.issue.summary == "Saving a roast crashes."
    assert plan.extra["issue_summary"].after == "![image](https://example.com/a.png)\n\nSteps: open, save."


def test_non_ascii_titles_and_bodies_survive(tmp_path: Path) -> None:
    out = tmp_path / "plans"
    run_techplan("import", "github", HOSTILE, "-o", out, "--as-of", AS_OF)
    plan = load_path(out / "issue-104-cafe-quotes" / "inputs.yaml")
    assert plan.issue.title == "Café ☕ 日本語 — «quotes»"
    assert plan.issue.summary == "Ünïcödé body with émoji 🎉 and RTL שלום."
    assert [r.text for r in plan.requirements.functional] == ["Tâche"]
    rendered = run_techplan("render", out / "issue-104-cafe-quotes" / "inputs.yaml", "--as-of", AS_OF)
    assert rendered.returncode == 0 and "# Technical Plan: Café ☕ 日本語 — «quotes»" in rendered.stdout


def test_a_body_too_big_for_an_inputs_file_is_refused_naming_the_issue(tmp_path: Path) -> None:
    huge = {"number": 7, "title": "Huge", "body": ("word " * 200 + "\n\n") * 1200}
    source = tmp_path / "huge.json"
    source.write_text(json.dumps(huge), "utf-8")
    result = run_techplan("import", "github", source, "-o", tmp_path / "inputs.yaml")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{source}: issue #7.body: the issue's inputs would be over the 1 MiB an inputs file may hold" in \
        result.stderr
    assert not (tmp_path / "inputs.yaml").exists()
    # In a list the other issues are still written.
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([huge, {"number": 8, "title": "Small", "body": "ok"}]), "utf-8")
    result = run_techplan("import", "github", listed, "-o", tmp_path / "plans")
    assert result.returncode == 2 and "[0] (issue #7).body" in result.stderr
    assert folders(tmp_path / "plans") == ["issue-8-small"]


def test_a_list_from_standard_input_goes_to_a_folder(tmp_path: Path) -> None:
    text = HOSTILE.read_text("utf-8")
    refused = run_techplan("import", "github", "-", stdin=text)
    assert refused.returncode == 2 and "-o FOLDER" in refused.stderr
    result = run_techplan("import", "github", "-", "-o", tmp_path / "plans", "--as-of", AS_OF, stdin=text)
    assert result.returncode == 2 and "<stdin>:62: [5].title" in result.stderr
    assert len(folders(tmp_path / "plans")) == 5


def test_a_single_bad_issue_still_refuses_with_its_field(tmp_path: Path) -> None:
    source = tmp_path / "one.json"
    source.write_text(json.dumps({"number": 3, "title": "x", "body": 5}), "utf-8")
    result = run_techplan("import", "github", source, "-o", tmp_path / "inputs.yaml")
    assert result.returncode == 2 and "(issue).body: must be text or null, got int" in result.stderr
    assert not (tmp_path / "inputs.yaml").exists()


def test_control_characters_and_broken_surrogates_do_not_refuse_an_issue(tmp_path: Path) -> None:
    source = tmp_path / "odd.json"
    source.write_text('[{"number": 1, "title": "colour \\u001b[31mred", "body": "a\\u0000b \\ufeff c"},'
                      ' {"number": 2, "title": "half \\ud800 pair", "body": "x \\udfff y", "labels": ["\\ud83d"]}]',
                      "utf-8")
    result = run_techplan("import", "github", source, "-o", tmp_path / "plans")
    assert result.returncode == 0, result.stderr
    assert "#1: invisible control characters were removed from the title and body" in result.stderr
    assert "3 broken characters" in result.stderr
    first = load_path(tmp_path / "plans" / "issue-1-colour-31mred" / "inputs.yaml")
    assert (first.issue.title, first.issue.summary) == ("colour [31mred", "ab c")
    second = load_path(tmp_path / "plans" / "issue-2-half-pair" / "inputs.yaml")
    assert (second.issue.title, second.issue.labels) == ("half \ufffd pair", ["\ufffd"])


def test_acceptance_criteria_with_sub_items_are_kept_whole_not_dropped(tmp_path: Path) -> None:
    body = ("### Description\n\nExport.\n\n### Acceptance criteria\n\n- [ ] CSV export\n  - [ ] with headers\n"
            "  - [ ] UTF-8\n- [x] ZIP export\n\n  with a second paragraph\n- [ ] Share link\n")
    source = tmp_path / "issue.json"
    source.write_text(json.dumps({"number": 5, "title": "Nested", "body": body}), "utf-8")
    out = tmp_path / "inputs.yaml"
    result = run_techplan("import", "github", source, "-o", out)
    assert result.returncode == 0, result.stderr
    plan = load_path(out)
    assert [(r.text, r.done) for r in plan.requirements.functional] == [("Share link", False)]
    assert plan.extra["issue_summary"].after == (
        "### Acceptance criteria\n\n- [ ] CSV export\n  - [ ] with headers\n  - [ ] UTF-8\n"
        "- [x] ZIP export\n\n  with a second paragraph")
    assert "kept as written" in result.stderr
    assert "risks: []" not in out.read_text("utf-8")


def test_html_comments_are_dropped_as_hints_but_kept_inside_code(tmp_path: Path) -> None:
    body = ("<!-- hint: describe it -->\nIt breaks.\n\n```html\n<!-- keep me -->\n<div></div>\n```\n\n"
            "<!--\nmulti-line hint\n-->\nEnd.")
    source = tmp_path / "issue.json"
    source.write_text(json.dumps({"number": 7, "title": "Comments", "body": body}), "utf-8")
    out = tmp_path / "inputs.yaml"
    assert run_techplan("import", "github", source, "-o", out).returncode == 0
    plan = load_path(out)
    assert plan.issue.summary == "It breaks."
    assert plan.extra["issue_summary"].after == "```html\n<!-- keep me -->\n<div></div>\n```\n\nEnd."
    assert "hint" not in out.read_text("utf-8")


def test_issue_numbers_out_of_range_are_refused_naming_the_item_not_an_internal_error(tmp_path: Path) -> None:
    # 5,000 digits pass Python's int() limit (json.loads raised ValueError); 10**30 passed the
    # importer and was refused by the inputs schema under a heading of "issue #1000000...".
    source = tmp_path / "numbers.json"
    source.write_text('[{"number": ' + "9" * 5000 + ', "title": "Long"}, {"number": 1000000000000000000000000000000, '
                      '"title": "Huge"}, {"number": 7, "title": "Fine"}]', "utf-8")
    result = run_techplan("import", "github", source, "-o", tmp_path / "plans", "--as-of", AS_OF)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert f"{source}:1: [0].number: must be the issue's number (a whole number from 1 to 1,000,000,000)" \
           in result.stderr
    assert f"{source}:1: [1].number: must be the issue's number (a whole number from 1 to 1,000,000,000), got " \
           "1000000000000000000000000000000;" in result.stderr
    assert max(len(line) for line in result.stderr.splitlines() if ".number:" in line) < 300
    assert folders(tmp_path / "plans") == ["issue-7-fine"]
