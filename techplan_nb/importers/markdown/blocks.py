"""A document's top-level Markdown blocks, each with the source lines it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markdown_it.token import Token

from ...verbatim import parser

NOT_SPECIFIED = "_Not specified._"


@dataclass
class Block:
    """One top-level Markdown block and the source lines [start, end) it came from."""

    kind: str
    start: int
    end: int
    tokens: list[Token]
    level: int = 0

    @property
    def inline(self) -> Token | None:
        return next((t for t in self.tokens if t.type == "inline"), None)


def closing(tokens: list[Token], index: int) -> int:
    """Where the token opened at `index` is closed (itself, for a token that opens nothing)."""
    depth, stop = 0, index
    while True:
        depth += tokens[stop].nesting
        if depth <= 0:
            return stop
        stop += 1


def trimmed_end(lines: list[str], start: int, end: int) -> int:
    """`end` with the blank lines at the end of [start, end) left out (one line at least)."""
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def split_blocks(lines: list[str], env: dict[str, Any] | None = None) -> list[Block]:
    """Top-level blocks in order, plus "orphan" blocks for non-blank lines no token covers
    (link reference definitions), so that no line of the plan is ever dropped. `env` receives
    the link references, for reading the text that uses them."""
    tokens = parser().parse("\n".join(lines), env if env is not None else {})
    blocks: list[Block] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        stop = closing(tokens, index) if token.nesting == 1 else index
        group = tokens[index:stop + 1]
        index = stop + 1
        if token.map is None:
            continue
        start, end = token.map[0], trimmed_end(lines, *token.map)
        kind = token.type[:-5] if token.type.endswith("_open") else token.type
        level = int(token.tag[1]) if kind == "heading" else 0
        blocks.append(Block(kind, start, end, group, level))
    covered = [False] * len(lines)
    for block in blocks:
        for line in range(block.start, block.end):
            covered[line] = True
    line = 0
    while line < len(lines):
        if covered[line] or not lines[line].strip():
            line += 1
            continue
        stop = line
        while stop < len(lines) and not covered[stop] and lines[stop].strip():
            stop += 1
        blocks.append(Block("orphan", line, stop, []))
        line = stop
    blocks.sort(key=lambda b: b.start)
    return blocks


def has_image(block: Block) -> bool:
    """A paragraph showing an image: Markdown's, or an HTML `<img>`."""
    inline = block.inline
    return inline is not None and any(child.type == "image" or (
        child.type == "html_inline" and re.match(r"<img\b", child.content, re.IGNORECASE) is not None)
        for child in inline.children or [])
