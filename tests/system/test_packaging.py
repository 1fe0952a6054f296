"""The project installs the way the README says, and its two dependency lists agree."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from helpers import AS_OF, ROOT, shared_example


def _names(requirements: list[str]) -> dict[str, str]:
    out = {}
    for req in requirements:
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
        assert match, req
        out[match.group(1).lower().replace("_", "-")] = match.group(2).replace(" ", "")
    return out


def test_environment_yml_lists_the_same_dependencies_as_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    extras = project["optional-dependencies"]
    # Every extra but fuzz (pip-only, listed under pip:), without the extras that only name others.
    listed = [req for name, reqs in extras.items() if name != "fuzz" for req in reqs
              if not req.startswith("techplan-nb[")]
    wanted = _names(project["dependencies"] + listed)
    env = yaml.safe_load((ROOT / "environment.yml").read_text("utf-8"))
    conda = _names([d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))])
    assert conda == wanted


def test_wheel_ships_templates_and_notebooks_and_renders_the_example(tmp_path: Path) -> None:
    wheel_dir = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheel_dir), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = wheel_dir.glob("techplan_nb-*.whl")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    # Run from an empty folder with only the installed wheel first on the path, not the checkout.
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    script = (
        "import techplan_nb, sys; from techplan_nb.cli.main import main;"
        f"assert techplan_nb.__file__.startswith({str(target)!r}), techplan_nb.__file__;"
        f"sys.exit(main(['render', {str(shared_example())!r}, '--as-of', {AS_OF!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=workdir, capture_output=True, text=True,
                            env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Technical Plan: Export roast profiles")
    assert (target / "techplan_nb" / "templates" / "technical-plan.md.j2").is_file()


def test_light_wheel_in_a_fresh_venv_checks_and_renders_without_jupyter(tmp_path: Path) -> None:
    """`pip install techplan-nb` (no extras) is enough for CI and pre-commit: render and check work,
    no Jupyter library comes along, and a command that needs one names the extra to install."""
    wheel_dir = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheel_dir), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = wheel_dir.glob("techplan_nb-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)],
                               capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr
    probe = subprocess.run([str(python), "-c", "import importlib.util as u; print(sorted(m for m in "
                            "('nbformat', 'papermill', 'matplotlib', 'ipykernel', 'ipywidgets', 'voila', "
                            "'jupyterlab') if u.find_spec(m)))"], capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "[]"

    techplan = venv / "bin" / "techplan"
    work = tmp_path / "work"
    work.mkdir()
    rendered = subprocess.run([str(techplan), "render", str(shared_example()), "--as-of", AS_OF, "-o", "plan.md"],
                              cwd=work, capture_output=True, text=True, check=False)
    assert rendered.returncode == 0, rendered.stderr
    checked = subprocess.run([str(techplan), "check", "plan.md"], cwd=work, capture_output=True, text=True,
                             check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    run = subprocess.run([str(techplan), "run", str(shared_example()), "--out", "plans"], cwd=work,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 2
    assert "pip install 'techplan-nb[notebook]'" in run.stderr
    assert not (work / "plans").exists()
