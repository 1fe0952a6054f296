"""`techplan batch`: many plans on warm kernels, isolated from each other, failures contained."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import nbformat
import pytest

from techplan_nb.batch import expand_inputs
from techplan_nb.errors import UsageError

from helpers import AS_OF, batch_summary, example_data, notebook_with, run_techplan, varied_inputs, write_inputs

# --- without kernels ---------------------------------------------------------------------------


def test_inputs_may_be_files_folders_and_globs_without_repeats(tmp_path: Path) -> None:
    paths = varied_inputs(tmp_path / "in", 3)
    (tmp_path / "in" / "notes.txt").write_text("not an input", "utf-8")
    found = expand_inputs([str(tmp_path / "in"), str(paths[0]), str(tmp_path / "in" / "*.yaml")])
    assert [p.name for p in found] == ["issue-01.yaml", "issue-02.yaml", "issue-03.yaml"]


@pytest.mark.parametrize("spec, message", [("missing.yaml", "no such file or folder"),
                                           ("empty", "holds no .yaml"), ("nothing-*.yaml", "matches no")])
def test_inputs_that_name_nothing_are_usage_errors(tmp_path: Path, spec: str, message: str) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match=message):
        expand_inputs([str(tmp_path / spec)])


def test_usage_errors_exit_2_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "OUT"
    assert run_techplan("batch", tmp_path / "nope", "--out", out).returncode == 2
    paths = varied_inputs(tmp_path / "in", 1)
    assert run_techplan("batch", paths[0], "--out", out, "--jobs", "0").returncode == 2
    bad_notebook = tmp_path / "bad.ipynb"
    bad_notebook.write_text("{}", "utf-8")
    result = run_techplan("batch", paths[0], "--out", out, "--notebook", bad_notebook)
    assert result.returncode == 2 and "bad.ipynb" in result.stderr
    assert not out.exists()


# --- with kernels ------------------------------------------------------------------------------


@pytest.mark.kernel
def test_twenty_inputs_one_invalid_one_raising_give_18_plans_2_failures_exit_1_and_progress(tmp_path: Path) -> None:
    paths = varied_inputs(tmp_path / "in", 19)
    bad = example_data()
    bad["issue"]["number"] = "twenty"
    write_inputs(tmp_path / "in", bad, "issue-99-invalid.yaml")
    template = tmp_path / "team.md.j2"
    template.write_text('{% extends "technical-plan.md.j2" %}{% block rollback %}'
                        '{% if plan.issue.number == 13 %}{{ 1 // 0 }}{% endif %}{{ super() }}{% endblock %}', "utf-8")
    out = tmp_path / "OUT"
    result = run_techplan("batch", tmp_path / "in", "--out", out, "--as-of", AS_OF, "--jobs", "2",
                          "--template", template)
    assert result.returncode == 1, result.stderr
    assert ("techplan batch:" in result.stderr and "20/20" in result.stderr
            and "failed=2" in result.stderr), result.stderr
    summary = batch_summary(out)
    assert summary["counts"] == {"total": 20, "succeeded": 18, "failed": 2}, result.stderr
    failed = {Path(row["input"]).name: row for row in summary["items"] if row["status"] == "failed"}
    assert set(failed) == {"issue-13.yaml", "issue-99-invalid.yaml"}
    assert failed["issue-13.yaml"]["reason"] == "cell-error"
    assert "ZeroDivisionError" in failed["issue-13.yaml"]["error"]
    assert failed["issue-99-invalid.yaml"]["reason"] == "invalid-inputs"
    [problem] = failed["issue-99-invalid.yaml"]["problems"]
    assert failed["issue-99-invalid.yaml"]["error"] == f"invalid-inputs: {problem}"
    assert problem.startswith(f"{tmp_path / 'in' / 'issue-99-invalid.yaml'}:")
    assert problem.endswith(": issue.number: Input should be a valid integer (got 'twenty')")
    # Both failed notebooks are kept, marked failed; neither wrote a plan.
    invalid_nb = nbformat.read(str(out / failed["issue-99-invalid.yaml"]["notebook"]), as_version=4)
    assert invalid_nb.metadata.techplan["status"] == "failed"
    raising_nb = nbformat.read(str(out / failed["issue-13.yaml"]["notebook"]), as_version=4)
    assert raising_nb.metadata.techplan["status"] == "failed"
    assert not list(out.glob("issue-13-*/technical-plan.md"))
    made = [row for row in summary["items"] if row["status"] == "succeeded"]
    assert all(row["overall_risk"] in {"High", "Medium", "Low"} and row["p80"] for row in made)
    markdown = (out / "summary.md").read_text("utf-8")
    assert "18 of 20 plans made, 2 failed" in markdown and "issue-13.yaml" in markdown
    # Warm kernels: two kernels did the work, and each notebook records its place in the sequence.
    kernels = {row["kernel"]["id"] for row in made}
    assert len(kernels) == 2
    assert any(row["kernel"]["reused"] for row in made)
    nb = nbformat.read(str(out / made[-1]["notebook"]), as_version=4)
    assert [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert nb.metadata.papermill.parameters["as_of"] == AS_OF
    record = nb.metadata.techplan["kernel"]
    assert record["id"] in kernels and record["sequence"] >= 1 and "user namespace" in record["cleared_between_plans"]
    # Each plan is byte-identical to what `techplan run` writes, and verifies against its notebook.
    for path in (paths[0], paths[17]):
        single = tmp_path / "single"
        alone = run_techplan("run", path, "--out", single, "--as-of", AS_OF, "--template", template)
        assert alone.returncode == 0, alone.stderr
        (folder,) = [p for p in single.iterdir() if p.name.startswith(f"issue-{int(path.stem[-2:])}-")]
        assert (out / folder.name / "technical-plan.md").read_bytes() == (folder / "technical-plan.md").read_bytes()
        check = run_techplan("verify", out / folder.name / "technical-plan.md",
                             out / folder.name / "technical-plan.ipynb")
        assert check.returncode == 0, check.stderr


@pytest.mark.kernel
def test_a_variable_set_by_one_plan_is_invisible_to_the_next_in_a_reused_kernel(tmp_path: Path) -> None:
    notebook = notebook_with(tmp_path, 'assert "set_by_an_earlier_plan" not in globals(), "leaked"\n'
                                        "set_by_an_earlier_plan = run.plan.issue.number\n"
                                        'import os\nos.environ["TECHPLAN_TEST_LEAK"] = "1"\nos.chdir("/")')
    varied_inputs(tmp_path / "in", 3)
    out = tmp_path / "OUT"
    result = run_techplan("batch", tmp_path / "in", "--out", out, "--as-of", AS_OF, "--jobs", "1",
                          "--notebook", notebook, "--no-progress")
    assert result.returncode == 0, result.stderr
    rows = batch_summary(out)["items"]
    assert len({row["kernel"]["id"] for row in rows}) == 1
    assert [(row["kernel"]["sequence"], row["kernel"]["reused"]) for row in rows] == [(1, False), (2, True), (3, True)]
    assert "progress" not in result.stderr and "techplan batch:" not in result.stderr


@pytest.mark.kernel
def test_without_the_reset_the_same_variable_would_leak(tmp_path: Path) -> None:
    """The control for the isolation test above: the check it relies on does catch a leak."""
    from techplan_nb import runner

    notebook = notebook_with(tmp_path, 'assert "set_by_an_earlier_plan" not in globals(), "leaked"\n'
                                        "set_by_an_earlier_plan = 1")
    source, source_path = runner.read_source(notebook)
    paths = varied_inputs(tmp_path / "in", 2)
    kernel = runner.Kernel().start()
    try:
        outcomes = []
        for path in paths:
            job = runner.job_for(path, tmp_path / "OUT", as_of=dt.date(2026, 11, 20), seed=0, template=None,
                                 force=False)
            nb = runner.prepare(source, job.parameters(), input_path=str(source_path), output_path="x.ipynb")
            outcomes.append(kernel.run(nb, timeout=60, reused_ok=False))
    finally:
        kernel.shutdown()
    assert outcomes[0].status == "succeeded"
    assert outcomes[1].status == "failed" and outcomes[1].error and outcomes[1].error.evalue == "leaked"


@pytest.mark.kernel
def test_isolate_gives_every_plan_a_fresh_kernel(tmp_path: Path) -> None:
    varied_inputs(tmp_path / "in", 3)
    out = tmp_path / "OUT"
    result = run_techplan("batch", tmp_path / "in", "--out", out, "--as-of", AS_OF, "--isolate", "--no-progress")
    assert result.returncode == 0, result.stderr
    rows = batch_summary(out)["items"]
    assert len({row["kernel"]["id"] for row in rows}) == 3
    assert all(row["kernel"]["reused"] is False for row in rows)


@pytest.mark.kernel
def test_timeouts_dead_kernels_and_dead_workers_fail_only_their_plan(tmp_path: Path) -> None:
    notebook = notebook_with(tmp_path, "import os, time\n"
                                        "if run.plan.issue.number == 2:\n    time.sleep(120)\n"
                                        "if run.plan.issue.number == 3:\n    os._exit(1)\n"
                                        "if run.plan.issue.number == 4:\n    os.kill(os.getppid(), 9)")
    varied_inputs(tmp_path / "in", 6)
    out = tmp_path / "OUT"
    result = run_techplan("batch", tmp_path / "in", "--out", out, "--as-of", AS_OF, "--jobs", "1",
                          "--timeout", "3", "--notebook", notebook, "--no-progress")
    assert result.returncode == 1, result.stderr
    summary = batch_summary(out)
    reasons = {Path(row["input"]).name: row["reason"] for row in summary["items"]}
    assert reasons == {"issue-01.yaml": None, "issue-02.yaml": "timeout", "issue-03.yaml": "dead-kernel",
                       "issue-04.yaml": "worker-died", "issue-05.yaml": None, "issue-06.yaml": None}
    rows = {Path(row["input"]).name: row for row in summary["items"]}
    timed_out = nbformat.read(str(out / rows["issue-02.yaml"]["notebook"]), as_version=4)
    assert timed_out.metadata.techplan["error"]["reason"] == "timeout"
    # The kernel that timed out and the one that died were replaced; the dead worker too.
    assert summary["kernels"]["workers_replaced"] == 1
    assert rows["issue-05.yaml"]["kernel"]["id"] != rows["issue-01.yaml"]["kernel"]["id"]
    assert (out / Path(rows["issue-06.yaml"]["plan"])).is_file()


@pytest.mark.kernel
def test_kernels_are_recycled_after_a_bounded_number_of_plans(tmp_path: Path) -> None:
    varied_inputs(tmp_path / "in", 5)
    out = tmp_path / "OUT"
    result = run_techplan("batch", tmp_path / "in", "--out", out, "--as-of", AS_OF, "--jobs", "1",
                          "--recycle-after", "2", "--no-progress")
    assert result.returncode == 0, result.stderr
    summary = batch_summary(out)
    rows = summary["items"]
    assert [row["kernel"]["sequence"] for row in rows] == [1, 2, 1, 2, 1]
    assert len({row["kernel"]["id"] for row in rows}) == 3
    assert summary["kernels"]["kernels_recycled"] == 2


@pytest.mark.kernel
def test_two_inputs_for_the_same_issue_fail_the_second_not_the_batch(tmp_path: Path) -> None:
    paths = varied_inputs(tmp_path / "in", 2)
    twin = write_inputs(tmp_path / "in", __import__("yaml").safe_load(paths[0].read_text("utf-8")), "twin.yaml")
    out = tmp_path / "OUT"
    result = run_techplan("batch", *paths, twin, "--out", out, "--as-of", AS_OF, "--no-progress")
    assert result.returncode == 1
    rows = {Path(row["input"]).name: row for row in batch_summary(out)["items"]}
    assert rows["twin.yaml"]["reason"] == "duplicate" and "issue-01.yaml" in rows["twin.yaml"]["error"]
    assert rows["issue-01.yaml"]["status"] == rows["issue-02.yaml"]["status"] == "succeeded"


@pytest.mark.kernel
def test_an_input_that_is_a_link_loop_fails_alone_with_its_reason(tmp_path: Path) -> None:
    paths = varied_inputs(tmp_path / "in", 1)
    loop = tmp_path / "in" / "loop.yaml"
    loop.symlink_to(tmp_path / "in" / "other.yaml")
    (tmp_path / "in" / "other.yaml").symlink_to(loop)
    out = tmp_path / "OUT"
    result = run_techplan("batch", loop, *paths, "--out", out, "--as-of", AS_OF, "--no-progress")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    rows = {Path(row["input"]).name: row for row in batch_summary(out)["items"]}
    assert rows["loop.yaml"]["status"] == "failed"
    (problem,) = rows["loop.yaml"]["problems"]
    assert "a symbolic link that leads back to itself (a link loop)" in problem
    assert rows["loop.yaml"]["error"] == f"invalid-inputs: {problem}"
    assert rows["issue-01.yaml"]["status"] == "succeeded"


def _processes_with(token: str) -> set[int]:
    """Processes (kernels included) that inherited TECHPLAN_TEST_TOKEN=token: this test's, nobody else's."""
    import psutil

    found = set()
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.environ().get("TECHPLAN_TEST_TOKEN") == token:
                found.add(proc.info["pid"])
        except psutil.Error:
            continue
    return found


@pytest.mark.kernel
def test_ctrl_c_stops_every_kernel_and_keeps_the_summary(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    notebook = notebook_with(tmp_path, "import pathlib, time\n"
                                        "pathlib.Path(output_dir, 'started').touch()\ntime.sleep(120)")
    varied_inputs(tmp_path / "in", 4)
    out = tmp_path / "OUT"
    token = f"{os.getpid()}-{time.monotonic_ns()}"
    process = subprocess.Popen([sys.executable, "-m", "techplan_nb", "batch", str(tmp_path / "in"), "--out", str(out),
                                "--as-of", AS_OF, "--notebook", str(notebook), "--no-progress"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, TECHPLAN_TEST_TOKEN=token))
    deadline = time.monotonic() + 180
    # The kernel's output_dir is the staging folder inside the plan folder its files are installed from.
    while not any(out.rglob("started")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert any(out.rglob("started"))
    assert len(_processes_with(token)) >= 3  # techplan, a worker and its kernel at least
    os.kill(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in stderr
    summary = batch_summary(out)
    assert summary["counts"]["succeeded"] == 0
    assert {row["reason"] for row in summary["items"]} <= {"interrupted", "worker-died", "cell-error"}
    deadline = time.monotonic() + 15
    while _processes_with(token) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _processes_with(token)


@pytest.mark.kernel
def test_an_input_linking_out_of_its_folder_fails_alone_and_its_target_is_never_read(tmp_path: Path) -> None:
    paths = varied_inputs(tmp_path / "in", 1)
    (tmp_path / "private").mkdir()
    private = write_inputs(tmp_path / "private", {**example_data(), "issue": {
        "number": 99, "title": "Private", "summary": "the secret text"}}, "secret.yaml")
    (tmp_path / "in" / "link.yaml").symlink_to(private)
    (tmp_path / "in" / "z-inside.yaml").symlink_to(paths[0].name)  # a link within the folder is fine
    out = tmp_path / "OUT"
    result = run_techplan("batch", tmp_path / "in", "--out", out, "--as-of", AS_OF, "--no-progress")
    assert result.returncode == 1, result.stderr
    rows = {Path(row["input"]).name: row for row in batch_summary(out)["items"]}
    assert rows["link.yaml"]["status"] == "failed"
    assert "is a symbolic link to a file outside its folder" in rows["link.yaml"]["error"]
    assert rows["issue-01.yaml"]["status"] == "succeeded"
    assert "z-inside.yaml" not in rows  # the same file as issue-01.yaml, made once
    assert not any("the secret text" in p.read_text("utf-8", "replace") for p in out.rglob("*") if p.is_file())
