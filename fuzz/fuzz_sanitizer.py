"""atheris fuzz target: any Markdown kept verbatim ends up safe to post on GitHub in the final plan.

The contract under test (issue 14, classes 5 and 6): text an import keeps as written, once printed
in a whole plan, holds no live HTML outside the allow-list, leaves no `<details>` open to swallow
the sections after it, and pings nobody. The text goes in twice: as a document imported by
`techplan import markdown`, and as kept text before and after a section of the bundled example.
The judge is tests/github_judge.py (CommonMark + nh3, a browser's HTML parser), not the code
under test. Run with fuzz/run.sh (bounded time) or: python fuzz/fuzz_sanitizer.py [libFuzzer flags]
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

with atheris.instrument_imports(include=["techplan_nb"]):
    from techplan_nb.errors import TechPlanError
    from techplan_nb.importers import dump_inputs
    from techplan_nb.importers.markdown import import_markdown
    from techplan_nb.inputs import load_bytes, load_path
    from techplan_nb.render import render_plan

from github_judge import TEMPLATE_HEADINGS, assert_safe_for_github  # noqa: E402 - after the path it lives on

AS_OF = dt.date(2026, 11, 20)
EXAMPLE = load_path(ROOT / "examples" / "issue-57-roast-export.yaml")


def imported(body: str) -> str:
    source = (f"# Technical Plan: Export\n\n**Issue Number**: #57\n\n{body}\n\n## Issue Summary\n\n{body}\n\n"
              f"## Risk Assessment\n\n- item\n\n{body}\n\n## Approval\n\n- [ ] Stakeholder\n")
    plan = load_bytes(dump_inputs(import_markdown(source, "plan.md"), [], "inputs.yaml").encode("utf-8"),
                      "inputs.yaml")
    return render_plan(plan, as_of=AS_OF)


def kept_around_a_section(body: str) -> str:
    data = EXAMPLE.model_dump(mode="json", exclude_none=True)
    data["extra"] = {"risks": {"before": body, "after": body}, "rollback": {"after": body}}
    plan = load_bytes(json.dumps(data).encode("utf-8"), "inputs.json")
    return render_plan(plan, as_of=AS_OF)


def without_template_headings(body: str) -> str:
    """The body with any heading that repeats a template section's name turned into a paragraph.
    The judge finds the template's own headings by their names; kept text that repeated one as a
    heading of its own (inside a `<details>` it opened, say) would be taken for the template's."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("#") and stripped.lstrip("#").strip(" #") in TEMPLATE_HEADINGS:
            lines[index] = stripped.lstrip("#").strip(" #")
    return "\n".join(lines)


def test_one(data: bytes) -> None:
    try:
        body = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    body = without_template_headings(body)
    if not body.strip():
        return
    for make in (imported, kept_around_a_section):
        try:
            markdown = make(body)
        except TechPlanError:  # text the loader refuses (too long, NUL...) says so; fuzz_loader holds that
            continue
        assert_safe_for_github(markdown, {body}, 57)


def main() -> None:
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
