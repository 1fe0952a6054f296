"""How the form writes values the inputs format spells differently; pure, no widgets.

These are notations, not rules: whatever they produce still goes through the one validator
(`techplan_nb.inputs.validate_document`), which decides what is right and says what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Final


class _Missing:
    """An empty field: the key is left out of the inputs, so the model's default applies."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()

_NUMBER = r"\d+(?:\.\d+)?"
_SINGLE = re.compile(rf"^\s*({_NUMBER})\s*$")
_THREE = re.compile(rf"^\s*({_NUMBER})\s*/\s*({_NUMBER})\s*/\s*({_NUMBER})\s*$")
ESTIMATE_HINT = "days: 3, a range 2-4, or optimistic/likely/pessimistic 2/3/5"


def number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def estimate_to_text(value: Any) -> str:
    """An estimate as the inputs hold it (3, "2-4", {optimistic, likely, pessimistic}) → the form's text."""
    if value is MISSING or value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return _fmt(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"optimistic", "likely", "pessimistic"}:
        return "/".join(_fmt(value[k]) for k in ("optimistic", "likely", "pessimistic"))
    if hasattr(value, "optimistic"):  # a validated ThreePoint
        low, likely, high = value.optimistic, value.likely, value.pessimistic
        if low == likely == high:
            return _fmt(low)
        if likely == (low + high) / 2:
            return f"{_fmt(low)}-{_fmt(high)}"
        return f"{_fmt(low)}/{_fmt(likely)}/{_fmt(high)}"
    raise ValueError(f"cannot show {value!r} as an estimate")


def text_to_estimate(text: str) -> Any:
    """The form's estimate text → the inputs format; text that is neither is passed on to be judged."""
    stripped = text.strip()
    if not stripped:
        return MISSING
    single = _SINGLE.match(stripped)
    if single:
        return number(single.group(1))
    three = _THREE.match(stripped)
    if three:
        low, likely, high = (number(g) for g in three.groups())
        return {"optimistic": low, "likely": likely, "pessimistic": high}
    return stripped


def lines_to_items(text: str) -> tuple[list[str], list[int]]:
    """One item per non-blank line, with the 1-based line each came from (for error messages)."""
    items: list[str] = []
    lines: list[int] = []
    for number_, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            items.append(line.strip())
            lines.append(number_)
    return items, lines


def items_to_lines(items: list[Any]) -> tuple[str, list[str]]:
    """A list of strings → one per line; items spanning lines are joined (returned as warnings)."""
    out: list[str] = []
    warnings: list[str] = []
    for index, item in enumerate(items):
        text = "" if item is None else str(item)
        if "\n" in text.strip():
            warnings.append(f"item {index + 1} had line breaks; they were joined into one line")
            text = " ".join(part.strip() for part in text.split("\n") if part.strip())
        out.append(text.strip())
    return "\n".join(out), warnings


def date_from(value: Any) -> dt.date | None:
    """A date the inputs hold (text or date) → a date, or None when it is not a real one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def plain(value: Any) -> Any:
    """Data as an inputs file holds it: dates (from yaml.safe_load, say) become YYYY-MM-DD text."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def text_to_int(text: str) -> Any:
    """Digits become a number; anything else is passed on for the validator to explain."""
    stripped = text.strip()
    if not stripped:
        return MISSING
    if re.fullmatch(r"#?\d{1,12}", stripped):
        return int(stripped.lstrip("#"))
    return stripped
