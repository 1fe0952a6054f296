"""The hostile-input corpus (tests/cases/bad/), each case through the real command line.

A file's name says its expected outcome: NAME.exit2.EXT must be refused with exit 2 and a
FILE:LINE: field: message naming the problem, no traceback and nothing written; NAME.renders.yaml
is hostile text in an otherwise legitimate plan, which must render with that text shown literally
and nothing of it interpreted (no HTML, no Markdown structure, no Jinja, no code run).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from helpers import AS_OF, ROOT, files_under, run_techplan

CASES = ROOT / "tests" / "cases" / "bad"
NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\.(exit2|renders)\.(yaml|json)$")
MD = MarkdownIt("commonmark").enable("table")

# file name -> (line, field as printed, words the message must hold) of the first problem reported.
# "(file)" is the field of a problem with the file as a whole (encoding, syntax, size).
EXPECTED: dict[str, tuple[int, str, str]] = {
    # malformed syntax
    "yaml-unclosed-flow.exit2.yaml": (2, "(file)", "not valid YAML"),
    "yaml-bad-indentation.exit2.yaml": (3, "(file)", "not valid YAML"),
    "yaml-tab-indentation.exit2.yaml": (2, "(file)", "not valid YAML"),
    "yaml-two-documents.exit2.yaml": (4, "(file)", "another document"),
    # found by fuzz/fuzz_context.py: the second document's own syntax error was an internal error (exit 3)
    "second-document-with-a-syntax-error.exit2.yaml": (4, "(file)", "another document"),
    "json-trailing-comma.exit2.json": (5, "(file)", "not valid JSON"),
    "json-unclosed.exit2.json": (5, "(file)", "not valid JSON"),
    "json-single-quotes.exit2.json": (2, "(file)", "not valid JSON"),
    "json-nan-literal.exit2.json": (3, "timeline.phases[0].estimate", "NaN is not allowed"),
    "json-lone-surrogate.exit2.json": (4, "issue.title", "half of a character pair"),
    "json-top-level-list.exit2.json": (1, "(file)", "must hold a mapping"),
    "top-level-scalar.exit2.yaml": (1, "(file)", "must hold a mapping"),
    # YAML features that must not be honoured
    "alias-bomb.exit2.yaml": (2, "(file)", "anchors and aliases"),
    "yaml-merge-key.exit2.yaml": (5, "stack", "merge keys (<<) are not allowed"),
    "python-tag-apply.exit2.yaml": (5, "architecture.components", "python/object/apply:os.system' is not allowed"),
    "python-tag-name.exit2.yaml": (4, "created_by", "python/name:os.system' is not allowed"),
    "custom-tag-include.exit2.yaml": (4, "security", "'!include' is not allowed"),
    "binary-tag.exit2.yaml": (4, "issue_blob", "binary' is not allowed"),
    "complex-key.exit2.yaml": (4, "(file)", "a key must be plain text"),
    "duplicate-top-level-key.exit2.yaml": (5, "status", "duplicate key 'status' (first given on line 4)"),
    "duplicate-nested-key.exit2.json": (5, "issue.number", "duplicate key 'number' (first given on line 3)"),
    # encodings and sizes
    "utf8-bom.exit2.yaml": (1, "(file)", "byte-order mark"),
    "utf16-with-bom.exit2.yaml": (1, "(file)", "UTF-16"),
    "utf16le-without-bom.exit2.yaml": (1, "(file)", "NUL bytes"),
    "latin1.exit2.yaml": (4, "(file)", "byte 0xe9 is not valid UTF-8"),
    "binary-garbage.exit2.yaml": (3, "(file)", "NUL bytes"),
    "empty.exit2.yaml": (1, "(file)", "file is empty"),
    "comments-only.exit2.yaml": (1, "(file)", "holds no data"),
    "nesting-10000.exit2.yaml": (2, "(file)", "nesting depth"),
    "nesting-10000.exit2.json": (2, "(file)", "nesting deeper than 40 levels"),
    "huge-integer.exit2.yaml": (2, "issue.number", "valid integer"),
    "huge-integer.exit2.json": (3, "issue.number", "valid integer"),
    # shape: missing and wrongly typed fields, unknown keys
    "missing-issue.exit2.yaml": (1, "issue", "is required"),
    "missing-title.exit2.yaml": (1, "issue.title", "is required"),
    "number-as-word.exit2.yaml": (2, "issue.number", "valid integer (got 'nine')"),
    "number-as-float.exit2.yaml": (2, "issue.number", "valid integer (got 9.5)"),
    "number-hex.exit2.yaml": (2, "issue.number", "valid integer (got '0x1F')"),
    "title-is-a-boolean.exit2.yaml": (3, "issue.title", "got true/false"),
    "title-is-a-list.exit2.yaml": (3, "issue.title", "valid string"),
    "risks-is-a-mapping.exit2.yaml": (4, "risks", "valid list"),
    "unknown-key-typo.exit2.yaml": (4, "issue.sumary", "did you mean 'summary'?"),
    "unknown-section.exit2.yaml": (4, "budget", "unknown key 'budget'"),
    "unknown-dependency-kind.exit2.yaml": (6, "dependencies.upstream", "allowed keys here: internal, external"),
    "numeric-key.exit2.yaml": (4, "1", "unknown key '1'"),
    "status-unknown.exit2.yaml": (4, "status", "'Done' is not a status"),
    "http-method-unknown.exit2.yaml": (6, "api.new_endpoints[0].method", "'FETCH' is not an HTTP method"),
    "url-javascript.exit2.yaml": (4, "issue.url", "is not a web address"),
    "url-user-before-host.exit2.yaml": (4, "issue.url", "names a user before its host"),
    "risk-scale-4.exit2.yaml": (4, "risk_scale", "3 or 5"),
    # dates
    "date-impossible.exit2.yaml": (4, "created", "'2026-02-30' is not a real calendar date"),
    "date-day-month-year.exit2.yaml": (4, "created", "not a date in the form YYYY-MM-DD"),
    "date-with-time.exit2.yaml": (4, "created", "not a date in the form YYYY-MM-DD"),
    "date-in-words.exit2.yaml": (5, "timeline.start", "not a date in the form YYYY-MM-DD"),
    "date-year-zero.exit2.yaml": (6, "reviews[0].date", "not a real calendar date"),
    "date-as-number.exit2.yaml": (6, "timeline.calendar.holidays[0]", "YYYY-MM-DD"),
    "date-fullwidth-digits.exit2.yaml": (5, "timeline.start", "not a date in the form YYYY-MM-DD"),
    "weekend-word-not-a-weekday.exit2.yaml": (6, "timeline.calendar.weekends[1]", "'Sunflower' is not a weekday"),
    # durations
    "duration-zero.exit2.yaml": (10, "timeline.phases[0].tasks[0].estimate", "positive number of days, got 0"),
    "duration-negative.exit2.yaml": (10, "timeline.phases[0].tasks[0].estimate", "positive number of days, got -3"),
    "duration-nan.exit2.yaml": (10, "timeline.phases[0].tasks[0].estimate", "positive number of days, got nan"),
    "duration-infinite.exit2.yaml": (10, "timeline.phases[0].tasks[0].estimate", "positive number of days, got inf"),
    "duration-huge-string.exit2.yaml": (10, "timeline.phases[0].tasks[0].estimate", "got inf"),
    "duration-range-backwards.exit2.yaml": (10, "timeline.phases[0].tasks[0].estimate", "runs backwards"),
    "duration-three-point-unordered.exit2.yaml": (10, "timeline.phases[0].tasks[0].estimate",
                                                  "optimistic <= likely <= pessimistic"),
    "duration-words.exit2.yaml": (10, "timeline.phases[0].tasks[0].estimate", "is not an estimate"),
    "duration-boolean.exit2.yaml": (10, "timeline.phases[0].tasks[0].estimate.optimistic", "got true/false"),
    "duration-other-script-digits.exit2.yaml": (10, "timeline.phases[0].tasks[0].estimate", "is not an estimate"),
    # dependencies
    "dependency-cycle.exit2.yaml": (9, "timeline.phases[0].tasks[0].depends_on", "cycle: a → c → b → a"),
    "dependency-self.exit2.yaml": (10, "timeline.phases[0].tasks[1].depends_on", "'b' depends on itself"),
    "dependency-dangling.exit2.yaml": (9, "timeline.phases[0].tasks[0].depends_on", "unknown task id 'ghost'"),
    "phase-dependency-cycle.exit2.yaml": (6, "timeline.phases[0].depends_on", "cycle"),
    # dates the schedule cannot reach
    "timeline-past-year-9999.exit2.yaml": (5, "timeline.start", "run past 9999-12-31"),
    "contingency-past-working-day-limit.exit2.yaml": (8, "timeline.contingency",
                                                      "buffer could fall on working day 180,000"),
    # risks
    "risk-out-of-scale-5.exit2.yaml": (8, "risks[0].probability", "7 is outside the scale"),
    "risk-zero-on-scale-5.exit2.yaml": (9, "risks[0].impact", "0 is outside the scale"),
    "risk-number-on-scale-3.exit2.yaml": (7, "risks[0].probability", "set risk_scale: 5"),
    "risk-unknown-level.exit2.yaml": (7, "risks[0].probability", "'Huge' is not a level"),
    "risk-boolean.exit2.yaml": (8, "risks[0].probability", "got true/false"),
    "risk-fraction.exit2.yaml": (8, "risks[0].probability", "(got 2.5)"),
    # ids and titles
    "duplicate-risk-ids.exit2.yaml": (9, "risks[1].id", "'R1' is already used"),
    "duplicate-task-ids.exit2.yaml": (10, "timeline.phases[0].tasks[1].id", "'a' is already used"),
    "id-path-traversal.exit2.yaml": (9, "timeline.phases[0].tasks[0].id", "'../../etc/passwd' is not an id"),
    "id-windows-path.exit2.yaml": (5, "risks[0].id", "is not an id"),
    "id-too-long.exit2.yaml": (5, "risks[0].id", "is not an id: use 1-64 letters"),
    "title-empty.exit2.yaml": (3, "issue.title", "must not be empty"),
    "title-only-spaces.exit2.yaml": (3, "issue.title", "must not be empty"),
    "title-only-zero-width.exit2.yaml": (5, "issue.title", "must not be empty"),
    "title-300-characters.exit2.yaml": (3, "issue.title", "is 300 characters long; shorten it to at most 200"),
    # invisible characters
    "control-character-escape.exit2.yaml": (3, "issue.title", "U+001B"),
    "control-character-raw.exit2.yaml": (4, "(file)", "U+0007"),
    "rtl-override.exit2.yaml": (5, "risks[0].risk", "U+202E"),
    "rtl-isolate.exit2.json": (3, "rollback[0]", "U+2067"),
    "nul-in-text.exit2.json": (4, "issue.title", "U+0000"),
    "zero-width-bom-in-text.exit2.yaml": (3, "issue.title", "U+FEFF"),
    # text hidden in characters that show nothing (issue 14, round 3): tag characters outside a
    # subdivision flag ("ASCII smuggling"), interlinear annotations
    "hidden-tag-characters.exit2.yaml": (3, "issue.title", "U+E0049"),
    "interlinear-annotation.exit2.yaml": (4, "issue.summary", "U+FFF9"),
    "unknown-key-zero-width.exit2.yaml": (4, "rollback\\u200b",
                                          "unknown key 'rollback\\u200b'; did you mean 'rollback'?"),
}

# Fields whose values the plan prints transformed (levels, methods, numbers, dates) or not at all
# (task ids, dependencies): the literal-text check looks at every other string in the inputs.
NOT_LITERAL = {"number", "probability", "impact", "status", "method", "estimate", "id", "depends_on", "date",
               "created", "last_updated", "done", "answered", "approved", "round", "risk_scale", "url"}


def cases(outcome: str) -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.name.split(".")[-2] == outcome)


def issue_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("techplan: ")]


def test_corpus_has_at_least_40_cases_each_named_for_its_outcome() -> None:
    names = sorted(p.name for p in CASES.iterdir())
    assert len(names) >= 40
    assert [n for n in names if not NAME.match(n)] == []
    assert sorted(p.name for p in cases("exit2")) == sorted(EXPECTED), "every exit2 case needs an expectation"
    assert len(cases("renders")) >= 5


@pytest.mark.parametrize("case", cases("exit2"), ids=lambda p: p.name)
def test_bad_input_exits_2_naming_the_file_line_and_field_and_writes_nothing(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "plan.md"
    result = run_techplan("render", case, "-o", out, "--as-of", AS_OF, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    problems = issue_lines(result.stderr)
    assert problems, result.stderr
    for problem in problems:
        assert re.match(rf"^{re.escape(str(case))}:\d+: [^:]+: \S", problem), problem
    line, field, words = EXPECTED[case.name]
    assert problems[0].startswith(f"{case}:{line}: {field}: "), problems[0]
    assert words in problems[0]
    assert files_under(tmp_path) == []


def _write_big(path: Path, risks: int) -> Path:
    lines = ["issue:\n  number: 9\n  title: Big\nrisks:\n"]
    lines += [f"  - {{id: R{i}, risk: Risk number {i}, probability: High, impact: Low}}\n" for i in range(risks)]
    path.write_text("".join(lines), "utf-8")
    return path


def test_a_5_mb_file_is_refused_quickly_at_the_line_where_it_passes_1_mib(tmp_path: Path) -> None:
    big = _write_big(tmp_path / "five-megabytes.yaml", 80_000)
    assert big.stat().st_size > 5_000_000
    out = tmp_path / "out" / "plan.md"
    start = time.process_time()  # CPU: a busy machine slows the clock only
    result = run_techplan("render", big, "-o", out, cwd=tmp_path)
    assert time.process_time() - start < 10
    assert result.returncode == 2
    (problem,) = issue_lines(result.stderr)
    line = big.read_bytes()[: 1024 * 1024].count(b"\n") + 1
    assert problem.startswith(f"{big}:{line}: (file): file is over 1,048,576 bytes (1 MiB)"), problem
    assert files_under(tmp_path) == [big]


def test_a_list_past_1000_entries_is_refused_before_it_is_validated_item_by_item(tmp_path: Path) -> None:
    # Just under 1 MiB holds 14,000 risks; each used to be validated, checked and reported on.
    big = _write_big(tmp_path / "many-risks.yaml", 14_000)
    assert 900_000 < big.stat().st_size < 1024 * 1024
    start = time.process_time()  # CPU: a busy machine slows the clock only
    result = run_techplan("render", big, "-o", tmp_path / "plan.md", cwd=tmp_path)
    assert time.process_time() - start < 10
    assert result.returncode == 2
    assert issue_lines(result.stderr) == [f"{big}:4: risks: has 14,000 entries; a list is limited to 1,000 "
                                          "(split the plan, or group entries)"]
    assert files_under(tmp_path) == [big]


def test_thousands_of_problems_are_summarised_after_the_first_50(tmp_path: Path) -> None:
    lines = ["issue: {number: 9, title: Many}\nrollback:\n"] + ["  - ''\n"] * 900
    bad = tmp_path / "many-problems.yaml"
    bad.write_text("".join(lines), "utf-8")
    result = run_techplan("validate", bad)
    assert result.returncode == 2
    problems = issue_lines(result.stderr)
    assert len(problems) == 51
    assert problems[0] == f"{bad}:3: rollback[0]: must not be empty"
    assert problems[-1] == (f"{bad}:53: rollback[50]: and 850 more problems from here on, not listed; "
                            "fix the ones above first")


# --- hostile text in legitimate plans ------------------------------------------------------


def _walk(tokens: list[Token]) -> list[Token]:
    out = []
    for token in tokens:
        out.append(token)
        out.extend(_walk(token.children or []))
    return out


def _shown(markdown: str) -> str:
    """What a reader of the rendered plan sees, whitespace removed (inline text folds newlines)."""
    parts = []
    for token in _walk(MD.parse(markdown)):
        if token.type in ("text", "fence", "code_block"):
            parts.append(token.content)
        elif token.type == "code_inline":
            parts.append(token.markup + token.content + token.markup)
    return "".join("".join(parts).replace("\u200b", "").split())


def _strings(value: Any, key: str = "") -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in NOT_LITERAL for s in _strings(v, k)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item, key)]
    return [value] if isinstance(value, str) and value.strip() else []


@pytest.mark.parametrize("case", cases("renders"), ids=lambda p: p.name)
def test_hostile_text_renders_literally_and_inertly(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "plan.md"
    result = run_techplan("render", case, "-o", out, "--as-of", AS_OF, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert files_under(tmp_path) == [tmp_path / "out" / ".techplan-state.json", out]
    plan = out.read_text("utf-8")
    tokens = _walk(MD.parse(plan))
    # No HTML reaches a renderer (the <br> is the cell escaper's own line break).
    assert [t.content for t in tokens if t.type.startswith("html") and t.content != "<br>"] == []
    # No link to anything but the issue's own http(s) address; no image at all.
    assert [t.attrGet("href") for t in tokens if t.type == "link_open"
            and not str(t.attrGet("href")).startswith("https://")] == []
    assert [t for t in tokens if t.type == "image"] == []
    # The document keeps the template's structure: its own headings, in order, and nothing else.
    headings = [t.content for t in MD.parse(plan) if t.type == "inline" and t.map and
                plan.splitlines()[t.map[0]].startswith("#")]
    assert headings[0].startswith("Technical Plan: ")
    assert headings[-1] == "Approval"
    assert len([h for h in headings if h == "Approval"]) == 1
    # Every string the user wrote is shown as written.
    shown = _shown(plan)
    data = yaml.safe_load(case.read_text("utf-8"))
    for text in _strings(data):
        assert "".join(text.split()) in shown, text


def test_jinja_in_text_is_printed_not_evaluated(tmp_path: Path) -> None:
    result = run_techplan("render", CASES / "jinja-syntax.renders.yaml", "--as-of", AS_OF, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "# Technical Plan: Compute {{ 7\\*7 }} and {% raw %}" in result.stdout
    assert "49" not in result.stdout
    assert "```\n{{ 7*7 }}\n{% set x = cycler.__init__.__globals__.os %}" in result.stdout  # verbatim in its fence
    assert "injected" not in result.stdout.replace("{% if true %}injected{% endif %}", "")
    assert not (tmp_path / "PWNED").exists()


def test_python_in_text_is_shown_and_never_run(tmp_path: Path) -> None:
    result = run_techplan("render", CASES / "python-code.renders.yaml", "--as-of", AS_OF, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert '# Technical Plan: "; import os; os.system("touch PWNED") \\#\n' in result.stdout
    assert files_under(tmp_path) == []


@pytest.mark.kernel
def test_batch_over_the_whole_corpus_fails_each_bad_input_with_its_problem_and_makes_the_rest(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_techplan("batch", CASES, "--out", out, "--as-of", AS_OF, "--jobs", "2", "--no-progress",
                          cwd=tmp_path, timeout=1200)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    items = {Path(item["input"]).name: item for item in json.loads((out / "summary.json").read_text("utf-8"))["items"]}
    assert sorted(items) == sorted(p.name for p in CASES.iterdir())
    for case in cases("exit2"):
        item = items[case.name]
        line, field, words = EXPECTED[case.name]
        assert item["status"] == "failed" and item["plan"] is None, item
        assert item["reason"] == "invalid-inputs", item
        problems = "\n".join(item["problems"])  # every problem, each FILE:LINE: field: message
        assert f"{case}:{line}: {field}: " in problems and words in problems, item
    for case in cases("renders"):
        item = items[case.name]
        assert item["status"] == "succeeded", item
        assert (out / item["plan"]).is_file()
    assert not list(tmp_path.rglob("PWNED")) and not (ROOT / "PWNED").exists()
