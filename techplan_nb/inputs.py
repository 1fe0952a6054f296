"""Read an inputs file (YAML or JSON) safely into a PlanInput, reporting every problem at once.

Each problem is reported as FILE:LINE: field.path: message. YAML is composed into nodes (never
constructed into objects), so tags cannot build Python objects, aliases are refused, and dates
stay text until the schema parses them.
"""

from __future__ import annotations

import difflib
import json
import re
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError, InputIssue
from .model import Loc, PlanInput, cross_field_problems

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 40

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}
_TRUE_FALSE = re.compile(r"^(?:true|false)$", re.IGNORECASE)


class Document:
    """Parsed data plus where each field path sits in the source, for error messages."""

    def __init__(self, name: str, data: Any, lines: dict[Loc, int]) -> None:
        self.name = name
        self.data = data
        self.lines = lines

    def line_of(self, loc: Loc) -> int | None:
        # A missing field has no line of its own: point at its nearest parent that exists.
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None


# --- decoding --------------------------------------------------------------------------------


def decode(raw: bytes, name: str) -> str:
    if len(raw) > MAX_BYTES:
        raise InputError.single(
            name, f"file is {len(raw):,} bytes; inputs files are limited to {MAX_BYTES:,} bytes (1 MiB)")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError.single(name, "file is UTF-16; save it as UTF-8 (without a byte-order mark)", line=1)
    if raw.startswith(b"\xef\xbb\xbf"):
        raise InputError.single(name, "file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM",
                                line=1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError.single(
            name, f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file as UTF-8", line=line) from None
    if not text.strip():
        raise InputError.single(name, "file is empty; start from `techplan new -o FILE`")
    return text


# --- YAML ------------------------------------------------------------------------------------


def _yaml_problem(name: str, exc: yaml.YAMLError) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"not valid YAML: {problem}" + (f" ({context})" if context else "")
    return InputError.single(name, message, line=line)


# Cheap pre-check: only text that could hold an anchor or alias pays for a full event parse.
_MAYBE_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])[&*][^\s,\[\]{}]")


def _refuse_anchors(text: str, name: str) -> None:
    if not _MAYBE_ANCHOR.search(text):
        return
    for event in yaml.parse(text, Loader=_Loader):
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or anchor:
            line = event.start_mark.line + 1
            raise InputError.single(
                name, f"YAML anchors and aliases (&{anchor} / *{anchor}) are not allowed; write the value out",
                line=line)


