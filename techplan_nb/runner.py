"""Executing plan notebooks in real Jupyter kernels: the only module that imports papermill,
nbclient and jupyter_client.

A notebook is prepared exactly as `papermill` prepares it (injected-parameters cell,
`metadata.papermill`, per-cell timing) and executed into the notebook papermill would write, either
in a fresh kernel (`techplan run`, `batch --isolate`) or in a warm kernel reused across plans
(batch). What ../shared/KERNELS.md measured shapes the choices here:

- kernels are the running interpreter's own (never whatever `python` is first on PATH);
- local-socket (ipc) transport: no TCP port races between workers starting kernels at once;
- immediate shutdown: no 2.5 s graceful-shutdown stalls;
- a reused kernel's user namespace, history and working directory are reset between plans, and
  the audit record says the kernel was reused (modules stay imported: it is not a fresh process);
- papermill may record "completed" for a timed-out or dead kernel: the status is stamped here;
- a plan's code cells (and the reset before them) go to the kernel as one execute request, not a
  request per cell (a third of a warm plan's CPU went on the messages); see _CellRun;
- each kernel's address space is capped (RLIMIT_AS), so a cell that allocates without bound gets a
  MemoryError in seconds instead of pushing the machine into swap or the OOM killer, which might
  pick another process (a worker, or techplan itself) than the runaway kernel.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import importlib.metadata
import os
import platform
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from queue import Empty
from typing import Any

# jsonschema (imported by nbformat and papermill) loads rfc3987_syntax when it is installed
# (JupyterLab brings it), and that compiles a grammar for about 1.5 s on import: more than a whole
# warm batch plan costs, in every techplan process. Notebook validation never checks IRI formats,
# so jsonschema is told the package is absent (it treats it as optional).
if "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]

import nbformat  # noqa: E402
from jupyter_client.kernelspec import NATIVE_KERNEL_NAME, KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.client import timestamp as nbclient_timestamp
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from papermill.engines import NotebookExecutionManager
from papermill.execute import prepare_notebook_metadata, remove_error_markers
from papermill.inspection import _infer_parameters
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook
from traitlets import CaselessStrEnum, default

from . import __version__, audit, isolation
from .errors import InputError, NotebookRunError, OutputError, RenderError, UsageError
from .output import atomic_write, child_path, find_plan_dir, sha256_file
from .plan_folder import (
    FAILED_NOTEBOOK_FILE,
    NOTEBOOK_FILE,
    PLAN_FILE,
    PlanFolder,
    inputs_copy_name,
    installed_path,
    is_staging_path,
)
from .records import PlanResult, RunError

KERNEL_NAME = NATIVE_KERNEL_NAME  # "python3": resolved to this interpreter, see _NativeSpecs
PARAMETERS = ("inputs_path", "as_of", "seed", "output_dir", "template", "force", "images")
REQUIRED_PARAMETERS = ("inputs_path", "output_dir")
DEFAULT_TIMEOUT = 600.0
# Generous: a kernel that dies is noticed at once (_ready polls it), so this bounds only a live
# kernel that is slow to answer, as all of them are when parallel test runs load 2 cores.
STARTUP_TIMEOUT = 120.0
# How long the outputs of a cell that has already replied may take to arrive. They normally follow
# in milliseconds; on a loaded machine the kernel's IOPub thread can lag the reply by seconds, and
# a lost output would cost the audit record, so a run waits this long and then fails, saying why.
IOPUB_TIMEOUT = 60
# A kernel running the bundled notebook maps about 0.9 GiB of address space (libraries, thread
# stacks, malloc arenas) and touches about 0.15 GiB; 4 GiB leaves room for large plans and team
# notebooks while stopping a runaway allocation long before a 2-core CI machine runs out.
DEFAULT_MEMORY_LIMIT = 4 * 2**30
# The kernel keeps no input history on disk: it costs a SQLite write per cell and reused kernels
# would share (and lock) one history file.
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]


def default_notebook() -> Path:
    """The bundled notebook: inside the wheel as techplan_nb/notebooks, at top level in a checkout."""
    packaged = Path(__file__).with_name("notebooks") / "technical_plan.ipynb"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "notebooks" / "technical_plan.ipynb"


@lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    # Looked up once per process: importlib.metadata scans site-packages (~10 ms a call).
    found = {"techplan-nb": __version__, "python": platform.python_version()}
    for name in ("papermill", "nbclient", "jupyter_client", "ipykernel", "jinja2", "matplotlib", "nbformat"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            found[name] = "not installed"
    return found


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- kernels -------------------------------------------------------------------------------------


class _NativeSpecs(KernelSpecManager):
    """"python3" is always the interpreter running techplan, whatever kernelspecs are installed.

    jupyter_client would take a user-installed python3 kernelspec first, which may point at
    another Python without techplan_nb (or with another version of it).
    """

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name == NATIVE_KERNEL_NAME:
            from ipykernel.kernelspec import RESOURCES, get_kernel_dict

            spec = get_kernel_dict(extra_arguments=KERNEL_ARGUMENTS)
            spec["argv"][0] = sys.executable
            return self.kernel_spec_class(resource_dir=RESOURCES, **spec)
        return super().get_kernel_spec(kernel_name)


class NativeKernelManager(AsyncKernelManager):
    """This interpreter's kernel, over local sockets (no port races)."""

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True,
                                help="ipc: unix sockets, so concurrent starts never race for TCP ports")

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return _NativeSpecs(data_dir=self.data_dir)

    @default("ip")
    def _ip_default(self) -> str:
        if self.transport == "ipc":
            # jupyter_client would name the sockets "kernel-ipc-N" in the working directory, shared by
            # every kernel started there: a private folder per kernel keeps them apart.
            return os.path.join(tempfile.mkdtemp(prefix="techplan-ipc-"), "kernel")
        return "127.0.0.1"

    def remove_socket_folder(self) -> None:
        if self.transport == "ipc":
            folder = Path(self.ip).parent
            if folder.name.startswith("techplan-ipc-"):
                shutil.rmtree(folder, ignore_errors=True)


