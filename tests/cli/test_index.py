"""`techplan index plans/` writes plans/README.md: one row per plan, stale plans flagged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from techplan_nb.analysis import analyse
from techplan_nb.index import build_index, stale_flags
from techplan_nb.model import PlanInput
from techplan_nb.output import plan_dir_name

from helpers import example_data, run_techplan, write_inputs

AS_OF = dt.date(2026, 11, 20)
ROLES = ("System Architect (Author)", "Staff UX Designer (if UI changes)", "Engineering Manager", "Stakeholder")


def variant(number: int, title: str, **changes: Any) -> dict[str, Any]:
    data = example_data()
    data["issue"] = {"number": number, "title": title}
    data.update(changes)
    return data


def five_plans() -> list[dict[str, Any]]:
    late_timeline = dict(example_data()["timeline"], start="2026-09-01")
    return [
        # Under review for 19 days by as_of: stale with --stale-days 14.
        variant(57, "Export roast profiles", status="Under Review", status_since="2026-11-01",
                last_updated="2026-11-04"),
        # A bare Draft: no risks, no timeline.
        {"issue": {"number": 12, "title": "Rate-limit | the login endpoint"}, "status": "Draft"},
        # Approved, but its P80 date passed long ago.
        variant(30, "Roast comparison view", status="Approved", timeline=late_timeline,
                approvals=[{"role": r, "approved": True} for r in ROLES], last_updated="2026-09-01"),
        # Recently under review, two of four approvals.
        variant(41, "Green bean inventory", status="Under Review", status_since="2026-11-15",
                approvals=[{"role": r, "approved": i < 2} for i, r in enumerate(ROLES)]),
        # Backend-only draft: the UX designer is not required, so three approvals are.
        variant(8, "Nightly backups", status="Draft", approach={"backend": {"models": "Backup"}}, reviews=[],
                approvals=[]),
    ]


def make_plans(root: Path) -> Path:
    plans = root / "plans"
    for data in five_plans():
        folder = plans / plan_dir_name(data["issue"]["number"], data["issue"]["title"])
        folder.mkdir(parents=True)
        write_inputs(folder, data)
        (folder / "technical-plan.md").write_text("# plan\n", "utf-8")  # the index links only plans that exist
    (plans / ".hidden").mkdir()
    (plans / "notes").mkdir()  # no plan in it: not a row
    return plans


def table(markdown: str) -> list[list[str]]:
    """The index's table as a Markdown parser sees it: one list of cell texts per body row."""
    rows: list[list[str]] = []
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    in_body = False
    for token in tokens:
        if token.type == "tbody_open":
            in_body = True
        elif token.type == "tr_open" and in_body:
            rows.append([])
        elif token.type == "inline" and in_body and rows:
            rows[-1].append(token.content)
    return rows


def test_index_of_five_plans_writes_one_row_each_in_issue_order(tmp_path: Path) -> None:
    plans = make_plans(tmp_path)
    result = run_techplan("index", plans, "--as-of", AS_OF.isoformat(), "--stale-days", "14")
    assert result.returncode == 0, result.stderr
    assert "5 plans, 2 flagged" in result.stderr
    markdown = (plans / "README.md").read_text("utf-8")
    rows = table(markdown)
    assert [row[0] for row in rows] == [f"[#{n}](<{plan_dir_name(n, t)}/technical-plan.md>)" for n, t in
                                        [(8, "Nightly backups"), (12, "Rate-limit | the login endpoint"),
                                         (30, "Roast comparison view"), (41, "Green bean inventory"),
                                         (57, "Export roast profiles")]]
    by_issue = {row[0].split("]")[0][2:]: row for row in rows}
    example = analyse(PlanInput.model_validate(five_plans()[0]), as_of=AS_OF)
    assert by_issue["57"][1:7] == ["Export roast profiles", "Under Review", str(example.risk.overall),
                                   str(example.schedule.p80), "1/4", "2026-11-04"]
    assert by_issue["57"][7] == "stale: Under Review for 19 days (since 2026-11-01)"
    # The title's pipe stays inside its cell; a bare draft has no open risk ("None") and no date.
    assert all(len(row) == 8 for row in rows)
    assert by_issue["12"][1:7] == ["Rate-limit | the login endpoint", "Draft", "None", "—", "0/3", "—"]
    late = analyse(PlanInput.model_validate(five_plans()[2]), as_of=AS_OF).schedule.p80
    assert late is not None and late < AS_OF
    assert by_issue["30"][2] == "Approved" and by_issue["30"][5] == "4/4"
    assert by_issue["30"][7] == f"stale: P80 finish date {late} has passed"
    assert by_issue["41"][5] == "2/4" and by_issue["41"][7] == ""
    assert by_issue["8"][5] == "0/3" and by_issue["8"][7] == ""
    assert "5 plans as of 2026-11-20: 2 Draft · 2 Under Review · 1 Approved; 2 flagged." in markdown


def test_stale_days_sets_when_a_plan_under_review_is_flagged(tmp_path: Path) -> None:
    plans = make_plans(tmp_path)
    patient = build_index(plans, as_of=AS_OF, stale_days=19)
    strict = build_index(plans, as_of=AS_OF, stale_days=4)
    flagged = {row.number: row.flags for row in patient.rows if row.flags}
    assert set(flagged) == {30}
    assert {row.number for row in strict.rows if row.flags} == {30, 41, 57}


