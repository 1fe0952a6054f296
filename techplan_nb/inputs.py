"""Read an inputs file (YAML or JSON) safely into a PlanInput, reporting every problem at once.

Each problem is reported as FILE:LINE: field.path: message. YAML is composed into nodes (never
constructed into objects), so tags cannot build Python objects, aliases are refused, and dates
stay text until the schema parses them.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import json
import re
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError, InputIssue
from .model import ID_PATTERN, Loc, PlanInput
from .rules import cross_field_problems

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 40
# Far above any real plan, low enough that a hostile 1 MiB file is refused in well under a second
# instead of being validated, rendered and analysed item by item.
MAX_ITEMS = 1000  # entries in one list (risks, tasks, bullets, ...)
MAX_VALUES = 20_000  # values in the whole file
MAX_TEXT = 65_536  # characters in one text value: GitHub's own limit for an issue body
# A verbatim slot (extra.<section>.before/after) holds what an imported document has beyond the
# template's fields: a long design's whole "Detailed design" can land in one, so it is capped by the
# file alone. It is printed as written (sanitised in one linear markdown-it pass), never escaped or
# matched character by character like a field's text, which is what MAX_TEXT protects.
MAX_VERBATIM = MAX_BYTES
VERBATIM_SLOTS = ("before", "after")
MAX_REPORTED = 50  # problems listed before "N more"

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}
_TRUE_FALSE = re.compile(r"^(?:true|false)$", re.IGNORECASE)


class Document:
    """Parsed data plus where each field path sits in the source, for error messages."""

    def __init__(self, name: str, data: Any, lines: dict[Loc, int], *, sized: bool = False) -> None:
        self.name = name
        self.data = data
        self.lines = lines
        self.sized = sized  # sizes already checked while the data was built (see _Converter)

    def line_of(self, loc: Loc) -> int | None:
        # A missing field has no line of its own: point at its nearest parent that exists.
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None


# --- lines -----------------------------------------------------------------------------------

_BREAK = re.compile(r"\r\n?|\n")
_BREAK_BYTES = re.compile(rb"\r\n?|\n")


class Lines:
    """Line numbers as a text editor counts them: \n, \r\n and a lone \r end a line.

    Every error's line comes from here. A YAML mark's own .line is not used: PyYAML and libyaml
    also count U+0085 (NEL), U+2028 and U+2029 as line breaks, which editors show inside a line,
    so every problem after one was reported a line (or more) too late. A mark's .index (characters
    into the same decoded text) is counted here instead."""

    def __init__(self, text: str | bytes) -> None:
        pattern = _BREAK_BYTES if isinstance(text, bytes) else _BREAK
        self._ends = [match.end() for match in pattern.finditer(text)]  # type: ignore[arg-type]

    def at(self, index: int) -> int:
        """The line of the character at `index` (the \n of a \r\n is on the \r's line)."""
        return bisect.bisect_right(self._ends, index) + 1

    def of(self, mark: Any) -> int:
        return self.at(mark.index)


def line_at(text: str | bytes, index: int) -> int:
    """The line of one position, counted once (for the many of one file, build Lines)."""
    return Lines(text[:index + 1]).at(index)


def _shown_key(key: str) -> str:
    """A key as messages quote it: at most 60 characters, so a 100,000-character key is not printed whole."""
    return repr(key) if len(key) <= 60 else repr(key[:60]) + "…"


# --- decoding --------------------------------------------------------------------------------


def nul_line(raw: bytes) -> int | None:
    """The line of the first NUL byte, which no text file holds (UTF-16 and binary files do)."""
    at = raw.find(b"\x00")
    return None if at == -1 else line_at(raw, at)


def decode(raw: bytes, name: str) -> str:
    if len(raw) > MAX_BYTES:
        # The line where the limit is passed points at what grew (often a pasted log or dump).
        line = line_at(raw, MAX_BYTES)
        raise InputError.single(
            name, f"file is over {MAX_BYTES:,} bytes (1 MiB), the limit for inputs files; it passes the limit "
                  "on this line", line=line)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError.single(name, "file is UTF-16; save it as UTF-8 (without a byte-order mark)", line=1)
    if raw.startswith(b"\xef\xbb\xbf"):
        raise InputError.single(name, "file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM",
                                line=1)
    nul_at = nul_line(raw)
    if nul_at is not None:
        raise InputError.single(name, "file contains NUL bytes (UTF-16 or a binary file?); save it as UTF-8 text",
                                line=nul_at)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = line_at(raw, exc.start)
        raise InputError.single(
            name, f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file as UTF-8", line=line) from None
    if not text.strip():
        raise InputError.single(name, "file is empty; start from `techplan new -o FILE`", line=1)
    return text


# --- YAML ------------------------------------------------------------------------------------


_YAML_ONLY_BREAKS = {"\x85": "U+0085 (NEL)", "\u2028": "U+2028 (LINE SEPARATOR)",
                     "\u2029": "U+2029 (PARAGRAPH SEPARATOR)"}


def _yaml_problem(name: str, exc: yaml.YAMLError, text: str) -> InputError:
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml refuses control characters before parsing; it gives a position, not a line: in
        # bytes of the UTF-8 text (libyaml) or characters (the pure-Python reader).
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raw = text.encode("utf-8")
        at_byte = raw[exc.position:exc.position + len(char.encode("utf-8"))] == char.encode("utf-8")
        return InputError.single(
            name, f"the control character U+{ord(char):04X} is not allowed in YAML; remove it",
            line=line_at(raw, exc.position) if at_byte else line_at(text, exc.position))
    context = getattr(exc, "context", None)
    # A key with no ':' is found wanting where the next line starts; the line it stands on is the
    # one to fix (and the one a U+0085 split in two).
    marks = ("context_mark", "problem_mark") if context == "while scanning a simple key" else (
        "problem_mark", "context_mark")
    mark = getattr(exc, marks[0], None) or getattr(exc, marks[1], None)
    line = line_at(text, mark.index) if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    message = f"not valid YAML: {problem}" + (f" ({context})" if context else "")
    shown = _BREAK.split(text)[line - 1] if line is not None else ""  # not splitlines(): it splits at U+0085 too
    breaks = [char for char in _YAML_ONLY_BREAKS if char in shown]
    if breaks:
        message += (f"; the line holds {' and '.join(_YAML_ONLY_BREAKS[c] for c in breaks)}, which YAML reads "
                    "as a line break: replace it with a space, or write "
                    f"{' or '.join(repr(c)[1:-1] for c in breaks)} inside double quotes")
    if "\t" in shown[:len(shown) - len(shown.lstrip(" \t"))]:
        # "found character '\t' that cannot start any token" says nothing of indentation.
        message += "; the line is indented with a tab, and YAML indents with spaces only: replace the tabs with spaces"
    return InputError.single(name, message, line=line)


# Cheap pre-check: only text that could hold an anchor (`&name` where a value starts) pays for a
# full event parse. An alias needs an anchor, and one without is a composer error, checked again
# then (see parse_yaml); `*` alone would send every Markdown **bold** through the slow path. A
# scan for "&" rather than a regex: "R&D" and "Q & A" are common, and the regex costs a parse.
def _may_hold_anchor(text: str) -> bool:
    at = text.find("&")
    while at != -1:
        after = text[at + 1:at + 2]
        if after and not after.isspace() and after not in ",[]{}" and (
                at == 0 or text[at - 1].isspace() or text[at - 1] in "[{,:-"):
            return True
        at = text.find("&", at + 1)
    return False


def _refuse_anchors(text: str, name: str, *, always: bool = False) -> None:
    if not always and not _may_hold_anchor(text):
        return
    for event in yaml.parse(text, Loader=_Loader):
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or anchor:
            line = line_at(text, event.start_mark.index) if event.start_mark else None  # the parser marks each
            raise InputError.single(
                name, f"YAML anchors and aliases (&{anchor} / *{anchor}) are not allowed; write the value out",
                line=line)


class _Converter:
    """Turns composed YAML nodes into plain data, refusing tags, duplicates, deep nesting and
    sizes no plan has (the checks validate_document makes on data that did not come this way)."""

    def __init__(self, name: str, text: str = "", max_values: int = MAX_VALUES) -> None:
        self.name = name
        self.max_values = max_values
        self.line_index = Lines(text)  # the text the nodes were composed from
        self.lines: dict[Loc, int] = {}
        self.long_keys: dict[str, str] = {}  # a stand-in for a JSON key too long for libyaml -> the key
        self.problems: list[InputIssue] = []
        self.values = 0

    def convert(self, node: yaml.Node, loc: Loc) -> Any:
        if len(loc) > MAX_DEPTH:
            raise InputError.single(self.name, f"nesting deeper than {MAX_DEPTH} levels",
                                    line=self.line_index.of(node.start_mark), field=_path(loc[:MAX_DEPTH]))
        self.lines.setdefault(loc, self.line_index.of(node.start_mark))
        self.values += 1
        if self.values > self.max_values:
            raise InputError.single(self.name, _too_many_values(), line=self.line_index.of(node.start_mark),
                                    field=_path(loc))
        if node.tag not in _ALLOWED_TAGS:
            self.problems.append(InputIssue(self.name, self.line_index.of(node.start_mark), _path(loc),
                                            f"YAML tag {node.tag!r} is not allowed; remove it"))
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            if len(node.value) > MAX_ITEMS:  # refused here too, before converting every entry
                self.problems.append(InputIssue(self.name, self.lines[loc], _path(loc), _too_many(len(node.value))))
                return []
            return [self.convert(item, (*loc, index)) for index, item in enumerate(node.value)]
        # compose() makes only mapping, sequence and scalar nodes.
        value = _scalar(cast(yaml.ScalarNode, node))
        if isinstance(value, str) and len(value) > _text_cap(loc):
            self.problems.append(InputIssue(self.name, self.lines[loc], _path(loc), _too_long(value, loc)))
        return value

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(InputIssue(self.name, self.line_index.of(key_node.start_mark), _path(loc),
                                                "a key must be plain text"))
                continue
            key: str = key_node.value
            key = self.long_keys.get(key, key)
            line = self.line_index.of(key_node.start_mark)
            if key == "<<":
                self.problems.append(InputIssue(self.name, line, _path(loc), "YAML merge keys (<<) are not allowed"))
                continue
            if key in result:
                first = self.lines.get((*loc, key))
                self.problems.append(InputIssue(
                    self.name, line, _path((*loc, key)),
                    f"duplicate key {_shown_key(key)} (first given on line {first}); keep one"))
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
        return _int_or_text(text, value)
    if node.tag == _STD + "float":
        lowered = value.lower()
        if lowered in (".nan", ".inf", "-.inf", "+.inf"):
            return float(lowered.replace(".", ""))
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    return value


def _int_or_text(digits: str, original: str) -> int | str:
    try:
        return int(digits)
    except ValueError:  # longer than sys.get_int_max_str_digits(): no plan needs such a number
        return original


def parse_yaml(text: str, name: str) -> Document:
    try:
        _refuse_anchors(text, name)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        if isinstance(exc, yaml.composer.ComposerError):
            # An alias without its anchor: say so first. The full parse this takes reads past
            # where compose stopped (a second document), so it may meet a syntax error of its own.
            with contextlib.suppress(yaml.YAMLError):
                _refuse_anchors(text, name, always=True)
        raise _yaml_problem(name, exc, text) from None
    except RecursionError:
        raise InputError.single(name, f"nesting is too deep (limit {MAX_DEPTH} levels)") from None
    if node is None:
        raise InputError.single(name, "file holds no data; start from `techplan new -o FILE`", line=1)
    converter = _Converter(name, text)
    data = converter.convert(node, ())
    if converter.problems:
        raise InputError(converter.problems)
    return Document(name, data, converter.lines, sized=True)


# --- JSON ------------------------------------------------------------------------------------


class _NonFinite:
    """NaN or Infinity in JSON: kept as a marker so the error can name its field and line."""

    def __init__(self, word: str) -> None:
        self.word = word


_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json(text: str, name: str) -> Document:
    duplicated = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal duplicated
        result: dict[str, Any] = {}
        for key, value in items:
            duplicated = duplicated or key in result
            result[key] = value
        return result

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=_NonFinite,
                          parse_int=lambda digits: _int_or_text(digits, digits))
    except json.JSONDecodeError as exc:
        line, column = json_error_at(text, exc.pos)
        raise InputError.single(name, f"not valid JSON: {exc.msg} (column {column})", line=line) from None
    except RecursionError:
        data = None
    if data is None or _depth(data) > MAX_DEPTH:
        raise InputError.single(name, f"nesting deeper than {MAX_DEPTH} levels", line=_json_too_deep_line(text))
    converter = _json_converter(text, name)
    doc = Document(name, data, converter.lines)
    problems: list[InputIssue] = []
    if duplicated:
        problems = [p for p in converter.problems if p.message.startswith("duplicate key")]
        problems = problems or [InputIssue(name, 1, "", "a key is given twice in one object; keep one")]
    problems.extend(_json_value_problems(doc, data, ()))
    if problems:
        raise InputError(problems)
    return doc


def json_error_at(text: str, pos: int) -> tuple[int, int]:
    """(line, column) of a JSONDecodeError's position: json's own lineno counts only \n, so every
    error in a file with lone-\r line ends was on line 1."""
    start = max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos)) + 1
    return line_at(text, pos), pos - start + 1