# Defined in the kernel at start (hidden from the namespace reset); clears what a plan left behind.
_KERNEL_SETUP = """
def __techplan_reset(_ip=get_ipython(), _os=__import__("os"), _cwd=__import__("os").getcwd(),
                     _environ=dict(__import__("os").environ)):
    ns = _ip.user_ns
    for name in [name for name in ns if name not in _ip.user_ns_hidden]:
        del ns[name]
    ns["_"] = ns["__"] = ns["___"] = ""
    _ip.history_manager.reset(new_session=True)
    _ip.execution_count = 1
    if _os.getcwd() != _cwd:
        _os.chdir(_cwd)
    for key in [key for key in _os.environ if key not in _environ]:
        del _os.environ[key]
    _os.environ.update(_environ)
get_ipython().user_ns_hidden["__techplan_reset"] = __techplan_reset

async def __techplan_run(cells, reset, _ip=get_ipython(), _sys=__import__("sys"), _mark=CELL_MARK):
    # Each cell runs as the kernel runs an execute request (ipykernel's do_execute), announced on
    # IOPub first, so the client puts the outputs that follow into it; stops at a failure.
    if reset:
        __techplan_reset()
    for index, code, allow_error in cells:
        _ip.display_pub.publish({_mark: [index, _ip.execution_count]}, metadata={})
        _ip._last_traceback_during_displayhook = False
        try:
            transformed, failure = _ip.transform_cell(code), None
        except Exception:
            transformed, failure = code, _sys.exc_info()
        if _ip.should_run_async(code, transformed_cell=transformed, preprocessing_exc_tuple=failure):
            result = None
            try:
                result = await _ip.run_cell_async(code, store_history=True, transformed_cell=transformed,
                                                  preprocessing_exc_tuple=failure)
            finally:
                _ip.events.trigger("post_execute")
                _ip.events.trigger("post_run_cell", result)
        else:
            result = _ip.run_cell(code, store_history=True)
        if not allow_error and (not result.success or _ip._last_traceback_during_displayhook):
            _ip.display_pub.publish({_mark: [index, None]}, metadata={})
            return
get_ipython().user_ns_hidden["__techplan_run"] = __techplan_run
"""
# The display_data a kernel sends on IOPub before each cell it runs ([index, execution count]) and
# after a cell that failed ([index, None]); never part of a cell's outputs.
CELL_MARK = "application/vnd.techplan.cell+json"
_KERNEL_SETUP = _KERNEL_SETUP.replace("CELL_MARK", repr(CELL_MARK))


def limit_memory(pid: int | None, limit: int | None) -> int | None:
    """Cap a process's address space at `limit` bytes (never above a cap it already has).

    Returns the cap applied, or None when there is none: no limit asked for, or no prlimit
    (it is Linux-only; elsewhere kernels run uncapped and the cell timeout is the only bound).
    """
    prlimit = getattr(resource, "prlimit", None)
    if not limit or pid is None or prlimit is None:
        return None
    try:
        _, hard = prlimit(pid, resource.RLIMIT_AS)
        cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        prlimit(pid, resource.RLIMIT_AS, (cap, cap))
    except (ProcessLookupError, PermissionError):  # died at once: _ready reports it
        return None
    return int(cap)


class KernelFailed(Exception):
    """A kernel could not be started, reset or reached."""


class KernelResetFailed(KernelFailed):
    """A reused kernel did not clear the previous plan's state; the plan has not started."""


START_ATTEMPTS = 2  # a start that times out on a loaded machine usually succeeds the next time


@dataclass
class KernelInfo:
    id: str
    pid: int | None
    plans: int = 0  # plans run in this kernel so far
    started: dt.datetime = field(default_factory=now)
    python: str = ""  # the kernel's sys.executable, as the kernel reports it
    memory_limit: int | None = None  # the address-space cap in bytes actually applied, if any


