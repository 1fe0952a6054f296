"""Plain data for templates: the one conversion between the program's objects and what a
template may see.

A template is code someone else may have written. Every live object handed to it is a set of
methods it can reach (`finish_samples.tofile(...)` wrote any file it liked), so the context is
turned, once, into dict, list, str, int, float, bool, None, datetime.date and SafeMarkdown, and
anything else stops the render. Pure and cheap: one walk, each shared object converted once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from markupsafe import Markup
from pydantic import BaseModel

from .mdescape import SafeMarkdown

PLAIN_TYPES: frozenset[type] = frozenset({dict, list, str, int, float, bool, type(None), dt.date, SafeMarkdown})
"""The only types a template's context holds (exact types, not subclasses)."""

_SCALARS: frozenset[type] = PLAIN_TYPES - {dict, list}

Omit = Mapping[type, frozenset[str]]


class NotPlainError(TypeError):
    """A value of a type templates must not see; names where in the context it was."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.path: list[str] = []  # filled in on the way out, so a walk that succeeds pays nothing for it

    def __str__(self) -> str:
        return f"{''.join(reversed(self.path)) or 'the value'}: {self.message}"


def to_plain(value: Any, *, omit: Omit | None = None) -> Any:
    """`value` as plain data. Models and dataclasses become dicts of their public fields and
    properties (minus `omit[type]`), tuples lists, numpy values Python numbers, enums their
    value, paths text. Raises NotPlainError on anything else (a function, a file, a class).
    """
    return _Converter(omit or {}).convert(value)


class _Converter:
    def __init__(self, omit: Omit) -> None:
        self.omit = omit
        # id -> (original, converted): the original is held so its id is not reused while we walk
        # (a property may return a fresh list each time), and shared objects stay shared.
        self.memo: dict[int, tuple[Any, Any]] = {}

    def convert(self, value: Any) -> Any:
        kind = type(value)
        if kind in _SCALARS:
            return value
        seen = self.memo.get(id(value))
        if seen is not None:
            return seen[1]
        if kind is dict:
            out: dict[Any, Any] = {}
            self.memo[id(value)] = (value, out)
            for key, item in value.items():
                try:
                    out[self.key(key)] = item if type(item) in _SCALARS else self.convert(item)
                except NotPlainError as exc:
                    exc.path.append(f"[{key!r}]")
                    raise
            return out
        if kind is list or kind is tuple:
            items: list[Any] = []
            self.memo[id(value)] = (value, items)
            for index, item in enumerate(value):
                try:
                    items.append(item if type(item) in _SCALARS else self.convert(item))
                except NotPlainError as exc:
                    exc.path.append(f"[{index}]")
                    raise
            return items
        if kind in _RECORDS:
            return self.record(value)
        return self.other(value)

    def key(self, key: Any) -> str | int:
        if type(key) is str or type(key) is int:
            return key
        plain = self.convert(key)
        if type(plain) is str or type(plain) is int:
            return plain
        raise NotPlainError(f"the key {key!r} ({type(key).__name__}) is not text or a whole number")

    def other(self, value: Any) -> Any:
        kind = type(value)
        if isinstance(value, enum.Enum):  # before str and int: a StrEnum is both
            return self.convert(value.value)
        if isinstance(value, Markup):
            return SafeMarkdown(value)
        if isinstance(value, str):
            return str.__str__(value)
        if kind.__module__ == "numpy":
            return self.numpy(value)
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value)
        if isinstance(value, PurePath):
            return str(value)
        if isinstance(value, (list, tuple)):
            return self.convert(list(value))
        if isinstance(value, dict):
            return self.convert(dict(value))
        if isinstance(value, BaseModel) or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
            _RECORDS.add(kind)
            return self.record(value)
        raise NotPlainError(f"a {kind.__module__}.{kind.__qualname__} cannot be given to a template; "
                            "convert it to plain data (text, numbers, lists, dicts) first")

    def numpy(self, value: Any) -> Any:
        if hasattr(value, "dtype") and hasattr(value, "tolist"):
            converted = value.tolist()  # ndarray -> nested lists; numpy scalar -> Python scalar
            if value.dtype.kind in "biuf":
                return converted  # already Python bools, ints and floats, or lists of them
            return self.convert(converted)
        raise NotPlainError(f"a numpy {type(value).__name__} cannot be given to a template")

    def record(self, value: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self.memo[id(value)] = (value, out)
        for name in _public_names(type(value), frozenset(self.omit.get(type(value), ()))):
            item = getattr(value, name)
            try:
                out[name] = item if type(item) in _SCALARS else self.convert(item)
            except NotPlainError as exc:
                exc.path.append(f".{name}")
                raise
        return out


_RECORDS: set[type] = set()  # model and dataclass types met so far: skips other()'s tests for them
_NAMES: dict[tuple[type, frozenset[str]], tuple[str, ...]] = {}


def _public_names(kind: type, omitted: frozenset[str]) -> tuple[str, ...]:
    """Fields, then properties the class itself defines (not BaseModel's own), public ones only."""
    cached = _NAMES.get((kind, omitted))
    if cached is not None:
        return cached
    if issubclass(kind, BaseModel):
        fields = list(kind.model_fields)
        stop: type = BaseModel
    else:
        fields = [f.name for f in dataclasses.fields(kind)]  # type: ignore[arg-type]
        stop = object
    properties: list[str] = []
    for klass in kind.__mro__:
        if klass is stop or klass is object:
            break
        properties.extend(name for name, attr in vars(klass).items()
                          if isinstance(attr, property) and name not in properties)
    names = tuple(name for name in dict.fromkeys([*fields, *properties])
                  if not name.startswith("_") and name not in omitted)
    _NAMES[(kind, omitted)] = names
    return names