def _json_value_problems(doc: Document, value: Any, loc: Loc) -> Iterator[InputIssue]:
    """Values json.loads accepts that no plan can hold: NaN/Infinity, lone UTF-16 surrogates."""
    if isinstance(value, _NonFinite):
        yield InputIssue(doc.name, doc.line_of(loc), _path(loc),
                         f"{value.word} is not allowed in JSON inputs; write a finite number")
    elif isinstance(value, str) and _SURROGATE.search(value):
        yield InputIssue(doc.name, doc.line_of(loc), _path(loc),
                         "holds a \\ud800-\\udfff escape that is half of a character pair (not valid "
                         "Unicode text); remove it")
    elif isinstance(value, dict):
        for key, item in value.items():
            if _SURROGATE.search(key):
                yield InputIssue(doc.name, doc.line_of(loc), _path(loc),
                                 "a key holds half of a \\ud800-\\udfff character pair; remove it")
                continue
            yield from _json_value_problems(doc, item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_value_problems(doc, item, (*loc, index))


_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{}\n]')


def _json_too_deep_line(text: str) -> int:
    """The line where JSON nesting first passes MAX_DEPTH (strings skipped; only run when too deep)."""
    depth, lines = 0, Lines(text)
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return lines.at(match.start())
        elif token in "]}":
            depth -= 1
    return lines.at(len(text))


