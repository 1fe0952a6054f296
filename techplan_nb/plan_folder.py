"""PlanFolder: the one owner of a plan folder (plans/issue-<number>-<slug>/).

Every writer — the notebook's write_outputs cell, the runner and batch, `update` and the review
commands, the form's Generate — goes through this module, which owns:

- the folder's file names (nothing else in the package spells them);
- the hash/state record (.techplan-state.json) and the generated-text record
  (.techplan-generated.json, with the seed/template settings and any unresolved conflicts);
- the reviewed-inputs rule (a folder's inputs.yaml edited by the review commands is never
  silently replaced by an older source file);
- numbered backups: a replaced hand edit goes to NAME.bak, then NAME.bak.2, NAME.bak.3, ... —
  a backup is never overwritten;
- the per-folder lock (fcntl.flock on .techplan.lock): every writer holds it from the moment it
  reads what it will change until its files are installed; a second writer waits (bounded, with a
  message naming the holder) and then fails with exit 2 naming the holder;
- installation as a transaction: the new files are written and fsynced into a staging folder
  inside the plan folder, the previous files are hard-linked beside them, a journal listing the
  renames is written (atomically), then each file is renamed into place and the journal removed.
  A failure in-process rolls every renamed file back; a crash (SIGKILL, power cut) leaves the
  journal, and the next command on the folder (or `verify`) rolls the interrupted install back
  before it does anything, so a change is never half-applied and never applied twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import OutputError, UsageError

PLAN_FILE = "technical-plan.md"
INPUTS_FILE = "inputs.yaml"
INPUTS_JSON_FILE = "inputs.json"
NOTEBOOK_FILE = "technical-plan.ipynb"
FAILED_NOTEBOOK_FILE = "technical-plan.failed.ipynb"
CHART_FILES = {
    "risk_heatmap": "risk-heatmap.png",
    "gantt": "schedule-gantt.png",
    "finish_distribution": "finish-distribution.png",
}
STATE_FILE = ".techplan-state.json"  # the same name output.py uses beside any generated file
COPY_FILE = ".techplan-generated.json"
LOCK_FILE = ".techplan.lock"
JOURNAL_FILE = ".techplan-journal.json"
STAGING_PREFIX = ".techplan-staging-"
LOCK_WAIT_ENV = "TECHPLAN_LOCK_WAIT"
DEFAULT_LOCK_WAIT = 900.0  # seconds: a writer ahead may be re-running a notebook (a few seconds each)


class LockTimeout(OutputError):
    """Another writer held the plan folder for longer than the wait allowed (exit 2)."""


def inputs_copy_name(inputs_path: str) -> str:
    """The name of the inputs copy in a plan folder (`techplan review` and `update` edit inputs.yaml)."""
    return INPUTS_JSON_FILE if str(inputs_path).lower().endswith(".json") else INPUTS_FILE


def plan_file_in(folder: str | Path) -> Path:
    return Path(folder) / PLAN_FILE


def _staging_home(path: str | Path) -> Path | None:
    """The plan folder whose staging area `path` lies in (a writer's private copy), else None."""
    parts = Path(path).parts
    for index, part in enumerate(parts[1:], start=1):
        if part.startswith(STAGING_PREFIX):
            return Path(*parts[:index])
    return None


def installed_path(path: str) -> str:
    """Where a file a run reads or writes in a plan folder's staging area is once installed: the
    plan folder's own file of that name (plan folders are flat). Any other path is returned as is.
    What a notebook records and shows names these, not a staging copy that is gone afterwards."""
    home = _staging_home(path)
    return str(home / Path(path).name) if home is not None else path


def installed_output_dir(output_dir: str) -> str:
    """The --out folder a run writing into a plan folder's staging area really writes into (the
    plan folder's parent); any other folder is returned as is."""
    home = _staging_home(output_dir)
    return str(home.parent) if home is not None else output_dir


def is_staging_path(path: str | Path) -> bool:
    return _staging_home(path) is not None


def is_plan_folder_inputs(path: str | Path) -> bool:
    """True for the inputs.yaml of a plan folder (one holding a plan or techplan's records): a
    writer of such a file goes through PlanFolder, not a plain file write."""
    path = Path(path)
    return path.name == INPUTS_FILE and any(
        (path.parent / name).exists() for name in (PLAN_FILE, STATE_FILE, COPY_FILE))


# --- low-level file operations (module level, so tests can make them fail at any file) -----------


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o644)


