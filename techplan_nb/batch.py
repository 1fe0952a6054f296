"""`techplan batch`: many plans, each with its audit notebook, on a pool of warm kernels.

The main process validates inputs, hands one plan at a time to N worker processes, shows progress
and writes the summary. Each worker owns one kernel and reuses it (namespace reset between plans;
replaced after a timeout or a death, recycled after a bounded number of plans because a reused
kernel's memory grows), or starts a fresh one per plan with --isolate. Workers talk to the main
process over their own pipes, so a worker that must be killed (a stall no timeout caught) takes
nothing else down with it: its plan fails, a new worker takes its place, the rest finish.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import glob
import json
import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from . import isolation
from .errors import InputError, OutputError, UsageError, printable
from .output import check_writable, child_path, edited_by_hand, slug, write_generated
from .plan_folder import INPUTS_FILE, INPUTS_JSON_FILE
from .records import PlanResult
from .safe_files import shown_name, utf8_name_problem

INPUT_SUFFIXES = (".yaml", ".yml", ".json")
DEFAULT_RECYCLE_AFTER = 500
SUMMARY_JSON = "summary.json"
SUMMARY_MD = "summary.md"
KERNEL_START_ATTEMPTS = 3
AS_OF_LEFT_OUT = "each plan's inputs' last_updated, else the day it ran"  # no --as-of (model.dated)
SHOWN_PROBLEMS = 20  # an invalid input's problems listed in summary.md and on the terminal; summary.json has all


@dataclass(frozen=True)
class BatchOptions:
    out_dir: Path
    as_of: dt.date | None  # None: each plan's inputs' last_updated, else today (model.dated)
    seed: int = 0
    template: Path | None = None
    notebook: Path | None = None
    force: bool = False
    jobs: int = 2
    isolate: bool = False
    timeout: float | None = 600.0
    recycle_after: int = DEFAULT_RECYCLE_AFTER
    progress: bool = True
    memory_limit: int | None = 4 * 2**30  # runner.DEFAULT_MEMORY_LIMIT (runner is imported lazily)
    scheduler: str | None = None  # a Dask scheduler's address, or "local": cluster.py runs the batch


@dataclass
class Item:
    index: int
    path: Path
    job: Any = None  # runner.PlanJob
    result: PlanResult | None = None


@dataclass
class Outcome:
    items: list[dict[str, Any]]
    succeeded: int
    failed: int
    seconds: float
    summary_json: Path
    summary_md: Path
    kernels: dict[str, int] = field(default_factory=dict)


# --- inputs --------------------------------------------------------------------------------------


def expand_inputs(specs: list[str]) -> list[Path]:
    """Files, folders (their .yaml/.yml/.json files) and glob patterns, in order, without repeats."""
    found: list[Path] = []
    problems: list[str] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            matches = _folder_inputs(spec, path)
            if not matches:
                problems.append(f"{spec}: the folder holds no .yaml, .yml or .json files, nor plan folders "
                                f"holding {INPUTS_FILE} (as `techplan import github -o {spec}` writes them)")
        elif path.is_file():
            matches = [path]
        elif glob.has_magic(spec):
            matches = sorted(Path(p) for p in glob.glob(spec, recursive=True)
                             if Path(p).is_file() and Path(p).suffix.lower() in INPUT_SUFFIXES)
            if not matches:
                problems.append(f"{spec}: the pattern matches no .yaml, .yml or .json files")
        elif os.path.lexists(spec):
            # There but unreadable as a file (a broken or looping link, a socket): it fails as
            # its own item, with the reason the loader gives, and the others still run.
            matches = [path]
        else:
            matches = []
            problems.append(f"{spec}: no such file or folder")
        found.extend(matches)
    if problems:
        raise UsageError("; ".join(problems))
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(os.path.realpath(path), path)  # Path.resolve raises on a link loop
    return list(unique.values())


def _folder_inputs(spec: str, path: Path) -> list[Path]:
    """A folder's inputs files; when it has none, its plan folders' inputs, one level down (the
    folder `techplan import github -o DIR` or a batch wrote: DIR/issue-N-slug/inputs.yaml)."""
    # A batch's own summary and records (.techplan-state.json) are no inputs files.
    found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES
                   and p.name != SUMMARY_JSON and not p.name.startswith("."))
    if found:
        return found
    for child in sorted(path.iterdir()):
        if child.is_dir() and not child.name.startswith("."):
            found.extend([child / name for name in (INPUTS_FILE, INPUTS_JSON_FILE) if (child / name).is_file()][:1])
    if found:
        names = ", ".join(p.parent.name for p in found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
        print(printable(f"techplan: {spec}: no inputs files in the folder itself; using the inputs of its "
                        f"{len(found)} plan folder{'s' if len(found) != 1 else ''} ({names})"), file=sys.stderr)
    return found


def _plan_items(paths: list[Path], options: BatchOptions) -> list[Item]:
    from . import runner

    items: list[Item] = []
    folders: dict[str, Path] = {}
    failed_names: set[str] = set()
    for index, path in enumerate(paths):
        item = Item(index, path)
        items.append(item)
        problem = utf8_name_problem(path) or _link_out_problem(path)
        if problem:  # its failed notebook could not name it either: it fails here, alone
            item.result = _failure(path, "refused", f"{shown_name(path)}: {problem}")
            continue
        try:
            job = runner.job_for(path, options.out_dir, as_of=options.as_of, seed=options.seed,
                                 template=options.template, force=options.force)
        except InputError as exc:
            # The notebook still runs, so the failed notebook records every problem in a table.
            name = f"invalid-{slug(path.stem, 40)}.failed.ipynb"
            if name in failed_names:
                name = f"invalid-{slug(path.stem, 40)}-{index + 1}.failed.ipynb"
            failed_names.add(name)
            item.job = runner.PlanJob(inputs_path=path, out_dir=options.out_dir, as_of=options.as_of,
                                      seed=options.seed, template=options.template, force=options.force,
                                      folder_name=None, failed_name=name)
            del exc
            continue
        except OutputError as exc:
            item.result = _failure(path, "refused", str(exc))
            continue
        assert job.folder_name is not None
        if job.folder_name in folders:
            item.result = _failure(path, "duplicate", f"makes the same plan folder {job.folder_name} as "
                                                      f"{folders[job.folder_name]}; give each issue one inputs file")
            continue
        folders[job.folder_name] = path
        item.job = job
    return items


def _link_out_problem(path: Path) -> str | None:
    """An inputs file that links out of its folder: an inputs folder from a pull request could hold
    one pointing at a private file, whose text the plan, its copy of the inputs and the summaries
    would then publish."""
    if not path.is_symlink() or not path.exists():
        return None  # a broken link or loop fails in the loader, with its own reason
    folder = Path(os.path.realpath(path.parent))
    if Path(os.path.realpath(path)).is_relative_to(folder):
        return None
    return ("is a symbolic link to a file outside its folder; a batch reads only the files in the folders it is "
            "given: name the file the link points to, or put a copy of it in the folder")


def _failure(path: Path, reason: str, message: str) -> PlanResult:
    return PlanResult.failure(str(path), reason, message)


# --- workers -------------------------------------------------------------------------------------


class WarmKernel:
    """One worker's kernel, whatever runs the worker (a local worker process here, a Dask worker in
    cluster.py): started on first use, reset between plans (Kernel.run), replaced after a timeout or
    a death, recycled after `recycle_after` plans; a fresh one per plan with `isolate`."""

    def __init__(self, *, memory_limit: int | None, recycle_after: int, isolate: bool,
                 on_start: Callable[[int | None], None] | None = None) -> None:
        self.memory_limit = memory_limit
        self.recycle_after = recycle_after
        self.isolate = isolate
        self.on_start = on_start
        self.kernel: Any = None  # runner.Kernel
        self.counters = {"started": 0, "replaced": 0, "recycled": 0}

    @property
    def pid(self) -> int | None:
        info = self.kernel.info if self.kernel is not None else None
        return info.pid if info is not None else None

    def _fresh(self) -> Any:
        from . import runner

        last: Exception | None = None
        for _ in range(KERNEL_START_ATTEMPTS):
            try:
                started = runner.Kernel(memory_limit=self.memory_limit).start()
            except runner.KernelFailed as exc:
                last = exc
                continue
            self.counters["started"] += 1
            if self.on_start is not None:
                self.on_start(started.info.pid if started.info else None)
            return started
        raise runner.KernelFailed(f"{last} (after {KERNEL_START_ATTEMPTS} attempts)")

    def warm_up(self) -> None:
        from . import runner

        if not self.isolate and self.kernel is None:
            with contextlib.suppress(runner.KernelFailed):
                self.kernel = self._fresh()

    def run(self, inputs_path: Path, execute: Callable[[Any], tuple[Any, Any]]) -> PlanResult:
        """`execute(kernel)` -> (PlanResult, Execution) for one plan; its PlanResult, never raising."""
        from . import runner

        kernel = self.kernel
        try:
            if kernel is not None and not self.isolate:
                if kernel.info is not None and kernel.info.plans >= self.recycle_after:
                    kernel.shutdown()
                    kernel = self.kernel = None
                    self.counters["recycled"] += 1
                elif not kernel.alive():
                    kernel.shutdown()
                    kernel = self.kernel = None
                    self.counters["replaced"] += 1
            if kernel is None:
                kernel = self.kernel = self._fresh()
            try:
                result, execution = execute(kernel)
            except runner.KernelResetFailed:
                # The plan never started: it gets a fresh kernel rather than a failure.
                kernel.shutdown()
                kernel = self.kernel = self._fresh()
                self.counters["replaced"] += 1
                result, execution = execute(kernel)
            if self.isolate or not execution.kernel_usable:
                kernel.shutdown()
                self.kernel = None
                if not self.isolate:
                    self.counters["replaced"] += 1
            assert isinstance(result, PlanResult)
            return result
        except runner.KernelFailed as exc:
            if self.kernel is not None:
                self.kernel.shutdown()
                self.kernel = None
            return _failure(inputs_path, "kernel", str(exc))
        except Exception as exc:  # noqa: BLE001 - one plan's surprise must not end the batch
            failed = _failure(inputs_path, "internal", f"{type(exc).__name__}: {exc}")
            assert failed.error is not None
            return failed.but(error=dataclasses.replace(failed.error, traceback=traceback.format_exc()))

    def close(self) -> None:
        if self.kernel is not None:
            self.kernel.shutdown()
            self.kernel = None


def _worker_main(conn: Connection, options: BatchOptions, worker_id: int) -> None:
    """One worker process: owns one kernel at a time, runs the plans it is sent, reports back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides when to stop
    from . import runner

    source, source_path = runner.read_source(options.notebook)
    warm = WarmKernel(memory_limit=options.memory_limit, recycle_after=options.recycle_after,
                      isolate=options.isolate, on_start=lambda pid: conn.send(("kernel", worker_id, pid)))
    try:
        warm.warm_up()
        while True:
            message = conn.recv()
            if message is None:
                break
            index, job = message
            payload = warm.run(job.inputs_path, lambda kernel: runner.execute_job(
                job, source, source_path, kernel, timeout=options.timeout))  # noqa: B023 - called at once
            conn.send(("done", index, payload))
    except (EOFError, KeyboardInterrupt, BrokenPipeError):
        pass
    finally:
        warm.close()
        with contextlib.suppress(Exception):
            conn.send(("counters", worker_id, warm.counters))
        with contextlib.suppress(Exception):
            conn.close()


