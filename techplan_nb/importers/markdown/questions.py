"""Questions for Stakeholders: a checklist of questions, each with its answer after ' — '."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import mdescape
from ...verbatim import code_spans
from .blocks import Block
from .importer import CHECKBOX
from .outline import Section

if TYPE_CHECKING:
    from .importer import Page


def _candidate_splits(body: str, sep: str) -> list[tuple[str, str | None]]:
    """Every way to cut `body` at one `sep` outside code spans and escapes, then no cut. Cuts may
    overlap ("Q — — A" cuts after "Q" or after "Q —"), so the text is searched at every position."""
    candidates: list[tuple[str, str | None]] = []
    spans = code_spans(body)
    pos = 0
    while pos < len(body):
        if body[pos] == "\\":
            pos += 2
            continue
        if body[pos] == "`" and pos in spans:
            pos = spans[pos]
            continue
        if body.startswith(sep, pos):
            candidates.append((body[:pos], body[pos + len(sep):]))
        pos += 1
    candidates.append((body, None))
    return candidates


def read_questions(page: Page, blocks: list[Block], section: Section) -> set[int]:
    kinds = page.list_kinds(blocks)
    for index, block in enumerate(blocks):
        if page.is_not_specified(block):
            return {index}
        if block.kind not in kinds:
            continue
        questions, leftovers = [], []
        first: int | None = None
        for item, text in page.items(block):
            if text is None:
                leftovers.append(item)
                continue
            match = CHECKBOX.match(text)
            body = text[match.end():] if match else text
            question = read_question(page, body, item.start)
            if question is None:
                leftovers.append(item)
                continue
            if match and match.group(1) != " ":
                question["answered"] = True
            questions.append(question)
            first = item.start if first is None else first
        if first is None or not page.fits(questions, first, "stakeholder_questions"):
            continue
        page.set("questions", questions)
        if leftovers:
            page.keep_leftovers("stakeholder_questions", leftovers, first)
        return {index}
    return set()


def read_question(page: Page, body: str, line: int) -> dict[str, Any] | None:
    for part in _candidate_splits(body, " — "):
        question_src, answer_src = part
        text = page.reader.inline(question_src, line)
        answer = page.reader.inline(answer_src, line) if answer_src is not None else ""
        printed = str(mdescape.inline(text)) + (f" — {mdescape.inline(answer)}" if answer else "")
        if text and printed == body.strip():
            return {"text": text, "answer": answer} if answer else {"text": text}
    text = page.reader.inline(body, line)
    return {"text": text} if text else None