def _rename(source: Path, target: Path) -> None:
    os.replace(source, target)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


MAX_RECORD_BYTES = 16 * 1024 * 1024  # a record holds a plan (4 MiB at most) and its conflicting sections


def _read_json(path: Path) -> Any:
    """A record of the folder's (state, generated copy, journal), or None when there is none or it
    is not JSON. Read like the folder's other files: a link, a pipe or a huge file is refused, exit 2
    (a pipe named .techplan-state.json hung every command on the folder)."""
    from .safe_files import read_file

    if not path.exists() and not path.is_symlink():
        return None
    try:
        return json.loads(read_file(path, MAX_RECORD_BYTES, what="techplan record (.json)", links=False))
    except ValueError:
        return None


def refuse_links(folder: Path) -> None:
    """Exit 2 if a file techplan reads or writes in the folder is a symbolic link: a pull request can
    commit `inputs.yaml -> ~/private/inputs.yaml` or `.techplan.lock -> ~/.bashrc`, and following it
    would copy that file into the plan or overwrite it."""
    from .safe_files import LINK_PROBLEM, shown_name

    names = [PLAN_FILE, INPUTS_FILE, INPUTS_JSON_FILE, NOTEBOOK_FILE, FAILED_NOTEBOOK_FILE, STATE_FILE, COPY_FILE,
             LOCK_FILE, JOURNAL_FILE, *CHART_FILES.values()]
    with contextlib.suppress(OSError):
        names += sorted(path.name for path in folder.glob("*.ipynb"))
    for name in names:
        if (folder / name).is_symlink():
            raise UsageError(f"{shown_name(folder / name)}: {LINK_PROBLEM}")


# --- the lock -------------------------------------------------------------------------------------

_HELD: dict[str, tuple[int, int, int]] = {}  # resolved folder -> (fd, depth, thread id)
_HELD_GUARD = threading.Lock()


def _lock_wait() -> float:
    try:
        return max(0.0, float(os.environ.get(LOCK_WAIT_ENV, DEFAULT_LOCK_WAIT)))
    except ValueError:
        return DEFAULT_LOCK_WAIT


