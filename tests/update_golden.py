"""Regenerate examples/*.plan.md after a deliberate template change (`make golden`); review the diff."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from golden import pairs, render_example  # noqa: E402

for inputs, expected in pairs():
    expected.write_text(render_example(inputs), "utf-8")
    print(f"wrote {expected}")
