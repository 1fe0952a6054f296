"""Starting the form from something other than an inputs file: a GitHub issue export or a Markdown plan.

Both go through the project's importers (techplan_nb.importers), so the form reads them exactly
as `techplan import github` and `techplan import markdown` do, notes included.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..errors import InputError


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _is_issue(item: Any) -> bool:
    # Plan inputs keep the issue's fields under `issue:`; an export has them at the top.
    return isinstance(item, dict) and "issue" not in item and "title" in item and (
        "number" in item or "body" in item)


def looks_like_github_export(text: str, name: str) -> bool:
    if not (name.lower().endswith(".json") or text.lstrip()[:1] in ("{", "[")):
        return False
    data = _json(text)
    return _is_issue(data) or (isinstance(data, list) and any(_is_issue(item) for item in data))


def is_markdown_plan(name: str) -> bool:
    return name.lower().endswith((".md", ".markdown"))


def from_github_export(text: str, name: str, as_of: dt.date) -> tuple[dict[str, Any], list[str]]:
    """Plan inputs from one issue of an export, and the importer's notes about them."""
    from ..importers.github import import_github, load_mapping

    imports, skipped = import_github(text, name, load_mapping(None), as_of)
    if len(imports) > 1:
        numbers = ", ".join(f"#{item.issue.number}" for item in imports)
        raise InputError.single(name, f"holds {len(imports)} issues ({numbers}); the form edits one plan at a "
                                "time: split them with `techplan import github FILE -o FOLDER`, then load one")
    (item,) = imports
    notes = [f"imported from GitHub issue #{item.issue.number}", *skipped, *item.result.notes]
    return item.result.ordered(), notes


def from_markdown_plan(text: str, name: str) -> tuple[dict[str, Any], list[str]]:
    """Plan inputs read back from a plan written in the house template (by hand or by techplan)."""
    from ..importers.markdown import import_markdown

    result = import_markdown(text, name)
    return result.ordered(), list(result.notes)
