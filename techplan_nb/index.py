"""The index of a folder of plans (plans/README.md): one row per plan, stale plans flagged.

A plan folder is plans/issue-<number>-<slug>/ holding inputs.yaml (and technical-plan.md, the
audit notebook and charts from `techplan run`). Rows are computed from the inputs, the same way
the plan is, so the index never disagrees with the plans: status and approvals from the
workflow rules, overall risk and P80 finish date from techplan_nb.analysis.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import mdescape, workflow
from .errors import InputError, TechPlanError, UsageError
from .model import STATUSES, PlanInput
from .plan_folder import INPUTS_FILE, PLAN_FILE, refuse_links
from .safe_files import shown_name

INDEX_FILE = "README.md"
_LAST_UPDATED = re.compile(r"^\*\*Last Updated\*\*:\s*(\d{4}-\d{2}-\d{2})\s*$", re.MULTILINE)


@dataclass(frozen=True)
class IndexRow:
    folder: str
    number: int | None
    title: str
    status: str
    overall_risk: str
    p80: dt.date | None
    approvals: tuple[int, int]
    last_updated: dt.date | None
    flags: tuple[str, ...]
    has_plan: bool = True  # technical-plan.md is there: only then is the row a link


@dataclass(frozen=True)
class Index:
    rows: tuple[IndexRow, ...]
    problems: tuple[str, ...]  # plans that could not be read, for stderr (they get a row too)
    markdown: str


def plan_folders(plans_dir: Path) -> list[Path]:
    """Sub-folders that hold a plan (inputs.yaml or technical-plan.md), in name order."""
    if not plans_dir.is_dir():
        what = "is a file, not a folder" if plans_dir.exists() else "no such folder"
        raise UsageError(f"{plans_dir}: {what}; give the folder that holds the plan folders "
                         "(e.g. plans/, as written by `techplan run FILE --out plans/`)")
    return sorted(child for child in plans_dir.iterdir()
                  if child.is_dir() and not child.name.startswith(".")
                  and ((child / INPUTS_FILE).is_file() or (child / PLAN_FILE).is_file()))


_INPUT_SUFFIXES = (".yaml", ".yml", ".json")
_NOT_INPUTS = frozenset({"summary.json"})  # written by `techplan batch` beside the plan folders


def refuse_inputs_folder(plans_dir: Path) -> None:
    """A folder with no plan folders but inputs files is the folder of inputs, not of plans: say
    so, and how to make the plans, rather than index it as "0 plans"."""
    loose = sorted(child.name for child in plans_dir.iterdir()
                   if child.is_file() and child.suffix.lower() in _INPUT_SUFFIXES and child.name not in _NOT_INPUTS)
    if not loose:
        return
    shown = ", ".join(loose[:3]) + (f" and {len(loose) - 3} more" if len(loose) > 3 else "")
    raise UsageError(f"{plans_dir}: holds no plan folders, but {len(loose)} file{'s' if len(loose) != 1 else ''} "
                     f"that look like inputs files ({shown}); make their plans first with "
                     f"`techplan batch {plans_dir} --out plans`, then run `techplan index plans` "
                     "(nothing was written)")


def under_review_since(plan: PlanInput) -> dt.date | None:
    """When the plan went under review: status_since, else its first review round, else created."""
    if plan.status_since is not None:
        return plan.status_since
    dates = [review.date for review in plan.reviews if review.date is not None]
    return min(dates) if dates else plan.created


def stale_flags(plan: PlanInput, p80: dt.date | None, *, as_of: dt.date, stale_days: int) -> list[str]:
    flags = []
    if plan.status == workflow.UNDER_REVIEW:
        since = under_review_since(plan)
        if since is not None and (as_of - since).days > stale_days:
            flags.append(f"stale: Under Review for {(as_of - since).days} days (since {since})")
    if p80 is not None and p80 < as_of:
        flags.append(f"stale: P80 finish date {p80} has passed")
    return flags


def row_for(folder: Path, plan: PlanInput, *, as_of: dt.date, seed: int, stale_days: int) -> IndexRow:
    from .analysis import analyse

    result = analyse(plan, as_of=as_of, seed=seed)
    overall = getattr(result.risk, "overall", None)
    p80 = getattr(result.schedule, "p80", None)
    return IndexRow(
        folder=folder.name, number=plan.issue.number, title=plan.issue.title, status=plan.status,
        overall_risk=str(overall) if overall else "",
        p80=p80 if isinstance(p80, dt.date) else None,
        approvals=workflow.approvals_tally(plan),
        last_updated=plan.last_updated or _plan_last_updated(folder),
        flags=tuple(stale_flags(plan, p80 if isinstance(p80, dt.date) else None, as_of=as_of,
                                stale_days=stale_days)),
        has_plan=(folder / PLAN_FILE).is_file())


def _plan_last_updated(folder: Path) -> dt.date | None:
    from .safe_files import MAX_PLAN_BYTES, read_capped

    try:  # through the capped reader: a pipe named technical-plan.md hung the index
        raw = read_capped(folder / PLAN_FILE, MAX_PLAN_BYTES, what="Markdown plan file", links=False)
        match = _LAST_UPDATED.search(raw.decode("utf-8", errors="replace"))
        return dt.date.fromisoformat(match.group(1)) if match else None
    except (TechPlanError, ValueError):  # unreadable, or a date that does not exist: the row shows none
        return None


def build_index(plans_dir: Path, *, as_of: dt.date, seed: int = 0, stale_days: int = 14) -> Index:
    from .inputs import load_path

    rows: list[IndexRow] = []
    problems: list[str] = []
    folders = plan_folders(plans_dir)
    if not folders:
        refuse_inputs_folder(plans_dir)
    for folder in folders:
        try:
            if folder.is_symlink():  # a link to someone's private plans would list them in this index
                raise UsageError(f"{folder}: is a symbolic link to a folder elsewhere; the index reads only "
                                 "plan folders that are in it: move the folder here, or remove the link")
            refuse_links(folder)
            if not (folder / INPUTS_FILE).is_file():
                raise InputError.single(str(folder / INPUTS_FILE), "missing; the index reads each plan's inputs")
            plan = load_path(folder / INPUTS_FILE)
            rows.append(row_for(folder, plan, as_of=as_of, seed=seed, stale_days=stale_days))
        except TechPlanError as exc:
            first = exc.issues[0] if isinstance(exc, InputError) and exc.issues else exc
            problems.append(f"{folder}: skipped details: {exc}")
            rows.append(IndexRow(folder=folder.name, number=_number(folder.name), title=shown_name(folder.name),
                                 status="?", overall_risk="", p80=None, approvals=(0, 0),
                                 last_updated=None if folder.is_symlink() else _plan_last_updated(folder),
                                 flags=(f"cannot read the plan: {first}",),
                                 has_plan=(folder / PLAN_FILE).is_file()))
    rows.sort(key=lambda row: (row.number is None, row.number or 0, row.folder))
    return Index(tuple(rows), tuple(problems), render_index(rows, as_of=as_of, stale_days=stale_days))


def _number(name: str) -> int | None:
    match = re.match(r"^issue-(\d+)-", name)
    return int(match.group(1)) if match else None


def link_target(folder: str) -> str:
    """The link to a plan, whatever its folder is called by hand: '<', '>', '|', '\\', '&' and '%'
    would end the link, split the table row or be decoded, so they are percent-encoded."""
    from urllib.parse import quote

    target = f"{folder}/{PLAN_FILE}"
    return "<" + "".join(quote(c) if c in "<>|\\&%" or not c.isprintable() else c for c in target) + ">"


def render_index(rows: list[IndexRow], *, as_of: dt.date, stale_days: int) -> str:
    counts = Counter(row.status for row in rows)
    flagged = sum(1 for row in rows if row.flags)
    tally = " · ".join(f"{counts[status]} {status}" for status in STATUSES if counts[status])
    lines = [
        "# Technical Plans",
        "",
        f"{len(rows)} plan{'s' if len(rows) != 1 else ''} as of {as_of}"
        + (f": {tally}" if tally else "") + f"; {flagged} flagged.",
        "",
        f"Flagged as stale: Under Review for more than {stale_days} day{'s' if stale_days != 1 else ''}, "
        "or the P80 finish date has passed. Written by `techplan index`; regenerate it "
        "rather than editing it.",
        "",
        "| Issue | Title | Status | Overall risk | P80 | Approvals | Last updated | Flags |",
        "|-------|-------|--------|--------------|-----|-----------|--------------|-------|",
    ]
    for row in rows:
        issue = f"#{row.number}" if row.number is not None else row.folder
        given, needed = row.approvals
        lines.append("| " + " | ".join([
            f"[{mdescape.cell(issue)}]({link_target(row.folder)})" if row.has_plan
            else f"{mdescape.cell(issue)} (no plan yet)",
            mdescape.cell(row.title),
            mdescape.cell(row.status),
            mdescape.cell(row.overall_risk or "—"),
            str(row.p80) if row.p80 else "—",
            f"{given}/{needed}" if needed else "—",
            str(row.last_updated) if row.last_updated else "—",
            "<br>".join(mdescape.cell(flag) for flag in row.flags) or "",
        ]) + " |")
    if not rows:
        lines.append("| — | _No plans yet._ | | | | | | |")
    missing = sum(1 for row in rows if not row.has_plan)
    if missing:
        lines += ["", f"{missing} folder{'s hold' if missing != 1 else ' holds'} inputs but no {PLAN_FILE} yet "
                      "(no link): `techplan update FOLDER` writes it."]
    return "\n".join(lines) + "\n"


def write_index(path: Path, markdown: str, *, force: bool = False) -> bool:
    from .output import write_generated

    return write_generated(path, markdown, force=force)
