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
    wanted = _names(project["dependencies"] + project["optional-dependencies"]["test"])
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
