"""`techplan batch --scheduler`: the batch on a real Dask cluster (a `dask scheduler` and two
`dask worker` processes on 127.0.0.1), no mocks: the same plans as the local batch, nothing lost
when a worker dies, a plan that kills its kernel or its worker fails alone, Ctrl-C cleans up."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from helpers import AS_OF, batch_summary, notebook_with, run_techplan_process, varied_inputs

pytest.importorskip("distributed")

pytestmark = pytest.mark.kernel


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    address: str
    token: str  # TECHPLAN_TEST_TOKEN of the scheduler, workers and their kernels
    marks: Path  # TECHPLAN_TEST_MARKS: where a test notebook leaves word of what it is doing

    def wait_for_workers(self, count: int = 2, timeout: float = 120) -> list[int]:
        """Wait until `count` workers are up; their process ids."""
        from distributed import Client

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Client(self.address, timeout=60) as client:
                client.wait_for_workers(count, timeout=timeout)
                return sorted(client.run(os.getpid).values())


def _processes(token: str, *, kernels: bool) -> set[int]:
    """This module's processes (not other tests'), only the Jupyter kernels with kernels=True."""
    import psutil

    found = set()
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.environ().get("TECHPLAN_TEST_TOKEN") != token:
                continue
            if kernels and "ipykernel_launcher" not in " ".join(proc.cmdline()):
                continue
            found.add(proc.info["pid"])
        except psutil.Error:
            continue
    return found


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("cluster")
    marks = root / "marks"
    marks.mkdir()
    token = f"cluster-{os.getpid()}-{time.monotonic_ns()}"
    # A plan may take down one worker and be run again; the second death fails it (worker-died).
    env = dict(os.environ, TECHPLAN_TEST_TOKEN=token, TECHPLAN_TEST_MARKS=str(marks),
               DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="1")
    address = f"tcp://127.0.0.1:{_free_port()}"
    log = open(root / "cluster.log", "wb")  # noqa: SIM115 - closed below
    processes = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                   "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
                                  env=env, cwd=root, stdout=log, stderr=log)]
    for n in range(2):
        processes.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                           "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1",
                                           "--name", f"w{n}"], env=env, cwd=root, stdout=log, stderr=log))
    try:
        found = Cluster(address, token, marks)
        found.wait_for_workers(2)
        yield found
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        for pid in _processes(token, kernels=False):  # a worker a nanny had restarted, a kernel
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        log.close()


def _files(out: Path) -> dict[str, bytes]:
    """Every file of every plan folder but the audit notebook (its record holds times and kernel ids)."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.parent != out and p.suffix != ".ipynb"}