class Kernel:
    """One live kernel that runs plan notebooks one after another."""

    def __init__(self, *, startup_timeout: float = STARTUP_TIMEOUT, cwd: str | None = None,
                 memory_limit: int | None = DEFAULT_MEMORY_LIMIT) -> None:
        self.startup_timeout = startup_timeout
        self.memory_limit = memory_limit
        # Not the caller's working folder: a kernel imports from its working folder, and that is
        # where a user's inputs (and whatever lies beside them) are. See isolation.py.
        self.cwd = cwd
        self._own_cwd: Path | None = None
        self.km: NativeKernelManager | None = None
        self.kc: Any = None
        self.info: KernelInfo | None = None
        self.language_info: dict[str, Any] = {}  # what each executed notebook records as its language

    # -- life cycle

    def start(self) -> Kernel:
        run_sync(self._start)()
        return self

    async def _start(self) -> None:
        km = NativeKernelManager(kernel_name=KERNEL_NAME)
        self.km = km
        if self.cwd is None:
            self._own_cwd = isolation.neutral_folder("techplan-kernel-")
        try:
            await km.start_kernel(cwd=self.cwd or str(self._own_cwd), env=isolation.child_environment())
            process = getattr(getattr(km, "provisioner", None), "process", None)
            # Applied from outside while the kernel is still importing: no launcher process or
            # preexec_fn (unsafe in this threaded process) on the start-up path.
            applied = limit_memory(getattr(process, "pid", None), self.memory_limit)
            kc = km.client()
            kc.start_channels()
            self.kc = kc
            await self._ready(kc, km)
            reply = await self._execute_silently(_KERNEL_SETUP, timeout=self.startup_timeout,
                                                 expressions={"python": "__import__('sys').executable"})
            self.language_info = await self._language_info()
        except Exception as exc:
            await self._shutdown()
            detail = str(exc) if isinstance(exc, KernelFailed) else f"{type(exc).__name__}: {exc}"
            raise KernelFailed(f"the kernel did not start: {detail}") from None
        provisioner = getattr(km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        # The kernel's own word for its interpreter, recorded in every audit notebook.
        python = reply.get("user_expressions", {}).get("python", {}).get("data", {}).get("text/plain", "")
        self.info = KernelInfo(id=str(km.kernel_id), pid=getattr(process, "pid", None), python=python.strip("'\""),
                               memory_limit=applied)

    async def _ready(self, kc: Any, km: NativeKernelManager) -> None:
        # Leaner than jupyter_client's wait_for_ready, which after the first reply waits for 0.2 s of
        # IOPub silence (a third of a start's cost). What that wait really ensures is that IOPub is
        # subscribed: a message published before the subscription lands is lost (ZeroMQ's "slow
        # joiner"), and a lost "idle" would leave the first cell waiting until its timeout. So: ask
        # for kernel_info until its reply arrives and then until IOPub delivers the "idle" of any
        # request sent. Any: on a loaded machine the kernel's IOPub thread lags its shell replies,
        # and waiting for the idle of the latest request alone could keep asking until the deadline.
        deadline = time.monotonic() + self.startup_timeout
        sent: set[str] = set()
        replied = False
        while True:
            if not await km.is_alive():
                raise KernelFailed("the kernel died while starting")
            if time.monotonic() > deadline:
                raise KernelFailed(f"no {'IOPub status' if replied else 'reply'} within {self.startup_timeout:g} s")
            sent.add(kc.kernel_info())
            if not replied:
                replied = await self._reply_to(kc.get_shell_msg, sent, deadline, wait=1.0)
                if not replied:
                    continue
            if await self._reply_to(kc.get_iopub_msg, sent, deadline, wait=0.25, idle=True):
                return

    @staticmethod
    async def _reply_to(get: Any, msg_ids: set[str], deadline: float, *, wait: float, idle: bool = False) -> bool:
        """True when a message for one of msg_ids (its IOPub "idle", with idle=True) arrives within `wait`."""
        until = min(deadline, time.monotonic() + wait)
        while True:
            remaining = until - time.monotonic()
            if remaining <= 0:
                return False
            try:
                msg = await get(timeout=remaining)
            except Empty:
                return False
            if msg["parent_header"].get("msg_id") not in msg_ids:
                continue
            if not idle or (msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"):
                return True

    async def _language_info(self) -> dict[str, Any]:
        # Asked once per kernel: papermill asked again after every notebook, for the same answer.
        msg_id = self.kc.kernel_info()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            try:
                reply = await self.kc.get_shell_msg(timeout=max(0.0, deadline - time.monotonic()))
            except Empty:
                break
            if reply["parent_header"].get("msg_id") == msg_id:
                return dict(reply["content"].get("language_info") or {})
        raise KernelFailed(f"no kernel_info reply within {self.startup_timeout:g} s")

    async def _execute_silently(self, code: str, timeout: float = 30.0,
                                expressions: dict[str, str] | None = None) -> dict[str, Any]:
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False,
                                 user_expressions=expressions or {})
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise KernelFailed("the kernel did not answer a reset request")
            try:
                reply = await self.kc.get_shell_msg(timeout=remaining)
            except Empty:
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                if reply["content"].get("status") != "ok":
                    raise KernelFailed(f"kernel reset failed: {reply['content'].get('evalue', '')}")
                content: dict[str, Any] = reply["content"]
                return content

    def alive(self) -> bool:
        if self.km is None:
            return False
        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001 - a manager that cannot tell counts as dead
            return False

    def shutdown(self) -> None:
        """Immediate shutdown (a kill): graceful shutdowns stall for 2.5 s about 5% of the time."""
        run_sync(self._shutdown)()

    async def _shutdown(self) -> None:
        km, kc = self.km, self.kc
        self.km = self.kc = None
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:  # noqa: BLE001,S110 - best effort while tearing down
                pass
        if km is not None:
            try:
                if km.has_kernel:
                    await km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001
                try:
                    await km.cleanup_resources()
                except Exception:  # noqa: BLE001,S110
                    pass
            km.remove_socket_folder()
        if self._own_cwd is not None:
            shutil.rmtree(self._own_cwd, ignore_errors=True)
            self._own_cwd = None

    # -- running notebooks

    def run(self, nb: NotebookNode, *, timeout: float | None, reused_ok: bool = True) -> Execution:
        """Execute a prepared notebook (see prepare()); never raises for the notebook's own failures."""
        if self.km is None or self.info is None:
            raise KernelFailed("the kernel is not running")
        reset = bool(self.info.plans and reused_ok)
        self.info.plans += 1
        kernel = {"id": self.info.id, "pid": self.info.pid, "reused": self.info.plans > 1,
                  "sequence": self.info.plans, "started": self.info.started.isoformat(),
                  "transport": "ipc", "python": self.info.python, "shutdown": "immediate",
                  "memory_limit": self.info.memory_limit,
                  "cleared_between_plans": "user namespace, history, working directory, environment variables"}
        return _execute(nb, self, timeout=timeout, kernel=kernel, reset=reset)


@dataclass
class Execution:
    """A notebook after a run, with the run's real outcome (whatever papermill recorded)."""

    nb: NotebookNode
    status: str  # "succeeded" | "failed"
    error: RunError | None
    started: dt.datetime
    ended: dt.datetime
    kernel: dict[str, Any]
    kernel_usable: bool = True  # False after a timeout or death: the caller must replace it

    @property
    def seconds(self) -> float:
        return (self.ended - self.started).total_seconds()


class _MemoryWatch:
    """Kills a kernel whose address space has reached its cap, so the run fails at once as "memory".

    At the cap, whichever of the kernel's threads allocates next fails: the cell's thread gets a
    clean MemoryError, but a ZeroMQ or IOPub thread can abort the kernel, or leave it alive and
    silent until the cell timeout (minutes). Measured on the cell `x = []; while True:
    x.append(list(range(100000)))` under a 1.5 GiB cap: all three happen. A kernel within
    MARGIN of its cap has no room left for those threads, so it is stopped rather than waited for.
    """

    INTERVAL = 0.1  # reading /proc/PID/statm costs microseconds
    MARGIN = 64 * 2**20  # one glibc arena heap: a thread that needs a new one is out of room

    def __init__(self, pid: int | None, cap: int | None) -> None:
        self.pid, self.cap = pid, cap
        self.tripped = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if pid and cap and os.path.exists(f"/proc/{pid}/statm"):
            self._thread = threading.Thread(target=self._watch, name="techplan-memory-watch", daemon=True)

    def __enter__(self) -> _MemoryWatch:
        if self._thread is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        assert self.pid is not None and self.cap is not None
        path, page = f"/proc/{self.pid}/statm", os.sysconf("SC_PAGE_SIZE")
        while not self._stop.wait(self.INTERVAL):
            try:
                with open(path, "rb") as handle:
                    size = int(handle.read().split()[0]) * page
            except (OSError, ValueError, IndexError):
                return  # the kernel is gone: nbclient reports that
            if size >= self.cap - self.MARGIN:
                self.tripped = True
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                return


class _CellRun:
    """One plan's code cells sent to the kernel as one execute request (__techplan_run).

    A request per cell, as nbclient sends them, cost a third of a warm plan's CPU in messages and
    their handling on both sides (busy, execute_input, idle and a reply per cell, and the reset's
    own request). The executed notebook is what papermill writes: each cell's outputs, execution
    count and timing, papermill's per-cell status; outputs go through nbclient's own handling
    (display ids, clear_output, widgets), routed to the cell the kernel last announced.
    """

    POLL = 1.0  # seconds between checks that the kernel is still alive while a cell runs

    def __init__(self, nb: NotebookNode, nb_man: Any, kernel: Kernel, *, timeout: float | None) -> None:
        self.nb, self.nb_man, self.kernel = nb, nb_man, kernel
        self.timeout = timeout if timeout and timeout > 0 else None
        # nbclient's output handling without its execution loop; it never starts a kernel here.
        self.client = NotebookClient(nb, km=kernel.km, kernel_name=KERNEL_NAME)
        self.client.kc = kernel.kc
        self.client.reset_execution_trackers()
        self.skip_tag = self.client.skip_cells_with_tag
        self.current: int | None = None  # the cell whose outputs arrive now
        self.next = 0  # the first cell not yet started
        self.failed = False

    def _cells(self) -> list[tuple[int, str, bool]]:
        return [(index, cell.source, "raises-exception" in cell.metadata.get("tags", []))
                for index, cell in enumerate(self.nb.cells)
                if cell.cell_type == "code" and cell.source.strip()
                and self.skip_tag not in cell.metadata.get("tags", [])]

    async def run(self, *, reset: bool) -> None:
        try:
            await self._run(reset=reset)
        finally:
            if self.current is not None:  # a timeout or a death: papermill completes the cell, the runner fails it
                self._finish(None)

    async def _run(self, *, reset: bool) -> None:
        kc, km = self.kernel.kc, self.kernel.km
        assert kc is not None and km is not None
        code = f"await __techplan_run({self._cells()!r}, {reset!r})"
        msg_id = kc.execute(code, silent=True, store_history=False, allow_stdin=False, stop_on_error=False)
        deadline = time.monotonic() + self.timeout if self.timeout else None
        reply: dict[str, Any] | None = None
        replied_at = 0.0
        while True:
            if reply is None and deadline is not None and time.monotonic() >= deadline:
                raise CellTimeoutError("A cell timed out while it was being executed")
            wait = self.POLL if deadline is None else max(0.0, min(self.POLL, deadline - time.monotonic()))
            try:
                msg = await kc.get_iopub_msg(timeout=wait)
            except Empty:
                if reply is None:
                    reply = await self._reply(kc, msg_id)
                    replied_at = time.monotonic()
                if reply is not None and time.monotonic() - replied_at > IOPUB_TIMEOUT:
                    raise CellTimeoutError("Timeout waiting for IOPub output") from None
                if not await km.is_alive():
                    raise DeadKernelError("Kernel died") from None
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            content = msg["content"]
            if msg["msg_type"] == "status":
                if content.get("execution_state") == "idle":
                    break
                continue
            mark = content.get("data", {}).get(CELL_MARK) if msg["msg_type"] == "display_data" else None
            if mark is not None:
                self._mark(msg, *mark)
                if self.timeout:
                    deadline = time.monotonic() + self.timeout
            elif self.current is not None:
                self.client.process_message(msg, self.nb.cells[self.current], self.current)
        if reply is None:
            reply = await self._reply(kc, msg_id, wait=IOPUB_TIMEOUT)
        self._finish(msg)
        if reply is None or reply.get("status") != "ok":
            # Not a cell's failure (those the kernel reports and survives): __techplan_run itself.
            problem = f"{reply.get('ename')}: {reply.get('evalue')}" if reply else "no reply"
            if reset and self.next == 0:
                raise KernelResetFailed(f"could not reset the kernel: {problem}")
            raise KernelFailed(f"the kernel could not run the notebook's cells: {problem}")
        if not self.failed:
            self._pass_over(len(self.nb.cells))
            self.nb.metadata["language_info"] = copy.deepcopy(self.kernel.language_info)
        self.client.set_widgets_metadata()

    @staticmethod
    async def _reply(kc: Any, msg_id: str, wait: float = 0.0) -> dict[str, Any] | None:
        until = time.monotonic() + wait
        while True:
            try:
                msg = await kc.get_shell_msg(timeout=max(0.0, until - time.monotonic()))
            except Empty:
                return None
            if msg["parent_header"].get("msg_id") == msg_id:
                content: dict[str, Any] = msg["content"]
                return content

    def _pass_over(self, until: int) -> None:
        """Cells the kernel does not run (Markdown, empty, skip-execution) before `until`, as papermill
        records them: started and completed."""
        for index in range(self.next, until):
            self.nb_man.cell_start(self.nb.cells[index], index)
            self.nb_man.cell_complete(self.nb.cells[index], cell_index=index)
        self.next = max(self.next, until)

    def _mark(self, msg: dict[str, Any], index: int, count: int | None) -> None:
        if count is None:  # the cell failed; the kernel runs no more
            self.failed = True
            cell = self.nb.cells[index]
            self.nb_man.cell_exception(cell, cell_index=index)
            self._finish(msg)
            return
        self._finish(msg)
        self._pass_over(index)
        cell = self.nb.cells[index]
        self.nb_man.cell_start(cell, index)
        cell.outputs = []
        cell.execution_count = count
        at = nbclient_timestamp(msg)
        cell.metadata["execution"] = {"iopub.status.busy": at, "iopub.execute_input": at}
        self.client.clear_before_next_output = False
        self.current, self.next = index, index + 1

    def _finish(self, msg: dict[str, Any] | None) -> None:
        if self.current is None:
            return
        cell = self.nb.cells[self.current]
        if msg is not None:
            at = nbclient_timestamp(msg)
            cell.metadata["execution"].update({"shell.execute_reply": at, "iopub.status.idle": at})
        self.nb_man.cell_complete(cell, cell_index=self.current)
        self.current = None


def _execute(nb: NotebookNode, kernel_: Kernel, *, timeout: float | None, kernel: dict[str, Any],
             reset: bool) -> Execution:
    started = now()
    # papermill's bookkeeping (notebook and per-cell times, statuses), as `papermill` records it.
    nb_man = NotebookExecutionManager(nb, output_path=None, progress_bar=False, log_output=False,
                                      autosave_cell_every=0)
    nb_man.notebook_start()
    error: RunError | None = None
    usable = True
    limit = kernel.get("memory_limit")
    with _MemoryWatch(kernel.get("pid"), limit) as watch:
        try:
            run_sync(_CellRun(nb, nb_man, kernel_, timeout=timeout).run)(reset=reset)
        except KernelResetFailed:
            raise
        except CellTimeoutError as exc:
            usable = False
            if "IOPub" in str(exc):
                error = _stamp_cell_failure(nb, "output-timeout", "CellTimeoutError",
                                            f"the cell finished but its output did not arrive within "
                                            f"{IOPUB_TIMEOUT} s (the kernel stalled)")
            else:
                error = _stamp_cell_failure(
                    nb, "timeout", "CellTimeoutError",
                    f"a cell ran longer than the {timeout:g} s timeout" if timeout else str(exc))
        except DeadKernelError:
            usable = False
            error = _stamp_cell_failure(nb, "dead-kernel", "DeadKernelError", "the kernel died while running a cell")
        except Exception as exc:  # noqa: BLE001 - anything else also fails only this plan
            usable = False
            error = _stamp_cell_failure(nb, "kernel-error", type(exc).__name__, str(exc) or type(exc).__name__)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
    if error is None:
        error = _first_cell_error(nb)
    if watch.tripped or (error is not None and str(error.ename).endswith("MemoryError")):  # numpy: _ArrayMemoryError
        # A kernel that hit its cap is replaced, not reset: the cell's objects may still be
        # referenced from the traceback, and any of its threads may have failed an allocation.
        usable = False
        if error is None:  # killed as the cell's last output arrived
            error = _stamp_cell_failure(nb, "memory", "MemoryError", "")
        error = dataclasses.replace(error, reason="memory",
                                    evalue=_memory_message(limit, error.evalue or "", stopped=watch.tripped))
        _mark_memory_error(nb, error)
    ended = now()
    status = "failed" if error else "succeeded"
    if error:
        nb.metadata.papermill["exception"] = True
    return Execution(nb=nb, status=status, error=error, started=started, ended=ended, kernel=kernel,
                     kernel_usable=usable)


def _gib(size: int) -> str:
    return f"{size / 2**30:g} GiB"


def _memory_message(limit: int | None, detail: str, *, stopped: bool) -> str:
    cap = f"{_gib(limit)} memory limit (--memory-limit)" if limit else None
    if stopped:
        return f"the cell ran out of memory: the kernel reached its {cap or 'memory limit'} and was stopped"
    needed = f"more than the kernel's {cap}" if cap else "more memory than the machine has"
    return f"the cell ran out of memory: it needed {needed}" + (f" ({detail})" if detail else "")


def _mark_memory_error(nb: NotebookNode, error: RunError) -> None:
    """Put the explanation beside the bare MemoryError (or the kill) in the failed notebook."""
    index = error.cell
    if index is None:
        return
    for output in nb.cells[index].get("outputs", []):
        if output.get("output_type") != "error":
            continue
        if str(output.get("ename")).endswith("MemoryError"):
            output["evalue"] = error.evalue
        elif (output.get("ename") == error.ename
              and str(output.get("traceback")).endswith("(recorded by techplan)']")):
            output["evalue"] = error.evalue
            output["traceback"] = [f"{error.ename}: {error.evalue} (recorded by techplan)"]


def _running_cell(nb: NotebookNode) -> int | None:
    # papermill has already marked the interrupted cell "completed"; it is the last one started.
    started = [index for index, cell in enumerate(nb.cells)
               if cell.get("metadata", {}).get("papermill", {}).get("start_time")]
    return started[-1] if started else None


def _stamp_cell_failure(nb: NotebookNode, reason: str, ename: str, message: str) -> RunError:
    index = _running_cell(nb)
    if index is not None:
        cell = nb.cells[index]
        cell.metadata.papermill["exception"] = True
        cell.metadata.papermill["status"] = NotebookExecutionManager.FAILED
        if cell.get("cell_type") == "code":
            cell.outputs.append(nbformat.v4.new_output("error", ename=ename, evalue=message, traceback=[
                f"{ename}: {message} (recorded by techplan)"]))
    return RunError(reason, index, ename, message)


def _first_cell_error(nb: NotebookNode) -> RunError | None:
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                if output.get("ename") == "SystemExit" and output.get("evalue") in ("", "0"):
                    continue
                reason = "invalid-inputs" if output.get("ename") == "InputsInvalid" else "cell-error"
                return RunError(reason, index, output.get("ename", ""), output.get("evalue", ""))
        if cell.get("metadata", {}).get("papermill", {}).get("exception") is True:
            return RunError("cell-error", index, "CellExecutionError", "")
    return None


# --- preparing notebooks -------------------------------------------------------------------------


def load_notebook(path: Path) -> NotebookNode:
    if Path(path).is_dir():
        raise UsageError(f"{path}: is a folder; give a Jupyter notebook file (.ipynb)")
    if not Path(path).exists():  # a pipe or device is not "missing": read_capped says what it is
        raise UsageError(f"{path}: no such notebook")
    from .safe_files import MAX_NOTEBOOK_BYTES, read_capped

    try:  # papermill would read a notebook of any size (or a pipe, forever) into memory
        read_capped(path, MAX_NOTEBOOK_BYTES, what="Jupyter notebook file (.ipynb)")
    except InputError as exc:
        raise UsageError(str(exc.issues[0]).replace(": (file): ", ": ", 1)) from None
    try:
        # papermill's own loader (it adds the metadata its engine expects); local files only. Its
        # warning about the file's extension would only repeat the error below on more lines.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            nb = load_notebook_node(str(path))
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for a bad file
        raise UsageError(f"{path}: not a readable Jupyter notebook ({type(exc).__name__}: {exc})") from None
    declared = {p.name for p in _infer_parameters(nb)}
    missing = [name for name in REQUIRED_PARAMETERS if name not in declared]
    if missing:
        raise UsageError(f"{path}: the notebook needs a cell tagged `parameters` that sets "
                         f"{', '.join(missing)}; see notebooks/technical_plan.ipynb")
    nb.metadata["techplan_declared_parameters"] = sorted(declared)
    return nb


def check_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """Only known names and plain scalars reach papermill, which checks neither (KERNELS.md)."""
    checked: dict[str, Any] = {}
    for name, value in parameters.items():
        if name not in PARAMETERS:
            raise UsageError(f"unknown notebook parameter {name!r}")
        if name == "seed":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**32:
                raise UsageError(f"seed must be a whole number, got {value!r}")
        elif name in ("force", "images"):
            if not isinstance(value, bool):
                raise UsageError(f"{name} must be True or False, got {value!r}")
        elif not isinstance(value, str) or "\x00" in value:
            raise UsageError(f"{name} must be text, got {value!r}")
        checked[name] = value
    return checked


def prepare(source: NotebookNode, parameters: dict[str, Any], *, input_path: str,
            output_path: str) -> NotebookNode:
    """The notebook papermill would run: parameters injected, papermill metadata in place."""
    declared = set(source.metadata.get("techplan_declared_parameters", PARAMETERS))
    passed = {k: v for k, v in check_parameters(parameters).items() if k in declared}
    if parameters.get("images") is False and "images" not in declared:
        # Left out, the plan would link its charts after all.
        raise UsageError(f"{input_path}: the notebook has no `images` parameter, so it cannot make a plan "
                         "without image links (--no-images); add `images = True` to its parameters cell "
                         "and pass it to tp.start(...)")
    nb = copy.deepcopy(source)
    nb.metadata.pop("techplan_declared_parameters", None)
    nb.metadata.pop(audit.METADATA_KEY, None)
    nb = parameterize_notebook(nb, passed, kernel_name=KERNEL_NAME, language="python")
    nb = prepare_notebook_metadata(nb, input_path, output_path)
    return remove_error_markers(nb)


# --- one plan ------------------------------------------------------------------------------------


@dataclass
class PlanJob:
    """Everything needed to run one plan; built from validated values only."""

    inputs_path: Path
    out_dir: Path
    as_of: dt.date | None  # None: the notebook dates the plan by its inputs' last_updated, else today
    seed: int
    template: Path | None
    force: bool
    folder_name: str | None  # None when the inputs are invalid (their notebook still runs)
    failed_name: str | None = None  # where an invalid input's failed notebook goes (batch)
    # Where the caller installs the plan folder's files when out_dir is only a staging folder
    # (`techplan update` runs there so that hand edits are never touched by the kernel).
    installed_in: Path | None = None
    # False for the staging folder of a run's own install (an implementation detail, not recorded).
    record_staging: bool = True
    # When a cluster worker runs a copy of the inputs (and template) in a private folder: the
    # parameters as the caller knows them ("inputs_path", "template"), which the record states, and
    # the worker that ran it (its address, name, host and private folder), recorded as "worker".
    recorded_as: dict[str, str] | None = None
    worker: dict[str, Any] | None = None
    images: bool = True  # False: a plan for pasting, linking no image (passed and recorded only then)

    def parameters(self) -> dict[str, Any]:
        # An inputs path that is a link loop cannot be resolved; the kernel then reports it as
        # unreadable, like any other input error, in the failed notebook.
        try:
            inputs_path = self.inputs_path.resolve()
        except (RuntimeError, OSError):
            inputs_path = self.inputs_path.absolute()
        return {"inputs_path": str(inputs_path), "as_of": self.as_of.isoformat() if self.as_of else "",
                "seed": self.seed, "output_dir": str(self.out_dir.resolve()),
                "template": str(self.template.resolve()) if self.template else "", "force": self.force,
                **({} if self.images else {"images": False})}

    def recorded_parameters(self) -> dict[str, Any]:
        """The parameters as the audit record states them: the plan's real home, not a staging folder."""
        parameters = self.parameters()
        if self.installed_in is not None:
            parameters["output_dir"] = str(self.installed_in.resolve())
        # Inputs a writer staged in the plan folder (the form's, a review's) are the folder's own file.
        parameters["inputs_path"] = installed_path(parameters["inputs_path"])
        parameters.update(self.recorded_as or {})
        return parameters

    @property
    def folder(self) -> Path | None:
        return child_path(self.out_dir, self.folder_name) if self.folder_name else None


def job_for(inputs_path: Path, out_dir: Path, *, as_of: dt.date | None, seed: int, template: Path | None,
            force: bool) -> PlanJob:
    """Validate the inputs and choose the output folder before any kernel starts (raises InputError)."""
    from .inputs import load_bytes, read_inputs
    from .safe_files import shown_name, utf8_name_problem

    problem = utf8_name_problem(inputs_path)
    if problem:
        # The path travels into the notebook's parameters, the audit record and the summary, all
        # UTF-8: refused here, before any kernel starts (it used to fail half-way, exit 3).
        raise InputError.single(shown_name(inputs_path), problem)
    raw = read_inputs(inputs_path)  # read once: the copy checked below is the file validated here
    plan = load_bytes(raw, shown_name(inputs_path))
    _check_out_dir(Path(out_dir))
    folder_name = find_plan_dir(Path(out_dir), plan.issue.number, plan.issue.title)  # an existing one first
    job = PlanJob(inputs_path=inputs_path, out_dir=out_dir, as_of=as_of, seed=seed, template=template,
                  force=force, folder_name=folder_name)
    # Checked again under the folder's lock before the files are installed; here a refusal comes
    # before any kernel starts, with nothing written.
    assert job.folder is not None
    folder = PlanFolder(job.folder)
    folder.check_plan_replaceable(force=force)
    folder.check_inputs_replaceable(inputs_copy_name(str(inputs_path)), raw, source=str(inputs_path), force=force)
    return job


def _check_out_dir(out_dir: Path) -> None:
    """--out, or the nearest part of it that exists, must be a folder: found before a kernel runs."""
    for existing in (out_dir, *out_dir.parents):
        if existing.exists():
            if not existing.is_dir():
                where = "is a file" if existing == out_dir else f"is inside {existing}, a file"
                raise OutputError(f"{out_dir}: {where}; --out needs a folder to write the plan folder into")
            return




def check_template(template: Path | None) -> None:
    if template is None:
        return
    if template.is_dir():
        raise RenderError(f"{template}: is a folder; give a Jinja2 template file (it may extend "
                          "'technical-plan.md.j2')")
    if not template.exists():
        raise RenderError(f"{template}: no such template file; give a Jinja2 template (it may extend "
                          "'technical-plan.md.j2')")
    from .safe_files import MAX_TEMPLATE_BYTES, read_capped

    try:  # before a kernel starts: an unreadable template would only fail inside the notebook
        read_capped(template, MAX_TEMPLATE_BYTES, what="Jinja2 template file")
    except InputError as exc:
        raise RenderError(str(exc.issues[0]).replace(": (file): ", ": ", 1)) from None


def execute_job(job: PlanJob, source: NotebookNode, source_path: Path, kernel: Kernel, *,
                timeout: float | None) -> tuple[PlanResult, Execution]:
    """Run one plan's notebook in `kernel`; install the plan folder's files together.

    The folder's lock is held from the checks to the install. The kernel writes into a staging
    folder inside the plan folder; the plan, inputs copy, charts, executed notebook and records
    are then installed in one transaction (plan_folder.Transaction), so a failure or a kill at any
    point leaves the folder's previous files, all of them. A caller that installs the files
    itself (`installed_in`, as regeneration does) gets them in job.out_dir as before.
    """
    if job.folder is None or job.installed_in is not None:
        return _execute_in_place(job, source, source_path, kernel, timeout=timeout)
    folder = PlanFolder(job.folder)
    with folder.locked("run"):
        inputs_name = _check_replaceable(folder, job)
        with folder.staging_area() as stage:
            staged = dataclasses.replace(job, out_dir=stage, installed_in=job.out_dir, record_staging=False)
            result, execution = _execute_in_place(staged, source, source_path, kernel, timeout=timeout)
            assert staged.folder is not None
            result = _install(folder, job, result, staged.folder, inputs_name)
    return result, execution


def _check_replaceable(folder: PlanFolder, job: PlanJob) -> str:
    """Under the folder's lock: may this run replace the folder's plan and inputs copy? Its name."""
    from .inputs import read_inputs

    folder.check_plan_replaceable(force=job.force)
    inputs_name = inputs_copy_name(str(job.inputs_path))
    folder.check_inputs_replaceable(inputs_name, read_inputs(job.inputs_path), source=str(job.inputs_path),
                                    force=job.force)
    return inputs_name


def _install(folder: PlanFolder, job: PlanJob, result: PlanResult, made: Path, inputs_name: str) -> PlanResult:
    """Install what a run wrote into `made` (a staging copy of the folder) in one transaction; the
    result, naming the installed files."""
    txn = folder.transaction("run")
    if result.status == "succeeded":
        settings = {"seed": job.seed, "template": str(job.template) if job.template else "",
                    **({} if job.images else {"images": False})}
        folder.stage_run_outputs(txn, made, inputs_name=inputs_name, force=job.force, settings=settings)
    elif (made / FAILED_NOTEBOOK_FILE).is_file():
        txn.write(FAILED_NOTEBOOK_FILE, (made / FAILED_NOTEBOOK_FILE).read_bytes())
    txn.commit()
    return result.but(notebook=str(folder.path / Path(result.notebook).name) if result.notebook else None,
                      plan=str(folder.plan_path) if result.plan else None)


def execute_detached(job: PlanJob, source: NotebookNode, source_path: Path, kernel: Kernel, *,
                     timeout: float | None) -> tuple[PlanResult, Execution, dict[str, bytes]]:
    """Run one plan where its folder cannot be written (a cluster worker): job.out_dir is a private
    staging folder, job.installed_in the caller's --out. Returns the files made, by name (the plan
    folder's files, or the failed notebook of invalid inputs), for install_detached to install."""
    result, execution = _execute_in_place(job, source, source_path, kernel, timeout=timeout)
    made = job.folder if job.folder is not None else job.out_dir
    files = {path.name: path.read_bytes() for path in (sorted(made.iterdir()) if made.is_dir() else [])
             if path.is_file() and not path.is_symlink() and not path.name.startswith(".")}
    return result, execution, files


def install_detached(job: PlanJob, result: PlanResult, files: dict[str, bytes]) -> PlanResult:
    """Install what execute_detached made elsewhere for `job` exactly as execute_job installs its own
    run: the same checks under the folder's lock, the same transaction."""
    for name in files:
        if not name or name != Path(name).name or name in (".", "..") or name.startswith("."):
            raise OutputError(f"a worker sent a file named {name!r}; only plain file names are installed")
    if job.folder is None:
        target = child_path(job.out_dir, job.failed_name or "invalid.failed.ipynb")
        data = files.get(target.name)
        if data is not None:
            atomic_write(target, data)
        return result.but(notebook=str(target) if data is not None else None, plan=None)
    folder = PlanFolder(job.folder)
    with folder.locked("run"):
        inputs_name = _check_replaceable(folder, job)
        with folder.staging_area() as stage:
            assert job.folder_name is not None
            made = child_path(stage, job.folder_name)
            made.mkdir()
            for name, data in files.items():
                (made / name).write_bytes(data)
            result = _install(folder, job, result, made, inputs_name)
    return result


def _execute_in_place(job: PlanJob, source: NotebookNode, source_path: Path, kernel: Kernel, *,
                      timeout: float | None) -> tuple[PlanResult, Execution]:
    """Run one plan's notebook in `kernel` and write the executed notebook with its audit record."""
    if job.folder is not None:
        target = job.folder / NOTEBOOK_FILE
    else:
        target = child_path(job.out_dir, job.failed_name or "invalid.failed.ipynb")
    recorded_path = target
    if job.installed_in is not None and job.folder_name is not None:
        recorded_path = child_path(job.installed_in, job.folder_name) / target.name
    nb = prepare(source, job.parameters(), input_path=str(source_path), output_path=str(recorded_path))
    if job.folder is not None:
        # Made before the kernel runs, so that the notebook, which looks for the issue's folder by
        # number (output.find_plan_dir), writes into the folder chosen here, whatever its slug.
        job.folder.mkdir(parents=True, exist_ok=True)
    execution = kernel.run(nb, timeout=timeout)
    plan_path = job.folder / PLAN_FILE if job.folder is not None else None
    if execution.status == "succeeded" and plan_path is not None:
        problem = _plan_problem(execution.nb, plan_path)
        if problem:
            execution.status = "failed"
            execution.error = RunError("no-plan", None, "NoPlanWritten", problem)
    if job.installed_in is not None:
        _state_installed_parameters(execution.nb, job.recorded_parameters())
    record = audit.stamp(execution.nb, status=execution.status, error=execution.error,
                         started=execution.started, ended=execution.ended, kernel=execution.kernel,
                         parameters=job.recorded_parameters(), notebook_path=str(source_path),
                         notebook_sha256=source.metadata.get("techplan_source_sha256", ""),
                         versions=dict(versions()),
                         staged_in=(str(job.out_dir.resolve()) if job.installed_in is not None
                                    and job.record_staging and not is_staging_path(job.out_dir) else None),
                         worker=job.worker)
    stamped = execution.nb.metadata[audit.METADATA_KEY]  # a copy of `record` (NotebookNode)
    if job.recorded_as:
        # Where the caller's files are, not the worker's private copies (cell outputs still show those).
        for key, part in (("inputs_path", "inputs"), ("template", "template")):
            if part == "inputs" and job.folder_name is not None:
                continue  # the record names the plan folder's inputs.yaml, wherever the run was
            if key in job.recorded_as and isinstance(stamped.get(part), dict):
                stamped[part]["path"] = job.recorded_as[key]
    if execution.status == "failed" and job.folder is not None:
        target = job.folder / FAILED_NOTEBOOK_FILE
        execution.nb.metadata.papermill["output_path"] = str(recorded_path.with_name(FAILED_NOTEBOOK_FILE))
    text = nbformat.writes(execution.nb, version=4).encode("utf-8")
    if is_staging_path(target):
        # A staging copy: the install writes it into the plan folder in its own transaction, fsynced
        # there; an fsync here too cost a plan a few milliseconds of waiting for nothing.
        target.write_bytes(text)
    else:
        atomic_write(target, text)
    if execution.status == "succeeded" and job.folder is not None:
        stale = job.folder / FAILED_NOTEBOOK_FILE
        if stale.exists():
            stale.unlink()
    summary = record.get("summary", {})
    result = PlanResult(
        inputs_path=str(job.inputs_path), status=execution.status, notebook=str(target),
        plan=str(plan_path) if execution.status == "succeeded" and plan_path else None,
        error=execution.error, seconds=round(execution.seconds, 3),
        overall_risk=summary.get("risk", {}).get("overall"), p80=summary.get("schedule", {}).get("p80"),
        kernel=execution.kernel)
    return result, execution


def _state_installed_parameters(nb: NotebookNode, recorded: dict[str, Any]) -> None:
    """The injected-parameters cell and papermill's record state where the plan was installed.

    The kernel wrote into a staging folder that the install then emptied and removed; a notebook
    naming it would send a re-run (`papermill technical-plan.ipynb out.ipynb`) to a folder that is
    gone and outside the transaction. Only the values the run was given change, one for one."""
    from papermill.translators import translate_parameters

    given = dict(nb.metadata.get("papermill", {}).get("parameters", {}))
    stated = {name: recorded.get(name, value) for name, value in given.items()}
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = translate_parameters(KERNEL_NAME, "python", stated, "Parameters").rstrip("\n")
    nb.metadata.papermill["parameters"] = stated


def _plan_problem(nb: NotebookNode, plan_path: Path) -> str | None:
    record = audit.scraps(nb).get("record")
    if not plan_path.is_file():
        return f"the notebook finished without writing {plan_path.name}"
    if record is None:
        return "the notebook wrote no record (it must call techplan_nb.notebook.write_outputs)"
    expected = record[0].get("plan", {}).get("sha256")
    if expected != sha256_file(plan_path):
        return f"{plan_path.name} on disk is not the plan this run produced"
    return None


def read_source(path: Path | None) -> tuple[NotebookNode, Path]:
    source_path = Path(path) if path else default_notebook()
    source = load_notebook(source_path)
    source.metadata["techplan_source_sha256"] = sha256_file(source_path)
    # The committed notebook carries the outputs of its example run; papermill clears them cell by
    # cell, but copying them for every plan first is a large part of a warm plan's cost.
    for cell in source.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return source, source_path


def start_kernel(*, memory_limit: int | None = DEFAULT_MEMORY_LIMIT, attempts: int = START_ATTEMPTS) -> Kernel:
    """A started kernel, trying again when a start fails (NotebookRunError when none does)."""
    problems = []
    for _ in range(attempts):
        try:
            return Kernel(memory_limit=memory_limit).start()
        except KernelFailed as exc:
            problems.append(str(exc))
    raise NotebookRunError(f"{'; then '.join(problems)}; nothing was written")


def run_plan(inputs_path: Path, out_dir: Path, *, as_of: dt.date | None, seed: int = 0, template: Path | None = None,
             notebook: Path | None = None, force: bool = False, timeout: float | None = DEFAULT_TIMEOUT,
             memory_limit: int | None = DEFAULT_MEMORY_LIMIT, installed_in: Path | None = None,
             images: bool = True) -> PlanResult:
    """`techplan run`: validate first (nothing written on bad input), then one fresh kernel.

    `installed_in`: when out_dir is a staging folder whose plan folder the caller then copies into
    installed_in (as `techplan update` does), the audit record names installed_in as the output
    folder and keeps the staging folder as `staged_in`. `images=False`: the plan links no chart
    image (a plan for pasting into GitHub); the charts are still written beside it.
    """
    check_template(template)
    job = job_for(inputs_path, out_dir, as_of=as_of, seed=seed, template=template, force=force)
    job.installed_in = installed_in
    job.images = images
    source, source_path = read_source(notebook)
    kernel = start_kernel(memory_limit=memory_limit)
    try:
        result, _ = execute_job(job, source, source_path, kernel, timeout=timeout)
    finally:
        kernel.shutdown()
    return result


__all__ = ["Kernel", "KernelFailed", "KernelResetFailed", "start_kernel", "Execution", "PlanJob", "PlanResult",
           "run_plan", "execute_job", "execute_detached", "install_detached", "prepare", "read_source", "job_for",
           "default_notebook"]
