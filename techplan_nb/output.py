"""Writing files safely: atomic replacement, names that cannot escape their folder, and no
silent overwrite of a plan a person has edited since techplan generated it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
import unicodedata
from pathlib import Path

from .errors import OutputError

STATE_FILE = ".techplan-state.json"
"""Beside generated files: the SHA-256 of what techplan last wrote to each, to spot hand edits."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_bytes(Path(path).read_bytes())


def slug(text: str, limit: int = 50) -> str:
    """`text` as lower-case ASCII words joined by '-', at most `limit` characters, cut between words
    (a single word longer than that is cut where it must be)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(words) > limit:
        cut = words[:limit + 1]
        words = cut[:cut.rindex("-")] if "-" in cut else words[:limit]
    return words.rstrip("-") or "plan"


def plan_dir_name(number: int, title: str) -> str:
    """The name of a new plan folder: issue-<number>-<slug of the title>."""
    return f"issue-{int(number)}-{slug(title)}"


def find_plan_dir(out_dir: Path, number: int, title: str) -> str:
    """The name of issue `number`'s plan folder in out_dir: the one there already (issue-<number>-*,
    whatever slug an earlier title or version gave it), else plan_dir_name's new name. So a re-run
    after the title changed, or after slugs were cut between words rather than mid-word, writes
    into the plan folder the issue has rather than making a second one."""
    new = plan_dir_name(number, title)
    prefix = f"issue-{int(number)}-"
    try:
        if (Path(out_dir) / new).is_dir():
            return new
        existing = sorted(child.name for child in Path(out_dir).iterdir()
                          if child.name.startswith(prefix) and child.is_dir() and not child.is_symlink())
    except OSError:  # no such folder yet (or unreadable: the writers report that themselves)
        return new
    return existing[0] if existing else new


def child_path(root: Path, name: str) -> Path:
    """root/name, refusing any name that would land outside root."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise OutputError(f"{name!r} is not a safe file name")
    root_resolved = Path(root).resolve()
    candidate = (root_resolved / name).resolve()
    if candidate.parent != root_resolved:
        raise OutputError(f"{name!r} would be written outside {root}")
    return candidate


