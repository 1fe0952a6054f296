"""`techplan batch --scheduler`: the batch's per-plan work on a Dask cluster.

The client (this process) validates inputs, sends each plan to the cluster as bytes (the inputs
file, and the template's folder of `.j2` files when there is one) with the names it knows them by,
and installs what comes back (the plan folder's files, as bytes with their names) into --out through
the same checks, lock and transaction as a local batch (runner.install_detached). Workers need no
shared file system, and the plans are the bytes `techplan run` and the local batch write.

Each Dask worker keeps warm kernels through a WorkerPlugin (KernelPlugin): a kernel is started on
first use, reset between plans, replaced and recycled exactly as in a local batch (batch.WarmKernel),
and shut down with the plugin (the worker closing, or the batch ending). Each kernel is owned by one
thread, as in a local worker process: jupyter_client's sockets belong to the event loop that made
them. A worker that dies mid-plan loses nothing: the scheduler runs the plan again elsewhere, up to
its `allowed-failures` (a plan that keeps killing workers then fails alone, reason `worker-died`).
Every audit notebook records the worker that ran it (`worker` in its record).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import signal
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
from distributed import Client, KilledWorker, LocalCluster, WorkerPlugin, as_completed, get_worker

from . import isolation
from .batch import (
    BatchOptions,
    Item,
    Outcome,
    WarmKernel,
    _check_summaries_writable,
    _failure,
    _plan_items,
    _progress,
    expand_inputs,
    finish,
)
from .errors import OutputError, TechPlanError, UsageError
from .records import PlanResult

LOCAL = "local"
# How often a plan may take a worker down with it before it fails alone (the scheduler's
# `allowed-failures`, for --scheduler local; a running scheduler keeps its own setting).
LOCAL_ALLOWED_FAILURES = 2
# A task that raised (not a plan that failed: those come back as results) runs once more.
TASK_RETRIES = 1
# A plan that was only queued on workers that died (never started there) is sent again this often.
MAX_RESENDS = 3
CONNECT_TIMEOUT = 30.0
MAX_TEMPLATE_FOLDER_BYTES = 16 * 2**20


# --- on the workers ------------------------------------------------------------------------------


class _Slot:
    """One warm kernel and the one thread that owns it."""

    def __init__(self, plugin: KernelPlugin) -> None:
        self.thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="techplan-kernel")
        self.warm = WarmKernel(memory_limit=plugin.memory_limit, recycle_after=plugin.recycle_after,
                               isolate=plugin.isolate)
        self.busy = False

    def close(self) -> None:
        if self.busy and self.warm.pid:
            # Stopping mid-plan (the batch was cancelled): the plan's kernel goes now, not after the plan.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.warm.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.thread.submit(self.warm.close).result(timeout=60)
        self.thread.shutdown(wait=False)


class KernelPlugin(WorkerPlugin):
    """The warm kernels of one batch on one worker: started on first use, shut down at teardown."""

    def __init__(self, name: str, source: Any, source_path: Path, *, memory_limit: int | None,
                 recycle_after: int, isolate: bool, timeout: float | None) -> None:
        self.name = name
        self.source = source
        self.source_path = source_path
        self.memory_limit = memory_limit
        self.recycle_after = recycle_after
        self.isolate = isolate
        self.timeout = timeout
        self._guard = threading.Lock()
        self._idle: list[_Slot] = []
        self._slots: list[_Slot] = []
        self._closed = False
        self.worker: dict[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for key in ("_guard", "_idle", "_slots"):
            state.pop(key)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._guard = threading.Lock()
        self._idle, self._slots = [], []

    def setup(self, worker: Any) -> None:
        self.worker = {"address": str(worker.address), "name": str(worker.name), "host": socket.gethostname(),
                       "pid": os.getpid()}

    async def teardown(self, worker: Any) -> None:
        with self._guard:
            self._closed = True
            slots, self._slots, self._idle = self._slots, [], []
        # Off the worker's event loop: a kernel's shutdown takes a fraction of a second, each.
        await asyncio.gather(*(asyncio.to_thread(slot.close) for slot in slots))

    @contextlib.contextmanager
    def slot(self) -> Iterator[_Slot]:
        with self._guard:
            if self._closed:
                raise RuntimeError("the techplan kernel plugin was removed from this worker")
            slot = self._idle.pop() if self._idle else None
            if slot is None:
                slot = _Slot(self)
                self._slots.append(slot)
            slot.busy = True
        try:
            yield slot
        finally:
            with self._guard:
                slot.busy = False
                if slot in self._slots:
                    self._idle.append(slot)

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        from . import runner

        job: runner.PlanJob = request["job"]
        with tempfile.TemporaryDirectory(prefix="techplan-remote-") as private:
            root = Path(private)
            inputs = root / "inputs" / request["inputs_name"]
            inputs.parent.mkdir()
            inputs.write_bytes(request["inputs"])
            template = None
            if request["template"] is not None:
                name, files = request["template"]
                (root / "template").mkdir()
                for file_name, data in files.items():
                    (root / "template" / file_name).write_bytes(data)
                template = root / "template" / name
            stage = root / "out"
            stage.mkdir()
            worker = dict(self.worker, private_folder=str(root))
            here = dataclasses.replace(job, inputs_path=inputs, template=template, out_dir=stage,
                                       installed_in=job.out_dir, record_staging=False, worker=worker,
                                       recorded_as=request["recorded_as"])
            made: dict[str, bytes] = {}

            def execute(kernel: runner.Kernel) -> tuple[runner.PlanResult, runner.Execution]:
                result, execution, files = runner.execute_detached(here, self.source, self.source_path, kernel,
                                                                   timeout=self.timeout)
                made.clear()
                made.update(files)
                return result, execution

            with self.slot() as slot:
                before = dict(slot.warm.counters)
                result = slot.thread.submit(slot.warm.run, job.inputs_path, execute).result()
                counters = {key: slot.warm.counters[key] - before.get(key, 0) for key in slot.warm.counters}
        result = result.but(inputs_path=str(job.inputs_path), worker=self.worker)
        return {"result": result.to_json(), "files": made, "counters": counters}


def run_on_worker(plugin_name: str, request: dict[str, Any]) -> dict[str, Any]:
    """The task: one plan, on whichever worker the scheduler chose, in that worker's warm kernel."""
    worker = get_worker()
    # Word that the plan started here: a worker's death then counts against the plans it was
    # running, not against those only queued on it (the scheduler counts both; see _run).
    worker.log_event(request["topic"], {"address": str(worker.address)})
    plugin = worker.plugins[plugin_name]
    assert isinstance(plugin, KernelPlugin)
    return plugin.run(request)


