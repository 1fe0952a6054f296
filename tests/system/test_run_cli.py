"""`techplan run`: the plan made by executing the notebook in a real kernel, kept as the audit record."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from techplan_nb.inputs import load_path
from techplan_nb.plan_folder import PlanFolder
from techplan_nb.render import render_plan

from helpers import AS_OF, ROOT, example_data, run_techplan, shared_example, write_inputs

pytestmark = pytest.mark.kernel

FOLDER = "issue-57-export-roast-profiles-to-csv-and-share-them-by"
CHART_NAMES = ["finish-distribution.png", "risk-heatmap.png", "schedule-gantt.png"]
PAPERMILL = Path(sys.executable).with_name("papermill")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `techplan run` of the shared example, as the issue's "done when" runs it."""
    out = tmp_path_factory.mktemp("run") / "OUT"
    result = run_techplan("run", shared_example(), "--out", out, "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    return out / FOLDER


def _nb(path: Path) -> Any:
    return nbformat.read(str(path), as_version=4)


def test_run_writes_the_plan_the_executed_notebook_the_charts_and_the_inputs(made: Path) -> None:
    names = sorted(p.name for p in made.iterdir() if not p.name.startswith("."))
    assert names == sorted(["technical-plan.md", "technical-plan.ipynb", "inputs.yaml", *CHART_NAMES])
    assert (made / "inputs.yaml").read_bytes() == shared_example().read_bytes()
    for chart in CHART_NAMES:
        assert (made / chart).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_the_plans_images_resolve_beside_it(made: Path) -> None:
    # By design the plan links only the finish-date distribution: its Gantt chart is the Mermaid
    # block and its risk matrix the table; the heat-map and Gantt PNGs stay in the folder, the
    # notebook and the HTML export.
    text = (made / "technical-plan.md").read_text("utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links == ["finish-distribution.png"]
    assert "<img" not in text
    for link in links:
        assert (made / link).is_file(), f"the plan links {link}, which is not beside it"


def test_the_plan_is_the_rendered_plan_with_its_charts(made: Path) -> None:
    expected = render_plan(load_path(shared_example()), as_of=dt.date.fromisoformat(AS_OF), seed=0,
                           charts={"risk_heatmap": "risk-heatmap.png", "gantt": "schedule-gantt.png",
                                   "finish_distribution": "finish-distribution.png"})
    assert (made / "technical-plan.md").read_text("utf-8") == expected


def test_the_executed_notebook_keeps_papermills_shape_and_the_audit_record(made: Path) -> None:
    nb = _nb(made / "technical-plan.ipynb")
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert "as_of = \"2026-11-20\"" in injected[0].source
    assert nb.metadata.papermill.parameters["seed"] == 0
    assert all(c.metadata.papermill.status == "completed" for c in nb.cells)
    record = nb.metadata.techplan
    assert record["status"] == "succeeded" and record["error"] is None
    assert record["as_of"] == AS_OF and record["seed"] == 0
    assert record["inputs"]["sha256"] == _sha(shared_example())
    assert record["inputs"]["normalised"]["issue"]["number"] == 57
    assert record["plan"]["sha256"] == _sha(made / "technical-plan.md")
    assert record["template"]["sha256"] == _sha(ROOT / "templates" / "technical-plan.md.j2")
    assert set(record["versions"]) >= {"techplan-nb", "papermill", "nbclient", "jinja2", "python"}
    assert record["started"] < record["ended"]
    assert record["kernel"]["reused"] is False and record["kernel"]["sequence"] == 1
    # The kernel is this interpreter, not whatever `python` a kernelspec would find first.
    assert record["kernel"]["python"] == sys.executable
    assert record["summary"]["risk"]["overall"] == "High"
    files = {f["name"]: f["sha256"] for f in record["files"]}
    assert files["technical-plan.md"] == record["plan"]["sha256"]
    assert set(files) == {"inputs.yaml", "technical-plan.md", *CHART_NAMES}


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_audit_prints_the_record(made: Path) -> None:
    result = run_techplan("audit", made / "technical-plan.ipynb")
    assert result.returncode == 0, result.stderr
    for expected in ("Status       succeeded", "As of, seed  2026-11-20, 0", "Risk         overall High",
                     "papermill 2.", "fresh kernel", "technical-plan.md (SHA-256 "):
        assert expected in result.stdout
    as_json = run_techplan("audit", made / "technical-plan.ipynb", "--format", "json")
    document = json.loads(as_json.stdout)
    assert document["status"] == "succeeded" and document["source"] == "techplan"


def test_verify_passes_on_the_pair_and_names_the_first_difference_after_one_character_changes(
        made: Path, tmp_path: Path) -> None:
    plan, notebook = made / "technical-plan.md", made / "technical-plan.ipynb"
    ok = run_techplan("verify", plan, notebook)
    assert ok.returncode == 0, ok.stderr
    assert "identical" in ok.stdout
    edited = tmp_path / "technical-plan.md"
    lines = plan.read_text("utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith("**Status**"))
    lines[number] = lines[number].replace("Under Review", "Under Reviex")
    edited.write_text("\n".join(lines), "utf-8")
    bad = run_techplan("verify", edited, notebook)
    assert bad.returncode == 1
    assert f"line {number + 1} differs" in bad.stderr
    assert "Under Reviex" in bad.stderr


def test_plain_papermill_gives_a_byte_identical_plan_and_a_readable_audit(made: Path, tmp_path: Path) -> None:
    out = tmp_path / "DIR"
    result = subprocess.run([str(PAPERMILL), str(ROOT / "notebooks" / "technical_plan.ipynb"),
                             str(tmp_path / "out.ipynb"), "-p", "inputs_path", str(shared_example()),
                             "-p", "output_dir", str(out), "-p", "as_of", AS_OF, "--no-progress-bar"],
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (out / FOLDER / "technical-plan.md").read_bytes() == (made / "technical-plan.md").read_bytes()
    for chart in CHART_NAMES:
        assert (out / FOLDER / chart).read_bytes() == (made / chart).read_bytes()
    verify = run_techplan("verify", made / "technical-plan.md", tmp_path / "out.ipynb")
    assert verify.returncode == 0, verify.stderr
    audit = run_techplan("audit", tmp_path / "out.ipynb")
    assert "succeeded" in audit.stdout and "not run by techplan" in audit.stdout


def test_invalid_inputs_exit_2_before_any_kernel_and_write_nothing(tmp_path: Path) -> None:
    data = example_data()
    data["risks"][0]["probability"] = "Very"
    bad = write_inputs(tmp_path, data, "bad.yaml")
    out = tmp_path / "OUT"
    result = run_techplan("run", bad, "--out", out, "--as-of", AS_OF)
    assert result.returncode == 2
    assert "bad.yaml" in result.stderr and "risks[0].probability" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_broken_inputs_under_plain_papermill_leave_a_failed_notebook_and_no_plan(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("issue:\n  number: 3\n  title: Broken\n"
                   "risks:\n  - risk: x\n    probability: Often\n    impact: High\n", "utf-8")
    out = tmp_path / "DIR"
    result = subprocess.run([str(PAPERMILL), str(ROOT / "notebooks" / "technical_plan.ipynb"),
                             str(tmp_path / "out.ipynb"), "-p", "inputs_path", str(bad), "-p", "output_dir", str(out),
                             "-p", "as_of", AS_OF, "--no-progress-bar"],
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode != 0
    assert "InputsInvalid" in result.stderr
    assert not out.exists()
    nb = _nb(tmp_path / "out.ipynb")
    table = next(o for c in nb.cells for o in c.get("outputs", []) if "text/markdown" in o.get("data", {}))
    assert "The inputs are not valid" in table.data["text/markdown"]
    assert "| 6 | `risks[0].probability` |" in table.data["text/markdown"]
    audit = run_techplan("audit", tmp_path / "out.ipynb")
    assert "Status       failed" in audit.stdout
    assert "risks[0].probability" in audit.stdout
    assert run_techplan("verify", tmp_path / "x.md", tmp_path / "out.ipynb").returncode == 1


def test_a_cell_error_fails_the_run_keeps_the_notebook_marked_failed_and_writes_no_plan(tmp_path: Path) -> None:
    template = tmp_path / "team.md.j2"
    template.write_text('{% extends "technical-plan.md.j2" %}{% block rollback %}{{ 1 // 0 }}{% endblock %}',
                        "utf-8")
    out = tmp_path / "OUT"
    result = run_techplan("run", shared_example(), "--out", out, "--as-of", AS_OF, "--template", template)
    assert result.returncode == 1
    assert "RenderError" in result.stderr and "ZeroDivisionError" in result.stderr
    assert "technical-plan.failed.ipynb" in result.stderr
    folder = out / FOLDER
    assert not (folder / "technical-plan.md").exists()
    assert not (folder / "technical-plan.ipynb").exists()
    nb = _nb(folder / "technical-plan.failed.ipynb")
    record = nb.metadata.techplan
    assert record["status"] == "failed" and record["plan"] is None
    assert record["error"]["ename"] == "RenderError"
    failed_cell = nb.cells[record["error"]["cell"]]
    assert failed_cell.metadata.papermill.status == "failed"
    assert "show_plan" in failed_cell.source
    assert nb.metadata.papermill.exception is True


def _notebook_with(tmp_path: Path, code: str, after: str = "tp.show_risks(run)") -> Path:
    nb = nbformat.read(str(ROOT / "notebooks" / "technical_plan.ipynb"), as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if c.source.strip() == after)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(code))
    path = tmp_path / "team.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_a_cell_past_the_timeout_fails_the_run_with_the_reason_stamped(tmp_path: Path) -> None:
    notebook = _notebook_with(tmp_path, "import time\ntime.sleep(30)")
    out = tmp_path / "OUT"
    result = run_techplan("run", shared_example(), "--out", out, "--as-of", AS_OF, "--notebook", notebook,
                          "--timeout", "2")
    assert result.returncode == 1
    assert "timeout" in result.stderr
    nb = _nb(out / FOLDER / "technical-plan.failed.ipynb")
    record = nb.metadata.techplan
    assert record["status"] == "failed" and record["error"]["reason"] == "timeout"
    cell = nb.cells[record["error"]["cell"]]
    assert "time.sleep(30)" in cell.source
    assert cell.outputs[-1].ename == "CellTimeoutError"
    assert not (out / FOLDER / "technical-plan.md").exists()


def test_run_refuses_to_overwrite_a_hand_edited_plan_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "OUT"
    assert run_techplan("run", shared_example(), "--out", out, "--as-of", AS_OF).returncode == 0
    plan = out / FOLDER / "technical-plan.md"
    plan.write_text(plan.read_text("utf-8") + "\nA note added by hand.\n", "utf-8")
    refused = run_techplan("run", shared_example(), "--out", out, "--as-of", AS_OF)
    assert refused.returncode == 2
    assert "edited by hand" in refused.stderr
    assert "A note added by hand." in plan.read_text("utf-8")
    forced = run_techplan("run", shared_example(), "--out", out, "--as-of", AS_OF, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "A note added by hand." not in plan.read_text("utf-8")
    assert "A note added by hand." in (out / FOLDER / "technical-plan.md.bak").read_text("utf-8")


def test_the_kernel_is_this_interpreter_even_when_another_python3_kernelspec_is_installed(tmp_path: Path) -> None:
    import os

    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": ["/bin/false", "{connection_file}"],
                                                  "display_name": "Elsewhere", "language": "python"}), "utf-8")
    out = tmp_path / "OUT"
    env = dict(os.environ, JUPYTER_PATH=str(tmp_path / "jupyter"))
    result = subprocess.run([sys.executable, "-m", "techplan_nb", "run", str(shared_example()), "--out", str(out),
                             "--as-of", AS_OF], capture_output=True, text=True, env=env, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    nb = _nb(out / FOLDER / "technical-plan.ipynb")
    assert nb.metadata.techplan["kernel"]["python"] == sys.executable


def test_a_notebook_without_a_parameters_cell_is_a_usage_error(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    path = tmp_path / "plain.ipynb"
    nbformat.write(nb, str(path))
    result = run_techplan("run", shared_example(), "--out", tmp_path / "OUT", "--as-of", AS_OF, "--notebook", path)
    assert result.returncode == 2
    assert "parameters" in result.stderr and "inputs_path" in result.stderr
    assert not (tmp_path / "OUT").exists()


def test_a_json_inputs_file_is_copied_as_json(tmp_path: Path) -> None:
    source = write_inputs(tmp_path, example_data(), "issue.json")
    out = tmp_path / "OUT"
    result = run_techplan("run", source, "--out", out, "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    assert (out / FOLDER / "inputs.json").read_bytes() == source.read_bytes()


def test_a_team_notebook_that_writes_no_plan_fails_the_run(tmp_path: Path) -> None:
    nb = nbformat.read(str(ROOT / "notebooks" / "technical_plan.ipynb"), as_version=4)
    nb.cells = [c for c in nb.cells if "write_outputs" not in c.source]
    notebook = tmp_path / "forgetful.ipynb"
    nbformat.write(nb, str(notebook))
    out = tmp_path / "OUT"
    result = run_techplan("run", shared_example(), "--out", out, "--as-of", AS_OF, "--notebook", notebook)
    assert result.returncode == 1
    assert "without writing technical-plan.md" in result.stderr
    record = _nb(out / FOLDER / "technical-plan.failed.ipynb").metadata.techplan
    assert record["status"] == "failed" and record["error"]["reason"] == "no-plan"


def test_a_rerun_removes_charts_the_plan_no_longer_links(tmp_path: Path) -> None:
    out = tmp_path / "OUT"
    data = example_data()
    source = write_inputs(tmp_path, data, "issue.yaml")
    assert run_techplan("run", source, "--out", out, "--as-of", AS_OF).returncode == 0
    assert (out / FOLDER / "risk-heatmap.png").exists()
    data["risks"] = []
    write_inputs(tmp_path, data, "issue.yaml")
    rerun = run_techplan("run", source, "--out", out, "--as-of", AS_OF)
    assert rerun.returncode == 0, rerun.stderr
    assert not (out / FOLDER / "risk-heatmap.png").exists()
    assert "risk-heatmap.png" not in (out / FOLDER / "technical-plan.md").read_text("utf-8")
    assert (out / FOLDER / "schedule-gantt.png").exists()


def test_a_rerun_refuses_to_replace_an_inputs_copy_a_review_changed_unless_it_matches_or_is_forced(
        tmp_path: Path) -> None:
    out = tmp_path / "OUT"
    source = write_inputs(tmp_path, example_data(), "issue.yaml")
    assert run_techplan("run", source, "--out", out, "--as-of", AS_OF).returncode == 0
    copy = out / FOLDER / "inputs.yaml"
    review = run_techplan("review", "add", out / FOLDER, "--reviewer", "Dana", "--status", "Changes Requested",
                          "--feedback", "Split the export task", "--as-of", AS_OF, "--fast")
    assert review.returncode == 0, review.stderr
    reviewed = copy.read_bytes()
    assert b"Split the export task" in reviewed
    before = {p: p.read_bytes() for p in (out / FOLDER).iterdir()}

    for command, options, code in (("run", (), 2), ("batch", ("--no-progress",), 1)):
        refused = run_techplan(command, source, "--out", out, "--as-of", AS_OF, *options)
        assert refused.returncode == code, refused.stderr
        assert str(copy) in refused.stderr and "--force" in refused.stderr, refused.stderr
        assert "techplan update" in refused.stderr and "Traceback" not in refused.stderr
        assert {p: p.read_bytes() for p in (out / FOLDER).iterdir()} == before

    # New inputs that already hold the review lose nothing: the run goes ahead.
    reviewed_source = tmp_path / "reviewed.yaml"
    reviewed_source.write_bytes(reviewed)
    same = run_techplan("run", reviewed_source, "--out", out, "--as-of", AS_OF)
    assert same.returncode == 0, same.stderr
    assert copy.read_bytes() == reviewed

    # The copy is techplan's own again, so the next edit of the source replaces it freely...
    data = example_data()
    data["issue"]["summary"] = "A summary changed in the source file."
    write_inputs(tmp_path, data, "reviewed.yaml")
    edited = run_techplan("run", reviewed_source, "--out", out, "--as-of", AS_OF)
    assert edited.returncode == 0, edited.stderr
    assert copy.read_bytes() == reviewed_source.read_bytes()

    # ...and --force replaces a changed copy, keeping it as .bak.
    copy.write_bytes(reviewed)
    forced = run_techplan("run", source, "--out", out, "--as-of", AS_OF, "--force")
    assert forced.returncode == 0, forced.stderr
    assert copy.read_bytes() == source.read_bytes()
    assert (out / FOLDER / "inputs.yaml.bak").read_bytes() == reviewed


def test_a_run_staged_for_another_folder_records_that_folder_and_where_it_was_staged(tmp_path: Path) -> None:
    from techplan_nb.audit import format_text, read
    from techplan_nb.runner import run_plan

    stage, plans = tmp_path / ".techplan-run-x", tmp_path / "plans"
    result = run_plan(shared_example(), stage, as_of=dt.date(2026, 11, 20), installed_in=plans)
    assert result.status == "succeeded", result.message
    nb = _nb(Path(result.notebook))
    record = nb.metadata.techplan
    assert record["parameters"]["output_dir"] == str(plans.resolve())
    assert record["staged_in"] == str(stage.resolve())
    assert nb.metadata.papermill["output_path"] == str(plans.resolve() / FOLDER / "technical-plan.ipynb")
    text = format_text(read(Path(result.notebook)))
    assert f"{plans.resolve()}/{FOLDER}/technical-plan.md" in text
    (staged,) = [line for line in text.splitlines() if line.strip().startswith("Staged in")]
    assert str(stage.resolve()) in staged
    # A run that is not staged records its own folder and nothing about staging.
    plain = read(out := Path(run_plan(shared_example(), plans, as_of=dt.date(2026, 11, 20)).notebook))
    assert plain.record["parameters"]["output_dir"] == str(plans.resolve()) and "staged_in" not in plain.record
    assert "Staged in" not in format_text(plain) and out.parent.parent == plans


def test_a_folder_where_the_inputs_copy_goes_is_refused_before_any_kernel(tmp_path: Path) -> None:
    (tmp_path / "OUT" / FOLDER / "inputs.yaml").mkdir(parents=True)
    result = run_techplan("run", shared_example(), "--out", tmp_path / "OUT", "--as-of", AS_OF)
    assert result.returncode == 2, result.stderr
    assert "inputs.yaml: is a folder" in result.stderr and "Traceback" not in result.stderr
    assert [p.name for p in (tmp_path / "OUT" / FOLDER).iterdir()] == ["inputs.yaml"]


def test_run_no_images_writes_a_plan_for_pasting_that_verify_accepts(tmp_path: Path) -> None:
    # A relative image link shows broken in a PR description or an issue comment.
    out = tmp_path / "OUT"
    result = run_techplan("run", shared_example(), "--out", out, "--as-of", AS_OF, "--no-images")
    assert result.returncode == 0, result.stderr
    folder = out / FOLDER
    text = (folder / "technical-plan.md").read_text("utf-8")
    assert re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text) == [] and "<img" not in text
    assert text == run_techplan("render", shared_example(), "--as-of", AS_OF, "--no-images").stdout
    for chart in CHART_NAMES:  # still drawn and kept in the folder
        assert (folder / chart).is_file()
    record = _nb(folder / "technical-plan.ipynb").metadata.techplan
    assert record["parameters"]["images"] is False
    verified = run_techplan("verify", folder / "technical-plan.md")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert PlanFolder(folder).previous_settings().get("images") is False  # update makes it so again