class _Worker:
    def __init__(self, ctx: Any, options: BatchOptions, worker_id: int) -> None:
        self.id = worker_id
        parent, child = ctx.Pipe()
        self.conn: Connection = parent
        self.process = ctx.Process(target=_worker_main, args=(child, options, worker_id), daemon=True,
                                   name=f"techplan-worker-{worker_id}")
        with isolation.safe_spawn_environment():
            self.process.start()
        child.close()
        self.kernel_pid: int | None = None
        self.current: int | None = None
        self.since = 0.0
        self.counters: dict[str, int] = {}

    def send(self, index: int, job: Any) -> None:
        self.current = index
        self.since = time.monotonic()
        self.conn.send((index, job))

    def kill(self) -> None:
        for pid in (self.kernel_pid, self.process.pid):
            if pid:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        self.process.join(timeout=5)
        with contextlib.suppress(Exception):
            self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.process.is_alive():
            if self.conn.poll(0.1):
                with contextlib.suppress(EOFError, OSError):
                    message = self.conn.recv()
                    if message[0] == "counters":
                        self.counters = message[2]
        if self.process.is_alive():
            self.kill()


# --- the batch -----------------------------------------------------------------------------------


def run_batch(specs: list[str], options: BatchOptions) -> Outcome:
    from . import runner

    paths = expand_inputs(specs)
    runner.check_template(options.template)
    source, _ = runner.read_source(options.notebook)  # a bad --notebook is a usage error, before any work
    code_cells = sum(1 for cell in source.cells if cell.get("cell_type") == "code") + 1
    # A backstop for stalls no cell timeout catches (the kernel client itself hanging).
    hard_limit = ((options.timeout or runner.DEFAULT_TIMEOUT) + runner.IOPUB_TIMEOUT) * code_cells \
        + runner.STARTUP_TIMEOUT * (KERNEL_START_ATTEMPTS + 1) + 90
    started_at = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    _check_summaries_writable(options)
    try:
        options.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{options.out_dir}: cannot make the output folder here ({exc.strerror}); "
                          "give --out a folder, or a path where one can be made") from None

    ctx = multiprocessing.get_context("spawn")
    jobs = max(1, min(options.jobs, len(paths)))
    workers = [_Worker(ctx, options, n) for n in range(jobs)]
    retired: list[_Worker] = []
    items = _plan_items(paths, options)
    queue = deque(item for item in items if item.result is None)
    failures = sum(1 for item in items if item.result is not None)
    bar = _progress(len(items), options.progress)
    bar.update(len(items) - len(queue))
    crashed = 0
    interrupted = False
    try:
        while queue or any(w.current is not None for w in workers):
            for worker in workers:
                if worker.current is None and queue and worker.process.is_alive():
                    item = queue.popleft()
                    try:
                        worker.send(item.index, item.job)
                    except OSError:  # it died just now: the plan goes back, the worker is replaced below
                        queue.appendleft(item)
                        worker.current = None
                        continue
                    bar.set_postfix_str(f"failed={failures} now={item.path.name}", refresh=False)
            ready = wait([w.conn for w in workers] + [w.process.sentinel for w in workers], timeout=0.5)
            for n, worker in enumerate(list(workers)):
                lost = False
                if worker.conn in ready:
                    try:
                        while worker.conn.poll():
                            kind, key, payload = worker.conn.recv()
                            if kind == "kernel":
                                worker.kernel_pid = payload
                            elif kind == "counters":
                                worker.counters = payload
                            elif kind == "done":
                                items[key].result = payload
                                worker.current = None
                                failures += not payload.succeeded
                                bar.update(1)
                                bar.set_postfix_str(f"failed={failures} now={items[key].path.name}")
                    except (EOFError, OSError):
                        lost = True
                overdue = worker.current is not None and time.monotonic() - worker.since > hard_limit
                dead = not worker.process.is_alive() and (worker.current is not None or bool(queue))
                if lost or overdue or dead:
                    reason = "stalled" if overdue else "worker-died"
                    message = (f"no result after {hard_limit:g} s; the worker and its kernel were killed"
                               if overdue else "the worker process died while running this plan")
                    worker.kill()
                    if worker.current is not None:
                        items[worker.current].result = _failure(items[worker.current].path, reason, message)
                        failures += 1
                        bar.update(1)
                    crashed += 1
                    retired.append(worker)
                    workers[n] = _Worker(ctx, options, len(workers) + len(retired))
    except KeyboardInterrupt:
        interrupted = True  # stop every worker and kernel below, keep the summary of what was done
    finally:
        for worker in workers:
            if worker.current is None:
                worker.stop()
            else:
                worker.kill()
        bar.close()
    results = [item.result or _failure(item.path, "interrupted", "not run") for item in items]
    kernels: dict[str, int] = {"workers_replaced": crashed}
    for worker in workers + retired:
        for key, value in worker.counters.items():
            kernels[f"kernels_{key}"] = kernels.get(f"kernels_{key}", 0) + value
    return finish(results, options, started_at, time.perf_counter() - clock, kernels, interrupted=interrupted)