class _Converter:
    """Turns composed YAML nodes into plain data, refusing tags, duplicates and deep nesting."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: dict[Loc, int] = {}
        self.problems: list[InputIssue] = []

    def convert(self, node: yaml.Node, loc: Loc) -> Any:
        if len(loc) > MAX_DEPTH:
            raise InputError.single(self.name, f"nesting deeper than {MAX_DEPTH} levels", line=node.start_mark.line + 1,
                                    field=_path(loc[:MAX_DEPTH]))
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if node.tag not in _ALLOWED_TAGS:
            self.problems.append(InputIssue(self.name, node.start_mark.line + 1, _path(loc),
                                            f"YAML tag {node.tag!r} is not allowed; remove it"))
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*loc, index)) for index, item in enumerate(node.value)]
        return _scalar(node)

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(InputIssue(self.name, key_node.start_mark.line + 1, _path(loc),
                                                "a key must be plain text"))
                continue
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key == "<<":
                self.problems.append(InputIssue(self.name, line, _path(loc), "YAML merge keys (<<) are not allowed"))
                continue
            if key in result:
                first = self.lines.get((*loc, key))
                self.problems.append(InputIssue(
                    self.name, line, _path((*loc, key)),
                    f"duplicate key {key!r} (first given on line {first}); keep one"))
                continue
            self.lines[(*loc, key)] = line
            result[key] = self.convert(value_node, (*loc, key))
        return result


def _scalar(node: yaml.ScalarNode) -> Any:
    value = node.value
    if node.style or node.tag in (_STD + "str", _STD + "timestamp"):
        return value  # quoted, block or date-like: text, parsed by the schema
    if node.tag == _STD + "null":
        return None
    if node.tag == _STD + "bool":
        # YAML 1.1 reads yes/no/on/off as booleans ("the Norway problem"); only true/false count.
        return value.lower() == "true" if _TRUE_FALSE.match(value) else value
    if node.tag == _STD + "int":
        text = value.replace("_", "")
        if ":" in text or not re.fullmatch(r"[-+]?\d+", text):
            return value  # sexagesimal, octal and hex forms are almost never meant
        return int(text)
    if node.tag == _STD + "float":
        lowered = value.lower()
        if lowered in (".nan", ".inf", "-.inf", "+.inf"):
            return float(lowered.replace(".", ""))
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    return value


def parse_yaml(text: str, name: str) -> Document:
    try:
        _refuse_anchors(text, name)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _yaml_problem(name, exc) from None
    except RecursionError:
        raise InputError.single(name, f"nesting is too deep (limit {MAX_DEPTH} levels)") from None
    if node is None:
        raise InputError.single(name, "file holds no data; start from `techplan new -o FILE`")
    converter = _Converter(name)
    data = converter.convert(node, ())
    if converter.problems:
        raise InputError(converter.problems)
    return Document(name, data, converter.lines)


# --- JSON ------------------------------------------------------------------------------------


def parse_json(text: str, name: str) -> Document:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    def constant(word: str) -> Any:
        raise ValueError(f"{word} is not allowed in JSON inputs; write a finite number")

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise InputError.single(name, f"not valid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno) from None
    except ValueError as exc:
        raise InputError.single(name, str(exc)) from None
    except RecursionError:
        raise InputError.single(name, f"nesting is too deep (limit {MAX_DEPTH} levels)") from None
    lines = _json_lines(text, name)
    if duplicates:
        raise InputError([InputIssue(name, None, key, "duplicate key; keep one") for key in duplicates])
    if _depth(data) > MAX_DEPTH:
        raise InputError.single(name, f"nesting deeper than {MAX_DEPTH} levels")
    return Document(name, data, lines)


def _json_lines(text: str, name: str) -> dict[Loc, int]:
    # JSON is (nearly) YAML, so the YAML composer gives line numbers for free; values come from json.
    try:
        node = yaml.compose(text, Loader=_Loader)
        converter = _Converter(name)
        converter.convert(node, ())
        return converter.lines
    except (yaml.YAMLError, InputError, RecursionError):
        return {}


def _depth(data: Any) -> int:
    depth, frontier = 0, [data]
    while frontier:
        depth += 1
        if depth > MAX_DEPTH:
            return depth
        nxt: list[Any] = []
        for item in frontier:
            if isinstance(item, dict):
                nxt.extend(item.values())
            elif isinstance(item, list):
                nxt.extend(item)
        frontier = nxt
    return depth


# --- validation ------------------------------------------------------------------------------


def parse_text(text: str, name: str) -> Document:
    is_json = name.lower().endswith(".json") or (
        not name.lower().endswith((".yaml", ".yml")) and text.lstrip()[:1] in ("{", "["))
    return parse_json(text, name) if is_json else parse_yaml(text, name)


def validate_document(doc: Document) -> PlanInput:
    if not isinstance(doc.data, dict):
        raise InputError.single(doc.name, "the file must hold a mapping of sections (issue:, requirements:, ...)",
                                line=1)
    try:
        plan = PlanInput.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(list(_issues_from(exc, doc))) from None
    problems = cross_field_problems(plan)
    if problems:
        raise InputError([InputIssue(doc.name, doc.line_of(loc), _path(loc), msg) for loc, msg in problems])
    return plan


def load_bytes(raw: bytes, name: str) -> PlanInput:
    return validate_document(parse_text(decode(raw, name), name))


def load_path(path: str | Path) -> PlanInput:
    path = Path(path)
    name = str(path)
    try:
        if path.is_dir():
            raise InputError.single(name, "is a folder; give an inputs file (.yaml, .yml or .json)")
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError.single(name, "no such file") from None
    except PermissionError:
        raise InputError.single(name, "permission denied; check the file's permissions") from None
    except OSError as exc:
        raise InputError.single(name, f"cannot read the file: {exc.strerror}") from None
    return load_bytes(raw, name)


def _issues_from(exc: ValidationError, doc: Document) -> Iterator[InputIssue]:
    seen: dict[Loc, int] = {}
    collected: list[InputIssue] = []
    for error in exc.errors(include_url=False):
        loc = _data_loc(tuple(error["loc"]), doc.data)
        message = _message(error, loc)
        issue = InputIssue(doc.name, doc.line_of(loc), _path(loc), message)
        # Union members each report a failure for one field; keep the clearest (ours, then first).
        if loc in seen:
            if error["type"] == "value_error" and not collected[seen[loc]].message.startswith("!"):
                collected[seen[loc]] = issue
            continue
        seen[loc] = len(collected)
        collected.append(issue)
    yield from collected


def _data_loc(loc: Loc, data: Any) -> Loc:
    """Drop pydantic's union/validator markers from a loc so it names fields the user wrote."""
    clean: list[str | int] = []
    current: Any = data
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(current, dict) and isinstance(part, str):
            if part in current or _is_field_name(part):
                clean.append(part)
                current = current.get(part)
            continue
        if isinstance(current, list) and isinstance(part, int):
            clean.append(part)
            current = current[part] if 0 <= part < len(current) else None
            continue
        if isinstance(part, str) and ("[" in part or part in _TYPE_MARKERS):
            continue
        clean.append(part)
        current = None
    return tuple(clean)


