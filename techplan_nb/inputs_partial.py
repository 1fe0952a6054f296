"""Every problem at once: the cross-field checks run on the parts of a file that did parse.

When the schema refuses some fields (a typo'd key, a task without a name), the dependency, cycle,
calendar and reach checks used to wait until those were fixed, so a file reported its problems
one batch at a time. Here the refused fields are set aside (a bad key dropped; a list item that
cannot stand without it dropped whole), the rest is validated again, and the cross-field checks
run on that. Their findings are reported with the original file's lines and field paths, except
those about an id that only a set-aside item held (the item's own error already says why).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from .errors import InputIssue
from .model import Loc, PlanInput
from .rules import cross_field_problems

MAX_ROUNDS = 8
# A stand-in for a refused issue block: the cross-field checks never read it.
_ISSUE_STAND_IN = {"number": 1, "title": "set aside"}


def cross_field_issues(doc: Any, structural: list[InputIssue], *, data_loc: Callable[[Loc, Any], Loc],
                       path: Callable[[Loc], str]) -> list[InputIssue]:
    """The cross-field problems of `doc` (an inputs.Document the schema refused), or [] when too
    little of it parsed to check. The loader passes its own `data_loc` (pydantic's loc as the
    file's field path) and `path` (a loc as printed)."""
    if not isinstance(doc.data, dict):
        return []
    data = copy.deepcopy(doc.data)
    origins: dict[int, list[int]] = {}  # id(list in `data`) -> original index of each item
    dropped_ids: set[str] = set()
    plan: PlanInput | None = None
    for _round in range(MAX_ROUNDS):
        try:
            plan = PlanInput.model_validate(data)
            break
        except ValidationError as exc:
            locs = {data_loc(tuple(error["loc"]), data) for error in exc.errors(include_url=False)}
            if not any(_set_aside(data, loc, origins, dropped_ids) for loc in sorted(locs, key=_order, reverse=True)):
                return []
    if plan is None:
        return []
    known = {(issue.line, issue.field) for issue in structural}
    issues: list[InputIssue] = []
    for loc, message in cross_field_problems(plan):
        if any(f"'{ident}'" in message for ident in dropped_ids):
            continue
        original = _original(data, loc, origins)
        issue = InputIssue(doc.name, doc.line_of(original), path(original), message)
        if (issue.line, issue.field) not in known:
            issues.append(issue)
    return issues


def _order(loc: Loc) -> list[tuple[int, int, str]]:
    # Later list items first, so that removing one leaves the indices of the others as they were.
    return [(1, part, "") if isinstance(part, int) else (0, 0, part) for part in loc]


def _set_aside(data: dict[str, Any], loc: Loc, origins: dict[int, list[int]], dropped_ids: set[str]) -> bool:
    """Remove what `loc` names, or (a missing field) the nearest list item or section holding it."""
    if loc[:1] == ("issue",):
        if data.get("issue") == _ISSUE_STAND_IN:
            return False
        data["issue"] = dict(_ISSUE_STAND_IN)
        return True
    path: list[Any] = [data]
    for part in loc:
        parent = path[-1]
        if isinstance(parent, dict) and isinstance(part, str) and part in parent:
            path.append(parent[part])
        elif isinstance(parent, list) and isinstance(part, int) and 0 <= part < len(parent):
            path.append(parent[part])
        else:
            break
    depth = len(path) - 1  # how many parts of loc exist
    if depth == len(loc) and depth > 0:
        return _remove(path[-2], loc[depth - 1], origins, dropped_ids)
    # A missing required field: drop the list item holding it (the whole section at the top level).
    for end in range(depth, 0, -1):
        if isinstance(loc[end - 1], int) or end == 1:
            return _remove(path[end - 1], loc[end - 1], origins, dropped_ids)
    return False


def _remove(container: Any, part: str | int, origins: dict[int, list[int]], dropped_ids: set[str]) -> bool:
    if isinstance(container, dict) and isinstance(part, str) and part in container:
        _collect_ids(container[part], dropped_ids)
        del container[part]
        return True
    if isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container):
        _collect_ids(container[part], dropped_ids)
        index = origins.setdefault(id(container), list(range(len(container))))
        del index[part]
        del container[part]
        return True
    return False


def _collect_ids(value: Any, ids: set[str]) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("id"), str):
                ids.add(item["id"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _original(data: Any, loc: Loc, origins: dict[int, list[int]]) -> Loc:
    """`loc` in the set-aside copy, as a field path of the file as written."""
    original: list[str | int] = []
    current = data
    for part in loc:
        if isinstance(current, list) and isinstance(part, int):
            index = origins.get(id(current))
            original.append(index[part] if index is not None and part < len(index) else part)
            current = current[part] if part < len(current) else None
        else:
            original.append(part)
            current = current.get(part) if isinstance(current, dict) else None
    return tuple(original)