def finish(results: list[PlanResult], options: BatchOptions, started_at: dt.datetime, seconds: float,
           kernels: dict[str, int], *, interrupted: bool) -> Outcome:
    """The summary files of a batch, local or on a cluster; after Ctrl-C, written first, then reported."""
    outcome = _write_summary(results, options, started_at, seconds, kernels)
    if interrupted:
        print(f"techplan: interrupted; the summary of the plans made so far is in {outcome.summary_md}",
              file=sys.stderr)
        raise KeyboardInterrupt
    return outcome


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    class _Bar(tqdm):
        def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
            # It shows the input's file name, which anyone may have chosen: no escape sequence (or
            # line break faking a line of output) reaches the terminal raw (issue 14, round 3).
            super().set_postfix_str(printable(s).replace("\n", "\\n"), refresh=refresh)

    return _Bar(total=total, unit="plan", desc="techplan batch", file=sys.stderr, dynamic_ncols=True,
                mininterval=0.2, smoothing=0.1)


# --- summary -------------------------------------------------------------------------------------


def input_problems(path: str | Path) -> list[str]:
    """Every problem of an invalid inputs file, as `FILE:LINE: field: message` (the failed notebook's
    error names only the first, and a table the summary does not have)."""
    from .errors import TechPlanError
    from .inputs import load_path

    try:
        load_path(Path(path))
    except InputError as exc:
        return [str(issue) for issue in exc.issues]
    except TechPlanError as exc:
        return [printable(str(exc))]
    return []


