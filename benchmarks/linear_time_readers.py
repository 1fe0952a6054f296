"""Every reader of user text runs in time linear in its input (issue 14, class 7): the exhaustive grid.

Run by hand after changing a pattern that reads user text (about 7 minutes on two cores):

    .venv/bin/pytest benchmarks/linear_time_readers.py -p no:nbval -o addopts="" --rootdir=. -q

The fast tier's tests/cli/test_linear_time_readers.py puts the same runs and shapes into a few
documents per reader (seconds, not minutes); this grid gives every run in every shape its own
document and command, so a slow case is named exactly.

A backtracking pattern such as `\\s*...\\s*$`, `(.*?)\\s*X$` or `<!--.*?-->` is quadratic (or
worse) on a long run of the characters it retries: a 2 KB plan took 38 s to check. Each reader is
fed one 64 KiB adversarial line, built from a grid of the characters the patterns use and the line
shapes they look for (headings, list items, table rows, labels, "Total:", "Round 1", ...), and
must answer within a budget a quadratic pattern cannot meet at that size."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # not under tests/: no conftest

from helpers import AS_OF, example_data, run_techplan, seed_template, write_inputs  # noqa: E402

SIZE = 64 * 1024
# Seconds. A quadratic pattern over 64 KiB takes tens of seconds to minutes; markdown-it's own
# (linear) cost reaches 2-4 s on 64 KiB of "[" or "<!--" on a loaded two-core machine.
BUDGET = 5.0

# The characters the patterns quantify over.
RUNS = [" ", "\t", "<!--", "#", "|", "*", "_", "`", "[", "1", "-", "()", "a ", "( ", "1.", ": ", "<a", "- "]
# The shapes of line they look for: the run goes where {r} is, the tail makes the match fail late.
SHAPES = [
    "x{r}x", "## {r}x", "- [ ] a{r}b", "- ✅ a{r}:{r}x", "| **a** | {r} | x", "**Total**{r}:{r}x",
    "Status:{r}x", "### Round 1{r}x", "### Phase 1 ({r}x", "a —{r}1{r}x", "🔴{r}x{r}x", "**Issue Number**: {r}x",
    "Probability:{r}x", "<details{r}x",
]
GRID = [(run, shape) for run in RUNS for shape in SHAPES]


def _line(run: str, shape: str) -> str:
    budget = SIZE - len(shape)
    pieces = shape.count("{r}")
    return shape.replace("{r}", run * (budget // pieces // len(run)))


def _timed(*args: str | Path) -> tuple[float, int]:
    started = time.perf_counter()
    result = run_techplan(*args)
    return time.perf_counter() - started, result.returncode


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Imports and caches paid once, so the budget measures the reading alone."""
    folder = tmp_path_factory.mktemp("warm")
    plan = folder / "plan.md"
    plan.write_text(seed_template().read_text("utf-8"), "utf-8")
    run_techplan("check", plan)
    run_techplan("import", "markdown", plan)
    issue = folder / "issue.json"
    issue.write_text(json.dumps(_issue("warm")), "utf-8")
    run_techplan("import", "github", issue, "--as-of", AS_OF)
    inputs = write_inputs(folder, example_data())
    run_techplan("render", inputs, "--as-of", AS_OF)
    return folder


def _issue(body: str) -> dict[str, object]:
    return {"number": 7, "title": "Slow patterns", "body": body, "state": "open", "labels": [],
            "created_at": "2026-11-03T10:00:00Z", "user": {"login": "ana"},
            "html_url": "https://github.com/example-org/repo/issues/7"}


def _plan(line: str) -> str:
    """The house template with the line under every section, where each section's reader sees it."""
    out = []
    # Approved: check reads the approval lines only in an approved plan.
    for text in seed_template().read_text("utf-8").replace("Draft/Under Review/Approved", "Approved").split("\n"):
        out.append(text)
        if text.startswith("## "):
            out += ["", line, ""]
    return "\n".join(out)


@pytest.mark.parametrize(("run", "shape"), GRID)
def test_check_and_import_markdown_are_linear(warm: Path, tmp_path: Path, run: str, shape: str) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text(_plan(_line(run, shape)[: SIZE // 16]) + "\n" + _line(run, shape) + "\n", "utf-8")
    for args in (("check", plan), ("import", "markdown", plan)):
        seconds, code = _timed(*args)
        assert code in (0, 1, 2), args
        assert seconds < BUDGET, f"{' '.join(map(str, args[:-1]))} took {seconds:.1f}s on {shape!r} of {run!r}"


@pytest.mark.parametrize(("run", "shape"), GRID)
def test_import_github_is_linear(warm: Path, tmp_path: Path, run: str, shape: str) -> None:
    line = _line(run, shape)
    issue = tmp_path / "issue.json"
    issue.write_text(json.dumps(_issue(line[: SIZE // 2] + "\n\n### Risks\n\n- " + line[: SIZE // 2])), "utf-8")
    seconds, code = _timed("import", "github", issue, "--as-of", AS_OF)
    assert code in (0, 2)
    assert seconds < BUDGET, f"import github took {seconds:.1f}s on {shape!r} of {run!r}"


@pytest.mark.parametrize("run", RUNS)
def test_validate_and_render_are_linear(warm: Path, tmp_path: Path, run: str) -> None:
    """Text values (rendered through the escaper and the verbatim sanitiser) and a role name
    (compared through workflow.role_key) holding the adversarial runs, just under the 65,536 limit."""
    data = example_data()
    text = _line(run, "x{r}x")[:60_000]
    data["issue"]["summary"] = text
    lines = "\n".join([_line(run, shape)[:4_000] for shape in SHAPES])
    data["requirements"]["functional"] = [lines[:60_000]]
    inputs = write_inputs(tmp_path, data)
    for args in (("validate", inputs), ("render", inputs, "--as-of", AS_OF)):
        seconds, code = _timed(*args)
        assert seconds < BUDGET * 2, f"{args[0]} took {seconds:.1f}s on a run of {run!r}"
        assert code in (0, 2), args


def test_role_key_is_linear_on_open_parentheses() -> None:
    from techplan_nb.workflow import role_key

    started = time.perf_counter()
    assert role_key("Engineering Manager (lead)" + "(" * SIZE) == "engineering manager" + "(" * SIZE
    assert role_key("Staff UX Designer" + " " * SIZE + "x") == "staff ux designer x"
    assert time.perf_counter() - started < BUDGET