# --- on the client -------------------------------------------------------------------------------


def _template_bundle(template: Path | None) -> tuple[str, dict[str, bytes]] | None:
    """The template and the other `.j2` files of its folder (what it may extend or include)."""
    if template is None:
        return None
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted({template.resolve(), *template.resolve().parent.glob("*.j2")}):
        if path.is_file():
            data = path.read_bytes()
            total += len(data)
            if total > MAX_TEMPLATE_FOLDER_BYTES:
                raise UsageError(f"{template.parent}: its .j2 files hold more than "
                                 f"{MAX_TEMPLATE_FOLDER_BYTES // 2**20} MiB; give the template a folder of its own")
            files[path.name] = data
    return template.resolve().name, files


@contextlib.contextmanager
def _client(options: BatchOptions) -> Iterator[Client]:
    address = options.scheduler or LOCAL
    if address == LOCAL:
        # Workers are processes started here: their Python, like a local batch's workers, never
        # imports from the user's folders (isolation.py); a plan that kills workers fails sooner.
        with isolation.safe_spawn_environment(), \
                dask.config.set({"distributed.scheduler.allowed-failures": LOCAL_ALLOWED_FAILURES}):
            # The scheduler serves HTTP (health, metrics) even without a dashboard, on 8787 unless
            # told otherwise: a free port, so a second batch or a running cluster prints no warning.
            cluster = LocalCluster(n_workers=options.jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=None, silence_logs=logging.ERROR,
                                   scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close(timeout=60)
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"--scheduler {address}: cannot reach a Dask scheduler there ({exc}); give the "
                         "address `dask scheduler` prints (tcp://HOST:PORT), or --scheduler local") from None
    with client:
        yield client


def run_cluster_batch(specs: list[str], options: BatchOptions) -> Outcome:
    from . import runner

    paths = expand_inputs(specs)
    runner.check_template(options.template)
    source, source_path = runner.read_source(options.notebook)  # a bad --notebook is a usage error
    template = _template_bundle(options.template)
    started_at = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    _check_summaries_writable(options)
    out_dir = options.out_dir
    with _client(options) as client:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{out_dir}: cannot make the output folder here ({exc.strerror}); give --out "
                              "a folder, or a path where one can be made") from None
        items = _plan_items(paths, options)
        results, kernels, interrupted = _run(client, items, options, source, source_path, template)
    return finish(results, options, started_at, time.perf_counter() - clock, kernels, interrupted=interrupted)