def _refuse_special(path: Path) -> None:
    # Renaming over a device or pipe replaces it (run as root, `-o /dev/null` would leave a
    # regular file where /dev/null was): only regular files are ever replaced.
    if path.exists() and not path.is_file() and not path.is_dir():
        raise OutputError(f"{path}: is not a regular file (a device, pipe or socket); give the name of a "
                          "file to write, or leave out the option to print to standard output")


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write via a temporary file in the same folder, fsync, then rename over the target.

    A crash, a full disk or a permission error leaves the previous file intact and no
    temporary file behind.
    """
    path = Path(path)
    _refuse_special(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write here: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: could not be written ({exc.strerror or exc}); "
                              "the previous file, if any, is unchanged") from None
        raise
    _remove_stale_temporaries(path)


STALE_SECONDS = 60


def _remove_stale_temporaries(path: Path) -> None:
    """Remove temporary files an earlier write of `path` left when it was killed (SIGKILL, power cut).

    Only this file's own (mkstemp names: .NAME.XXXXXXXX.tmp) and only old ones, so that a write
    still in progress elsewhere is never touched.
    """
    prefix = f".{path.name}."
    cutoff = time.time() - STALE_SECONDS
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            name = entry.name
            if (name.startswith(prefix) and name.endswith(".tmp") and len(name) == len(prefix) + 12
                    and entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _read_state(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / STATE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def recorded_hash(path: Path) -> str | None:
    return _read_state(Path(path).parent).get(Path(path).name)


def record_generated(path: Path, data: bytes) -> None:
    folder = Path(path).parent
    state = _read_state(folder)
    state[Path(path).name] = sha256_bytes(data)
    atomic_write(folder / STATE_FILE, json.dumps(state, indent=2, sort_keys=True) + "\n")


def edited_by_hand(path: Path) -> bool:
    """True when the file exists and is not what techplan last wrote there."""
    path = Path(path)
    if not path.exists():
        return False
    return recorded_hash(path) != sha256_file(path)


def check_writable(path: Path, *, force: bool) -> None:
    """Refuse, before any work, to replace a file a person edited (unless forced)."""
    if Path(path).is_dir():
        raise OutputError(f"{path}: is a folder; give the name of the file to write")
    if Path(path).is_symlink():
        # Its target was read as "the previous file": --force copied it (~/.ssh/id_rsa, say) into
        # PATH.bak beside the plan, and a failed write put it back as a file in the link's place.
        raise OutputError(f"{path}: is a symbolic link; techplan writes a file of its own there, and neither "
                          "reads nor replaces what a link points at: remove the link, or give another name")
    _refuse_special(Path(path))  # before it is read to be hashed: reading /dev/zero never ends
    if not force and edited_by_hand(path):
        raise OutputError(
            f"{path} was edited by hand since techplan generated it (or techplan did not make it); "
            "refusing to overwrite. Use `techplan update` to keep the edits, or --force to "
            "overwrite (a .bak copy is kept)")


def write_generated(path: Path, text: str, *, force: bool = False) -> bool:
    """Write a generated file, keeping a person's edits safe. Returns False if it was unchanged."""
    path = Path(path)
    data = text.encode("utf-8")
    check_writable(path, force=force)
    current: bytes | None = None
    if path.exists():
        current = path.read_bytes()
        if current == data:
            record_generated(path, data)
            return False
        if force and edited_by_hand(path):
            atomic_write(path.with_name(path.name + ".bak"), current)
    atomic_write(path, data)
    try:
        record_generated(path, data)
    except OutputError:
        # Without its hash recorded, the new plan would pass for a hand edit on the next run:
        # put the previous plan back (or remove the new one) so file and record agree again.
        with contextlib.suppress(OutputError, OSError):
            if current is None:
                path.unlink()
            else:
                atomic_write(path, current)
        raise
    return True


# --- the last generated text, for three-way merges (`techplan update`) ---------------------------

COPY_FILE = ".techplan-generated.json"
"""Beside generated plans: the text techplan last generated for each, and how (seed, template).

`techplan update` compares three versions of a plan: this one (what was generated), the file as
a person left it, and a fresh render; a hand edit is whatever differs between the first two.
A copy counts only while its hash equals the one in STATE_FILE, so a stale copy is never used.
"""


def _read_copies(folder: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads((folder / COPY_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, dict) and isinstance(v.get("text"), str)}


def keep_generated_copy(path: Path, text: str, settings: dict[str, object] | None = None) -> None:
    folder = Path(path).parent
    copies = _read_copies(folder)
    copies[Path(path).name] = {"sha256": sha256_bytes(text.encode("utf-8")), "text": text,
                               "settings": dict(settings or {})}
    atomic_write(folder / COPY_FILE, json.dumps(copies, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def generated_copy(path: Path) -> tuple[str, dict[str, object]] | None:
    """(text, settings) techplan last generated for path, if the copy matches the recorded hash."""
    entry = _read_copies(Path(path).parent).get(Path(path).name)
    if entry is None:
        return None
    text = str(entry["text"])
    if sha256_bytes(text.encode("utf-8")) != recorded_hash(path):
        return None
    settings = entry.get("settings")
    return text, dict(settings) if isinstance(settings, dict) else {}


def write_keeping_edits(path: Path, text: str, generated: str, *, backup: bytes | None = None,
                        settings: dict[str, object] | None = None) -> None:
    """Write a plan that holds a person's edits merged into `generated`.

    The hash recorded is the generated text's, not the file's: the file still differs from what
    techplan made, so `render -o`, `run` and `batch` keep refusing to overwrite it. `backup`, when
    given, is kept as PATH.bak first (the previous file, when a hand edit had to be replaced).
    """
    path = Path(path)
    if backup is not None:
        atomic_write(path.with_name(path.name + ".bak"), backup)
    atomic_write(path, text)
    record_generated(path, generated.encode("utf-8"))
    keep_generated_copy(path, generated, settings)
