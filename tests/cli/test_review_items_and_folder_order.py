"""`review add --feedback` and `review resolve --resolution` with the plan folder first or last.

argparse's nargs="+" took the folder written after the items for one more item, then said the
folder was missing. One item per option: the folder may come anywhere; after the folder, one
option still takes several items (the older form).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from techplan_nb.inputs import load_path

from helpers import example_data, run_techplan, write_inputs

AS_OF = ("--as-of", "2026-11-20")


def plan_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "plans" / "issue-57"
    folder.mkdir(parents=True)
    write_inputs(folder, example_data())
    return folder


def last_round(folder: Path) -> tuple[list[str], list[str]]:
    review = load_path(folder / "inputs.yaml").reviews[-1]
    return list(review.feedback), list(review.resolution)


@pytest.mark.parametrize("order", ["folder first, several items after one option",
                                   "folder first, one item per option",
                                   "folder last, one item per option",
                                   "folder between the options"])
def test_the_folder_may_come_first_or_last(tmp_path: Path, order: str) -> None:
    folder = plan_folder(tmp_path)
    add = ["--reviewer", "Kim", "--status", "Changes Requested", *AS_OF, "--fast"]
    resolve = ["--round", "2", *AS_OF, "--fast"]
    if order.startswith("folder first, several"):
        add_argv = [folder, *add, "--feedback", "A", "B"]
        resolve_argv = [folder, *resolve, "--resolution", "C", "D"]
    elif order.startswith("folder first"):
        add_argv = [folder, *add, "--feedback", "A", "--feedback", "B"]
        resolve_argv = [folder, *resolve, "--resolution", "C", "--resolution", "D"]
    elif order.startswith("folder last"):
        add_argv = [*add, "--feedback", "A", "--feedback", "B", folder]
        resolve_argv = [*resolve, "--resolution", "C", "--resolution", "D", folder]
    else:
        add_argv = ["--feedback", "A", folder, *add, "--feedback", "B"]
        resolve_argv = ["--resolution", "C", folder, *resolve, "--resolution", "D"]
    added = run_techplan("review", "add", *add_argv)
    assert added.returncode == 0, added.stderr
    resolved = run_techplan("review", "resolve", *resolve_argv)
    assert resolved.returncode == 0, resolved.stderr
    assert last_round(folder) == (["A", "B"], ["C", "D"])


def test_a_second_word_after_an_option_before_the_folder_is_refused_naming_it(tmp_path: Path) -> None:
    folder = plan_folder(tmp_path)
    before = (folder / "inputs.yaml").read_bytes()
    refused = run_techplan("review", "add", "--reviewer", "Kim", "--status", "Changes Requested",
                           "--feedback", "A", "B", folder, *AS_OF)
    assert refused.returncode == 2
    assert "--feedback takes one TEXT each: 'B' is a second one" in refused.stderr
    assert (folder / "inputs.yaml").read_bytes() == before


@pytest.mark.parametrize("argv", [["review", "add", "--reviewer", "Kim", "--status", "Approved"],
                                  ["review", "resolve", "--round", "1", "--resolution", "only an item"]])
def test_no_folder_at_all_is_still_a_usage_error_naming_plan_dir(argv: list[str]) -> None:
    refused = run_techplan(*argv)
    assert refused.returncode == 2
    assert "the following arguments are required: PLAN_DIR" in refused.stderr


def test_the_usage_line_shows_plan_dir_as_required() -> None:
    shown = run_techplan("review", "add", "--help")
    assert shown.returncode == 0
    assert "[PLAN_DIR]" not in shown.stdout and "PLAN_DIR" in shown.stdout
