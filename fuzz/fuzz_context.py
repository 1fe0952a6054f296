"""atheris fuzz target: any inputs file the loader accepts gives a template context of plain data.

The contract under test (issue 14, class 1): templates see only dict, list, str, int, float, bool,
None, dates and escaped Markdown, whatever the inputs hold, so no input can hand a template an
object with methods (a numpy array's tofile wrote files). Bytes the loader refuses are skipped: they
must raise InputError, which fuzz_loader already holds to its contract.
Run with fuzz/run.sh (bounded time) or: python fuzz/fuzz_context.py [libFuzzer flags] [CORPUS...]
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import atheris

with atheris.instrument_imports(include=["techplan_nb"]):
    from techplan_nb.errors import TechPlanError
    from techplan_nb.inputs import load_bytes
    from techplan_nb.plain import PLAIN_TYPES
    from techplan_nb.plan_view import build_context

AS_OF = dt.date(2026, 11, 20)


def not_plain(value: Any, where: str = "context") -> str | None:
    """The path of the first value of a type templates must not see, or None."""
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if type(item) not in PLAIN_TYPES:
            return f"{path}: {type(item).__module__}.{type(item).__qualname__}"
        if type(item) is dict:
            stack.extend((key, f"{path} key") for key in item)
            stack.extend((child, f"{path}[{key!r}]") for key, child in item.items())
        elif type(item) is list:
            stack.extend((child, f"{path}[{index}]") for index, child in enumerate(item))
    return None


def test_one(data: bytes) -> None:
    name = "inputs.json" if data[:1] in (b"{", b"[") else "inputs.yaml"
    try:
        plan = load_bytes(data, name)
    except TechPlanError:
        return
    try:
        context = build_context(plan, as_of=AS_OF, seed=0)
    except TechPlanError:  # a schedule the analysis refuses (past its bounds) is an input error too
        return
    found = not_plain(context)
    assert found is None, f"a template would see a live object at {found}"


def main() -> None:
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
