"""Each bundled example renders to exactly its expected plan (regenerate with `make golden`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from golden import pairs, render_example


def test_there_is_a_full_and_a_minimal_example() -> None:
    names = [inputs.name for inputs, _ in pairs()]
    assert "issue-57-roast-export.yaml" in names and "minimal.yaml" in names


@pytest.mark.parametrize("inputs, expected", pairs(), ids=[p[0].stem for p in pairs()])
def test_example_renders_to_its_golden_plan(inputs: Path, expected: Path) -> None:
    assert expected.exists(), f"missing {expected.name}; run `make golden`"
    assert render_example(inputs) == expected.read_text("utf-8")
