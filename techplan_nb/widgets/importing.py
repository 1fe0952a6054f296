"""Starting the form from a GitHub issue export (`gh issue view --json …` or the REST issue object)."""

from __future__ import annotations

from typing import Any

from ..errors import InputError


def looks_like_github_export(data: Any) -> bool:
    """An issue export has the issue's own fields at the top; plan inputs keep them under `issue:`."""
    return (isinstance(data, dict) and "issue" not in data and "title" in data
            and ("number" in data or "body" in data or "html_url" in data or "url" in data))


def from_github_export(data: dict[str, Any], name: str) -> dict[str, Any]:
    """Plan inputs made by the project's GitHub importer, so the form reads an export as the CLI does."""
    try:
        from ..importers import github
    except ImportError:
        raise InputError.single(name, "looks like a GitHub issue export, but this version of techplan has no "
                                "GitHub importer; load a plan inputs file instead") from None
    convert = getattr(github, "inputs_from_issue", None)
    if convert is None:
        raise InputError.single(name, "looks like a GitHub issue export, but the GitHub importer offers no "
                                "inputs_from_issue(); load a plan inputs file instead")
    result = convert(data)
    return dict(result)
