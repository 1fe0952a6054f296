"""The shell examples in README.md and docs/*.md, found and run the way a reader would type them.

The convention (docs/cli.md says it too):

- a fence with info string `sh` is run by tests/cli/test_docs_examples.py, each `techplan` line
  in this process through `helpers.run_techplan`;
- `sh kernel` blocks start Jupyter kernels (`techplan run`, `batch`, the review commands on a
  folder `run` made): tests/system/test_docs_kernel_examples.py runs them, marked `kernel`;
- `console` and `text` blocks are shown, not run (`make`, `pip`, `gh`, `techplan app`, papermill).

Each block runs in a fresh folder holding a copy of `examples/` and `docs/examples/`, so paths
read as they do from the repository's root. A command must exit 0 unless its line ends with a
comment `# exit N`. The shell understood here is deliberately small: `techplan ...`, `cd`, `cat`,
`ls`, `mkdir -p`, `cp`, `NAME=value` and `$NAME`, unquoted globs, `\\` line continuations and
`cat FILE | techplan ... -`. Anything else fails the test, so the docs keep to commands a reader
can paste.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from helpers import ROOT, run_techplan

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<fence>```+)(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
EXPECTED_EXIT = re.compile(r"#\s*exit\s+(\d+)\s*$")
ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$")
VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int  # the line of the opening fence, 1-based
    info: str
    body: str

    @property
    def id(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


@dataclass(frozen=True)
class Command:
    line: int  # in the document
    text: str
    expected: int


def blocks(kind: str) -> list[Block]:
    """Every fenced block whose info string is exactly `kind` ("sh" or "sh kernel")."""
    found = []
    for doc in DOCS:
        text = doc.read_text("utf-8")
        for match in FENCE.finditer(text):
            if " ".join(match.group("info").split()) == kind:
                line = text.count("\n", 0, match.start()) + 1
                found.append(Block(doc, line, kind, match.group("body")))
    return found


def commands(block: Block) -> list[Command]:
    """The block's commands, continuation lines joined, each with its line and expected exit code."""
    found: list[Command] = []
    pending: list[str] = []
    start = 0
    for offset, raw in enumerate(block.body.splitlines()):
        if not pending:
            start = block.line + 1 + offset
        if raw.rstrip().endswith("\\"):
            pending.append(raw.rstrip()[:-1])
            continue
        text = " ".join([*pending, raw]).strip()
        pending = []
        if not text or text.startswith("#"):
            continue
        expected = EXPECTED_EXIT.search(text)
        found.append(Command(start, text, int(expected.group(1)) if expected else 0))
    assert not pending, f"{block.id}: a line ends with a backslash and nothing follows"
    return found


def prepare(folder: Path) -> None:
    """What a reader has at the repository's root, as far as the examples need it."""
    shutil.copytree(ROOT / "examples", folder / "examples")
    shutil.copytree(ROOT / "docs" / "examples", folder / "docs" / "examples")


class Shell:
    def __init__(self, folder: Path) -> None:
        self.cwd = folder
        self.variables: dict[str, str] = {}
        self.transcript: list[str] = []

    def expand(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            assert name in self.variables, f"${name} is not set in this block"
            return self.variables[name]
        return VARIABLE.sub(value, text)

    def words(self, text: str) -> list[str]:
        words = []
        for word in shlex.split(self.expand(text), comments=True):
            matches = sorted(glob.glob(word, root_dir=self.cwd)) if any(c in word for c in "*?[") else []
            words.extend(matches or [word])  # as sh: a pattern that matches nothing stays as written
        return words

    def run(self, command: Command) -> tuple[int, str]:
        """Run one command; return its exit code and what it printed."""
        words = self.words(command.text)
        if "|" in words:
            left, right = words[: words.index("|")], words[words.index("|") + 1:]
            assert left[:1] == ["cat"] and right[:1] == ["techplan"], \
                f"only `cat FILE | techplan ...` pipes are understood: {command.text}"
            code, piped = self.builtin(left)
            assert code == 0, piped
            return self.techplan(right[1:], stdin=piped)
        if len(words) == 1 and (assignment := ASSIGNMENT.match(words[0])):
            self.variables[assignment.group(1)] = assignment.group(2)
            return 0, ""
        if words[0] == "techplan":
            return self.techplan(words[1:])
        return self.builtin(words)

    def techplan(self, args: list[str], stdin: str | None = None) -> tuple[int, str]:
        # The app serves until stopped: in a runnable block it would hang the suite.
        assert args[:1] != ["app"], "`techplan app` runs until Ctrl-C: show it in a ```console block"
        result = run_techplan(*args, cwd=self.cwd, stdin=stdin)
        return result.returncode, result.stdout + result.stderr

    def builtin(self, words: list[str]) -> tuple[int, str]:
        name, args = words[0], words[1:]
        paths = [self.cwd / a for a in args if not a.startswith("-")]
        if name == "cd":
            assert len(paths) == 1 and paths[0].is_dir(), f"cd: no such folder: {args}"
            self.cwd = paths[0].resolve()
            return 0, ""
        if name in ("cat", "ls"):
            missing = [str(p) for p in paths if not p.exists()]
            if missing:
                return 1, f"{name}: no such file: {', '.join(missing)}"
            if name == "cat":
                return 0, "".join(p.read_text("utf-8") for p in paths)
            return 0, "\n".join(sorted(q.name for p in paths for q in (p.iterdir() if p.is_dir() else [p])))
        if name == "mkdir" and args[:1] == ["-p"]:
            for path in paths:
                path.mkdir(parents=True, exist_ok=True)
            return 0, ""
        if name == "cp" and len(paths) == 2:
            source, target = paths
            if not source.is_file():
                return 1, f"cp: no such file: {source}"
            shutil.copy(source, target)
            return 0, ""
        raise AssertionError(f"the docs' shell does not know `{name}`; keep runnable examples to "
                             f"techplan, cd, cat, ls, mkdir -p, cp (or mark the block `console`)")


def run_block(block: Block, folder: Path) -> None:
    """Run every command of the block in `folder`; fail naming the doc, the line and the output."""
    prepare(folder)
    shell = Shell(folder)
    saved = dict(os.environ)
    try:
        for command in commands(block):
            code, output = shell.run(command)
            assert code == command.expected, (
                f"{block.doc.relative_to(ROOT)}:{command.line}: `{command.text}` exited {code}, "
                f"the docs say {command.expected}:\n{output}")
    finally:
        os.environ.clear()
        os.environ.update(saved)
