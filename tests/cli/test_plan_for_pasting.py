"""A plan for pasting into a GitHub issue or pull request links no image (`--no-images`): a
relative link such as finish-distribution.png shows broken there. `render` prints that plan,
`run --no-images` writes it (tests/system/test_run_cli.py), and `update` keeps a folder's choice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from techplan_nb.plan_folder import INPUTS_FILE, PLAN_FILE, PlanFolder

from helpers import AS_OF, run_techplan, shared_example

IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


def assert_pasteable(text: str) -> None:
    assert IMAGE_LINK.findall(text) == [] and "<img" not in text.lower()


def test_render_no_images_prints_a_plan_with_no_image_link(tmp_path: Path) -> None:
    plain = run_techplan("render", shared_example(), "--as-of", AS_OF)
    pasted = run_techplan("render", shared_example(), "--as-of", AS_OF, "--no-images")
    assert pasted.returncode == 0, pasted.stderr
    assert_pasteable(pasted.stdout)
    assert pasted.stdout == plain.stdout  # render's Markdown links none in any case
    assert "P80" in pasted.stdout  # the finish-date chart's numbers stay in the schedule summary


def test_render_no_images_with_html_is_refused_saying_why(tmp_path: Path) -> None:
    result = run_techplan("render", shared_example(), "--as-of", AS_OF, "--format", "html", "--no-images",
                          "-o", tmp_path / "plan.html")
    assert result.returncode == 2 and "charts inline" in result.stderr
    assert not (tmp_path / "plan.html").exists()


def _folder_made_with(tmp_path: Path, settings: dict[str, object]) -> PlanFolder:
    """A plan folder as a run left it: inputs, plan, the chart beside it and the run's settings."""
    folder = PlanFolder(tmp_path / "plans" / "issue-57")
    folder.path.mkdir(parents=True)
    plan = run_techplan("render", shared_example(), "--as-of", AS_OF).stdout
    with folder.locked("test"):
        txn = folder.transaction("test")
        txn.write(INPUTS_FILE, shared_example().read_bytes(), record=True)
        txn.write(PLAN_FILE, plan, record=True)
        txn.write("finish-distribution.png", PNG)
        txn.keep_generated(plan, settings)
        txn.commit()
    return folder


@pytest.mark.parametrize("images", [True, False])
def test_update_keeps_the_folders_choice_of_images(tmp_path: Path, images: bool) -> None:
    settings: dict[str, object] = {"seed": 0, "template": ""} | ({} if images else {"images": False})
    folder = _folder_made_with(tmp_path, settings)
    inputs = folder.inputs_path.read_text("utf-8").replace("share them by link", "share them by a link", 1)
    assert inputs != folder.inputs_path.read_text("utf-8")
    folder.inputs_path.write_text(inputs, "utf-8")
    result = run_techplan("update", folder.path, "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    text = folder.plan_path.read_text("utf-8")
    assert "share them by a link" in text
    if images:
        assert IMAGE_LINK.findall(text) == ["finish-distribution.png"]
    else:
        assert_pasteable(text)
        assert folder.previous_settings().get("images") is False  # and the next update too


def test_a_team_notebook_without_an_images_parameter_is_refused_for_no_images(tmp_path: Path) -> None:
    # papermill passes only the parameters a notebook declares: left out, the plan would link its charts.
    import nbformat

    from techplan_nb.errors import UsageError
    from techplan_nb.runner import prepare, read_source

    team = tmp_path / "team.ipynb"
    cell = nbformat.v4.new_code_cell('inputs_path = ""\noutput_dir = ""')
    cell.metadata["tags"] = ["parameters"]
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
              "language_info": {"name": "python"}}
    nbformat.write(nbformat.v4.new_notebook(cells=[cell], metadata=kernel), str(team))
    source, _ = read_source(team)
    prepare(source, {"inputs_path": "x.yaml", "images": True}, input_path=str(team), output_path="out.ipynb")
    with pytest.raises(UsageError, match="no `images` parameter"):
        prepare(source, {"inputs_path": "x.yaml", "images": False}, input_path=str(team), output_path="out.ipynb")
