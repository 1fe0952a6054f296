"""Hypothesis strategies for whole plan inputs, shared by the round-trip tests.

Text mixes words with every character Markdown escaping has to handle, so the round trip
render → import → render exercises the escaping's inverse, not just plain words.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from techplan_nb.model import HTTP_METHODS, LEVELS, REVIEW_STATUSES, SECTION_KEYS, STATUSES

_NASTY = "*_[]<>|~#`\\@&;:-+=.()!/{}'\"—✓é日 "
_WORD = st.text("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789", min_size=1, max_size=8)
_PIECE = st.one_of(_WORD, _WORD, st.text(_NASTY, min_size=1, max_size=3),
                   st.sampled_from(["&amp;", "&#8203;", "@alice", "`code`", "``a`b``", "1.", "- x", "# h",
                                    "_Not specified._", "[ ] x", "**R1**: y", " — ", ", ", ": ✓", "(x)",
                                    "<br>", "\\|", "GitHub issue: https://x.io", "Phase 1:", "a\nb"]))


@st.composite
def text(draw: Any, min_words: int = 1, max_words: int = 6) -> str:
    pieces = draw(st.lists(_PIECE, min_size=min_words, max_size=max_words))
    value = " ".join(pieces) if draw(st.booleans()) else "".join(pieces)
    value = value.strip()
    if not value:
        value = draw(_WORD)
    return value


def optional_text() -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), text())


dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31)).map(dt.date.isoformat)
lists = st.lists(text(), max_size=3)
checklists = st.lists(st.one_of(text(), st.builds(lambda t, d: {"text": t, "done": d}, text(), st.booleans())),
                      max_size=3)
block_text = st.one_of(st.just(""), st.lists(st.one_of(text(), st.just("```"), st.just("    indented")),
                                             min_size=1, max_size=4).map("\n".join))

_EXTRA_BLOCKS = [
    "Note: the team agreed on this in the kickoff meeting.",
    "> A quoted remark from the stakeholder review.",
    "#### Extra detail\n\nSome words under an extra sub-heading.",
    "| Column | Other |\n|--------|-------|\n| a | b |",
    "<details>\n<summary>More</summary>\n\nHidden words.\n\n</details>",
    "<script>alert(1)</script> stays visible as text",
    "```text\nverbatim code\n```",
    "1. first\n2. second",
    "[link text](https://example.com/doc) and `code` and **bold**",
]
# Blocks that a section would read as its own field if they came first are left out there.
_FIELD_LIKE = {
    "component_architecture": {"```text\nverbatim code\n```"},
    "new_tables": {"```text\nverbatim code\n```"},
    "modified_tables": {"```text\nverbatim code\n```"},
    "new_endpoints": set(),
}
_NO_PARAGRAPHS = {"issue_summary"}


@st.composite
def extra_for(draw: Any, key: str, empty_list: bool = False) -> dict[str, str]:
    choices = [b for b in _EXTRA_BLOCKS if b not in _FIELD_LIKE.get(key, set())]
    if key in _NO_PARAGRAPHS:
        choices = [b for b in choices if b.startswith(("#", ">", "|", "```", "1."))]
    # A section whose list field is empty prints no "_Not specified._" after the text kept before
    # it, so a numbered list there reads back as its list, as it would in any document.
    before_choices = [b for b in choices if not (empty_list and b.startswith("1."))]
    slot: dict[str, str] = {}
    if draw(st.booleans()):
        slot["before"] = "\n\n".join(draw(st.lists(st.sampled_from(before_choices), min_size=1, max_size=2)))
    if draw(st.booleans()):
        slot["after"] = "\n\n".join(draw(st.lists(st.sampled_from(choices), min_size=1, max_size=2)))
    if key not in ("header", "frontend", "backend") and draw(st.integers(0, 3)) == 0:
        from techplan_nb.importers.markdown import TITLES

        slot["heading"] = TITLES[key] + draw(st.sampled_from([" (REVISED)", " (v2)", " — updated"]))
    return slot


def _empty_list(data: dict[str, Any], key: str) -> bool:
    from techplan_nb.plan_format.sections import by_key, field_value

    spec = by_key(key) if key != "header" else None
    value = field_value(data, spec.field) if spec is not None and spec.field else None
    return isinstance(value, list) and not value


@st.composite
def plan_inputs(draw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "issue": {"number": draw(st.integers(1, 10**6)), "title": draw(text())[:200]},
    }
    if draw(st.booleans()):
        data["issue"]["url"] = draw(st.sampled_from([
            "https://github.com/o/r/issues/1", "https://example.com/a_b*c/data:x", "http://e.io/x?y=1&z=<2>"]))
    if draw(st.booleans()):
        data["issue"]["summary"] = "\n\n".join(draw(st.lists(text(max_words=10), min_size=1, max_size=3)))
    # A label holding ", " reads back as two labels: the header line cannot tell them apart.
    data["issue"]["labels"] = draw(st.lists(text(max_words=2).filter(
        lambda t: ", " not in t and not t.endswith(",") and not t.startswith(",")), max_size=3))
    if draw(st.booleans()):
        data["created_by"] = draw(text())
    for name in ("created", "last_updated"):
        if draw(st.booleans()):
            data[name] = draw(dates)
    data["status"] = draw(st.sampled_from(STATUSES))
    data["status_note"] = draw(optional_text())
    if draw(st.booleans()):
        data["stack"] = {"frontend": draw(text(max_words=3)), "backend": draw(text(max_words=3))}
    data["requirements"] = {"functional": draw(checklists), "non_functional": draw(checklists),
                            "out_of_scope": draw(lists)}
    data["architecture"] = {"context": draw(lists), "components": draw(block_text)}
    data["approach"] = {
        "frontend": {k: draw(optional_text()) for k in ("components", "pages", "state_management",
                                                         "api_integration", "styling", "routing")},
        "backend": {k: draw(optional_text()) for k in ("models", "apis", "authentication",
                                                        "business_logic", "data_migration")},
    }
    data["database"] = {"new_tables": draw(block_text), "modified_tables": draw(block_text),
                        "migration_strategy": draw(lists)}
    data["api"] = {"new_endpoints": draw(st.lists(st.builds(
        lambda m, p, d, q, r: {"method": m, "path": p, "description": d, "request": q, "response": r},
        st.sampled_from(HTTP_METHODS), text(max_words=3), optional_text(), optional_text(), optional_text()),
        max_size=3)), "modified_endpoints": draw(lists)}
    data["security"] = {k: draw(optional_text()) for k in ("authentication", "authorization", "data_protection",
                                                           "input_validation", "output_sanitization")}
    data["performance"] = {k: draw(optional_text()) for k in ("database", "api", "frontend", "caching")}
    data["testing"] = {"unit": draw(lists), "integration": draw(lists), "e2e": draw(lists)}
    data["risk_scale"] = draw(st.sampled_from([3, 3, 5]))
    data["risks"] = draw(risks(data["risk_scale"]))
    data["timeline"] = draw(timeline())
    data["dependencies"] = {"internal": draw(lists), "external": draw(lists)}
    data["monitoring"] = {k: draw(optional_text()) for k in ("metrics", "logging", "alerts", "dashboards")}
    data["rollback"] = draw(lists)
    data["future"] = draw(lists)
    data["questions"] = draw(st.lists(st.builds(
        lambda t, a, ans: {"text": t, "answered": a, "answer": ans}, text(), st.booleans(), optional_text()),
        max_size=3))
    data["assumptions"] = draw(lists)
    rounds = draw(st.lists(st.integers(1, 20), unique=True, max_size=3))
    data["reviews"] = [{"round": n, "reviewer": draw(text(max_words=3)),
                        "status": draw(st.sampled_from(REVIEW_STATUSES)),
                        "date": draw(st.one_of(st.none(), dates)),
                        "feedback": draw(lists), "resolution": draw(lists)} for n in rounds]
    data["approvals"] = draw(st.lists(st.builds(
        lambda r, a, b, d: {"role": r, "approved": a, "by": b, "date": d},
        text(max_words=4), st.booleans(), optional_text(), st.one_of(st.none(), dates)), max_size=4))
    keys = draw(st.lists(st.sampled_from(SECTION_KEYS), unique=True, max_size=6))
    extra = {key: draw(extra_for(key, _empty_list(data, key))) for key in keys}
    data["extra"] = {key: slot for key, slot in extra.items() if slot}
    return data


@st.composite
def risks(draw: Any, scale: int) -> list[dict[str, Any]]:
    levels = st.integers(1, 5) if scale == 5 else st.sampled_from(LEVELS)
    result = []
    for index in range(draw(st.integers(0, 4))):
        risk: dict[str, Any] = {"risk": draw(text()), "probability": draw(levels), "impact": draw(levels),
                                "mitigation": draw(optional_text()), "owner": draw(optional_text()),
                                "status": draw(st.sampled_from(["open", "open", "closed"]))}
        if draw(st.booleans()):
            risk["id"] = draw(st.sampled_from([f"R{index + 1}", f"risk_{index}.a", f"{index}-x"]))
        result.append(risk)
    return result


_ESTIMATES = st.one_of(st.integers(1, 9), st.sampled_from(["2-4", "1.5-3", "0.5", "1-1"]),
                       st.builds(lambda o, m, p: {"optimistic": o, "likely": o + m, "pessimistic": o + m + p},
                                 st.integers(1, 3), st.integers(0, 3), st.integers(0, 3)))


@st.composite
def timeline(draw: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if draw(st.booleans()):
        result["start"] = draw(dates)
    if draw(st.booleans()):
        result["calendar"] = {"weekends": draw(st.sampled_from([["Sat", "Sun"], ["Fri", "Sat"], [], ["Sun"]])),
                              "holidays": draw(st.lists(dates, max_size=2, unique=True))}
    if draw(st.booleans()):
        result["simulations"] = draw(st.sampled_from([200, 500, 1000]))
    else:
        result["simulations"] = 500  # keeps the Monte Carlo run quick; still printed and read back
    if draw(st.integers(0, 3)) == 0:
        result["contingency"] = {"high_risk_percent": draw(st.sampled_from([0, 10, 12.5, 15])),
                                 "max_percent": draw(st.sampled_from([20, 50, 100]))}
    phases: list[dict[str, Any]] = []
    task_ids: list[str] = []
    for index in range(draw(st.integers(0, 3))):
        phase: dict[str, Any] = {"name": draw(text(max_words=3))}
        if draw(st.booleans()):
            phase["id"] = f"p{index}"
            earlier = [p["id"] for p in phases if "id" in p]
            if earlier and draw(st.booleans()):
                phase["depends_on"] = draw(st.lists(st.sampled_from(earlier), max_size=2, unique=True))
        kind = draw(st.sampled_from(["tasks", "estimate", "items"]))
        if kind == "tasks":
            tasks = []
            for number in range(draw(st.integers(1, 3))):
                task: dict[str, Any] = {"id": f"t{index}_{number}", "name": draw(text(max_words=3)),
                                        "estimate": draw(_ESTIMATES), "done": draw(st.booleans())}
                if task_ids and draw(st.booleans()):
                    task["depends_on"] = draw(st.lists(st.sampled_from(task_ids), max_size=2, unique=True))
                tasks.append(task)
                task_ids.append(task["id"])
            phase["tasks"] = tasks
        elif kind == "estimate":
            phase["estimate"] = draw(_ESTIMATES)
        phase["items"] = draw(checklists)
        phases.append(phase)
    result["phases"] = phases
    return result