def shown_problems(problems: list[str], limit: int = SHOWN_PROBLEMS) -> list[str]:
    """The first `limit` problems, and "and N more" for the rest."""
    more = len(problems) - limit
    return problems[:limit] + ([f"and {more} more"] if more > 0 else [])


def _message(result: PlanResult, problems: list[str] | None = None) -> str:
    if result.error is None:
        return ""
    if problems and len(problems) == 1:
        return f"invalid-inputs: {problems[0]}"  # one problem is said in full, not counted
    if problems:
        return f"invalid-inputs: {len(problems)} problems in the inputs"
    return result.error.line


def _relative(path: str | None, root: Path) -> str | None:
    if not path:
        return None
    try:
        return os.path.relpath(path, root)
    except ValueError:  # pragma: no cover - another drive on Windows
        return path


def _check_summaries_writable(options: BatchOptions) -> None:
    """Before any work: a summary.md or summary.json in --out that an earlier batch did not write
    (or that was edited since) is a person's file, replaced only with --force (a .bak is kept)."""
    if not options.out_dir.is_dir():
        return
    for name in (SUMMARY_JSON, SUMMARY_MD):
        path = child_path(options.out_dir, name)
        check_writable(path, force=True)  # a folder, pipe or device by that name: refused as for plans
        if not options.force and edited_by_hand(path):
            raise OutputError(
                f"{path}: was not written by techplan batch, or was edited since; refusing to overwrite it "
                "(nothing was run or written). Move it away, give another --out, or pass --force to "
                "overwrite it (a .bak copy is kept)")