def _holder(path: Path) -> str:
    try:
        info = _read_json(path)
    except UsageError:
        info = None
    if not isinstance(info, dict):
        return "another techplan command"
    return (f"`techplan {info.get('command', '?')}` (process {info.get('pid', '?')} on {info.get('host', '?')}, "
            f"since {info.get('since', '?')})")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the folder -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanFolder:
    """A plan folder; `open` checks it holds inputs, the constructor does not (a run creates one)."""

    path: Path

    # -- names

    @property
    def plan_path(self) -> Path:
        return self.path / PLAN_FILE

    @property
    def inputs_path(self) -> Path:
        return self.path / INPUTS_FILE

    @property
    def notebook_path(self) -> Path:
        return self.path / NOTEBOOK_FILE

    @property
    def failed_notebook_path(self) -> Path:
        return self.path / FAILED_NOTEBOOK_FILE

    def file(self, name: str) -> Path:
        from .output import child_path

        return child_path(self.path, name)

    def audit_notebooks(self) -> list[Path]:
        return sorted(self.path.glob("*.ipynb"))

    def has_audit_notebook(self) -> bool:
        return self.notebook_path.is_file()

    def chart_links(self) -> dict[str, str]:
        """The charts `techplan run` left in the folder, as render_plan links them."""
        return {key: name for key, name in CHART_FILES.items() if (self.path / name).is_file()}

    @classmethod
    def open(cls, path: str | Path) -> PlanFolder:
        """An existing plan folder holding inputs.yaml; an interrupted install is rolled back first."""
        folder = Path(path)
        if not folder.is_dir():
            what = ("is a file, not a plan folder; give the folder that holds inputs.yaml" if folder.exists()
                    else "no such plan folder; plans live in plans/issue-<number>-<slug>/")
            raise UsageError(f"{folder}: {what}")
        refuse_links(folder)
        self = cls(folder)
        self.recover_if_interrupted()
        inputs = folder / INPUTS_FILE
        if inputs.is_dir():
            raise UsageError(f"{inputs}: is a folder; a plan folder holds its inputs in the file inputs.yaml")
        if not inputs.is_file():
            raise UsageError(f"{inputs}: missing; a plan folder holds its inputs as inputs.yaml "
                             "(`techplan run FILE --out plans/` writes it, or copy your inputs file there)")
        self.read_inputs()  # unreadable (permissions, a pipe, too large): said of inputs.yaml, before any lock
        plan = folder / PLAN_FILE
        if plan.is_dir():
            raise UsageError(f"{plan}: is a folder, where the plan file goes; move it away (nothing was written)")
        if plan.exists() or plan.is_symlink():  # a pipe would hang every later read; 5 GB would fill memory
            from .safe_files import MAX_PLAN_BYTES, read_file

            read_file(plan, MAX_PLAN_BYTES, what="Markdown plan file")
        return self

    # -- reading

    def read_plan(self) -> str | None:
        from .safe_files import MAX_PLAN_BYTES, read_file

        if not self.plan_path.exists() and not self.plan_path.is_symlink():
            return None
        return read_file(self.plan_path, MAX_PLAN_BYTES, what="Markdown plan file", links=False).decode("utf-8")

    def read_inputs(self) -> bytes:
        from .inputs import MAX_BYTES
        from .safe_files import read_file

        return read_file(self.inputs_path, MAX_BYTES, what="inputs file (.yaml, .yml or .json)", links=False)

    def state(self) -> dict[str, str]:
        data = _read_json(self.path / STATE_FILE)
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def copies(self) -> dict[str, dict[str, Any]]:
        data = _read_json(self.path / COPY_FILE)
        if not isinstance(data, dict):
            return {}
        return {str(k): v for k, v in data.items() if isinstance(v, dict) and isinstance(v.get("text"), str)}

    def recorded_hash(self, name: str) -> str | None:
        return self.state().get(name)

    def edited_by_hand(self, name: str) -> bool:
        """True when the file exists and is not what techplan last wrote there."""
        path = self.path / name
        if not path.is_file():
            return False
        return self.recorded_hash(name) != _sha256(path.read_bytes())

    def generated_copy(self) -> tuple[str, dict[str, Any]] | None:
        """(text, entry) techplan last generated for the plan, if it matches the recorded hash."""
        entry = self.copies().get(PLAN_FILE)
        if entry is None:
            return None
        text = str(entry["text"])
        if _sha256(text.encode("utf-8")) != self.recorded_hash(PLAN_FILE):
            return None
        return text, entry

    def pending_conflicts(self) -> dict[str, dict[str, str]]:
        """Sections an earlier update reported as conflicts and nobody resolved since."""
        copy = self.generated_copy()
        conflicts = copy[1].get("conflicts") if copy else None
        if not isinstance(conflicts, dict):
            return {}
        return {str(k): {str(a): str(b) for a, b in v.items()} for k, v in conflicts.items() if isinstance(v, dict)}

    def backups(self, name: str = PLAN_FILE) -> list[Path]:
        """NAME.bak, NAME.bak.2, ... oldest first."""
        found = []
        for path in self.path.glob(f"{name}.bak*"):
            suffix = path.name[len(name) + 4:]
            if suffix == "":
                found.append((1, path))
            elif suffix.startswith(".") and suffix[1:].isdigit():
                found.append((int(suffix[1:]), path))
        return [path for _, path in sorted(found)]

    def audit_records(self) -> list[dict[str, Any]]:
        """The run records stored in the folder's executed notebooks (`techplan run` keeps one)."""
        from .safe_files import MAX_NOTEBOOK_BYTES, read_file

        records: list[dict[str, Any]] = []
        for notebook in self.audit_notebooks():
            try:
                data = json.loads(read_file(notebook, MAX_NOTEBOOK_BYTES, what="Jupyter notebook file (.ipynb)",
                                            links=False))
            except ValueError:  # not JSON, or not UTF-8: no record to use (a pipe or 5 GB: refused, naming it)
                continue
            for cell in data.get("cells", []) if isinstance(data, dict) else []:
                for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
                    for value in (output.get("data") or {}).values() if isinstance(output, dict) else []:
                        if (isinstance(value, dict) and value.get("name") == "record"
                                and isinstance(value.get("data"), dict)):
                            records.append(value["data"])
        return records

    def previous_settings(self) -> dict[str, Any]:
        """The seed, template and images setting the plan was last made with (the template is only
        reported)."""
        copy = self.generated_copy()
        if copy:
            settings = copy[1].get("settings")
            return dict(settings) if isinstance(settings, dict) else {}
        for record in self.audit_records():
            template = record.get("template")
            path = template.get("path") if isinstance(template, dict) else ""
            return {"seed": record.get("seed", 0), "template": path if isinstance(path, str) else "",
                    **({"images": False} if record.get("images") is False else {})}
        return {}

    def generated_base(self) -> str | None:
        """The plan text techplan last generated here, if it can be trusted (its hash is recorded)."""
        copy = self.generated_copy()
        if copy is not None:
            return copy[0]
        recorded = self.recorded_hash(PLAN_FILE)
        if recorded is None:
            return None
        for record in self.audit_records():
            plan = record.get("plan")
            text = plan.get("text") if isinstance(plan, dict) else None
            if isinstance(text, str) and _sha256(text.encode("utf-8")) == recorded:
                return text
        return None

    def audit_is_stale(self) -> bool:
        """True when the audit notebook was made from other inputs than inputs.yaml holds now."""
        if not self.notebook_path.is_file() or not self.inputs_path.is_file():
            return False
        current = _sha256(self.inputs_path.read_bytes())
        for record in self.audit_records():
            inputs = record.get("inputs")
            if isinstance(inputs, dict) and inputs.get("sha256") == current:
                return False
        return True

    def stage_run_outputs(self, txn: Transaction, made: Path, *, inputs_name: str, force: bool,
                          settings: dict[str, Any]) -> None:
        """Add what a notebook run wrote into `made` (a staging copy of this folder) to `txn`:
        charts (a chart this run did not draw is removed), the inputs copy, the notebook, the plan."""
        for name in CHART_FILES.values():
            if (made / name).is_file():
                txn.write(name, (made / name).read_bytes())
            else:
                txn.remove(name)
        for name in (inputs_name, PLAN_FILE):
            data = (made / name).read_bytes()
            current = self.path / name
            if force and current.is_file() and self.edited_by_hand(name) and current.read_bytes() != data:
                txn.backup(name, current.read_bytes())
            txn.write(name, data, record=True)
        if (made / NOTEBOOK_FILE).is_file():
            txn.write(NOTEBOOK_FILE, (made / NOTEBOOK_FILE).read_bytes())
        txn.remove(FAILED_NOTEBOOK_FILE)
        txn.keep_generated((made / PLAN_FILE).read_text("utf-8"), settings)

    # -- rules every writer applies

    def check_plan_replaceable(self, *, force: bool) -> None:
        """Refuse, before any work, to replace a plan a person edited (unless forced)."""
        from .output import check_writable

        check_writable(self.plan_path, force=force)

    def check_inputs_replaceable(self, name: str, raw: bytes, *, source: str, force: bool) -> None:
        """Refuse to replace a folder's inputs copy that changed since techplan wrote it.

        `techplan review` and `approve` record their rounds in the copy itself, so a re-run from
        the (older) source file — or the form's Generate — would silently undo them. A copy equal
        to the new inputs loses nothing. Must run BEFORE anything is written into the folder.
        """
        path = self.file(name)
        if path.is_dir():
            raise OutputError(f"{path}: is a folder; the plan folder keeps its copy of the inputs in the file {name}")
        if force or not path.is_file() or not self.edited_by_hand(name) or _sha256(path.read_bytes()) == _sha256(raw):
            return
        raise OutputError(
            f"{path} has changed since techplan copied the inputs there (`techplan review`, `approve` or a "
            f"person edited it) and differs from {source}; refusing to replace it. Run `techplan update "
            f"{path.parent}` to regenerate the plan from the folder's inputs, or rerun with --force to replace "
            f"it with {source} (the current one is kept as a numbered {name}.bak)")

    def install_inputs(self, data: bytes, *, command: str, force: bool) -> Path | None:
        """Install `data` as the folder's inputs.yaml (what `import` writes), under the folder's
        lock and in a transaction. Its hash is not recorded: imported inputs are the person's to
        edit, and a run from another file still refuses to replace them. An existing copy is
        replaced only with `force`, and one techplan did not write as it is (a review round, a
        person's edit, an earlier import) is kept as a numbered backup, whose path is returned."""
        with self.locked(command):
            current = self.inputs_path
            if current.is_dir() and not current.is_symlink():
                raise OutputError(f"{current}: is a folder; the plan folder keeps its inputs in the file "
                                  f"{INPUTS_FILE} (nothing was written)")
            txn = self.transaction(command)
            backup = None
            if current.exists() or current.is_symlink():
                if not force:  # checked again here: another command may have made it since
                    raise UsageError(f"{current} already exists; pass --force to overwrite (nothing was written)")
                if current.is_file() and self.edited_by_hand(INPUTS_FILE):
                    previous = self.read_inputs()
                    if previous != data:
                        backup = txn.backup(INPUTS_FILE, previous)
            txn.write(INPUTS_FILE, data)
            txn.commit()
        return backup

    # -- the lock

    @contextlib.contextmanager
    def locked(self, command: str, *, wait: float | None = None,
               on_wait: Callable[[str], None] = _say) -> Iterator[PlanFolder]:
        """Hold the folder's exclusive lock (re-entrant within a thread); recover an interrupted install."""
        import fcntl
        import socket

        try:
            self.path.mkdir(parents=True, exist_ok=True)
            key = str(self.path.resolve())
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot make the plan folder here ({exc.strerror or exc})") from None
        me = threading.get_ident()
        with _HELD_GUARD:
            held = _HELD.get(key)
            if held is not None and held[2] == me:
                _HELD[key] = (held[0], held[1] + 1, me)
                reentered = True
            else:
                reentered = False
        if reentered:
            try:
                yield self
            finally:
                with _HELD_GUARD:
                    fd, depth, owner = _HELD[key]
                    _HELD[key] = (fd, depth - 1, owner)
            return
        lock_path = self.path / LOCK_FILE
        limit = _lock_wait() if wait is None else wait
        deadline = time.monotonic() + limit
        told = False
        # The lock file exists only while a writer holds it (a refused command leaves the folder as it
        # found it): the holder removes it before unlocking, so a waiter that then gets the lock on
        # the removed file sees that the name no longer leads to it, and tries again.
        while True:
            # Never through a link (one committed as .techplan.lock -> ~/.bashrc had that file
            # truncated and overwritten with the holder's details), and only a regular file.
            flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
            try:
                fd = os.open(lock_path, flags | getattr(os, "O_NONBLOCK", 0), 0o644)
            except OSError as exc:
                problem = ("is a symbolic link; remove it (techplan makes this file while a command runs)"
                           if lock_path.is_symlink() else f"cannot lock the plan folder ({exc.strerror or exc})")
                raise OutputError(f"{lock_path}: {problem}") from None
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise OutputError(f"{lock_path}: is not a regular file (a pipe, device or socket); remove it "
                                  "(techplan makes this file while a command runs)")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                holder = _holder(lock_path)
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"{self.path}: in use by {holder}; waited {limit:g} s. Nothing was written: run "
                        f"the command again when that one has finished (or set {LOCK_WAIT_ENV}=SECONDS to "
                        "wait longer)") from None
                if not told:
                    on_wait(f"waiting for {self.path}: in use by {holder} (up to {limit:g} s)")
                    told = True
                time.sleep(0.05)
                continue
            try:
                same = os.fstat(fd).st_ino == os.stat(lock_path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        try:
            info = {"pid": os.getpid(), "command": command, "host": socket.gethostname(),
                    "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.pwrite(fd, (json.dumps(info) + "\n").encode("utf-8"), 0)
            with _HELD_GUARD:
                _HELD[key] = (fd, 1, me)
            try:
                for message in self._recover():
                    on_wait(message)
                yield self
            finally:
                with _HELD_GUARD:
                    _HELD.pop(key, None)
                with contextlib.suppress(OSError):
                    os.unlink(lock_path)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def is_locked_here(self) -> bool:
        with _HELD_GUARD:
            held = _HELD.get(str(self.path.resolve()))
        return held is not None and held[2] == threading.get_ident()

    # -- recovery

    def recover_if_interrupted(self, command: str = "recover") -> None:
        """Roll back an install a crash interrupted (takes the lock only when there is one)."""
        if not self.path.is_dir():
            return
        if (self.path / JOURNAL_FILE).exists() or any(self.path.glob(STAGING_PREFIX + "*")):
            with self.locked(command):
                pass

    def _recover(self) -> list[str]:
        """Under the lock: roll back an interrupted install, and clear staging folders left behind."""
        messages = []
        journal_path = self.path / JOURNAL_FILE
        if journal_path.exists():
            journal = _read_json(journal_path)
            problem = journal_problem(self.path, journal) if isinstance(journal, dict) else "it is not a journal"
            if isinstance(journal, dict) and problem is None:
                _roll_back(self.path, journal)
                messages.append(f"note: {self.path}: an interrupted `techplan {journal.get('command', '?')}` "
                                f"(process {journal.get('pid', '?')}) was rolled back; its change was not "
                                "applied — run it again")
            else:
                messages.append(f"note: {self.path}: removed an unreadable journal {JOURNAL_FILE} ({problem}); "
                                "nothing was rolled back")
            with contextlib.suppress(OSError):
                journal_path.unlink()
            _fsync_dir(self.path)
        for staging in self.path.glob(STAGING_PREFIX + "*"):
            if staging.is_dir() and not staging.is_symlink():
                shutil.rmtree(staging, ignore_errors=True)
        return messages

    # -- writing

    def transaction(self, command: str) -> Transaction:
        """Files to install together; built freely (a dry run never commits), committed under the lock."""
        return Transaction(self, command)

    @contextlib.contextmanager
    def staging_area(self) -> Iterator[Path]:
        """A private folder inside the plan folder (same file system) for a run to write into."""
        self.path.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.path))
        try:
            yield staging
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _plain_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name and "\x00" not in name