_TYPE_MARKERS = {"str", "int", "float", "bool", "list", "dict", "none", "literal", "CheckItem", "Question",
                 "ThreePoint"}


def _is_field_name(part: str) -> bool:
    return re.fullmatch(r"[a-z_][a-z0-9_]*", part) is not None and part not in _TYPE_MARKERS


def _message(error: Any, loc: Loc) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        key = loc[-1] if loc else "?"
        allowed = allowed_keys(loc[:-1])
        hint = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        text = f"unknown key {key!r}"
        if hint:
            return f"{text}; did you mean {hint[0]!r}?"
        return f"{text}; allowed keys here: {', '.join(allowed)}" if allowed else text
    if kind == "missing":
        return "is required"
    if kind == "literal_error" and loc and loc[0] in ("dependencies", "monitoring") and len(loc) == 2:
        allowed = allowed_keys(loc[:1])
        hint = difflib.get_close_matches(str(loc[1]), allowed, n=1, cutoff=0.6)
        extra = f"; did you mean {hint[0]!r}?" if hint else f"; allowed keys here: {', '.join(allowed)}"
        return f"unknown key {loc[1]!r}{extra}"
    message: str = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix):]
    value = error.get("input")
    if kind not in ("value_error",) and value is not None and not isinstance(value, (dict, list)):
        shown = repr(value)
        message = f"{message} (got {shown[:60] + '…' if len(shown) > 60 else shown})"
    return message


def allowed_keys(loc: Loc) -> list[str]:
    """The keys the schema accepts at a field path (for "did you mean" hints and the form)."""
    model: Any = PlanInput
    for part in loc:
        if isinstance(part, int):
            continue
        target = _model_in(model)
        if target is None or part not in target.model_fields:
            return []
        model = target.model_fields[part].annotation
    target = _model_in(model)
    if target is not None:
        return list(target.model_fields)
    literal = _dict_key_literal(model)
    return literal


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _dict_key_literal(annotation: Any) -> list[str]:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _dict_key_literal(args[0])
    if origin is dict and args and typing.get_origin(args[0]) is typing.Literal:
        return [str(a) for a in typing.get_args(args[0])]
    return []


def _path(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
