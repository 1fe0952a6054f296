"""Golden plans: each examples/NAME.yaml has examples/NAME.plan.md beside it (black's style)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from techplan_nb.inputs import load_path
from techplan_nb.render import render_plan

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
AS_OF = dt.date(2026, 11, 20)
SEED = 0


def pairs() -> list[tuple[Path, Path]]:
    return [(inputs, inputs.with_suffix(".plan.md")) for inputs in sorted(EXAMPLES.glob("*.yaml"))]


def render_example(inputs: Path) -> str:
    return render_plan(load_path(inputs), as_of=AS_OF, seed=SEED)
