"""The loader accepts what users write and reports every mistake precisely, all at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from techplan_nb.errors import InputError
from techplan_nb.inputs import load_bytes, load_path

from helpers import example_data, files_under, run_techplan, shared_example, write_inputs

THREE_MISTAKES = """\
issue:
  number: 5
  title: Three mistakes
  sumary: typo in a key
created: 2026-02-30
risks:
  - risk: Something
    probability: High
    impact: Huge
"""


def problems(text: str | bytes, name: str = "in.yaml") -> list[str]:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(InputError) as info:
        load_bytes(raw, name)
    return [str(issue) for issue in info.value.issues]


def test_shared_example_loads_unchanged() -> None:
    plan = load_path(shared_example())
    assert plan.issue.number == 57
    assert plan.status == "Under Review"
    assert plan.requirements.functional[3].done is True
    api = plan.timeline.phases[0].tasks[2]
    assert (api.estimate.optimistic, api.estimate.likely, api.estimate.pessimistic) == (2, 3, 5)
    csv = plan.timeline.phases[0].tasks[1]
    assert (csv.estimate.optimistic, csv.estimate.likely, csv.estimate.pessimistic) == (1, 1.5, 2)
    assert [str(d) for d in plan.timeline.calendar.holidays] == ["2026-11-26", "2026-11-27"]


def test_three_mistakes_are_all_reported_with_lines_and_paths() -> None:
    found = problems(THREE_MISTAKES)
    assert found == [
        "in.yaml:4: issue.sumary: unknown key 'sumary'; did you mean 'summary'?",
        "in.yaml:5: created: '2026-02-30' is not a real calendar date",
        "in.yaml:9: risks[0].impact: 'Huge' is not a level; use High, Medium or Low (or H, M, L)",
    ]


def test_cli_exits_2_and_writes_nothing_on_bad_input(tmp_path: Path) -> None:
    inputs = tmp_path / "bad.yaml"
    inputs.write_text(THREE_MISTAKES, "utf-8")
    out = tmp_path / "out" / "plan.md"
    result = run_techplan("render", inputs, "-o", out)
    assert result.returncode == 2
    assert f"{inputs}:4: issue.sumary" in result.stderr
    assert f"{inputs}:5: created" in result.stderr
    assert f"{inputs}:9: risks[0].impact" in result.stderr
    assert "Traceback" not in result.stderr
    assert files_under(tmp_path) == [inputs]


@pytest.mark.parametrize("level, expected", [("h", "High"), ("MEDIUM", "Medium"), (" low ", "Low"), ("M", "Medium")])
def test_risk_levels_are_case_insensitive_with_letters(level: str, expected: str) -> None:
    plan = load_bytes(f"issue: {{number: 1, title: t}}\nrisks:\n  - {{risk: r, probability: {level!r}, impact: H}}\n"
                      .encode(), "x.yaml")
    assert plan.risks[0].probability == expected


def test_json_inputs_give_the_same_plan_as_yaml(tmp_path: Path) -> None:
    data = example_data()
    as_json = json.dumps(data, default=str).encode()
    assert load_bytes(as_json, "x.json") == load_path(shared_example())


def test_json_errors_carry_line_numbers() -> None:
    text = '{\n  "issue": {\n    "number": 1,\n    "title": "t",\n    "colour": 1\n  }\n}\n'
    assert problems(text, "x.json") == ["x.json:5: issue.colour: unknown key 'colour'; allowed keys here: "
                                        "number, title, url, summary, labels"]


@pytest.mark.parametrize("text, fragment", [
    ("a: &x 1\nb: *x\n", "anchors and aliases"),
    ("a: 1\nb: *x\n", "anchors and aliases"),  # an alias whose anchor is missing
    ("issue: {number: 1, title: &t t}\n", "anchors and aliases"),  # an anchor nobody uses
    ("issue: {number: 1, title: t}\nissue: {number: 2, title: u}\n", "duplicate key 'issue' (first given on line 1)"),
    ("issue: !!python/object:os.system {number: 1}\n", "tag 'tag:yaml.org,2002:python/object:os.system'"),
    ("issue: [\n", "not valid YAML"),
    ("- just\n- a list\n", "must hold a mapping"),
    ("issue: {number: 1, title: t}\ncreated: 20/11/2026\n", "not a date in the form YYYY-MM-DD"),
    ("issue: {number: 1, title: t}\ncreated: 2026-11-20T10:00:00\n", "not a date in the form YYYY-MM-DD"),
    ("issue: {number: 0, title: t}\n", "issue.number"),
    ("issue: {number: 1, title: ''}\n", "issue.title"),
    ("issue: {number: 1, title: t}\ntimeline: {phases: [{name: P, tasks: [{id: a, name: A, estimate: -1}]}]}\n",
     "timeline.phases[0].tasks[0].estimate"),
    ("issue: {number: 1, title: t}\ntimeline: {phases: [{name: P, tasks: [{id: a, name: A, estimate: .nan}]}]}\n",
     "positive number"),
    ("issue: {number: 1, title: \"t\\u202e\"}\n", "control character U+202E"),
    ("issue: {number: 1, title: t}\nrisks: [{id: R1, risk: a, probability: H, impact: H},"
     " {id: R1, risk: b, probability: L, impact: L}]\n", "risks[1].id: 'R1' is already used at risks.0.id"),
    ("issue: {number: 1, title: t}\nstatus: Done\n", "not a status"),
])
def test_bad_yaml_is_rejected_with_a_clear_message(text: str, fragment: str) -> None:
    found = "\n".join(problems(text))
    assert fragment in found


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_a_text_over_the_limit_and_a_file_of_too_many_values_are_refused_by_name(suffix: str) -> None:
    from techplan_nb.inputs import MAX_TEXT, MAX_VALUES

    def dump(data: dict) -> str:
        return json.dumps(data, indent=1) if suffix == "json" else yaml.safe_dump(data, width=10**9)

    long_summary = {"issue": {"number": 1, "title": "t", "summary": "x" * (MAX_TEXT + 1)}}
    text = dump(long_summary)
    line = text[: text.index("xxx")].count("\n") + 1
    assert problems(text, f"x.{suffix}") == [
        f"x.{suffix}:{line}: issue.summary: is {MAX_TEXT + 1:,} characters long; "
        f"a text is limited to {MAX_TEXT:,}"]
    many = {"issue": {"number": 1, "title": "t"},
            "open_questions": [[str(i) for i in range(900)] for _ in range(MAX_VALUES // 900 + 1)]}
    found = problems(dump(many), f"x.{suffix}")
    assert len(found) == 1 and f"the file holds more than {MAX_VALUES:,} values" in found[0]


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_a_kept_section_may_be_longer_than_a_field_but_its_heading_may_not(suffix: str) -> None:
    """extra.<section>.before/after hold an imported document's own sections as written (capped by
    the file); every other text, the kept heading too, keeps the per-text limit."""
    from techplan_nb.inputs import MAX_TEXT

    def dump(data: dict) -> str:
        return json.dumps(data, indent=1) if suffix == "json" else yaml.safe_dump(data, width=10**9)

    paragraph = "A paragraph of the design as its authors wrote it.\n\n"
    body = paragraph * (3 * MAX_TEXT // len(paragraph))
    kept = {"issue": {"number": 1, "title": "t"}, "extra": {"technical_approach": {"before": body, "after": body}}}
    plan = load_bytes(dump(kept).encode("utf-8"), f"x.{suffix}")
    assert plan.extra["technical_approach"].before.startswith(paragraph.strip())
    heading = {"issue": {"number": 1, "title": "t"}, "extra": {"security": {"heading": "x" * (MAX_TEXT + 1)}}}
    found = problems(dump(heading), f"x.{suffix}")
    assert len(found) == 1 and f"extra.security.heading: is {MAX_TEXT + 1:,} characters long" in found[0]


def test_encodings_bom_size_and_emptiness_are_rejected() -> None:
    assert "UTF-16" in problems("issue: 1".encode("utf-16"))[0]
    assert "byte-order mark" in problems(b"\xef\xbb\xbfissue: {number: 1, title: t}\n")[0]
    assert "not valid UTF-8" in problems("issue: {number: 1, title: caf\xe9}\n".encode("latin-1"))[0]
    assert "1 MiB" in problems(b"#" * (1024 * 1024 + 1))[0]
    assert "empty" in problems(b"  \n")[0]


def test_deep_nesting_is_refused_without_recursion_errors() -> None:
    assert "nesting" in problems("a: " + "[" * 5000 + "]" * 5000 + "\n")[0]
    assert "nesting" in problems("[" * 10000 + "]" * 10000, "x.json")[0]


def test_yes_no_stay_text_and_numbers_become_text_where_text_is_expected() -> None:
    plan = load_bytes(b"issue: {number: 1, title: 2026}\napi: {new_endpoints: [{method: get, path: /x, "
                      b"response: 204, request: no}]}\n", "x.yaml")
    assert plan.issue.title == "2026"
    assert plan.api.new_endpoints[0].response == "204"
    assert plan.api.new_endpoints[0].request == "no"
    assert plan.api.new_endpoints[0].method == "GET"


def test_validate_command_reports_each_file(tmp_path: Path) -> None:
    good = write_inputs(tmp_path, {"issue": {"number": 1, "title": "ok"}}, "good.yaml")
    bad = write_inputs(tmp_path, {"issue": {"number": 1}}, "bad.yaml")
    result = run_techplan("validate", good, bad)
    assert result.returncode == 2
    assert f"{good}: ok" in result.stdout
    assert f"{bad}:1: issue.title: is required" in result.stderr


def test_new_writes_a_starter_that_validates_and_renders(tmp_path: Path) -> None:
    starter = tmp_path / "inputs.yaml"
    assert run_techplan("new", "-o", starter).returncode == 0
    assert "#" in starter.read_text("utf-8")
    assert run_techplan("validate", starter).returncode == 0
    again = run_techplan("new", "-o", starter)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_schema_is_json_schema_of_the_inputs() -> None:
    result = run_techplan("schema")
    schema: dict[str, Any] = json.loads(result.stdout)
    assert schema["type"] == "object"
    assert schema["required"] == ["issue"]
    assert "risks" in schema["properties"] and schema["additionalProperties"] is False


def test_render_refuses_to_overwrite_a_hand_edited_plan(tmp_path: Path) -> None:
    out = tmp_path / "plan.md"
    assert run_techplan("render", shared_example(), "-o", out, "--as-of", "2026-11-20").returncode == 0
    assert run_techplan("render", shared_example(), "-o", out, "--as-of", "2026-11-21").returncode == 0
    out.write_text(out.read_text("utf-8") + "\nA note by hand.\n", "utf-8")
    refused = run_techplan("render", shared_example(), "-o", out, "--as-of", "2026-11-22")
    assert refused.returncode == 2 and "edited by hand" in refused.stderr
    assert out.read_text("utf-8").endswith("A note by hand.\n")
    forced = run_techplan("render", shared_example(), "-o", out, "--as-of", "2026-11-22", "--force")
    assert forced.returncode == 0
    assert (tmp_path / "plan.md.bak").read_text("utf-8").endswith("A note by hand.\n")


def test_a_section_key_left_without_a_value_counts_as_not_given_but_a_required_one_is_still_an_error() -> None:
    text = ("issue:\n  number: 5\n  title: Empty keys\n  summary:\nrisks:\nreviews:\napprovals:\nsecurity:\n"
            "timeline:\n  phases:\n    - name: Build\n      tasks:\n")
    plan = load_bytes(text.encode(), "left-empty.yaml")
    assert (plan.risks, plan.reviews, plan.timeline.phases[0].tasks) == ([], [], [])
    with pytest.raises(InputError) as caught:
        load_bytes(b"issue:\n  number: 5\n  title:\n", "no-title.yaml")
    assert [(issue.line, issue.field) for issue in caught.value.issues] == [(3, "issue.title")]
