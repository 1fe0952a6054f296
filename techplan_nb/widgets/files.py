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


FOLDER_ZIP_LIMIT = 32 * 1024 * 1024
"""The most a plan folder's download may hold (a generated folder is a few hundred KB)."""


def folder_zip(folder: str | Path) -> bytes:
    """A generated plan folder as a zip, made in memory (nothing is written): every file the folder
    holds under its own name inside a folder of the plan's name -- the plan, inputs, audit notebook,
    charts and the records `update` and `verify` read -- but not a writer's lock, journal or staging."""
    import io
    import zipfile

    from ..plan_folder import JOURNAL_FILE, LOCK_FILE, STAGING_PREFIX, PlanFolder
    from ..safe_files import MAX_NOTEBOOK_BYTES, read_file

    plan = PlanFolder(Path(folder))
    buffer = io.BytesIO()
    total = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in sorted(plan.path.iterdir(), key=lambda p: p.name):
            if entry.name in (LOCK_FILE, JOURNAL_FILE) or entry.name.startswith(STAGING_PREFIX):
                continue
            if entry.is_symlink() or not entry.is_file():
                continue
            path = plan.file(entry.name)
            data = read_file(path, MAX_NOTEBOOK_BYTES, what="plan folder file")
            total += len(data)
            if total > FOLDER_ZIP_LIMIT:
                raise InputError.single(str(plan.path), "the folder is too large to download from the page; "
                                        "copy it from the server")
            info = zipfile.ZipInfo(f"{plan.path.name}/{entry.name}",
                                   date_time=_zip_time(path.stat().st_mtime))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _zip_time(mtime: float) -> tuple[int, int, int, int, int, int]:
    import time

    moment = time.localtime(max(mtime, 315532800))  # zip dates start in 1980
    return (moment.tm_year, moment.tm_mon, moment.tm_mday, moment.tm_hour, moment.tm_min, moment.tm_sec)
