"""Issue Summary: the run of paragraphs that is the summary, and the issue's link after it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ... import mdescape
from ...inputs import MAX_TEXT
from ..mdtext import unescape
from .blocks import NOT_SPECIFIED, Block, has_image
from .outline import Section

if TYPE_CHECKING:
    from .importer import Page


def read_summary(page: Page, blocks: list[Block], section: Section) -> set[int]:
    consumed: set[int] = set()
    url_at: int | None = None
    # A paragraph showing an image stays verbatim: as summary text it would become "alt (src)".
    texts = [page.source(b.start, b.end).strip() if b.kind == "paragraph" and not has_image(b) else None
             for b in blocks]
    marker = next((i for i, text in enumerate(texts) if text == NOT_SPECIFIED), None)
    if marker is not None:
        consumed.add(marker)
        start = marker + 1
    else:
        # The summary is the run of paragraphs just before "GitHub issue: <url>", or else the
        # first run of paragraphs; anything before it is extra content.
        # A summary paragraph never reads as that line (the renderer escapes its '<'), so the line
        # with no paragraph before it (kept text first, the summary empty) is no summary either.
        url_at = next((i for i, text in enumerate(texts) if is_url_line(page, text)), None)
        first = next((i for i, text in enumerate(texts) if text is not None), len(blocks))
        if url_at is not None:
            first = url_at
            while first > 0 and texts[first - 1] is not None:
                first -= 1
        stop, size, full = first, 0, True
        while stop < len(blocks) and texts[stop] is not None and not is_url_line(page, texts[stop]):
            size += len(texts[stop] or "") + 2
            if size > MAX_TEXT:
                # The summary takes the paragraphs a field holds; the rest follow it as written.
                full = False
                break
            stop += 1
        summary = summary_of(page, blocks, first, stop)
        if not full or summary[0] < stop - first:
            page.note(blocks[first + summary[0]].start, f"the summary takes the first {summary[0]} paragraph(s), "
                                                        f"as many as a field holds ({MAX_TEXT:,} characters); the "
                                                        "rest follow it as written")
        stop = first + summary[0]
        if stop > first:
            page.set("issue.summary", summary[1])
            consumed.update(range(first, stop))
        start = stop
    # "GitHub issue: <url>" follows the summary (or its "_Not specified._", or kept text when both
    # are absent).
    if consumed or url_at is not None:
        for index in range(start, len(blocks)):
            text = texts[index]
            url = re.fullmatch(r"GitHub issue:\s+(\S+)", text or "")
            if url and read_url(page, url.group(1), blocks[index].start):
                consumed.add(index)
                break
    return consumed


def summary_of(page: Page, blocks: list[Block], first: int, stop: int) -> tuple[int, str]:
    """The most paragraphs from `first` on (at most up to `stop`) whose text a field holds, and
    that text: a link read as "text (url)" can make it longer than its source."""

    def text(count: int) -> str:
        sources = [page.source(b.start, b.end) for b in blocks[first:first + count]]
        return page.reader.paragraph(sources, blocks[first].start) if sources else ""

    low, high = 0, stop - first
    whole = text(high)
    if len(whole) <= MAX_TEXT:
        return high, whole
    while low < high:  # the longest run that fits, found in log2(paragraphs) readings
        middle = (low + high + 1) // 2
        if len(text(middle)) <= MAX_TEXT:
            low = middle
        else:
            high = middle - 1
    return low, text(low)


def is_url_line(page: Page, text: str | None) -> bool:
    """The template's "GitHub issue: <url>" line, printed exactly as the template prints it: a
    summary paragraph that merely starts with those words ("GitHub issue: https://x.io") is not."""
    url = re.fullmatch(r"GitHub issue:\s+(\S+)", text or "")
    return url is not None and url_value(page, url.group(1)) is not None


def read_url(page: Page, src: str, line: int) -> bool:
    value = url_value(page, src)
    if value is None:
        return False
    page.set("issue.url", value)
    return True


def url_value(page: Page, src: str) -> str | None:
    src = src.strip()
    if src.startswith("<") and src.endswith(">"):
        value = src[1:-1]
        ok = str(mdescape.url(value)) == src
    else:
        value = unescape(src)
        ok = str(mdescape.url(value)) == src
    if not ok or not re.fullmatch(r"https?://\S+", value) or len(value) > 500:
        return None
    return value
