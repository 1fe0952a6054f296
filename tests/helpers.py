"""Helpers shared by the test suites: paths, inputs files from dicts, and the `techplan` command.

`run_techplan` calls `main(argv)` in this process (about 20x cheaper than a new interpreter);
`run_techplan_process` starts the real console command and is kept for the smoke tests that
pin what only a process shows (exit on signals, timeouts, the entry point itself).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
SHARED_EXAMPLE = SHARED / "examples" / "issue-57-roast-export.yaml"
SEED_TEMPLATE = SHARED / "seed" / "technical-plan-template.md"
BUNDLED_EXAMPLE = EXAMPLES / "issue-57-roast-export.yaml"
BUNDLED_NOTEBOOK = ROOT / "notebooks" / "technical_plan.ipynb"
# Where the browser tests leave their screenshots for a person to look at: a temporary folder
# (make test writes nothing into the checkout), or TECHPLAN_SCREENSHOTS=DIR.
SCREENSHOTS = Path(os.environ.get("TECHPLAN_SCREENSHOTS") or Path(tempfile.gettempdir()) / "techplan-screenshots")
AS_OF = "2026-11-20"


def shared_example() -> Path:
    """The shared example as users wrote it; the bundled copy when shared/ is not beside the repo."""
    return SHARED_EXAMPLE if SHARED_EXAMPLE.exists() else BUNDLED_EXAMPLE


def seed_template() -> Path:
    return SEED_TEMPLATE if SEED_TEMPLATE.exists() else ROOT / "tests" / "data" / "technical-plan-template.md"


def example_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(BUNDLED_EXAMPLE.read_text("utf-8"))
    return data


def write_inputs(folder: Path, data: dict[str, Any], name: str = "inputs.yaml") -> Path:
    """An inputs file from a dict (YAML unless the name ends in .json)."""
    path = folder / name
    if name.endswith(".json"):
        path.write_text(json.dumps(data, default=str), "utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    return path


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _stream(data: bytes = b"") -> io.TextIOWrapper:
    # A text stream with a .buffer, like the real ones: commands write bytes to sys.stdout.buffer.
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape", write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    raw = stream.buffer.getvalue()  # type: ignore[attr-defined]
    # As subprocess's text mode reads it: universal newlines, undecodable bytes replaced.
    return raw.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


@contextlib.contextmanager
def _inside(cwd: Path | None, stdin: str | None) -> Iterator[tuple[io.TextIOWrapper, io.TextIOWrapper]]:
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    saved_cwd = os.getcwd()
    saved_debug = os.environ.pop("TECHPLAN_DEBUG", None)
    out, err = _stream(), _stream()
    sys.stdin = _stream((stdin or "").encode("utf-8"))
    sys.stdout, sys.stderr = out, err
    try:
        if cwd is not None:
            os.chdir(cwd)
        yield out, err
    finally:
        os.chdir(saved_cwd)
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        if saved_debug is not None:
            os.environ["TECHPLAN_DEBUG"] = saved_debug


def run_techplan(*args: str | Path, cwd: Path | None = None, stdin: str | None = None,
                 timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`techplan ARGS` run in this process through `main(argv)`, with its own standard streams
    and working folder; the result looks like subprocess.run's. `timeout` is accepted for the
    signature's sake: a command that must be stopped from outside needs run_techplan_process."""
    from techplan_nb.cli.main import main

    argv = [str(a) for a in args]
    with _inside(cwd, stdin) as (out, err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: usage errors (2), --help and --version (0)
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
        stdout, stderr = _text(out), _text(err)
    return subprocess.CompletedProcess(["techplan", *argv], code, stdout, stderr)


def run_techplan_process(*args: str | Path, cwd: Path | None = None, stdin: str | None = None,
                         timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The real `techplan` command in a subprocess, as a user runs it."""
    env = dict(os.environ)
    env.pop("TECHPLAN_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "techplan_nb", *map(str, args)], cwd=cwd, env=env,
                          input=stdin, capture_output=True, text=True, timeout=timeout, check=False)


def visible_words(markdown_line: str, env: dict[str, Any]) -> list[str]:
    """The words a reader sees on a line (markup, list marks and table pipes aside)."""
    from techplan_nb.importers.mdtext import plain

    text = re.sub(r"^\s*(#{1,6}\s+|[-*+]\s+(\[[ xX]\]\s+)?|\d+[.)]\s+|>\s*)", "", markdown_line)
    shown, _ = plain(text, env=env)
    return re.findall(r"\w+", shown.lower())


def is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(word in it for word in needle)


def notebook_with(folder: Path, code: str) -> Path:
    """The bundled notebook with one extra cell after the inputs cell (a team's own notebook)."""
    import nbformat

    nb = nbformat.read(str(BUNDLED_NOTEBOOK), as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if "tp.start(" in c.source)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(code))
    path = folder / "team.ipynb"
    nbformat.write(nb, str(path))
    return path


def varied_inputs(folder: Path, count: int, *, start: int = 1) -> list[Path]:
    """Varied inputs for batches: each its own issue, with its own risks and estimates."""
    import copy

    folder.mkdir(parents=True, exist_ok=True)
    base = example_data()
    paths = []
    for n in range(start, start + count):
        data = copy.deepcopy(base)
        data["issue"]["number"] = n
        data["issue"]["title"] = f"Plan {n:02d} for the roast tracker"
        data["risks"] = data["risks"][: 1 + n % 4]
        data["timeline"]["phases"][0]["tasks"][0]["estimate"] = 1 + n % 3
        paths.append(write_inputs(folder, data, f"issue-{n:02d}.yaml"))
    return paths


def batch_summary(out: Path) -> dict[str, Any]:
    """A batch's summary.json."""
    data: dict[str, Any] = json.loads((out / "summary.json").read_text("utf-8"))
    return data
