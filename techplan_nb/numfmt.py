"""How numbers are written, the same in the plan, the notebook's summaries and the charts.

A leaf: no imports from the package. Working days get one decimal without a trailing zero
("11.7", "3", "0.5"); counts get thousands separators ("10,000").
"""

from __future__ import annotations


def days(value: float) -> str:
    """1 -> "1", 1.5 -> "1.5", 11.6667 -> "11.7": one decimal, no trailing zero, never "-0"."""
    rounded = round(float(value), 1) + 0.0
    return str(int(rounded)) if rounded.is_integer() else f"{rounded:g}"


def count(value: int) -> str:
    """10000 -> "10,000": a count of things (runs, tasks, bytes)."""
    return f"{int(value):,}"