def test_plans_on_a_cluster_are_the_local_batch_s_bytes(cluster: Cluster, tmp_path: Path) -> None:
    paths = varied_inputs(tmp_path / "in", 4)
    template = tmp_path / "tpl" / "team.md.j2"
    template.parent.mkdir()
    (template.parent / "footer.md.j2").write_text("\n_Made on a cluster or not, the same._\n", "utf-8")
    template.write_text('{% extends "technical-plan.md.j2" %}{% block rollback %}{{ super() }}'
                        '{% include "footer.md.j2" %}{% endblock %}', "utf-8")
    common = ["--as-of", AS_OF, "--template", template, "--no-progress"]
    local = run_techplan_process("batch", tmp_path / "in", "--out", tmp_path / "local", "--jobs", "2", *common)
    assert local.returncode == 0, local.stderr
    remote = run_techplan_process("batch", tmp_path / "in", "--out", tmp_path / "remote",
                                  "--scheduler", cluster.address, *common)
    assert remote.returncode == 0, remote.stderr
    with contextlib.ExitStack() as busy:
        # Dask's default HTTP port taken (another cluster, a second batch): the batch says nothing of it.
        with contextlib.suppress(OSError):
            busy.enter_context(socket.create_server(("127.0.0.1", 8787)))
        in_process = run_techplan_process("batch", tmp_path / "in", "--out", tmp_path / "lc", "--scheduler", "local",
                                          "--jobs", "2", *common)
    assert in_process.returncode == 0, in_process.stderr
    assert "already in use" not in in_process.stderr and "Warning" not in in_process.stderr, in_process.stderr
    alone = run_techplan_process("run", paths[2], "--out", tmp_path / "single", *common[:-1])
    assert alone.returncode == 0, alone.stderr

    want = _files(tmp_path / "local")
    assert len([name for name in want if name.endswith("technical-plan.md")]) == 4
    assert "_Made on a cluster or not, the same._" in next(v.decode() for k, v in want.items() if k.endswith(".md"))
    assert _files(tmp_path / "remote") == want
    assert _files(tmp_path / "lc") == want
    single = _files(tmp_path / "single")
    assert single and all(want[name] == data for name, data in single.items())

    summary = batch_summary(tmp_path / "remote")
    assert summary["counts"] == {"total": 4, "succeeded": 4, "failed": 0}
    assert summary["options"]["scheduler"] == cluster.address
    assert {row["worker"]["name"] for row in summary["items"]} <= {"w0", "w1"}
    assert f"on the Dask cluster at {cluster.address}" in (tmp_path / "remote" / "summary.md").read_text("utf-8")
    for row in summary["items"]:
        folder = tmp_path / "remote" / Path(row["plan"]).parent
        check = run_techplan_process("verify", folder / "technical-plan.md", folder / "technical-plan.ipynb")
        assert check.returncode == 0, check.stderr
        record = nbformat.read(str(folder / "technical-plan.ipynb"), as_version=4).metadata.techplan
        twin = nbformat.read(str(tmp_path / "local" / folder.name / "technical-plan.ipynb"),
                             as_version=4).metadata.techplan
        assert record["plan"] == twin["plan"] and record["inputs"] == twin["inputs"]
        assert record["template"] == twin["template"]  # the client's template path, hashes alike
        assert record["parameters"]["output_dir"] == str((tmp_path / "remote").resolve())
        assert record["worker"]["name"] == row["worker"]["name"] and record["worker"]["address"].startswith("tcp://")
    # The warm kernels of the batch were shut down with its plugin; the workers stay.
    assert not _processes(cluster.token, kernels=True)
    assert len(cluster.wait_for_workers(2)) == 2


