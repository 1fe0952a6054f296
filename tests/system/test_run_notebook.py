"""The committed plan notebook: thin, parameterised with plain values, executed deterministically,
and checked by nbval in strict mode."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import ROOT

NOTEBOOK = ROOT / "notebooks" / "technical_plan.ipynb"


def _nb() -> nbformat.NotebookNode:
    return nbformat.read(str(NOTEBOOK), as_version=4)


def test_the_parameters_cell_holds_only_plain_assignments() -> None:
    (cell,) = [c for c in _nb().cells if "parameters" in c.metadata.get("tags", [])]
    names = []
    for statement in ast.parse(cell.source).body:
        assert isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant), ast.dump(statement)
        names.append(statement.targets[0].id)  # type: ignore[attr-defined]
    assert names == ["inputs_path", "as_of", "seed", "output_dir", "template", "force", "images"]


def test_the_other_cells_only_call_techplan_nb() -> None:
    for cell in _nb().cells:
        if cell.cell_type != "code" or {"parameters", "injected-parameters"} & set(cell.metadata.get("tags", [])):
            continue
        for statement in ast.parse(cell.source).body:
            if isinstance(statement, ast.ImportFrom):
                assert statement.module == "techplan_nb"
                continue
            call = statement.value if isinstance(statement, (ast.Expr, ast.Assign)) else None
            assert isinstance(call, ast.Call), f"logic in a cell: {ast.unparse(statement)}"
            assert ast.unparse(call.func).startswith("tp."), ast.unparse(call)


def test_the_committed_notebook_is_executed_on_the_bundled_example_with_relative_paths() -> None:
    nb = _nb()
    (injected,) = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert 'inputs_path = "../examples/issue-57-roast-export.yaml"' in injected.source
    assert 'as_of = "2026-11-20"' in injected.source and "seed = 0" in injected.source
    assert all(c.outputs for c in nb.cells if c.cell_type == "code" and "tp." in c.source)
    text = NOTEBOOK.read_text("utf-8")
    assert not re.search(r"(/work/|/tmp/|/home/|/root/|/Users/)", text)


@pytest.mark.kernel
def test_nbval_is_strict_a_changed_output_fails_it(tmp_path: Path) -> None:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ("technical_plan.ipynb", "nbval-sanitize.cfg"):
        shutil.copy(ROOT / "notebooks" / name, folder / name)
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "issue-57-roast-export.yaml", tmp_path / "examples")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env", "-q",
               "--nbval-sanitize-with", "notebooks/nbval-sanitize.cfg", "notebooks/technical_plan.ipynb"]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    nb = nbformat.read(str(folder / "technical_plan.ipynb"), as_version=4)
    risks = next(c for c in nb.cells if c.source == "tp.show_risks(run)")
    table = risks.outputs[0]
    table.data["text/markdown"] = table.data["text/markdown"].replace("Overall risk: **High**", "Overall risk: **Low**")
    nbformat.write(nb, str(folder / "technical_plan.ipynb"))
    second = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=300)
    assert second.returncode == 1
    assert "Overall risk: **Low**" in second.stdout


def test_the_sanitizer_forgives_only_png_sizes_and_hashes() -> None:
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "notebooks" / "nbval-sanitize.cfg")
    rules = [(config[s]["regex"], config[s]["replace"]) for s in config.sections()]

    def clean(text: str) -> str:
        for regex, replace in rules:
            text = re.sub(regex, replace, text)
        return text

    png_a = "| `../out/x/risk-heatmap.png` | 17788 | 029b6428887cb03f… |"
    png_b = "| `../out/x/risk-heatmap.png` | 18001 | 11116428887cb03f… |"
    plan_a = "| `../out/x/technical-plan.md` | 7241 | dc9f4704d11fc3ab… |"
    plan_b = "| `../out/x/technical-plan.md` | 7241 | dc9f4704d11fc3ac… |"
    assert clean(png_a) == clean(png_b)
    assert clean(plan_a) != clean(plan_b)