def _real_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return False


def journal_problem(folder: Path, journal: dict[str, Any]) -> str | None:
    """Why a journal cannot be rolled back, if it cannot. A journal names a staging folder techplan
    made in this folder; one a pull request planted could name any folder (`..`, an absolute path, a
    link as its `prev`) and have the roll-back move the user's files into the plan folder."""
    staging = journal.get("staging")
    if not isinstance(staging, str) or not _plain_name(staging) or not staging.startswith(STAGING_PREFIX):
        return "its staging folder is not one techplan makes in the plan folder"
    entries = journal.get("files")
    if not isinstance(entries, list) or not all(
            isinstance(entry, dict) and isinstance(entry.get("name"), str) and _plain_name(entry["name"])
            for entry in entries):
        return "it lists a file that is not a plain name in the plan folder"
    # (A staging folder already gone was removed by an earlier, interrupted roll-back.)
    for path in (folder / staging, folder / staging / "prev"):
        if os.path.lexists(path) and not _real_folder(path):
            return "its staging folder is a link or a file, not a folder techplan made"
    return None


def _roll_back(folder: Path, journal: dict[str, Any]) -> None:
    staging = folder / str(journal.get("staging", ""))
    entries = journal.get("files")
    for entry in reversed(entries if isinstance(entries, list) else []):
        name = str(entry.get("name", "")) if isinstance(entry, dict) else ""
        if not _plain_name(name):
            continue
        previous = staging / "prev" / name
        if entry.get("prev"):
            if previous.is_file() and not previous.is_symlink():
                os.replace(previous, folder / name)
            # else: restored already by an earlier, interrupted recovery
        else:
            with contextlib.suppress(FileNotFoundError):
                (folder / name).unlink()
    _fsync_dir(folder)
    if staging.is_dir() and staging.name.startswith(STAGING_PREFIX):
        shutil.rmtree(staging, ignore_errors=True)


