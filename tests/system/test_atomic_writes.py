"""Writes that cannot corrupt: a full disk, a permission error or an interrupted run leaves the
previous plan byte-for-byte intact and no temporary file behind.

Faults are injected two ways: in-process at each step of atomic_write (creating the temporary
file, writing, fsync, rename), and against the real command line with the operating system
refusing for real (a file-size limit for a full disk, an unprivileged user for permissions,
signals for interruptions).
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from techplan_nb import output
from techplan_nb.errors import OutputError

from helpers import AS_OF, BUNDLED_EXAMPLE, EXAMPLES, ROOT, files_under, run_techplan

SMALL = EXAMPLES / "minimal.yaml"
OLD = b"# Technical Plan: the previous one\n\nEvery byte of this must survive.\n"
NEW = "# Technical Plan: the new one\n\n" + "A much longer plan. " * 500 + "\n"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    """A plan techplan wrote before, with its recorded hash, as a later run finds it."""
    plan = tmp_path / "plans" / "technical-plan.md"
    plan.parent.mkdir()
    output.write_generated(plan, OLD.decode())
    return plan


def _oserror(code: int) -> OSError:
    return OSError(code, os.strerror(code))


class _FailingFile:
    """A file object that writes part of the data, then reports the disk full, as a real one does."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def write(self, data: bytes) -> int:
        self._handle.write(data[: len(data) // 2])
        raise _oserror(errno.ENOSPC)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


def _fail_mkstemp(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise _oserror(errno.EACCES)

    monkeypatch.setattr(output.tempfile, "mkstemp", refuse)


def _fail_write(monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.fdopen
    monkeypatch.setattr(output.os, "fdopen", lambda fd, mode: _FailingFile(real(fd, mode)))


def _fail_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(fd: int) -> None:
        raise _oserror(errno.EIO)

    monkeypatch.setattr(output.os, "fsync", refuse)


def _fail_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(src: Any, dst: Any) -> None:
        raise _oserror(errno.EACCES)

    monkeypatch.setattr(output.os, "replace", refuse)


FAULTS: dict[str, tuple[Callable[[pytest.MonkeyPatch], None], str]] = {
    "permission denied creating the temporary file": (_fail_mkstemp, "Permission denied"),
    "disk full while writing": (_fail_write, "No space left on device"),
    "i/o error on fsync": (_fail_fsync, "Input/output error"),
    "permission denied on rename": (_fail_replace, "Permission denied"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failed_write_keeps_the_previous_plan_and_leaves_no_temporary_file(
        fault: str, previous: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = {p.name: p.read_bytes() for p in previous.parent.iterdir()}
    inject, reason = FAULTS[fault]
    inject(monkeypatch)
    with pytest.raises(OutputError) as info:
        output.write_generated(previous, NEW)
    monkeypatch.undo()
    assert reason in str(info.value)
    assert str(previous) in str(info.value)
    assert {p.name: p.read_bytes() for p in previous.parent.iterdir()} == before
    assert previous.read_bytes() == OLD
    # The next run still knows the plan as techplan's own (not "edited by hand").
    assert not output.edited_by_hand(previous)


def test_an_interrupt_between_write_and_rename_keeps_the_previous_plan(
        previous: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(src: Any, dst: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(output.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        output.write_generated(previous, NEW)
    monkeypatch.undo()
    assert previous.read_bytes() == OLD
    assert leftovers(previous.parent) == []


def test_a_full_disk_when_recording_the_hash_does_not_make_the_new_plan_look_hand_edited(
        previous: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = output.atomic_write

    def state_fails(path: Path, data: bytes | str) -> None:
        if Path(path).name == output.STATE_FILE:
            raise OutputError(f"{path}: could not be written (No space left on device)")
        real(path, data)

    monkeypatch.setattr(output, "atomic_write", state_fails)
    with pytest.raises(OutputError):
        output.write_generated(previous, NEW)
    monkeypatch.undo()
    assert previous.read_bytes() in (OLD, NEW.encode())
    assert leftovers(previous.parent) == []
    # Whichever version is on disk, techplan may replace it again without --force.
    output.write_generated(previous, NEW + "again\n")
    assert previous.read_text("utf-8").endswith("again\n")


def test_a_temporary_file_left_by_a_killed_run_is_cleared_by_the_next_write(previous: Path) -> None:
    stale = previous.parent / f".{previous.name}.k1ll3d00.tmp"  # mkstemp: 8 random characters
    stale.write_bytes(b"half a pl")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    other = previous.parent / ".another-file.md.abc123.tmp"
    other.write_bytes(b"someone else's")
    output.write_generated(previous, NEW)
    assert previous.read_text("utf-8") == NEW
    assert leftovers(previous.parent) == [other.name]


# --- through the real command line -----------------------------------------------------------


def _render_previous(folder: Path) -> Path:
    plan = folder / "plan.md"
    result = run_techplan("render", SMALL, "-o", plan, "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    return plan


def _run(args: list[str | Path], *, preexec: Callable[[], None] | None = None, cwd: Path | None = None,
         env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess; env entries set to None are removed from its environment."""
    full_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for key, value in {"TECHPLAN_DEBUG": None, **(env or {})}.items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    return subprocess.run([sys.executable, "-m", "techplan_nb", *map(str, args)], capture_output=True, text=True,
                          preexec_fn=preexec, cwd=cwd, env=full_env, timeout=120, check=False)


def test_cli_disk_full_exits_2_and_keeps_the_previous_plan(tmp_path: Path) -> None:
    plan = _render_previous(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    new_size = len(run_techplan("render", BUNDLED_EXAMPLE, "--as-of", AS_OF).stdout.encode())
    limit = len(before["plan.md"]) + 1000
    assert new_size > limit  # the new plan cannot fit: the kernel refuses the write part-way

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = _run(["render", BUNDLED_EXAMPLE, "-o", plan, "--as-of", AS_OF], preexec=small_disk,
                  env={"XDG_CACHE_HOME": str(tmp_path.parent / "cache")})
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{plan}: could not be written (File too large)" in result.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def _without_root_privileges() -> None:
    """In the child before exec: drop the capabilities that let root ignore file permissions."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone after exec
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_cli_permission_denied_exits_2_and_keeps_the_previous_plan(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    plan = _render_previous(plans)
    plans.chmod(0o555)  # the plan file itself stays writable: creating the temporary file fails
    before = {p.name: p.read_bytes() for p in plans.iterdir()}
    try:
        result = _run(["render", BUNDLED_EXAMPLE, "-o", plan, "--as-of", AS_OF], preexec=_without_root_privileges,
                      env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    finally:
        plans.chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{plan}: cannot write here: Permission denied" in result.stderr
    assert {p.name: p.read_bytes() for p in plans.iterdir()} == before


INTERRUPTIBLE = """
import os, sys, time
from pathlib import Path
import techplan_nb.output as output
real_fsync = os.fsync
def slow_fsync(fd):
    real_fsync(fd)
    Path(sys.argv[1]).write_text("writing")  # tell the test the temporary file is on disk
    time.sleep(60)
output.os.fsync = slow_fsync
from techplan_nb.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_cli_interrupted_mid_write_keeps_the_previous_plan_and_no_temporary_file(
        sig: signal.Signals, code: int, tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    plan = _render_previous(plans)
    before = {p.name: p.read_bytes() for p in plans.iterdir()}
    marker = tmp_path / "writing"
    process = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTIBLE, str(marker), "render", str(BUNDLED_EXAMPLE), "-o", str(plan),
         "--as-of", AS_OF], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.05)
        assert [p for p in plans.iterdir() if p.name.endswith(".tmp")]  # caught mid-write
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr
    assert {p.name: p.read_bytes() for p in plans.iterdir()} == before


def test_cli_killed_outright_keeps_the_previous_plan_and_the_next_run_cleans_up(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    plan = _render_previous(plans)
    previous_bytes = plan.read_bytes()
    marker = tmp_path / "writing"
    process = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTIBLE, str(marker), "render", str(BUNDLED_EXAMPLE), "-o", str(plan),
         "--as-of", AS_OF], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        process.kill()  # SIGKILL: no handler runs, as with the OOM killer or a power cut
        process.communicate(timeout=30)
    finally:
        process.kill()
    assert plan.read_bytes() == previous_bytes
    (stale,) = [p for p in plans.iterdir() if p.name.endswith(".tmp")]
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    result = run_techplan("render", BUNDLED_EXAMPLE, "-o", plan, "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    assert plan.read_bytes() != previous_bytes
    assert leftovers(plans) == []


def test_render_writes_only_the_plan_and_its_state_file(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    source = inputs / "plan.yaml"
    source.write_bytes(BUNDLED_EXAMPLE.read_bytes())
    work = tmp_path / "work"
    work.mkdir()
    out = tmp_path / "out" / "nested" / "plan.md"
    result = _run(["render", source, "-o", out, "--as-of", AS_OF], cwd=work,
                  env={"HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr
    assert [p.relative_to(tmp_path) for p in files_under(tmp_path) if "cache" not in p.parts] == [
        Path("inputs/plan.yaml"), Path("out/nested/.techplan-state.json"), Path("out/nested/plan.md")]


@pytest.mark.kernel
@pytest.mark.parametrize("command", ["run", "batch"])
def test_run_and_batch_write_nothing_outside_out_but_tool_caches(command: str, tmp_path: Path) -> None:
    places = {name: tmp_path / name for name in ("inputs", "work", "home", "tmp")}
    for place in places.values():
        place.mkdir()
    source = places["inputs"] / "plan.yaml"
    source.write_bytes(BUNDLED_EXAMPLE.read_bytes())
    out = tmp_path / "out"
    extra = ["--no-progress"] if command == "batch" else []
    result = _run([command, source if command == "run" else places["inputs"], "--out", out, "--as-of", AS_OF,
                   *extra], cwd=places["work"],
                  env={"HOME": str(places["home"]), "TMPDIR": str(places["tmp"]), "XDG_CACHE_HOME": None,
                       "MPLCONFIGDIR": None, "IPYTHONDIR": None, "JUPYTER_RUNTIME_DIR": None})
    assert result.returncode == 0, result.stderr
    assert files_under(places["inputs"]) == [source] and source.read_bytes() == BUNDLED_EXAMPLE.read_bytes()
    assert files_under(places["work"]) == []
    assert list(places["tmp"].iterdir()) == []  # kernels' ipc socket folders are removed too
    # Outside --out only the caches of the tools themselves: matplotlib's font list, IPython's
    # profile, the compiled templates. No plan, notebook, chart or inputs copy.
    caches = (".cache", ".config", ".ipython")
    assert [p for p in files_under(places["home"]) if p.relative_to(places["home"]).parts[0] not in caches] == []
    assert [p for p in files_under(places["home"]) if p.suffix in (".md", ".ipynb", ".png", ".yaml")] == []
    assert len([p for p in files_under(out) if p.name == "technical-plan.md"]) == 1
