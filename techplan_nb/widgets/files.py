"""Reading and writing the inputs files the form edits: the same format the command line reads.

Loading goes through the command line's own safe reader (techplan_nb.inputs), so a file the form
opens is read exactly as `techplan validate` reads it. Saving writes YAML (or JSON, by extension)
and reads it back before replacing anything, so a saved file always means what the form showed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError, OutputError
from ..inputs import decode, parse_text
from ..output import atomic_write

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HEADER = (
    "# Technical Plan inputs, written by the techplan form.\n"
    "# Check with `techplan validate FILE`; render with `techplan render FILE`.\n"
)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # the loader refuses anchors and aliases, so never write them


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value.rstrip("\n") or (value.endswith("\n") and value.strip()):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if _ISO_DATE.match(value):
        # Written plain (2026-11-20, not '2026-11-20'); the loader reads dates as text either way.
        return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    short = all(isinstance(v, (int, float)) or (isinstance(v, str) and "\n" not in v and len(v) <= 24)
                for v in value)
    flow = bool(value) and short and sum(len(str(v)) + 2 for v in value) <= 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def dump_yaml(data: Any, *, header: bool = True) -> str:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=100, indent=2)
    return (HEADER if header else "") + text


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def inputs_text(data: dict[str, Any], name: str) -> str:
    """The inputs file's text: JSON for a .json name, YAML otherwise; checked to read back the same."""
    text = dump_json(data) if name.lower().endswith(".json") else dump_yaml(data)
    again = parse_text(text, name).data
    if again != data:
        # A bug in the writer, never the user's fault: refuse to write a file that means something else.
        raise OutputError(f"{name}: the saved file would not read back as the form's values; nothing was written")
    return text


def read_raw(path: str | Path) -> bytes:
    """A file's bytes (at most the inputs size limit, plus one to tell it is too big)."""
    from ..inputs import read_inputs

    return read_inputs(path)


def read_bytes(raw: bytes, name: str) -> Any:
    data = parse_text(decode(raw, name), name).data
    if not isinstance(data, dict):
        raise InputError.single(name, "the file must hold a mapping of sections (issue:, requirements:, ...)",
                                line=1)
    return data


def save_inputs(path: str | Path, data: dict[str, Any]) -> Path:
    """Write the inputs atomically; an existing file is replaced only once the new text is checked."""
    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise OutputError(f"{path}: save inputs as .yaml, .yml or .json")
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name ending in .yaml")
    atomic_write(path, inputs_text(data, path.name))
    return path
