"""Every reader of user text runs in time linear in its input (issue 14, class 7).

A backtracking pattern such as `\\s*...\\s*$`, `(.*?)\\s*X$` or `<!--.*?-->` is quadratic (or
worse) on a long run of the characters it retries: a 2 KB plan took 38 s to check. Each reader gets
64 KiB adversarial lines, built from runs of the characters the patterns use and the line shapes
they look for (headings, list items, table rows, labels, "Total:", "Round 1", ...), and must answer
within a budget a quadratic pattern cannot meet at that size.

Fast by construction (the whole file in about 15 s): all the lines go into a few documents per
reader, each line on its own at full length under the section whose reader looks for its shape.
A quadratic pattern still blows the budget (one line is 64 KiB: the reverted approval pattern took
minutes on one line of blanks), while linear costs only add up. Runs that markdown-it itself reads
slowly (0.2-1.2 s a 64 KiB line: "[", "*", "_", "<!--", "#") are paired only with the shapes in
which they are syntax. The exhaustive grid (every run in every shape, one document each, 7 minutes)
is benchmarks/linear_time_readers.py, run by hand after changing a pattern."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from helpers import AS_OF, example_data, run_techplan, seed_template, write_inputs

SIZE = 64 * 1024
# CPU seconds of this process for one command on one document (CPU, not wall time: other work on
# a shared machine slows the clock, not the count). The linear cost of the largest document is 1-3 s;
# one 64 KiB line read by a quadratic pattern takes from 20 s to minutes.
BUDGET = 10.0

ALL_SHAPES = [
    "x{r}x", "## {r}x", "- [ ] a{r}b", "- ✅ a{r}:{r}x", "| **a** | {r} | x", "**Total**{r}:{r}x",
    "Status:{r}x", "### Round 1{r}x", "### Phase 1 ({r}x", "a —{r}1{r}x", "🔴{r}x{r}x", "**Issue Number**: {r}x",
    "Probability:{r}x", "<details{r}x",
]
# Runs markdown-it reads quickly go into every shape.
CHEAP_RUNS = [" ", "\t", "|", "`", "1", "()", "a ", "( ", "1."]
# The others (0.1-1.2 s a 64 KiB line in markdown-it alone) into the shapes where they mean
# something to a pattern. "_" is in no pattern of the plan readers; the renderer gets it below.
TARGETED = {
    "<!--": ["x{r}x", "<details{r}x"],
    "#": ["## {r}x", "### Round 1{r}x", "### Phase 1 ({r}x"],
    "*": ["**Total**{r}:{r}x"],
    "[": ["- [ ] a{r}b"],
    "-": ["- [ ] a{r}b", "a —{r}1{r}x"],
    ": ": ["- ✅ a{r}:{r}x", "Status:{r}x", "Probability:{r}x"],
    "- ": ["a —{r}1{r}x"],
    "<a": ["<details{r}x"],
}
LINES = [(run, shape) for run in CHEAP_RUNS for shape in ALL_SHAPES] + [
    (run, shape) for run, shapes in TARGETED.items() for shape in shapes]
# What an issue body is read for: comments, task lists, issue-form headings and risks. import
# github also writes and reloads each issue's inputs, three times check's cost a line.
GITHUB_SHAPES = {"x{r}x", "<details{r}x", "- [ ] a{r}b", "### Round 1{r}x", "🔴{r}x{r}x", "Probability:{r}x"}
GITHUB_LINES = [(run, shape) for run, shape in LINES if shape in GITHUB_SHAPES and run != "["]

# Where in the house template each shape is read: the line it goes after.
ANCHOR = {
    "**Issue Number**: {r}x": "**Status**", "Status:{r}x": "**Status**",
    "x{r}x": "## Issue Summary", "<details{r}x": "## Issue Summary", "## {r}x": "Brief summary",
    "- [ ] a{r}b": "- [ ] Requirement 1", "| **a** | {r} | x": "| Risk 2",
    "🔴{r}x{r}x": "## Risk Assessment", "Probability:{r}x": "## Risk Assessment",
    "**Total**{r}:{r}x": "## Implementation Timeline", "### Phase 1 ({r}x": "## Implementation Timeline",
    "a —{r}1{r}x": "### Phase 1: Foundation", "### Round 1{r}x": "## Review Feedback",
    "- ✅ a{r}:{r}x": "- [ ] Engineering Manager",
}
# Under check's 4 MiB limit for a plan (and far under import's 16 MiB).
PER_DOCUMENT = 48


def _line(run: str, shape: str) -> str:
    budget = SIZE - len(shape)
    pieces = shape.count("{r}")
    return shape.replace("{r}", run * (budget // pieces // len(run)))


def _chunks(lines: list[tuple[str, str]], size: int) -> list[list[tuple[str, str]]]:
    """Lines dealt out like cards, so the slow runs are spread over the documents."""
    count = -(-len(lines) // size)
    return [lines[part::count] for part in range(count)]


def _timed(*args: str | Path) -> tuple[float, int]:
    started = time.process_time()
    result = run_techplan(*args)
    return time.process_time() - started, result.returncode


def _plan(lines: list[tuple[str, str]]) -> str:
    """The house template with each line after its shape's anchor; lines that start a block
    (headings, paragraphs) set off by blank lines, list items and table rows not. Approved, as
    check reads the approval lines only in an approved plan."""
    template = seed_template().read_text("utf-8").replace("Draft/Under Review/Approved", "Approved").split("\n")
    out: list[str] = []
    for text in template:
        out.append(text)
        for run, shape in lines:
            if text.startswith(ANCHOR[shape]):
                joined = shape.startswith(("- ", "| "))
                out += [_line(run, shape)] if joined else ["", _line(run, shape), ""]
    return "\n".join(out)


def test_every_shape_has_an_anchor_in_the_template() -> None:
    """A shape whose anchor went missing from the template would silently be tested nowhere."""
    template = seed_template().read_text("utf-8").split("\n")
    for shape, anchor in ANCHOR.items():
        assert any(text.startswith(anchor) for text in template), (shape, anchor)
    assert {shape for _, shape in LINES} == set(ANCHOR)


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Imports and caches paid once, so the budget measures the reading alone."""
    folder = tmp_path_factory.mktemp("warm")
    plan = folder / "plan.md"
    plan.write_text(seed_template().read_text("utf-8"), "utf-8")
    run_techplan("check", plan)
    run_techplan("import", "markdown", plan)
    issue = folder / "issue.json"
    issue.write_text(json.dumps(_issue(7, "warm")), "utf-8")
    run_techplan("import", "github", issue, "--as-of", AS_OF)
    inputs = write_inputs(folder, example_data())
    run_techplan("render", inputs, "--as-of", AS_OF)
    return folder


