"""Shared test helpers: build inputs files from dicts, run the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
SHARED_EXAMPLE = SHARED / "examples" / "issue-57-roast-export.yaml"
SEED_TEMPLATE = SHARED / "seed" / "technical-plan-template.md"
BUNDLED_EXAMPLE = EXAMPLES / "issue-57-roast-export.yaml"
AS_OF = "2026-11-20"


def shared_example() -> Path:
    """The shared example as users wrote it; the bundled copy when shared/ is not beside the repo."""
    return SHARED_EXAMPLE if SHARED_EXAMPLE.exists() else BUNDLED_EXAMPLE


def seed_template() -> Path:
    return SEED_TEMPLATE if SEED_TEMPLATE.exists() else ROOT / "tests" / "data" / "technical-plan-template.md"


def example_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(BUNDLED_EXAMPLE.read_text("utf-8"))
    return data


def write_inputs(folder: Path, data: dict[str, Any], name: str = "inputs.yaml") -> Path:
    """An inputs file from a dict (YAML unless the name ends in .json)."""
    path = folder / name
    if name.endswith(".json"):
        path.write_text(json.dumps(data, default=str), "utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    return path


def run_techplan(*args: str | Path, cwd: Path | None = None, stdin: str | None = None,
                 timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The real `techplan` command in a subprocess, as a user runs it."""
    env = dict(os.environ)
    env.pop("TECHPLAN_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "techplan_nb", *map(str, args)], cwd=cwd, env=env,
                          input=stdin, capture_output=True, text=True, timeout=timeout, check=False)


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def example_dict() -> dict[str, Any]:
    return example_data()
