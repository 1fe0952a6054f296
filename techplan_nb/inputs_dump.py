"""Writing inputs as text: YAML (or JSON, by extension) that the loader reads back as the same data.

Used by the form's Save and Generate (through techplan_nb.services) and by widgets.files.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from .errors import OutputError
from .inputs import parse_text

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
