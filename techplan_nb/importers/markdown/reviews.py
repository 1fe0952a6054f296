"""Review Feedback: `### Review Round N` rounds with reviewer, status, feedback and resolution."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...model import REVIEW_STATUSES
from ...plan_format.lines import split_label
from .blocks import NOT_SPECIFIED, Block
from .metadata import STATUS_MARK, human_date
from .outline import REVIEW_HEADING, ROUND_HEADING, Section, core_title, heading_text

if TYPE_CHECKING:
    from .importer import Page


def _review_blocks(blocks: list[Block], consumed: set[int], bad_lines: set[int]) -> set[int]:
    """Drop the blocks of rounds that could not be read from `consumed`, so they stay verbatim."""
    keep: set[int] = set()
    skipping = False
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            skipping = block.start in bad_lines
        if index in consumed and not skipping:
            keep.add(index)
    return keep


@dataclass
class RoundDraft:
    """One review round as it is read: its fields, and why it must stay as written (`odd`), if so."""

    round: int
    line: int
    date: str | None = None
    reviewer: str | None = None
    status: str | None = None
    feedback: list[str] | None = None
    resolution: list[str] | None = None
    odd: str | None = None
    kept: list[str] = field(default_factory=list)  # its lines no field takes, kept after the rounds

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"round": self.round}
        for name in ("date", "reviewer", "status", "feedback", "resolution"):
            value = getattr(self, name)
            if value is not None and value != []:
                data[name] = value
        return data


def read_reviews(page: Page, blocks: list[Block], section: Section) -> set[int]:
    consumed: set[int] = set()
    reviews: list[RoundDraft] = []
    current: RoundDraft | None = None
    pending: str | None = None
    marked: set[tuple[int, str]] = set()  # (round's position, label) printed as "_Not specified._"
    marker: int | None = None  # the template's "_Not specified._" for no rounds, after kept ones
    for index, block in enumerate(blocks):
        if page.is_not_specified(block) and not reviews and not consumed:
            consumed.add(index)
            continue
        if page.is_not_specified(block) and marker is None:
            marker = index
            continue
        if block.kind == "heading":
            title = heading_text(page.lines, block)
            match = REVIEW_HEADING.match(core_title(title)) or REVIEW_HEADING.match(title) or \
                ROUND_HEADING.match(title)
            parsed = read_round_heading(page, title, block.start) if match else None
            if parsed is not None:
                current = parsed
                reviews.append(current)
                pending = None
                consumed.add(index)
                continue
            current = None
            continue
        if current is None:
            continue
        if block.kind == "paragraph":
            leftover: list[int] = []
            used = False
            for offset, raw in enumerate(page.lines[block.start:block.end]):
                text = raw.strip()
                label = split_label(text)
                name, value = label if label else ("", "")
                if label and name == "reviewer" and value:
                    current.reviewer = page.reader.inline(value, block.start + offset)
                    used = True
                elif label and name == "status" and value:
                    current.status = page.reader.inline(value, block.start + offset)
                    used = True
                elif label and name in ("feedback", "resolution") and not value:
                    pending = name
                    if getattr(current, name) is None:
                        setattr(current, name, [])
                    used = True
                elif label and name in ("feedback", "resolution"):
                    # "**Feedback**: one line" prints back as a list under the label: the round
                    # is kept as written, in its place, instead.
                    current.odd = f"its '{label[0]}' is written on the label's line"
                    leftover.append(block.start + offset)
                elif text == NOT_SPECIFIED and pending:
                    used = True
                    marked.add((len(reviews), pending))
                else:
                    leftover.append(block.start + offset)
            if used:
                consumed.add(index)
                if leftover:
                    current.kept.append("\n".join(page.lines[n].rstrip() for n in leftover))
            continue
        # A bullet or numbered list is the label's, unless the label said "_Not specified._"
        # (then it is content kept after the round).
        listed = block.kind in ("bullet_list", "ordered_list") and (len(reviews), pending) not in marked
        if listed and pending and not getattr(current, pending):
            values, leftovers = [], []
            for item, item_text in page.items(block):
                value = page.reader.inline(item_text, item.start) if item_text is not None else ""
                if value:
                    values.append(value)
                else:
                    leftovers.append(item)
            setattr(current, pending, values)
            consumed.add(index)
            if leftovers and not values:
                # Kept after the rounds, the items would leave the round's list printed as
                # "_Not specified._": the round stays as written instead.
                current.odd = f"its {pending} has list items with nested content"
            elif leftovers:
                current.kept.append(page.residual_list(leftovers))
    good: list[RoundDraft] = []
    bad: list[RoundDraft] = []
    numbers: set[int] = set()
    for review in reviews:
        if review.round in numbers:
            review.odd = f"round {review.round} is given twice"
        numbers.add(review.round)
        status = (review.status or "").lower()
        bare = STATUS_MARK.sub("", re.sub(r"(?<!\s)\s*(?:✅|✔️|✔|☑️|☑|❌|✖️|✖)$", "", status)).strip()
        if bare != status and bare in [s.lower() for s in REVIEW_STATUSES]:
            # "✅ Approved" / "Changes Requested ❌": the mark only repeats the status.
            page.note(review.line, f"the review status {review.status!r} is read as its words")
            status = bare
        if review.reviewer and status in [s.lower() for s in REVIEW_STATUSES] and review.odd is None:
            if bad and good:
                # After a round kept verbatim, later rounds are kept with it: the fields print
                # before the kept content, and the rounds would change order.
                review.odd = "a round before it is kept verbatim, and the rounds keep their order"
                bad.append(review)
                continue
            review.status = next(s for s in REVIEW_STATUSES if s.lower() == status)
            good.append(review)
        else:
            bad.append(review)
    for review in good:
        for text in review.kept:
            page.keep("reviews", "after", text)
    if good:
        page.data["reviews"] = [review.to_data() for review in good]
    elif marker is not None:
        consumed.add(marker)
    if bad:
        # A round without a reviewer or a real status cannot be a field; keep it all as written.
        for review in bad:
            why = review.odd or "it has no '**Reviewer**:' and a status of Approved or Changes Requested"
            page.note(review.line, f"a review round is kept verbatim: {why}")
        kept = _review_blocks(blocks, consumed, {r.line for r in bad})
        return kept | ({marker} if marker is not None and not good else set())
    return consumed


def read_round_heading(page: Page, title: str, line: int) -> RoundDraft | None:
    match = re.match(r"^Review Round (\d+) \(Date: (\d{4}-\d{2}-\d{2}|not given)\)$", title)
    if match:
        review = RoundDraft(int(match.group(1)), line)
        if match.group(2) != "not given":
            review.date = match.group(2)
    else:
        loose = re.match(r"^\s*(?:Review\s+)?Round\s+(\d+)\b(.*)$", title, re.IGNORECASE)
        if not loose:
            return None
        review = RoundDraft(int(loose.group(1)), line)
        rest = loose.group(2)
        date = re.search(r"\d{4}-\d{2}-\d{2}", rest)
        if date:
            review.date = date.group(0)
            rest = rest.replace(date.group(0), " ")
        else:
            written = re.search(r"(?:date\s*:\s*)?([A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{1,2} [A-Za-z]{3,9},? \d{4})",
                                rest, re.IGNORECASE)
            day = human_date(written.group(1).replace(".", "")) if written else None
            if written and day:
                review.date = day
                rest = rest.replace(written.group(0), " ")
        # Words the printed heading has no room for ("Review Round 2 — security pass"): the
        # round is kept as written rather than lose them.
        if re.search(r"\w", re.sub(r"\bdate\b", "", rest, flags=re.IGNORECASE)):
            review.odd = "its heading has words besides the round and date"
    return review