@dataclass
class Transaction:
    """Files to install together; `commit` installs all of them or none."""

    folder: PlanFolder
    command: str
    writes: dict[str, bytes] = field(default_factory=dict)
    removes: set[str] = field(default_factory=set)
    state_updates: dict[str, str | None] = field(default_factory=dict)
    copy_update: dict[str, Any] | None = None
    backups: list[tuple[str, bytes]] = field(default_factory=list)
    backup_paths: list[Path] = field(default_factory=list)

    def write(self, name: str, data: bytes | str, *, generated: bytes | str | None = None,
              record: bool = False) -> None:
        """Install `data` as NAME; with record (or `generated`), record its hash as techplan's own.

        `generated`: the hash recorded is this text's instead (a plan holding merged hand edits
        stays "edited by hand", so `render -o`, `run` and `batch` keep refusing to overwrite it).
        """
        payload = data.encode("utf-8") if isinstance(data, str) else data
        self.folder.file(name)  # refuses a name that would escape the folder
        self.writes[name] = payload
        self.removes.discard(name)
        if generated is not None:
            self.state_updates[name] = _sha256(generated.encode("utf-8") if isinstance(generated, str) else generated)
        elif record:
            self.state_updates[name] = _sha256(payload)

    def remove(self, name: str) -> None:
        self.writes.pop(name, None)
        if (self.folder.path / name).exists():
            self.removes.add(name)

    def backup(self, name: str, data: bytes) -> Path:
        """Keep `data` as the next numbered backup of NAME (never replacing an earlier one)."""
        existing = self.folder.backups(name)
        pending = [n for n, _ in self.backups if n == name]
        if existing and not pending and existing[-1].read_bytes() == data:
            return existing[-1]  # the same text is already kept: no second copy
        number = (int(existing[-1].name.rsplit(".", 1)[-1]) if existing and existing[-1].name[-1].isdigit()
                  else len(existing)) + len(pending) + 1
        target = f"{name}.bak" if number == 1 else f"{name}.bak.{number}"
        self.backups.append((name, data))
        self.writes[target] = data
        path = self.folder.path / target
        self.backup_paths.append(path)
        return path

    def keep_generated(self, text: str, settings: dict[str, Any] | None,
                       conflicts: dict[str, dict[str, str]] | None = None) -> None:
        """Record `text` as the plan techplan generated (the base of the next three-way merge)."""
        self.copy_update = {"sha256": _sha256(text.encode("utf-8")), "text": text,
                            "settings": dict(settings or {})}
        if conflicts:
            self.copy_update["conflicts"] = conflicts

    @property
    def empty(self) -> bool:
        return not self.writes and not self.removes and not self.state_updates and self.copy_update is None

    def _record_files(self) -> None:
        if self.state_updates:
            state = self.folder.state()
            for name, sha in self.state_updates.items():
                if sha is None:
                    state.pop(name, None)
                else:
                    state[name] = sha
            self.writes[STATE_FILE] = (json.dumps(state, indent=2, sort_keys=True) + "\n").encode("utf-8")
        if self.copy_update is not None:
            copies = self.folder.copies()
            copies[PLAN_FILE] = self.copy_update
            self.writes[COPY_FILE] = (json.dumps(copies, indent=1, sort_keys=True, ensure_ascii=False)
                                      + "\n").encode("utf-8")

    def commit(self) -> list[str]:
        """Install every file, or none: returns the names written (backups included)."""
        folder = self.folder.path
        if not self.folder.is_locked_here():
            raise RuntimeError("a plan folder transaction is committed under the folder's lock (PlanFolder.locked)")
        self._record_files()
        order = sorted(self.writes, key=_install_order)
        for name in (*order, *self.removes):
            target = folder / name
            if target.is_dir() and not target.is_symlink():
                raise OutputError(f"{target}: is a folder, where techplan keeps a file; move it away "
                                  "(nothing was written)")
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))
        journal_path = folder / JOURNAL_FILE
        entries: list[dict[str, Any]] = []
        try:
            (staging / "new").mkdir()
            (staging / "prev").mkdir()
            for name in order:
                _write_file(staging / "new" / name, self.writes[name])
            for name in (*order, *self.removes):
                target = folder / name
                had = target.is_file()
                if had:
                    try:
                        os.link(target, staging / "prev" / name)
                    except OSError:
                        _write_file(staging / "prev" / name, target.read_bytes())
                entries.append({"name": name, "prev": had})
            _fsync_dir(staging / "new")
            _fsync_dir(staging / "prev")
            journal = {"command": self.command, "pid": os.getpid(), "staging": staging.name, "files": entries}
            temporary = staging / "journal"
            _write_file(temporary, (json.dumps(journal) + "\n").encode("utf-8"))
            os.replace(temporary, journal_path)
            _fsync_dir(folder)
        except BaseException as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise _failure(folder, exc) from None
        try:
            for name in order:
                _rename(staging / "new" / name, folder / name)
            for name in self.removes:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(folder / name)
            _fsync_dir(folder)
            os.unlink(journal_path)  # the commit point
            _fsync_dir(folder)
        except BaseException as exc:
            try:
                _roll_back(folder, {"staging": staging.name, "files": entries})
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(journal_path)
            except BaseException:  # noqa: BLE001 - the journal stays; the next command rolls back
                pass
            raise _failure(folder, exc) from None
        shutil.rmtree(staging, ignore_errors=True)
        return order + sorted(self.removes)


def _install_order(name: str) -> tuple[int, str]:
    # Charts and the notebook first, the plan and its records last: a reader between two renames
    # (there is no lock for readers) then sees at worst new charts beside the old plan.
    last = {INPUTS_FILE: 1, INPUTS_JSON_FILE: 1, PLAN_FILE: 2, STATE_FILE: 3, COPY_FILE: 4}
    return last.get(name, 0), name


def _failure(folder: Path, exc: BaseException) -> BaseException:
    if isinstance(exc, OSError):
        name = Path(exc.filename).name if getattr(exc, "filename", None) else ""
        where = f" ({name})" if name and not name.startswith(STAGING_PREFIX) else ""
        reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        return OutputError(f"{folder}: the new files could not be installed{where}: {reason}; nothing was "
                           "changed (every file is as it was)")
    return exc