def test_a_worker_killed_mid_plan_loses_no_plan(cluster: Cluster, tmp_path: Path) -> None:
    cluster.wait_for_workers(2)
    marks = cluster.marks / "killed"
    marks.mkdir()
    notebook = notebook_with(tmp_path, "import os, pathlib, time\n"
                                        "if run.plan.issue.number == 2:\n"
                                        "    marks = pathlib.Path(os.environ['TECHPLAN_TEST_MARKS'], 'killed')\n"
                                        "    (marks / str(os.getppid())).touch()\n"
                                        "    time.sleep(6)")
    varied_inputs(tmp_path / "in", 4)
    out = tmp_path / "OUT"
    process = subprocess.Popen([sys.executable, "-m", "techplan_nb", "batch", str(tmp_path / "in"), "--out", str(out),
                                "--as-of", AS_OF, "--notebook", str(notebook), "--scheduler", cluster.address,
                                "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(marks.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    (mark,) = list(marks.iterdir())
    os.kill(int(mark.name), signal.SIGKILL)  # the worker running plan 2, mid-plan
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    summary = batch_summary(out)
    assert summary["counts"] == {"total": 4, "succeeded": 4, "failed": 0}
    assert len(list(marks.iterdir())) == 2  # plan 2 ran again, on a worker still alive
    rows = {Path(row["input"]).name: row for row in summary["items"]}
    assert rows["issue-02.yaml"]["worker"]["pid"] != int(mark.name)
    assert all((out / row["plan"]).is_file() for row in summary["items"])


def test_a_plan_that_kills_its_kernel_or_its_workers_fails_alone(cluster: Cluster, tmp_path: Path) -> None:
    cluster.wait_for_workers(2)
    notebook = notebook_with(tmp_path, "import os\n"
                                        "if run.plan.issue.number == 2:\n    os._exit(1)\n"
                                        "if run.plan.issue.number == 3:\n    os.kill(os.getppid(), 9)")
    varied_inputs(tmp_path / "in", 5)
    out = tmp_path / "OUT"
    result = run_techplan_process("batch", tmp_path / "in", "--out", out, "--as-of", AS_OF, "--notebook", notebook,
                                  "--scheduler", cluster.address, "--no-progress", timeout=300)
    assert result.returncode == 1, result.stderr
    summary = batch_summary(out)
    reasons = {Path(row["input"]).name: row["reason"] for row in summary["items"]}
    assert reasons == {"issue-01.yaml": None, "issue-02.yaml": "dead-kernel", "issue-03.yaml": "worker-died",
                       "issue-04.yaml": None, "issue-05.yaml": None}
    rows = {Path(row["input"]).name: row for row in summary["items"]}
    assert "died" in rows["issue-03.yaml"]["error"]
    failed = nbformat.read(str(out / rows["issue-02.yaml"]["notebook"]), as_version=4)
    assert failed.metadata.techplan["status"] == "failed" and "worker" in failed.metadata.techplan
    assert summary["kernels"]["worker_deaths"] == 2
    assert "techplan: failed:" in result.stderr and "3 of 5 plans made" in result.stderr


def test_ctrl_c_cancels_the_batch_stops_its_kernels_and_keeps_the_summary(cluster: Cluster, tmp_path: Path) -> None:
    cluster.wait_for_workers(2)
    marks = cluster.marks / "cancel"
    marks.mkdir()
    notebook = notebook_with(tmp_path, "import os, pathlib, time\n"
                                        "pathlib.Path(os.environ['TECHPLAN_TEST_MARKS'], 'cancel', "
                                        "str(run.plan.issue.number)).touch()\ntime.sleep(120)")
    varied_inputs(tmp_path / "in", 4)
    out = tmp_path / "OUT"
    process = subprocess.Popen([sys.executable, "-m", "techplan_nb", "batch", str(tmp_path / "in"), "--out", str(out),
                                "--as-of", AS_OF, "--notebook", str(notebook), "--scheduler", cluster.address,
                                "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(list(marks.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(list(marks.iterdir())) == 2  # both workers are in the middle of a plan
    assert len(_processes(cluster.token, kernels=True)) == 2
    started = time.monotonic()
    os.kill(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert time.monotonic() - started < 60  # the running plans were cut short, not waited for
    assert "interrupted" in stderr
    summary = batch_summary(out)
    assert summary["counts"]["succeeded"] == 0 and summary["counts"]["total"] == 4
    assert {row["reason"] for row in summary["items"]} == {"interrupted"}
    assert not [p for p in out.rglob("*") if p.is_file() and p.parent != out]  # no half plan folder
    deadline = time.monotonic() + 15
    while _processes(cluster.token, kernels=True) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes(cluster.token, kernels=True)
    assert len(cluster.wait_for_workers(2)) == 2  # the cluster itself carries on


def test_ctrl_c_on_a_local_cluster_batch_leaves_no_worker_or_kernel_running(tmp_path: Path) -> None:
    """--scheduler local: the batch's own LocalCluster (its scheduler, workers and their kernels)
    goes with it."""
    marks = tmp_path / "marks"
    marks.mkdir()
    token = f"local-cancel-{os.getpid()}-{time.monotonic_ns()}"
    notebook = notebook_with(tmp_path, "import os, pathlib, time\n"
                                        "pathlib.Path(os.environ['TECHPLAN_TEST_MARKS'], "
                                        "str(run.plan.issue.number)).touch()\ntime.sleep(120)")
    varied_inputs(tmp_path / "in", 4)
    out = tmp_path / "OUT"
    env = dict(os.environ, TECHPLAN_TEST_TOKEN=token, TECHPLAN_TEST_MARKS=str(marks))
    process = subprocess.Popen([sys.executable, "-m", "techplan_nb", "batch", str(tmp_path / "in"), "--out", str(out),
                                "--as-of", AS_OF, "--notebook", str(notebook), "--scheduler", "local", "--jobs", "2",
                                "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 120
    while len(list(marks.iterdir())) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    assert len(list(marks.iterdir())) == 2  # both workers are in the middle of a plan
    assert len(_processes(token, kernels=True)) == 2
    os.kill(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert {row["reason"] for row in batch_summary(out)["items"]} == {"interrupted"}
    deadline = time.monotonic() + 30
    while _processes(token, kernels=False) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes(token, kernels=False)