def _name_for_json(path: str | Path) -> str:
    # JSON escapes a newline or an escape character itself, so the name stays exact there; only
    # bytes that are not UTF-8 cannot be written into JSON text and are shown escaped instead.
    name = os.fsdecode(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return shown_name(name)
    return name


def _write_summary(results: list[PlanResult], options: BatchOptions, started_at: dt.datetime, seconds: float,
                   kernels: dict[str, int]) -> Outcome:
    root = options.out_dir
    rows = []
    for result in results:
        kernel = result.kernel or {}
        reason = result.error.reason if result.error else None
        problems = input_problems(result.inputs_path) if reason == "invalid-inputs" else []
        rows.append({
            "input": _name_for_json(result.inputs_path),
            "status": result.status,
            "plan": _relative(result.plan, root),
            "notebook": _relative(result.notebook, root),
            "overall_risk": result.overall_risk,
            "p80": result.p80,
            "seconds": result.seconds,
            "error": _message(result, problems) or None,
            **({"problems": problems} if problems else {}),
            "reason": reason,
            "kernel": {"id": kernel.get("id"), "sequence": kernel.get("sequence"),
                       "reused": kernel.get("reused")} if kernel else None,
            **({"worker": result.worker} if result.worker else {}),
        })
    succeeded = sum(1 for r in rows if r["status"] == "succeeded")
    failed = len(rows) - succeeded
    document = {
        "started": started_at.isoformat(),
        "seconds": round(seconds, 3),
        "options": {"out": str(options.out_dir), "as_of": options.as_of.isoformat() if options.as_of else None,
                    "seed": options.seed,
                    "template": str(options.template) if options.template else None,
                    "notebook": str(options.notebook) if options.notebook else None, "jobs": options.jobs,
                    "isolate": options.isolate, "timeout": options.timeout,
                    "recycle_after": options.recycle_after, "memory_limit": options.memory_limit,
                    **({"scheduler": options.scheduler} if options.scheduler else {})},
        "counts": {"total": len(rows), "succeeded": succeeded, "failed": failed},
        "kernels": kernels,
        "items": rows,
    }
    json_path = child_path(root, SUMMARY_JSON)
    md_path = child_path(root, SUMMARY_MD)
    # Recorded like a plan (output.STATE_FILE), so the next batch knows these are its own to replace.
    write_generated(json_path, json.dumps(document, indent=2) + "\n", force=options.force)
    write_generated(md_path, _summary_markdown(document), force=options.force)
    return Outcome(items=rows, succeeded=succeeded, failed=failed, seconds=seconds, summary_json=json_path,
                   summary_md=md_path, kernels=kernels)


def _summary_markdown(document: dict[str, Any]) -> str:
    from .mdescape import cell, fence, inline

    counts = document["counts"]
    mode = "a fresh kernel per plan" if document["options"]["isolate"] else "warm kernels, reused"
    scheduler = document["options"].get("scheduler")
    workers = (f"on the Dask cluster at {scheduler}" if scheduler and scheduler != "local" else
               f"with {document['options']['jobs']} workers" + (" of a local Dask cluster" if scheduler else ""))
    lines = [
        "# Batch summary",
        "",
        f"{counts['succeeded']} of {counts['total']} plans made, {counts['failed']} failed, in "
        f"{document['seconds']:.1f} s {workers} ({mode}); "
        f"as of {document['options']['as_of'] or AS_OF_LEFT_OUT}, seed {document['options']['seed']}.",
        "",
        "| Input | Status | Plan | Overall risk | P80 | Seconds | Error |",
        "|-------|--------|------|--------------|-----|---------|-------|",
    ]
    for row in document["items"]:
        plan = row["plan"] or row["notebook"] or ""
        lines.append("| " + " | ".join(str(cell(value)) if value else " " for value in (
            row["input"], row["status"], plan, row["overall_risk"] or "", row["p80"] or "",
            f"{row['seconds']:.2f}" if row["seconds"] is not None else "", row["error"] or "")) + " |")
    invalid = [row for row in document["items"] if row.get("problems")]
    if invalid:
        lines += ["", "## Problems in the inputs", ""]
        for row in invalid:
            lines += [f"{inline(row['input'])}:", "", fence("\n".join(shown_problems(row["problems"]))), ""]
        lines.pop()
    return "\n".join(lines) + "\n"
