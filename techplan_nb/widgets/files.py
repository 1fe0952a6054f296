"""Reading and writing the inputs files the form edits: the same format the command line reads.

Loading goes through the command line's own safe reader (techplan_nb.inputs), so a file the form
opens is read exactly as `techplan validate` reads it. Saving writes YAML (or JSON, by extension)
and reads it back before replacing anything, so a saved file always means what the form showed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from ..inputs import decode, parse_text
from ..inputs_dump import HEADER, dump_json, dump_yaml, inputs_text  # noqa: F401 - re-exported


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
    """Save the inputs (services.generate.save_inputs: comments kept, a plan folder's lock held)."""
    from ..services.generate import save_inputs as save

    return save(Path(path), data)
