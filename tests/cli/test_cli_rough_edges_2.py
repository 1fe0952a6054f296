"""Issue 16's remaining CLI rough edges, each with the behaviour it has now."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_techplan

ROOT = Path(__file__).resolve().parents[2]
IMPORT_CASES = ROOT / "tests" / "cases" / "import"


# --- import: the sections still empty ---------------------------------------------------------


def test_import_says_how_many_sections_are_empty_and_names_only_the_required(tmp_path: Path) -> None:
    # Was: "still empty: " and 28 section names, required or not, on one line.
    out = tmp_path / "inputs.yaml"
    result = run_techplan("import", "github", IMPORT_CASES / "rest-issue-null-body.json", "-o", out,
                          "--as-of", "2026-11-20")
    assert result.returncode == 0, result.stderr
    note = next(line for line in result.stderr.splitlines() if "still empty" in line)
    assert note.startswith(f"{out}: 28 sections still empty (Issue Summary, Functional Requirements, ")
    assert "Rollback Strategy are required before review)" in note
    assert "Modified Tables" not in note and "Future Considerations" not in note
    assert f"`techplan render {out} -o plan.md` then `techplan check plan.md`" in note


# --- index --------------------------------------------------------------------------------------


def test_index_of_a_folder_of_inputs_files_says_to_make_the_plans_first(tmp_path: Path) -> None:
    # Was: "wrote: inputs/README.md (0 plans, 0 flagged)", exit 0.
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for name in ("issue-57-roast-export.yaml", "minimal.yaml"):
        (inputs / name).write_bytes((ROOT / "examples" / name).read_bytes())
    result = run_techplan("index", "inputs", cwd=tmp_path)
    assert result.returncode == 2
    assert ("inputs: holds no plan folders, but 2 files that look like inputs files (issue-57-roast-export.yaml, "
            "minimal.yaml); make their plans first with `techplan batch inputs --out plans`") in result.stderr
    assert not (inputs / "README.md").exists()
    empty = tmp_path / "plans"
    empty.mkdir()
    (empty / "summary.json").write_text("{}", "utf-8")  # a batch whose plans all failed: still an index
    assert run_techplan("index", "plans", cwd=tmp_path).returncode == 0


def test_index_links_only_plans_that_exist(tmp_path: Path) -> None:
    # Was: every row linked issue-N-slug/technical-plan.md, written or not.
    plans = tmp_path / "plans"
    for folder, name in (("issue-57-roast", "issue-57-roast-export.yaml"), ("issue-12-login", "minimal.yaml")):
        (plans / folder).mkdir(parents=True)
        (plans / folder / "inputs.yaml").write_bytes((ROOT / "examples" / name).read_bytes())
    assert run_techplan("render", plans / "issue-12-login", "-o", plans / "issue-12-login" / "technical-plan.md",
                        "--as-of", "2026-11-20").returncode == 0
    result = run_techplan("index", "plans", "-o", "-", "--as-of", "2026-11-20", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "| [#12](<issue-12-login/technical-plan.md>) |" in result.stdout
    assert "| #57 (no plan yet) | Export roast profiles" in result.stdout
    assert "issue-57-roast/technical-plan.md" not in result.stdout
    assert "\n1 folder holds inputs but no technical-plan.md yet (no link): `techplan update FOLDER` writes it.\n" \
        in result.stdout


# --- batch: the folder import github wrote -----------------------------------------------------


def test_batch_of_a_folder_of_plan_folders_reads_their_inputs_one_level_down(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Was: "plans: the folder holds no .yaml, .yml or .json files" on the folder import github wrote.
    from techplan_nb.batch import expand_inputs

    plans = tmp_path / "plans"
    for folder in ("issue-57-roast", "issue-12-login", ".hidden", "notes"):
        (plans / folder).mkdir(parents=True)
    for folder in ("issue-57-roast", "issue-12-login", ".hidden"):
        (plans / folder / "inputs.yaml").write_text("issue: {number: 1, title: x}\n", "utf-8")
    for name in ("summary.json", ".techplan-state.json"):  # a batch's own files, beside the folders
        (plans / name).write_text("{}", "utf-8")
    assert expand_inputs([str(plans)]) == [plans / "issue-12-login" / "inputs.yaml",
                                           plans / "issue-57-roast" / "inputs.yaml"]
    assert (f"techplan: {plans}: no inputs files in the folder itself; using the inputs of its 2 plan folders "
            "(issue-12-login, issue-57-roast)") in capsys.readouterr().err
    loose = tmp_path / "inputs"
    loose.mkdir()
    (loose / "a.yaml").write_text("issue: {number: 1, title: x}\n", "utf-8")
    (loose / "sub").mkdir()
    (loose / "sub" / "inputs.yaml").write_text("issue: {number: 2, title: y}\n", "utf-8")
    assert expand_inputs([str(loose)]) == [loose / "a.yaml"]  # files in the folder itself come first


def test_batch_of_a_folder_with_neither_says_what_it_looked_for(tmp_path: Path) -> None:
    (tmp_path / "empty" / "notes").mkdir(parents=True)
    result = run_techplan("batch", "empty", "--out", "plans", cwd=tmp_path)
    assert result.returncode == 2
    assert ("empty: the folder holds no .yaml, .yml or .json files, nor plan folders holding inputs.yaml "
            "(as `techplan import github -o empty` writes them)") in result.stderr


# --- plan folder names --------------------------------------------------------------------------


def test_a_new_plan_folder_name_is_cut_between_words() -> None:
    # Was: issue-57-export-roast-profiles-to-csv-and-share-them-by-lin
    from techplan_nb.output import plan_dir_name, slug

    assert plan_dir_name(57, "Export roast profiles to CSV and share them by link") == \
        "issue-57-export-roast-profiles-to-csv-and-share-them-by"
    assert slug("a" * 60) == "a" * 50  # one word longer than the limit: cut where it must be
    assert slug("exactly ten", 11) == "exactly-ten" and slug("exactly ten", 10) == "exactly"
    assert slug("¿¡!") == "plan"


def test_an_existing_folder_of_the_issue_is_found_whatever_its_slug(tmp_path: Path) -> None:
    from techplan_nb.output import find_plan_dir

    title = "Export roast profiles to CSV and share them by link"
    assert find_plan_dir(tmp_path / "missing", 57, title) == "issue-57-export-roast-profiles-to-csv-and-share-them-by"
    (tmp_path / "issue-57-export-roast-profiles-to-csv-and-share-them-by-lin").mkdir()  # an older version's cut
    (tmp_path / "issue-570-other").mkdir()
    (tmp_path / "issue-57-a-file").write_text("", "utf-8")
    assert find_plan_dir(tmp_path, 57, title) == "issue-57-export-roast-profiles-to-csv-and-share-them-by-lin"
    assert find_plan_dir(tmp_path, 57, "A new title") == "issue-57-export-roast-profiles-to-csv-and-share-them-by-lin"
    assert find_plan_dir(tmp_path, 5, title) == "issue-5-export-roast-profiles-to-csv-and-share-them-by"


def test_import_github_into_a_folder_finds_the_issues_existing_plan_folder(tmp_path: Path) -> None:
    old = tmp_path / "plans" / "issue-57-export-roast-profiles-to-csv-and-share-them-by-lin"
    old.mkdir(parents=True)
    (old / "inputs.yaml").write_text("# reviewed\n", "utf-8")
    export = (ROOT / "docs" / "examples" / "issue-57.json").read_text("utf-8")
    refused = run_techplan("import", "github", "-", "-o", "plans/", stdin=f"[{export}]", cwd=tmp_path)
    assert refused.returncode == 2 and f"{old / 'inputs.yaml'} already exists" in refused.stderr
    forced = run_techplan("import", "github", "-", "-o", "plans/", "--force", stdin=f"[{export}]", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert [p.name for p in (tmp_path / "plans").iterdir()] == [old.name]


# --- --as-of ----------------------------------------------------------------------------------------


def _dated_inputs(folder: Path) -> Path:
    text = (ROOT / "examples" / "minimal.yaml").read_text("utf-8")
    path = folder / "inputs.yaml"
    path.write_text(text + "last_updated: 2026-10-01\n", "utf-8")
    return path


def _last_updated(markdown: str) -> str:
    return next(line.rstrip() for line in markdown.splitlines() if line.startswith("**Last Updated**"))


def test_render_an_explicit_as_of_is_the_plans_date_over_the_inputs_last_updated(tmp_path: Path) -> None:
    # Was: once the inputs held last_updated, --as-of changed nothing in the plan.
    inputs = _dated_inputs(tmp_path)
    given = run_techplan("render", inputs, "--as-of", "2026-11-20")
    assert given.returncode == 0, given.stderr
    assert _last_updated(given.stdout) == "**Last Updated**: 2026-11-20"
    left_out = run_techplan("render", inputs)
    assert _last_updated(left_out.stdout) == "**Last Updated**: 2026-10-01"
    analysis = run_techplan("analyze", inputs)
    assert '"as_of": "2026-10-01"' in analysis.stdout
    # The schedule does not move with it.
    assert given.stdout.replace("2026-11-20", "X") == left_out.stdout.replace("2026-10-01", "X")


def test_as_of_help_says_what_it_does_on_each_command() -> None:
    for command in ("render", "analyze", "run", "batch"):
        text = " ".join(run_techplan(command, "--help").stdout.split())
        assert "the plan's date: its Last Updated line shows it, in place of the inputs' last_updated" in text
        assert "the day analysis counts from" not in text
    assert "stale plans are counted to" in " ".join(run_techplan("index", "--help").stdout.split())
    assert "written to the inputs' last_updated" in " ".join(run_techplan("approve", "--help").stdout.split())