def _issue(number: int, body: str) -> dict[str, object]:
    return {"number": number, "title": "Slow patterns", "body": body, "state": "open", "labels": [],
            "created_at": "2026-11-03T10:00:00Z", "user": {"login": "ana"},
            "html_url": f"https://github.com/example-org/repo/issues/{number}"}


@pytest.mark.parametrize("part", range(len(_chunks(LINES, PER_DOCUMENT))))
def test_check_and_import_markdown_are_linear(warm: Path, tmp_path: Path, part: int) -> None:
    lines = _chunks(LINES, PER_DOCUMENT)[part]
    plan = tmp_path / "plan.md"
    plan.write_text(_plan(lines), "utf-8")
    for args in (("check", plan), ("import", "markdown", plan)):
        seconds, code = _timed(*args)
        assert code in (0, 1, 2), args
        assert seconds < BUDGET, (f"{' '.join(map(str, args[:-1]))} took {seconds:.1f}s on a plan holding "
                                  f"{', '.join(f'{shape!r} of {run!r}' for run, shape in lines)}")


def test_import_github_is_linear(warm: Path, tmp_path: Path) -> None:
    """A list of issues, one per line: the line's halves in the body and in an issue form's Risks."""
    lines = GITHUB_LINES
    issues = []
    for number, (run, shape) in enumerate(lines, start=1):
        line = _line(run, shape)
        issues.append(_issue(number, line[: SIZE // 2] + "\n\n### Risks\n\n- " + line[: SIZE // 2]))
    export = tmp_path / "issues.json"
    export.write_text(json.dumps(issues), "utf-8")
    seconds, code = _timed("import", "github", export, "-o", tmp_path / "out", "--as-of", AS_OF)
    assert code in (0, 2)
    assert seconds < BUDGET, f"import github took {seconds:.1f}s on {len(issues)} issues of {SIZE // 1024} KiB"


RUNS = [*CHEAP_RUNS, *TARGETED, "_"]


@pytest.mark.parametrize("part", [0, 1])
def test_validate_and_render_are_linear(warm: Path, tmp_path: Path, part: int) -> None:
    """Text values (rendered through the escaper and the verbatim sanitiser) holding the adversarial
    runs, each just under the 65,536 limit: one run as the summary, every shape of each run as a
    functional requirement (half the runs per inputs file, under its 1 MiB limit)."""
    runs = RUNS[part::2]
    data = example_data()
    data["issue"]["summary"] = _line(runs[0], "x{r}x")[:60_000]
    data["requirements"]["functional"] = [
        "\n".join([_line(run, shape)[:4_000] for shape in ALL_SHAPES])[:60_000] for run in runs]
    inputs = write_inputs(tmp_path, data)
    for args in (("validate", inputs), ("render", inputs, "--as-of", AS_OF)):
        seconds, code = _timed(*args)
        assert seconds < BUDGET, f"{args[0]} took {seconds:.1f}s on runs of {runs!r}"
        assert code in (0, 2), args


def test_role_key_is_linear_on_open_parentheses() -> None:
    from techplan_nb.workflow import role_key

    started = time.process_time()
    assert role_key("Engineering Manager (lead)" + "(" * SIZE) == "engineering manager" + "(" * SIZE
    assert role_key("Staff UX Designer" + " " * SIZE + "x") == "staff ux designer x"
    assert time.process_time() - started < BUDGET / 2


@pytest.mark.parametrize("estimate", ["1" + " " * 60_000 + "x", "1-2" + " " * 60_000 + "x"])
def test_estimates_are_read_in_linear_time(warm: Path, tmp_path: Path, estimate: str) -> None:
    """A task estimate with a long run of blanks around its "d": refused at once, naming the field
    (the number and range patterns were quadratic on the blanks, 5 s for 20,000)."""
    data = example_data()
    data["timeline"]["phases"][0]["tasks"][0]["estimate"] = estimate
    inputs = write_inputs(tmp_path, data)
    seconds, code = _timed("validate", inputs)
    assert code == 2
    assert seconds < BUDGET / 2, f"validate took {seconds:.1f}s on an estimate of {len(estimate):,} characters"
