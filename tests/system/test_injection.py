"""No input becomes code in the kernel: text in the inputs, the inputs' file name, the output folder
and parameter names all reach the notebook as data, through `techplan run` and `techplan batch`.

Each check is two-sided: nothing ran (no PWNED file anywhere, the injected-parameters cell holds
only constant assignments) and the text shows literally in the plan.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from techplan_nb.errors import UsageError
from techplan_nb.runner import PARAMETERS, check_parameters

from helpers import AS_OF, ROOT, files_under, run_techplan, write_inputs

MD = MarkdownIt("commonmark").enable("table")
EVIL = [
    '"; import os; os.system("touch PWNED") #',
    "'; import os; os.system('touch PWNED') #",
    'first line\nimport os; os.system("touch PWNED")',
    '\\"; __import__("os").system("touch PWNED") #',
    '"""; __import__("os").system("touch PWNED"); """',
    "{{ 7*7 }} {% raw %} $(touch PWNED) `touch PWNED` %run evil.py !touch PWNED",
    "costs $5 or $\\frac{$ and {0.__class__}",
]
EVIL_NAME = 'evil"; import os; os.system("touch PWNED") #\n\'x'
EVIL_OUT = "out \"; __import__('os').system('touch PWNED') #\n'"
NOT_AN_IDENTIFIER = "x = 1\nimport os; os.system('touch PWNED') #"

pytestmark = pytest.mark.kernel


def hostile_plan(number: int) -> dict[str, Any]:
    return {
        "issue": {"number": number, "title": EVIL[0], "summary": "\n\n".join(EVIL)},
        "created_by": EVIL[1],
        "risks": [{"id": f"R{i}", "risk": text, "probability": "H", "impact": "L", "mitigation": text}
                  for i, text in enumerate(EVIL)],
        "timeline": {"start": "2026-11-23", "phases": [
            {"id": "p1", "name": EVIL[4],
             "tasks": [{"id": f"t{i}", "name": text, "estimate": i + 1} for i, text in enumerate(EVIL)]}]},
        "rollback": EVIL,
        "database": {"new_tables": "\n".join(EVIL)},
    }


def _walk(tokens: list[Token]) -> list[Token]:
    out = []
    for token in tokens:
        out.append(token)
        out.extend(_walk(token.children or []))
    return out


def shown(markdown: str) -> str:
    """What a reader sees, whitespace removed (inline text folds newlines)."""
    parts = []
    for token in _walk(MD.parse(markdown)):
        if token.type in ("text", "fence"):
            parts.append(token.content)
        elif token.type == "code_inline":
            parts.append(token.markup + token.content + token.markup)
    return "".join("".join(parts).replace("\u200b", "").split())


def assert_literal(plan: str) -> None:
    seen = shown(plan)
    for text in EVIL:
        assert "".join(text.split()) in seen, text
    assert "49" not in seen.replace("2026-11-", "")  # {{ 7*7 }} was not evaluated anywhere


def assert_nothing_ran(*folders: Path) -> None:
    for folder in folders:
        assert not [p for p in folder.rglob("PWNED")], folder


def injected_values(notebook: Path) -> dict[str, Any]:
    """The injected-parameters cell, which must be nothing but `name = constant` lines."""
    nb = nbformat.read(notebook, as_version=4)
    (cell,) = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    values: dict[str, Any] = {}
    for statement in ast.parse(cell.source).body:
        assert isinstance(statement, ast.Assign), ast.dump(statement)
        (target,) = statement.targets
        assert isinstance(target, ast.Name) and target.id in PARAMETERS, ast.dump(target)
        assert isinstance(statement.value, ast.Constant), ast.dump(statement.value)
        values[target.id] = statement.value.value
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    return values


@pytest.fixture
def sandbox(tmp_path: Path) -> dict[str, Path]:
    paths = {name: tmp_path / name for name in ("inputs", "work", "home")}
    for path in paths.values():
        path.mkdir()
    for place in (ROOT, ROOT / "notebooks"):
        assert not (place / "PWNED").exists()
    return paths


def _env(sandbox: dict[str, Path]) -> dict[str, str]:
    return {"HOME": str(sandbox["home"])}


def _run(*args: str | Path, sandbox: dict[str, Path]) -> Any:
    old = dict(os.environ)
    os.environ.update(_env(sandbox))
    try:
        return run_techplan(*args, cwd=sandbox["work"], timeout=600)
    finally:
        os.environ.clear()
        os.environ.update(old)


def test_run_passes_hostile_text_file_names_and_folders_as_data(sandbox: dict[str, Path], tmp_path: Path) -> None:
    inputs = write_inputs(sandbox["inputs"], hostile_plan(9), EVIL_NAME + ".yaml")
    out = tmp_path / EVIL_OUT
    result = _run("run", inputs, "--out", out, "--as-of", AS_OF, sandbox=sandbox)
    assert result.returncode == 0, result.stderr
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    assert folder.name.startswith("issue-9-")
    assert injected_values(folder / "technical-plan.ipynb") == {
        "inputs_path": str(inputs), "as_of": AS_OF, "seed": 0, "output_dir": str(out), "template": "",
        "force": False}
    assert_literal((folder / "technical-plan.md").read_text("utf-8"))
    assert_nothing_ran(tmp_path, ROOT)


def test_batch_passes_hostile_text_file_names_and_folders_as_data(sandbox: dict[str, Path], tmp_path: Path) -> None:
    first = write_inputs(sandbox["inputs"], hostile_plan(10), EVIL_NAME + "-1.yaml")
    second = write_inputs(sandbox["inputs"], hostile_plan(11), EVIL_NAME + "-2.json")
    out = tmp_path / EVIL_OUT
    result = _run("batch", sandbox["inputs"], "--out", out, "--as-of", AS_OF, "--jobs", "2", "--no-progress",
                  sandbox=sandbox)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert sorted(item["input"] for item in summary["items"]) == sorted([str(first), str(second)])
    assert {item["status"] for item in summary["items"]} == {"succeeded"}
    for item, number in zip(sorted(summary["items"], key=lambda i: i["input"]), (10, 11), strict=True):
        notebook = out / item["notebook"]
        assert injected_values(notebook)["inputs_path"] == item["input"]
        plan = (out / item["plan"]).read_text("utf-8")
        assert f"**Issue Number**: #{number}" in plan
        assert_literal(plan)
    assert_nothing_ran(tmp_path, ROOT)


def test_parameter_names_that_are_not_identifiers_never_reach_papermill() -> None:
    for name in (NOT_AN_IDENTIFIER, "inputs_path = ''; import os", "__import__('os')", "1x", ""):
        with pytest.raises(UsageError, match="unknown notebook parameter"):
            check_parameters({name: "value"})
    # Values too: only plain text, whole numbers and booleans, never containers or NUL bytes.
    for value in (("a", "b"), ["x"], {"k": "v"}, 1.5, "a\x00b", None):
        with pytest.raises(UsageError):
            check_parameters({"inputs_path": value})


@pytest.mark.parametrize("command", ["run", "batch"])
def test_a_key_that_is_code_is_an_unknown_key_and_nothing_runs(command: str, sandbox: dict[str, Path],
                                                                 tmp_path: Path) -> None:
    inputs = sandbox["inputs"] / "code-key.json"
    inputs.write_text(json.dumps({"issue": {"number": 9, "title": "t"}, NOT_AN_IDENTIFIER: 1}), "utf-8")
    out = tmp_path / "out"
    extra = ["--no-progress"] if command == "batch" else []
    result = _run(command, inputs, "--out", out, "--as-of", AS_OF, *extra, sandbox=sandbox)
    if command == "run":
        assert result.returncode == 2, result.stderr
        # The key is named on one line, its newline shown escaped, so no line of the message is code.
        shown = repr(NOT_AN_IDENTIFIER)[1:-1]
        assert f"{inputs}:1: {shown}: unknown key" in result.stderr
        assert not any(line.startswith("import os") for line in result.stderr.splitlines())
        assert not out.exists()
    else:
        assert result.returncode == 1, result.stderr
        (item,) = json.loads((out / "summary.json").read_text("utf-8"))["items"]
        assert item["status"] == "failed" and item["plan"] is None
        assert "unknown key" in item["error"]
        assert not [p for p in files_under(out) if p.name == "technical-plan.md"]
    assert "Traceback" not in result.stderr
    assert_nothing_ran(tmp_path, ROOT)


@pytest.mark.parametrize("command", ["run", "batch"])
@pytest.mark.parametrize("option, value", [("--as-of", "2026-11-20\"; import os #"),
                                           ("--seed", "1; __import__('os').system('touch PWNED')")])
def test_options_that_carry_code_are_refused_before_any_kernel_starts(command: str, option: str, value: str,
                                                                     sandbox: dict[str, Path],
                                                                     tmp_path: Path) -> None:
    inputs = write_inputs(sandbox["inputs"], {"issue": {"number": 9, "title": "t"}})
    out = tmp_path / "out"
    result = _run(command, inputs, "--out", out, option, value, sandbox=sandbox)
    assert result.returncode == 2
    assert f"error: argument {option}: " in result.stderr
    assert not out.exists()
    assert_nothing_ran(tmp_path, ROOT)