def _request(item: Item, template: tuple[str, dict[str, bytes]] | None, topic: str) -> dict[str, Any]:
    job = item.job
    recorded = job.recorded_parameters()  # the client's paths, as a local batch records them
    recorded_as = {"inputs_path": recorded["inputs_path"]}
    if template is not None:
        recorded_as["template"] = recorded["template"]
    job = dataclasses.replace(job, out_dir=Path(recorded["output_dir"]))
    return {"job": job, "inputs_name": item.path.name or "inputs.yaml", "inputs": _read(item.path),
            "template": template, "recorded_as": recorded_as, "topic": topic}


def _read(path: Path) -> bytes:
    from .inputs import read_inputs

    return read_inputs(path)


def _run(client: Client, items: list[Item], options: BatchOptions, source: Any, source_path: Path,
         template: tuple[str, dict[str, bytes]] | None) -> tuple[list[PlanResult], dict[str, int], bool]:
    name = f"techplan-kernel-{uuid.uuid4().hex[:12]}"
    plugin = KernelPlugin(name, source, source_path, memory_limit=options.memory_limit,
                          recycle_after=options.recycle_after, isolate=options.isolate, timeout=options.timeout)
    client.register_plugin(plugin, name=name)
    pending = [item for item in items if item.result is None]
    bar = _progress(len(items), options.progress)
    bar.update(len(items) - len(pending))
    failures = len(items) - len(pending)
    kernels: dict[str, int] = {"worker_deaths": 0}
    futures: dict[Any, Item] = {}
    requests: dict[int, dict[str, Any]] = {}
    resends: dict[int, int] = {}
    interrupted = False

    def submit(item: Item) -> Any:
        attempt = resends.get(item.index, 0)
        return client.submit(run_on_worker, name, requests[item.index], pure=False, retries=TASK_RETRIES,
                             key=f"techplan-plan-{name[-12:]}-{item.index}-{attempt}")
    try:
        for item in pending:
            try:
                request = _request(item, template, f"{name}-{item.index}")
            except TechPlanError as exc:  # the file changed or went since it was validated
                item.result = _failure(item.path, "refused", str(exc))
                failures += 1
                bar.update(1)
                continue
            requests[item.index] = request
            futures[submit(item)] = item
        completed = as_completed(list(futures))
        for future in completed:
            item = futures.pop(future)
            try:
                reply = future.result()
            except KilledWorker as exc:
                # The scheduler counts a death against every plan the worker held, queued or running:
                # a plan that never started on the worker that died last is sent again (bounded).
                started = {event.get("address") for _, event in client.get_events(requests[item.index]["topic"])
                           if isinstance(event, dict)}
                resends[item.index] = resends.get(item.index, 0) + 1
                if exc.last_worker.address not in started and resends[item.index] <= MAX_RESENDS:
                    again = submit(item)
                    futures[again] = item
                    completed.add(again)
                    continue
                kernels["worker_deaths"] += exc.allowed_failures + 1  # while running plans that failed so
                item.result = _failure(item.path, "worker-died",
                                       f"the workers running this plan died, {exc.allowed_failures + 1} times; it "
                                       "was not tried again (see the scheduler's allowed-failures)")
            except Exception as exc:  # noqa: BLE001 - one plan's surprise must not end the batch
                item.result = _failure(item.path, "internal", f"{type(exc).__name__}: {exc}")
            else:
                for key, value in reply["counters"].items():
                    kernels[f"kernels_{key}"] = kernels.get(f"kernels_{key}", 0) + value
                item.result = _install(item, reply)
            failures += not item.result.succeeded
            bar.update(1)
            bar.set_postfix_str(f"failed={failures} now={item.path.name}")
    except KeyboardInterrupt:
        interrupted = True  # cancel what has not run, stop the kernels below, keep the summary
        with contextlib.suppress(Exception):
            client.cancel(list(futures), force=True)
            futures.clear()
    finally:
        bar.close()
        # Tear the plugin down on every worker: its kernels stop (a plan still running is cut short).
        with contextlib.suppress(Exception):
            client.sync(client._unregister_worker_plugin, name=name, nanny=None, callback_timeout=120)
    return [item.result or _failure(item.path, "interrupted", "not run") for item in items], kernels, interrupted


def _install(item: Item, reply: dict[str, Any]) -> PlanResult:
    from . import runner

    plan = PlanResult.from_json(reply["result"])
    if plan.succeeded or reply["files"]:
        try:
            plan = runner.install_detached(item.job, plan, reply["files"])
        except TechPlanError as exc:
            return _failure(item.path, "refused", str(exc)).but(worker=plan.worker)
    return plan
