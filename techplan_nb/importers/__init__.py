"""Importers: turn a GitHub issue export or an existing Markdown plan into an inputs file.

Both produce plain data that `techplan_nb.inputs` validates like any inputs file, and both write
it with `dump_inputs`, whose output `inputs.load_path` reads back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, BinaryIO

import yaml

from ..errors import InputError, InputIssue
from ..inputs import load_bytes
from ..model import PlanInput

# The order of an inputs file as people write it (the shared example's order).
KEY_ORDER = (
    "issue", "created_by", "created", "last_updated", "status", "status_note", "status_since", "stack",
    "requirements", "architecture", "approach", "database", "api", "security", "performance",
    "testing", "risk_scale", "risks", "timeline", "dependencies", "monitoring", "rollback", "future",
    "questions", "assumptions", "reviews", "approvals", "extra",
)


@dataclass
class ImportResult:
    """The inputs an importer found, and what it has to tell the user about them."""

    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def ordered(self) -> dict[str, Any]:
        known = {key: self.data[key] for key in KEY_ORDER if key in self.data}
        known.update({key: value for key, value in self.data.items() if key not in known})
        return known


class _Dumper(yaml.SafeDumper):
    """Block style, multi-line text as `|` blocks, key order kept."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def dump_inputs(result: ImportResult, comments: list[str], name: str, source: str | None = None) -> str:
    """The inputs file's text, checked by the same loader `techplan render` uses. A value read from
    `source` that the inputs format refuses is reported against `source` (the file the user has)."""
    body = yaml.dump(result.ordered(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
    header = "".join(f"# {line}\n" if line else "#\n" for line in comments)
    text = header + body if body.endswith("\n") else header + body + "\n"
    try:
        load_bytes(text.encode("utf-8"), name)
    except InputError as exc:
        if source is None:
            raise
        raise InputError([InputIssue(source, None, issue.field, f"{issue.message} (as read from {source}; "
                                     "correct it there, or import and then edit the inputs)")
                          for issue in exc.issues]) from None
    return text


def strip_invisible(text: str) -> tuple[str, list[str]]:
    """The text without the invisible control characters the inputs refuse (model._FORBIDDEN_CHARS:
    C0/C1 controls, bidi overrides, a stray U+FEFF), and one line per line they were on. They come
    from copy and paste (a Word or Notion page, terminal colours in a log) and carry no words, so an
    import drops them and says where, rather than refusing the whole file."""
    from ..model import _FORBIDDEN_CHARS

    if not _FORBIDDEN_CHARS.search(text):
        return text, []
    found: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        chars = sorted({f"U+{ord(c):04X}" for c in _FORBIDDEN_CHARS.findall(line)})
        if chars:
            found.append(f"line {number}: {', '.join(chars)}")
    return _FORBIDDEN_CHARS.sub("", text), found


def empty_sections(plan: PlanInput) -> list[str]:
    """Plan sections the inputs leave empty (the plan would print "_Not specified._" there), by the
    section catalogue (plan_format.sections)."""
    from ..plan_format.sections import empty

    return empty(plan)


def read_source(source: str, stdin: BinaryIO) -> tuple[str, str]:
    """A document or export to import, as text, and the name messages give it (`-`: `stdin`):
    read through the capped reader, refused with its line when it is binary or not UTF-8."""
    from ..inputs import line_at, nul_line
    from ..safe_files import MAX_IMPORT_BYTES, read_capped, shown_name

    if source == "-":
        raw = stdin.read(MAX_IMPORT_BYTES + 1)
        name = "<stdin>"
    else:
        name = shown_name(source)
        # Refused from its size before it is read (it used to be read up to the limit first).
        raw = read_capped(source, MAX_IMPORT_BYTES, what="file (or - for standard input)",
                          hint="import fewer issues at a time")
    if len(raw) > MAX_IMPORT_BYTES:
        raise InputError.single(name, f"is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB; "
                                      "import fewer issues at a time")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    line = nul_line(raw)
    if line is not None:
        raise InputError.single(name, "contains NUL bytes (UTF-16 or a binary file?); save it as UTF-8 text",
                                line=line)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = line_at(raw, exc.start)
        raise InputError.single(name, "is not UTF-8 text; save it as UTF-8", line=line) from None
    if not text.strip():
        raise InputError.single(name, "is empty", line=1)
    return text, name
