"""Edit an inputs file in place the way a careful person would: comments, key order, quoting
and layout stay as they were; only the values a command changes are touched.

ruamel.yaml's round-trip mode keeps comments and order. Every edit is checked twice before
anything is written: the file must pass the safe loader (techplan_nb.inputs) before it is
opened for editing, and the edited text must pass it again, so the round-trip parser never
decides what a plan means.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.tokens import CommentToken

from .errors import InputError
from .inputs import MAX_BYTES, decode, load_bytes, read_inputs
from .model import PlanInput


class InputsDocument:
    """One inputs file opened for round-trip editing; `text()` is what would be written."""

    def __init__(self, path: Path, original: str, data: CommentedMap, yaml: YAML) -> None:
        self.path = path
        self.original = original
        self.data = data
        self._yaml = yaml
        self._touched: set[str] = set()

    # --- reading and writing ------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path) -> InputsDocument:
        path = Path(path)
        name = str(path)
        if path.suffix.lower() not in (".yaml", ".yml"):
            raise InputError.single(name, "only YAML inputs files can be edited in place; convert it to YAML "
                                          "(e.g. inputs.yaml) first")
        if not path.exists() and not path.is_symlink():
            raise InputError.single(name, "no such file; a plan folder holds its inputs as inputs.yaml")
        raw = read_inputs(path)  # the loader refuses anything larger than its limit, at its line
        # The safe loader judges the file first: tags, aliases and duplicate keys never reach ruamel.
        load_bytes(raw, name)
        text = decode(raw, name)
        yaml = _round_trip_yaml(text)
        try:
            data = yaml.load(text)
        except YAMLError as exc:  # pragma: no cover - the safe loader accepted it, so this is a ruamel quirk
            raise InputError.single(name, f"cannot be edited in place: {exc}") from None
        if not isinstance(data, CommentedMap):
            raise InputError.single(name, "the file must hold a mapping of sections (issue:, requirements:, ...)")
        return cls(path, text, data, yaml)

    def text(self) -> str:
        """The file after the edits: sections no edit touched keep their original bytes."""
        if not self._touched:
            return self.original
        out = io.StringIO()
        self._yaml.dump(self.data, out)
        text = _splice(self.original, out.getvalue(), self._touched, [str(key) for key in self.data])
        if "\r\n" in self.original:  # a Windows file stays one: the dump writes "\n" only
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        return text

    def validate(self) -> PlanInput:
        """The edited file as the loader will read it; an InputError names the file and field."""
        text = self.text()
        if len(text.encode("utf-8")) > MAX_BYTES:
            raise InputError.single(str(self.path), f"the edit would make the file larger than {MAX_BYTES:,} bytes")
        return load_bytes(text.encode("utf-8"), str(self.path))

    @property
    def changed(self) -> bool:
        return self.text() != self.original

    # --- edits ----------------------------------------------------------------------------------

    def set_top(self, key: str, value: Any) -> None:
        """Set a top-level key, adding it where the template order puts it if it is missing."""
        self._touched.add(key)
        if key in self.data:
            self.data[key] = value
            return
        self.data.insert(_insert_position(self.data, key), key, value)

    def set_status(self, status: str, since: dt.date) -> None:
        self.set_top("status", status)
        self.set_top("status_since", since)

    def set_last_updated(self, day: dt.date) -> None:
        self.set_top("last_updated", day)

    def add_review(self, *, round: int, date: dt.date, reviewer: str, status: str,
                   feedback: Sequence[str]) -> None:
        review = CommentedMap()
        review["round"] = round
        review["date"] = date
        review["reviewer"] = reviewer
        review["status"] = status
        if feedback:
            review["feedback"] = CommentedSeq(feedback)
        reviews = self._sequence("reviews")
        _append(reviews, review)

    def add_resolution(self, round_number: int, items: Sequence[str]) -> None:
        for review in self._sequence("reviews"):
            if isinstance(review, Mapping) and review.get("round") == round_number:
                # The round-trip loader makes every mapping a CommentedMap and every list a CommentedSeq.
                entry = cast(CommentedMap, review)
                existing = entry.get("resolution")
                if isinstance(existing, list):
                    for item in items:
                        _append(cast(CommentedSeq, existing), item)
                elif isinstance(existing, str) and existing.strip():
                    # A single string is "a list of one" to the loader; keep it as the first item.
                    entry["resolution"] = CommentedSeq([existing, *items])
                else:
                    _set_key_keeping_trailer(entry, "resolution", CommentedSeq(items))
                return
        raise KeyError(round_number)  # the caller checked the round exists

    def replace_data(self, data: Mapping[str, Any]) -> None:
        """Make the document hold `data` (the form's values), touching only what differs: values
        that did not change keep their comments, quoting and layout."""
        for key in [key for key in self.data if key not in data]:
            self._touched.add(str(key))
            del self.data[key]
        for key, value in data.items():
            old = self.data.get(key)
            if key in self.data and _plain(old) == value:
                continue
            self._touched.add(key)
            if key in self.data and _merge_into(old, value):
                continue
            self.set_top(key, _commented(value))

    def ensure_approvals(self, roles: Sequence[str]) -> None:
        """Write out the approval list (the template's roles) if the file relies on the default."""
        approvals = self.data.get("approvals")
        if isinstance(approvals, list) and approvals:
            return
        items = CommentedSeq()
        for role in roles:
            entry = CommentedMap()
            entry["role"] = role
            entry["approved"] = False
            items.append(entry)
        self.set_top("approvals", items)

    def set_approval(self, role: str, *, approved: bool, by: str, date: dt.date | None) -> None:
        for entry in self._sequence("approvals"):
            if isinstance(entry, CommentedMap) and entry.get("role") == role:
                entry["approved"] = approved
                for key, value in (("by", by), ("date", date)):
                    if value:
                        _set_key_keeping_trailer(entry, key, value)
                    elif key in entry:
                        _delete_key_keeping_trailer(entry, key)
                return
        raise KeyError(role)  # the caller found the role among the plan's approvals

    def clear_approvals(self) -> list[str]:
        """Withdraw every approval given; returns the roles withdrawn."""
        withdrawn = []
        for entry in self._sequence("approvals"):
            if isinstance(entry, CommentedMap) and entry.get("approved") is True:
                withdrawn.append(str(entry.get("role")))
                entry["approved"] = False
                for key in ("by", "date"):
                    if key in entry:
                        _delete_key_keeping_trailer(entry, key)
        return withdrawn

    def _sequence(self, key: str) -> CommentedSeq:
        self._touched.add(key)
        value = self.data.get(key)
        if isinstance(value, CommentedSeq):
            return value
        if value not in (None, "", []):
            raise InputError.single(str(self.path), f"{key} must be a list to be edited", field=key)
        seq = CommentedSeq()
        self.set_top(key, seq)
        return seq


def _plain(value: Any) -> Any:
    """A round-trip value as the plain data the form holds (dates as ISO text, as the loader reads them)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)
    return value


def _commented(value: Any) -> Any:
    if isinstance(value, Mapping):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _commented(v)
        return out
    if isinstance(value, list):
        return CommentedSeq([_commented(v) for v in value])
    return value


def _merge_into(old: Any, new: Any) -> bool:
    """Change `old` in place to equal `new`, keeping what is the same; False when it cannot."""
    if isinstance(old, CommentedMap) and isinstance(new, Mapping):
        for key in [key for key in old if key not in new]:
            del old[key]
        for key, value in new.items():
            if key in old and _plain(old[key]) == value:
                continue
            if key in old and _merge_into(old[key], value):
                continue
            if key in old:
                old[key] = _commented(value)
            else:
                _set_key_keeping_trailer(old, key, _commented(value))
        return True
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        for index, value in enumerate(new):
            if index < len(old):
                if _plain(old[index]) != value and not _merge_into(old[index], value):
                    old[index] = _commented(value)
            else:
                _append(old, _commented(value))
        while len(old) > len(new):
            del old[len(new)]
        return True
    return False


# --- ruamel set-up -----------------------------------------------------------------------------


def _round_trip_yaml(text: str) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    # Wrap where the file already wraps: PyYAML-style files at 80 columns stay as they are, and
    # a person's long lines are not broken up.
    yaml.width = max([80, *(len(line) for line in text.splitlines())])
    mapping, sequence, offset = guess_indent(text)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    # The same date object set twice would be written as an anchor and an alias, which the safe
    # loader refuses; values are always written out.
    yaml.representer.ignore_aliases = lambda *_: True
    return yaml


_OPENS_BLOCK = re.compile(r"^ *(?:- +)*[^\s#][^#]*?: *(?:#.*)?$")


def _content_col(line: str) -> int:
    """Column where a line's content starts, after its indentation and any "- " markers."""
    col = len(line) - len(line.lstrip(" "))
    while line[col:col + 2] == "- ":
        col += 2
        while line[col:col + 1] == " ":
            col += 1
    return col


def guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) as the file is written, so a dump keeps them."""
    mapping = sequence = offset = None
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for here, below in itertools.pairwise(lines):
        if not _OPENS_BLOCK.match(here):
            continue
        key_col = _content_col(here)
        below_col = len(below) - len(below.lstrip(" "))
        if below.lstrip().startswith("- "):
            if sequence is None and below_col >= key_col:
                offset, sequence = below_col - key_col, _content_col(below) - key_col
        elif below_col > key_col and mapping is None:
            mapping = below_col - key_col
        if mapping is not None and sequence is not None:
            break
    mapping = mapping or 2
    if sequence is None or offset is None:
        sequence, offset = mapping, 0
    return mapping, max(sequence, offset + 2), offset


def _insert_position(data: CommentedMap, key: str) -> int:
    """After the nearest field that the schema lists before `key` and the file has."""
    order = list(PlanInput.model_fields)
    if key not in order:
        return len(data)
    before = order[: order.index(key)]
    keys = list(data.keys())
    positions = [keys.index(name) for name in before if name in data]
    return max(positions) + 1 if positions else 0


# --- comments at the end of a block ----------------------------------------------------------------
# ruamel attaches the blank lines and comments that follow a block to its deepest last value.
# Appending after it would put the new item below that gap; moving the trailer to the new
# last value keeps "blank line, then the next section" as the person wrote it.


def _last_slots(node: Any) -> Iterator[tuple[CommentedMap | CommentedSeq, Any]]:
    while isinstance(node, (CommentedMap, CommentedSeq)) and len(node):
        key = list(node.keys())[-1] if isinstance(node, CommentedMap) else len(node) - 1
        yield node, key
        node = node[key]


def _token_index(container: CommentedMap | CommentedSeq) -> int:
    return 2 if isinstance(container, CommentedMap) else 0


def _take_trailer(node: Any) -> str:
    """Detach the lines after the block's end-of-line comment; returns them ('' if none)."""
    for container, key in reversed(list(_last_slots(node))):
        entry = container.ca.items.get(key)
        if not entry:
            continue
        token = entry[_token_index(container)]
        if not isinstance(token, CommentToken):
            continue
        value = token.value
        newline = value.find("\n")
        if newline < 0 or newline == len(value) - 1:
            return ""
        token.value = value[: newline + 1]
        return value[newline + 1:]
    return ""


def _give_trailer(node: Any, trailer: str) -> None:
    if not trailer:
        return
    slots = list(_last_slots(node))
    if not slots:
        return
    container, key = slots[-1]
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    index = _token_index(container)
    token = entry[index]
    if isinstance(token, CommentToken):
        token.value = token.value.rstrip("\n") + "\n" + trailer
    else:
        entry[index] = CommentToken("\n" + trailer, CommentMark(0), None)


def _append(seq: CommentedSeq, item: Any) -> None:
    trailer = _take_trailer(seq)
    seq.append(item)
    _give_trailer(seq, trailer)


def _set_key_keeping_trailer(mapping: CommentedMap, key: str, value: Any) -> None:
    if key in mapping:
        mapping[key] = value
        return
    trailer = _take_trailer(mapping)
    mapping[key] = value
    _give_trailer(mapping, trailer)


def _delete_key_keeping_trailer(mapping: CommentedMap, key: str) -> None:
    is_last = list(mapping.keys())[-1] == key
    trailer = _take_trailer(mapping) if is_last else ""
    del mapping[key]
    _give_trailer(mapping, trailer)


# --- keeping untouched sections byte for byte ------------------------------------------------------
# ruamel re-emits every scalar from its value, so a dump can re-wrap long quoted strings the
# person never touched. Top-level sections the edit did not touch are copied from the original.

_TOP_KEY = re.compile(r"^(?![\s#'\"{\[-])([^:#]+?):(?:\s|$)")


def _top_blocks(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    preamble: list[str] = []
    blocks: list[tuple[str, list[str]]] = []
    for line in text.splitlines(keepends=True):
        match = _TOP_KEY.match(line)
        if line.rstrip() == "..." or (blocks and line.rstrip() == "---"):
            return None  # the document ends here: a section spliced after it would fall outside it
        if match:
            blocks.append((match.group(1).strip(), [line]))
        elif blocks:
            blocks[-1][1].append(line)
        elif line.strip() and not line.lstrip().startswith("#") and line.strip() != "---":
            return None  # content before the first key: not a plain block mapping
        else:
            preamble.append(line)
    return "".join(preamble), [(key, "".join(lines)) for key, lines in blocks]


def _splice(original: str, dumped: str, touched: set[str], keys: list[str]) -> str:
    old, new = _top_blocks(original), _top_blocks(dumped)
    if old is None or new is None or [key for key, _ in new[1]] != keys:
        return dumped
    old_text = dict(old[1])
    if len(old_text) != len(old[1]):
        return dumped
    parts = [old[0]]
    for key, text in new[1]:
        if parts[-1] and not parts[-1].endswith("\n"):
            # The file's last line had no newline: the next section must not run on into it (or into
            # its comment, where a key added by the edit would be silently lost).
            parts[-1] += "\n"
        parts.append(old_text[key] if key in old_text and key not in touched else text)
    return "".join(parts)
