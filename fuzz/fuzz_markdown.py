"""atheris fuzz target: any bytes through the Markdown plan importer, as `techplan import markdown`
runs it: decode, import, dump the inputs (which dump_inputs re-validates with the loader).

The contract under test: a plan, or techplan_nb.errors.InputError naming the file, never another
exception. Run with fuzz/run.sh (bounded time) or: python fuzz/fuzz_markdown.py [libFuzzer flags] [CORPUS...]
"""

from __future__ import annotations

import sys

import atheris

# Instrument only our own code (the importer, its text helpers, the loader and the escaper);
# markdown-it and pydantic's internals would slow every run without guiding the search.
with atheris.instrument_imports(include=["techplan_nb"]):
    from techplan_nb.errors import InputError
    from techplan_nb.importers import dump_inputs
    from techplan_nb.importers.markdown import import_markdown

NAME = "plan.md"


def test_one(data: bytes) -> None:
    try:
        text = data.decode("utf-8")  # the CLI refuses non-UTF-8 before importing
    except UnicodeDecodeError:
        return
    if not text.strip():
        return
    try:
        dump_inputs(import_markdown(text, NAME), ["fuzz"], "out.yaml").encode("utf-8")
    except InputError as exc:
        assert exc.issues and all(issue.file in (NAME, "out.yaml") for issue in exc.issues), exc.issues


def main() -> None:
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