# libyaml refuses \uD83D-style escapes, which json.dumps writes for every emoji by default; an
# escaped backslash is matched first so that `\\uD800` (a backslash, then text) is left alone.
_SURROGATE_ESCAPE = re.compile(r"\\\\|\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONG_KEY = 1000
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_LONG_STRING = re.compile(r'"(?:[^"\\]|\\.){' + str(_LONG_KEY) + "}")  # a cheap test, before _JSON_STRING's pass
_KEY_END = re.compile(r"[ \t\r\n]*:")


def _json_converter(text: str, name: str, max_values: int = MAX_VALUES) -> _Converter:
    # JSON is (nearly) YAML, so the YAML composer gives line numbers (and where a duplicate key
    # sits) for free; the values themselves come from json.
    as_yaml = _SURROGATE_ESCAPE.sub(lambda m: m.group() if m.group() == "\\\\" else "\\u0078", text)
    # libyaml gives up on a key over 1,024 characters, and then no field had a line: such a key is
    # composed as a short stand-in (on the same line) that the converter reads back as the key.
    short_of: dict[str, str] = {}

    def stand_in(match: re.Match[str]) -> str:
        if len(match.group()) <= _LONG_KEY or not _KEY_END.match(as_yaml, match.end()):
            return match.group()
        key = json.loads(text[match.start():match.end()])  # the surrogate escapes kept the length
        return json.dumps(short_of.setdefault(key, f"\ue000long key {len(short_of)}"))

    if _LONG_STRING.search(as_yaml):
        as_yaml = _JSON_STRING.sub(stand_in, as_yaml)
    long_keys = {short: key for key, short in short_of.items()}
    converter = _Converter(name, as_yaml, max_values)  # the same lines as `text`: JSON strings hold no line breaks
    converter.long_keys = long_keys
    try:
        node = yaml.compose(as_yaml, Loader=_Loader)
        if node is None:  # never: json.loads has just read a value from this text
            return _Converter(name)
        converter.convert(node, ())
    except (yaml.YAMLError, InputError, RecursionError):
        return _Converter(name)
    return converter


def json_field_lines(text: str, name: str) -> dict[Loc, int]:
    """The line of each field path in a JSON text json.loads has read, however many values it holds
    (a GitHub export is no inputs file); empty past MAX_DEPTH."""
    return _json_converter(text, name, max_values=len(text)).lines


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
    oversized = [] if doc.sized else _size_problems(doc)
    if oversized:
        raise InputError(_capped(oversized))
    try:
        plan = PlanInput.model_validate(doc.data)
    except ValidationError as exc:
        from .inputs_partial import cross_field_issues

        # Every problem at once: dependencies, cycles and the calendar are checked on what did parse.
        structural = list(_issues_from(exc, doc))
        raise InputError(_capped(structural + cross_field_issues(doc, structural, data_loc=_data_loc,
                                                                   path=_path))) from None
    problems = cross_field_problems(plan)
    if problems:
        raise InputError(_capped([InputIssue(doc.name, doc.line_of(loc), _path(loc), msg) for loc, msg in problems]))
    return plan


def _size_problems(doc: Document) -> list[InputIssue]:
    """Lists, texts and files far larger than any plan: refused before the schema walks them."""
    problems: list[InputIssue] = []
    count = 0
    stack: list[tuple[Loc, Any]] = [((), doc.data)]
    while stack:
        loc, value = stack.pop()
        count += 1
        if count > MAX_VALUES:
            return [InputIssue(doc.name, doc.line_of(loc), _path(loc), _too_many_values())]
        if isinstance(value, str) and len(value) > _text_cap(loc):
            problems.append(InputIssue(doc.name, doc.line_of(loc), _path(loc), _too_long(value, loc)))
        elif isinstance(value, list):
            if len(value) > MAX_ITEMS:
                problems.append(InputIssue(doc.name, doc.line_of(loc), _path(loc), _too_many(len(value))))
                continue
            stack.extend(((*loc, index), item) for index, item in reversed(list(enumerate(value))))
        elif isinstance(value, dict):
            stack.extend(((*loc, key), item) for key, item in reversed(list(value.items())))
    return problems


def _too_many_values() -> str:
    return f"the file holds more than {MAX_VALUES:,} values; split the plan or trim it"


def _text_cap(loc: Loc) -> int:
    verbatim = len(loc) == 3 and loc[0] == "extra" and loc[2] in VERBATIM_SLOTS
    return MAX_VERBATIM if verbatim else MAX_TEXT


def _too_long(text: str, loc: Loc) -> str:
    return f"is {len(text):,} characters long; a text is limited to {_text_cap(loc):,}"


def _too_many(count: int) -> str:
    return f"has {count:,} entries; a list is limited to {MAX_ITEMS:,} (split the plan, or group entries)"


def _capped(issues: list[InputIssue]) -> list[InputIssue]:
    if len(issues) <= MAX_REPORTED:
        return issues
    rest = issues[MAX_REPORTED:]
    return [*issues[:MAX_REPORTED],
            InputIssue(rest[0].file, rest[0].line, rest[0].field,
                       f"and {len(rest):,} more problems from here on, not listed; fix the ones above first")]


def load_bytes(raw: bytes, name: str) -> PlanInput:
    return validate_document(parse_text(decode(raw, name), name))


def read_inputs(path: str | Path) -> bytes:
    """An inputs file's bytes (at most MAX_BYTES + 1, so that decode names the line past the limit)."""
    from .safe_files import read_capped

    return read_capped(path, MAX_BYTES, what="inputs file (.yaml, .yml or .json)", report_over=False)


def load_path(path: str | Path) -> PlanInput:
    from .safe_files import shown_name

    return load_bytes(read_inputs(path), shown_name(path))


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
        text = f"unknown key {_shown_key(key) if isinstance(key, str) else repr(key)}"
        if hint:
            return f"{text}; did you mean {hint[0]!r}?"
        return f"{text}; allowed keys here: {', '.join(allowed)}" if allowed else text
    if kind == "missing":
        return "is required"
    value = error.get("input")
    if kind in ("too_short", "too_long") and isinstance(value, str):
        limit = error["ctx"].get("min_length", error["ctx"].get("max_length"))
        if kind == "too_short" and limit == 1:
            return "must not be empty"
        if kind == "too_short":
            return f"is {len(value.strip()):,} characters long; write at least {limit}"
        return f"is {len(value.strip()):,} characters long; shorten it to at most {limit}"
    if kind == "string_pattern_mismatch" and isinstance(value, str):
        shown = repr(value) if len(value) <= 60 else repr(value[:60]) + "…"
        pattern = error["ctx"]["pattern"]
        if pattern == ID_PATTERN:
            return (f"{shown} is not an id: use 1-64 letters, digits, '-', '_' or '.', starting with a letter "
                    "or digit")
        if pattern.startswith("^https?://"):
            if re.match(r"(?i)^https?://[^\s/?#]*@", value):
                return (f"{shown} names a user before its host (the part up to '@'), so the address goes "
                        "somewhere other than it reads; write it without that part")
            return f"{shown} is not a web address; write one starting with https:// (or http://)"
    if kind == "literal_error" and loc and loc[0] in ("dependencies", "monitoring") and len(loc) == 2:
        allowed = allowed_keys(loc[:1])
        hint = difflib.get_close_matches(str(loc[1]), allowed, n=1, cutoff=0.6)
        extra = f"; did you mean {hint[0]!r}?" if hint else f"; allowed keys here: {', '.join(allowed)}"
        return f"unknown key {_shown_key(str(loc[1]))}{extra}"
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
            text = str(part) if len(str(part)) <= 60 else str(part)[:60] + "…"
            # A key holding a zero-width space or a control character would print as a name that
            # looks right; shown escaped, the reader sees why it is unknown.
            out += ("." if out else "") + (text if text.isprintable() else repr(text)[1:-1])
    return out
