"""atheris fuzz target: any bytes through the loader (and, when valid, the renderer).

The contract under test: bytes in, a PlanInput or techplan_nb.errors.InputError out, never
another exception; a plan that loads renders to text that encodes as UTF-8.
Run with fuzz/run.sh (bounded time) or directly: python fuzz/fuzz_loader.py [libFuzzer flags] [CORPUS...]
"""

from __future__ import annotations

import datetime as dt
import sys

import atheris

# Instrument only our own code: the parsers underneath are C/Rust (libyaml, pydantic-core) and
# instrumenting jinja2 or pydantic's Python layers would slow every run without guiding it.
with atheris.instrument_imports(include=["techplan_nb"]):
    from techplan_nb import inputs, render
    from techplan_nb.errors import InputError

AS_OF = dt.date(2026, 11, 20)
# The file name decides YAML or JSON (and .txt sniffs the content), so let the fuzzer pick it.
NAMES = ("in.yaml", "in.json", "in.txt")


def test_one(data: bytes) -> None:
    if not data:
        return
    name = NAMES[data[0] % len(NAMES)]
    try:
        plan = inputs.load_bytes(data[1:], name)
    except InputError as exc:
        # Every reported problem must name the file (the CLI prints these as they are).
        assert exc.issues and all(issue.file == name for issue in exc.issues), exc.issues
        return
    render.render_plan(plan, as_of=AS_OF).encode("utf-8")


def main() -> None:
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