def test_under_review_without_status_since_counts_from_the_first_review() -> None:
    plan = PlanInput.model_validate(variant(57, "x", status="Under Review"))
    assert stale_flags(plan, None, as_of=AS_OF, stale_days=16) == []
    assert stale_flags(plan, None, as_of=AS_OF, stale_days=15) == [
        "stale: Under Review for 16 days (since 2026-11-04)"]


def test_a_plan_that_cannot_be_read_gets_a_flagged_row_and_exit_1(tmp_path: Path) -> None:
    plans = make_plans(tmp_path)
    broken = plans / "issue-99-broken"
    broken.mkdir()
    (broken / "inputs.yaml").write_text("issue:\n  number: 99\n  title: Broken\nstatus: Finished\n", "utf-8")
    result = run_techplan("index", plans, "--as-of", AS_OF.isoformat())
    assert result.returncode == 1
    assert "issue-99-broken" in result.stderr and "status" in result.stderr
    rows = table((plans / "README.md").read_text("utf-8"))
    assert len(rows) == 6
    assert rows[-1][2] == "?" and rows[-1][7].startswith("cannot read the plan:")


@pytest.mark.parametrize("plan_bytes",
                         [bytes(range(256)) * 4, b"# Technical Plan: X\n\n**Last Updated**: 2026-02-30\n"],
                         ids=["binary", "impossible-date"])
def test_a_plan_file_that_is_binary_or_misdated_gets_a_row_not_an_internal_error(plan_bytes: bytes,
                                                                                 tmp_path: Path) -> None:
    # Its Last Updated line is read for the row of a plan without inputs: the UTF-8 decode and the
    # date parse raised (exit 3).
    plans = make_plans(tmp_path)
    odd = plans / "issue-98-odd"
    odd.mkdir()
    (odd / "technical-plan.md").write_bytes(plan_bytes)
    result = run_techplan("index", plans, "--as-of", AS_OF.isoformat())
    assert result.returncode == 1, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "issue-98-odd/inputs.yaml: (file): missing" in result.stderr
    rows = table((plans / "README.md").read_text("utf-8"))
    assert len(rows) == 6 and rows[-1][2] == "?"


def test_the_index_is_not_overwritten_after_a_hand_edit(tmp_path: Path) -> None:
    plans = make_plans(tmp_path)
    assert run_techplan("index", plans, "--as-of", AS_OF.isoformat()).returncode == 0
    readme = plans / "README.md"
    readme.write_text(readme.read_text("utf-8") + "\nOwner: platform team\n", "utf-8")
    refused = run_techplan("index", plans, "--as-of", AS_OF.isoformat())
    assert refused.returncode == 2 and "edited by hand" in refused.stderr
    forced = run_techplan("index", plans, "--as-of", AS_OF.isoformat(), "--force")
    assert forced.returncode == 0
    assert (plans / "README.md.bak").read_text("utf-8").endswith("Owner: platform team\n")


def test_index_is_deterministic_and_can_print_to_stdout(tmp_path: Path) -> None:
    plans = make_plans(tmp_path)
    first = run_techplan("index", plans, "--as-of", AS_OF.isoformat(), "-o", "-")
    second = run_techplan("index", plans, "--as-of", AS_OF.isoformat(), "-o", "-")
    assert first.returncode == 0 and first.stdout == second.stdout
    assert first.stdout.startswith("# Technical Plans\n")
    assert not (plans / "README.md").exists()


@pytest.mark.parametrize("target, reason", [("missing", "no such folder"), ("file.txt", "is a file, not a folder")])
def test_index_of_something_that_is_not_a_folder_is_a_usage_error(tmp_path: Path, target: str, reason: str) -> None:
    (tmp_path / "file.txt").write_text("x", "utf-8")
    result = run_techplan("index", tmp_path / target)
    assert result.returncode == 2 and f"{tmp_path / target}: {reason}" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("name", ["issue-9-a>b", "issue-9-a|b", "issue-9-)(<", "issue-9-with space", "issue-9-ünï",
                                  "issue-9-a%20b", "issue-9-a&amp;b", "plan [a](b)"])
def test_a_folder_named_by_hand_still_gets_one_row_linking_to_its_plan(tmp_path: Path, name: str) -> None:
    from urllib.parse import unquote

    plans = tmp_path / "plans"
    folder = plans / name
    folder.mkdir(parents=True)
    write_inputs(folder, {"issue": {"number": 9, "title": "A | b"}})
    broken = plans / f"{name} (broken)"
    broken.mkdir()
    (broken / "inputs.yaml").write_text("issue: [\n", "utf-8")
    for made in (folder, broken):  # the index links only plans that exist
        (made / "technical-plan.md").write_text("# plan\n", "utf-8")
    markdown = build_index(plans, as_of=AS_OF).markdown
    rows = table(markdown)
    assert [len(row) for row in rows] == [8, 8]
    hrefs = [unquote(str(child.attrs["href"])) for token in MarkdownIt("commonmark").enable("table").parse(markdown)
             for child in (token.children or []) if child.type == "link_open"]
    assert hrefs == [f"{name}/technical-plan.md", f"{name} (broken)/technical-plan.md"]
    assert rows[0][1] == "A | b"
