"""The command line's contract, for every command and subcommand, through the real `techplan`:

- `--help` exits 0 and explains every option;
- a FILE that is missing, a folder, unreadable, or reached through a file or a symlink loop is
  refused with exit 2 and one line naming it: no traceback, nothing written;
- an unknown option, or a value an option's type refuses, exits 2 naming the option.

Commands that start kernels or Voilà are driven only down these cheap error paths.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from techplan_nb.cli.common import iso_date
from techplan_nb.cli.main import build_parser

from helpers import AS_OF, EXAMPLES, files_under, run_techplan

# --- the commands, as the parser knows them -------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _walk(parser: argparse.ArgumentParser,
          path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for name, child in _subcommands(parser).items():
        yield from _walk(child, (*path, name))


PARSERS = dict(_walk(build_parser(), ()))
COMMANDS = [path for path in PARSERS if path]
LEAVES = [path for path in COMMANDS if not _subcommands(PARSERS[path])]
IDS = [" ".join(path) for path in COMMANDS]

# --- running the real command line ---------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def _unprivileged() -> list[str]:
    """Root reads any file whatever its mode: an unreadable file is unreadable only to others.
    setpriv, because a bare setuid() in the child cannot then run a Python installed under /root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "running as root: the unreadable-file cases need setpriv (util-linux) to drop to nobody"
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def techplan(*args: object, cwd: Path, unprivileged: bool = False, timeout: float = 60) -> Result:
    """`techplan ARGS` in its own process group, so that a regression that starts Voilà or a
    kernel instead of refusing its arguments is stopped, children included, at the timeout."""
    env = {k: v for k, v in os.environ.items() if k != "TECHPLAN_DEBUG"}
    # Caches (Jinja's, matplotlib's) go beside the work folder, not into it nor into root's home.
    home = cwd.parent / f"{cwd.name}-home"
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), MPLCONFIGDIR=str(home / ".mpl"))
    prefix = _unprivileged() if unprivileged else []
    process = subprocess.Popen([*prefix, sys.executable, "-m", "techplan_nb", *map(str, args)], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(f"`techplan {' '.join(map(str, args))}` did not stop within {timeout} s") from None
    return Result(process.returncode, stdout, stderr)


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr


# --- fixtures: a work folder any user can read, with one good file of each kind ----------------------


@pytest.fixture(scope="module")
def made_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A plan and the executed notebook of its run (one real kernel for the whole module)."""
    out = tmp_path_factory.mktemp("run") / "plans"
    result = run_techplan("run", EXAMPLES / "minimal.yaml", "--out", out, "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    (folder,) = out.iterdir()
    return folder / "technical-plan.md", folder / "technical-plan.ipynb"


@pytest.fixture
def work(made_plan: tuple[Path, Path]) -> Iterator[Path]:
    # Not under pytest's tmp_path: its parents are closed to other users, and the unreadable-file
    # cases run as `nobody` when the tests run as root.
    folder = Path(tempfile.mkdtemp(prefix="techplan-contract-"))
    folder.chmod(0o755)
    shutil.copy(EXAMPLES / "minimal.yaml", folder / "inputs.yaml")
    shutil.copy(made_plan[0], folder / "plan.md")
    shutil.copy(made_plan[1], folder / "run.ipynb")
    (folder / "issue.json").write_text('{"number": 5, "title": "Five", "body": "text"}', "utf-8")
    (folder / "a-file.txt").write_text("not a folder\n", "utf-8")
    (folder / "a-folder").mkdir()
    (folder / "loop-a").symlink_to("loop-b")
    (folder / "loop-b").symlink_to("loop-a")
    # Plan folders for the review commands.
    (folder / "plans").mkdir()
    for name in ("no-inputs", "inputs-is-a-folder", "unreadable-inputs", "plan-is-a-folder"):
        (folder / "plans" / name).mkdir()
    (folder / "plans" / "inputs-is-a-folder" / "inputs.yaml").mkdir()
    shutil.copy(EXAMPLES / "minimal.yaml", folder / "plans" / "plan-is-a-folder" / "inputs.yaml")
    (folder / "plans" / "plan-is-a-folder" / "technical-plan.md").mkdir()
    unreadable = folder / "plans" / "unreadable-inputs" / "inputs.yaml"
    shutil.copy(EXAMPLES / "minimal.yaml", unreadable)
    unreadable.chmod(0)
    home = folder.parent / f"{folder.name}-home"
    home.mkdir(mode=0o777)
    home.chmod(0o777)
    yield folder
    shutil.rmtree(folder)
    shutil.rmtree(home)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- help ------------------------------------------------------------------------------------------


def test_every_command_is_covered_by_the_file_and_option_tables_below() -> None:
    # A new command must say here how its FILE arguments and required options are given.
    assert set(LEAVES) == set(MINIMAL_ARGS)
    assert {command for command, _, _ in FILE_ARGUMENTS} | set(NO_INPUT_FILE) == set(LEAVES)


@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_help_exits_0_and_explains_every_option(path: tuple[str, ...], tmp_path: Path) -> None:
    result = techplan(*path, "--help", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    text = " ".join(result.stdout.split())
    assert text.startswith(f"usage: techplan {' '.join(path)} ")
    parser = PARSERS[path]
    assert parser.description and " ".join(parser.description.split())[:60] in text
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name in action.choices:
                assert f" {name} " in text, f"{' '.join(path)} --help does not list {name}"
            continue
        where = "/".join(action.option_strings) or action.dest
        assert action.help and action.help != argparse.SUPPRESS, f"{' '.join(path)} {where}: no help text"
        assert all(option in text for option in action.option_strings), where
        # The help text itself is printed (the first words, before any %(default)s expansion).
        words = " ".join(action.help.split()).split("%(")[0][:40].strip()
        assert words in text, f"{' '.join(path)} {where}: help text not shown"
    assert list(tmp_path.iterdir()) == []


def test_top_level_help_and_version() -> None:
    root = build_parser()
    listed = run_techplan("--help")
    assert listed.returncode == 0
    for name in _subcommands(root):
        assert f"    {name} " in listed.stdout or f"    {name}\n" in listed.stdout, name
    version = run_techplan("--version")
    assert version.returncode == 0 and version.stdout.startswith("techplan-nb ")


# --- unknown options and refused values ------------------------------------------------------------

# The least each command needs to get past argument parsing (files are named, not read).
MINIMAL_ARGS: dict[tuple[str, ...], list[str]] = {
    ("validate",): ["inputs.yaml"],
    ("render",): ["inputs.yaml"],
    ("schema",): [],
    ("new",): ["-o", "new.yaml"],
    ("run",): ["inputs.yaml", "--out", "out"],
    ("audit",): ["run.ipynb"],
    ("verify",): ["plan.md", "run.ipynb"],
    ("batch",): ["inputs.yaml", "--out", "out"],
    ("review", "add"): ["plans/x", "--reviewer", "Ann", "--status", "Approved"],
    ("review", "resolve"): ["plans/x", "--round", "1", "--resolution", "done"],
    ("approve",): ["plans/x", "--role", "Stakeholder"],
    ("status",): ["plans/x"],
    ("update",): ["plans/x"],
    ("index",): ["plans"],
    ("analyze",): ["inputs.yaml"],
    ("import", "github"): ["issue.json"],
    ("import", "markdown"): ["plan.md"],
    ("check",): ["plan.md"],
    ("app",): ["--no-browser"],
}


@pytest.mark.parametrize("path", LEAVES, ids=[" ".join(path) for path in LEAVES])
def test_an_unknown_option_exits_2_naming_it_and_writes_nothing(path: tuple[str, ...], work: Path) -> None:
    before = files_under(work)
    result = techplan(*path, *MINIMAL_ARGS[path], "--no-such-option", cwd=work)
    assert result.returncode == 2, result.stderr
    assert "unrecognized arguments: --no-such-option" in result.lines[-1]
    no_traceback(result)
    assert result.stdout == "" and files_under(work) == before


@pytest.mark.parametrize("group", sorted({path[:-1] for path in LEAVES if len(path) > 1} | {()}))
def test_an_unknown_command_exits_2_and_lists_the_real_ones(group: tuple[str, ...], work: Path) -> None:
    result = techplan(*group, "no-such-command", cwd=work)
    assert result.returncode == 2
    assert "invalid choice: 'no-such-command'" in result.lines[-1]
    assert all(name in result.lines[-1] for name in _subcommands(PARSERS[group]))
    no_traceback(result)


def _typed_options() -> Iterator[tuple[tuple[str, ...], str, str]]:
    bad = {"iso_date": "2026-02-30", "seed": "-1", "timeout_seconds": "0", "positive": "0", "_positive": "0",
           "_non_negative": "-1", "port_number": "70000", "parse": "no-such-status"}
    for path in LEAVES:
        for action in PARSERS[path]._actions:
            name = getattr(action.type, "__name__", "")
            if action.option_strings and name in bad:
                yield path, action.option_strings[-1], bad[name]
            elif action.option_strings and action.choices:
                yield path, action.option_strings[-1], "no-such-choice"


@pytest.mark.parametrize("path, option, value", list(_typed_options()),
                         ids=[f"{' '.join(p)} {o}" for p, o, _ in _typed_options()])
def test_a_value_the_option_refuses_exits_2_naming_the_option(path: tuple[str, ...], option: str, value: str,
                                                              work: Path) -> None:
    before = files_under(work)
    result = techplan(*path, *MINIMAL_ARGS[path], option, value, cwd=work)
    assert result.returncode == 2, result.stderr
    assert f"argument {option}" in result.lines[-1] or f"/{option}" in result.lines[-1], result.lines[-1]
    no_traceback(result)
    assert files_under(work) == before


@pytest.mark.parametrize("text", ["2026-W47-1", "20261120xx", "２０２６-１１-２０", "2026-11-2 "])
def test_a_date_option_takes_only_yyyy_mm_dd(text: str) -> None:
    # date.fromisoformat reads ISO week dates and some 10-character junk as dates.
    with pytest.raises(argparse.ArgumentTypeError, match="not a date in the form YYYY-MM-DD"):
        iso_date(text)
    assert iso_date("2026-11-20") == dt.date(2026, 11, 20)


# --- bad FILE arguments --------------------------------------------------------------------------

# (command, its arguments with {f} where the bad file goes, which kinds of bad file apply)
EVERY_KIND = ("missing", "folder", "through-a-file", "symlink-loop", "unreadable")
FILE_ARGUMENTS: list[tuple[tuple[str, ...], list[str], tuple[str, ...]]] = [
    (("validate",), ["{f}"], EVERY_KIND),
    (("render",), ["{f}"], EVERY_KIND),
    (("render",), ["inputs.yaml", "--template", "{f}"], EVERY_KIND),
    (("analyze",), ["{f}"], EVERY_KIND),
    (("run",), ["{f}", "--out", "out"], EVERY_KIND),
    (("run",), ["inputs.yaml", "--out", "out", "--template", "{f}"], EVERY_KIND),
    (("run",), ["inputs.yaml", "--out", "out", "--notebook", "{f}"], EVERY_KIND),
    # batch takes folders of inputs, and an input it cannot read (unreadable, a link loop) fails
    # that plan alone (exit 1; tests/test_batch.py).
    (("batch",), ["{f}", "--out", "out"], ("missing", "folder", "through-a-file")),
    (("batch",), ["inputs.yaml", "--out", "out", "--template", "{f}"], EVERY_KIND),
    (("batch",), ["inputs.yaml", "--out", "out", "--notebook", "{f}"], EVERY_KIND),
    (("audit",), ["{f}"], EVERY_KIND),
    (("verify",), ["{f}", "run.ipynb"], EVERY_KIND),
    (("verify",), ["plan.md", "{f}"], EVERY_KIND),
    (("import", "github"), ["{f}"], EVERY_KIND),
    (("import", "github"), ["issue.json", "--mapping", "{f}"], EVERY_KIND),
    (("import", "markdown"), ["{f}"], EVERY_KIND),
    (("check",), ["{f}"], EVERY_KIND),
    (("app",), ["--no-browser", "--port", "{port}", "--inputs", "{f}"], EVERY_KIND),
    (("app",), ["--no-browser", "--port", "{port}", "--template", "{f}"], EVERY_KIND),
]
# Commands that read no FILE: their plan folders and output paths are covered further down.
NO_INPUT_FILE = [("schema",), ("new",), ("review", "add"), ("review", "resolve"), ("approve",), ("status",),
                 ("update",), ("index",)]


def bad_file(work: Path, kind: str) -> Path:
    if kind == "missing":
        return work / "missing.yaml"
    if kind == "folder":
        return work / "a-folder"
    if kind == "through-a-file":
        return work / "a-file.txt" / "inputs.yaml"
    if kind == "symlink-loop":
        return work / "loop-a"
    path = work / "unreadable.yaml"
    shutil.copy(work / "inputs.yaml", path)
    path.chmod(0)
    return path


def _file_cases() -> Iterator[tuple[tuple[str, ...], list[str], str]]:
    for command, args, kinds in FILE_ARGUMENTS:
        for kind in kinds:
            yield command, args, kind


def _file_id(command: tuple[str, ...], args: list[str], kind: str) -> str:
    option = next((a for a, b in itertools.pairwise(args) if b == "{f}"), "FILE")
    return f"{' '.join(command)} {option if option.startswith('-') else 'FILE'} {kind}"


@pytest.mark.parametrize("command, args, kind", list(_file_cases()), ids=[_file_id(*c) for c in _file_cases()])
def test_a_bad_file_exits_2_with_one_line_naming_it(command: tuple[str, ...], args: list[str], kind: str,
                                                    work: Path) -> None:
    path = bad_file(work, kind)
    before = files_under(work)
    argv = [a.replace("{f}", str(path)).replace("{port}", str(free_port())) for a in args]
    result = techplan(*command, *argv, cwd=work, unprivileged=kind == "unreadable")
    assert result.returncode == 2, result.stderr
    no_traceback(result)
    assert len(result.lines) == 1, result.stderr
    assert str(path) in result.lines[0], result.lines[0]
    assert result.stdout == ""
    assert files_under(work) == before, "nothing is written"


# --- bad PLAN_DIR and PLANS folders ---------------------------------------------------------------

PLAN_DIR_COMMANDS = [
    ["review", "add", "{d}", "--reviewer", "Ann", "--status", "Changes Requested", "--feedback", "More tests"],
    ["review", "resolve", "{d}", "--round", "1", "--resolution", "Added them"],
    ["approve", "{d}", "--role", "Stakeholder"],
    ["status", "{d}"],
    ["status", "{d}", "Under Review"],
    ["update", "{d}"],
    ["update", "{d}", "--dry-run"],
]
# kind -> (folder given, path the message must name)
PLAN_DIRS = {
    "missing": ("plans/missing", "plans/missing"),
    "a file": ("a-file.txt", "a-file.txt"),
    "no inputs.yaml": ("plans/no-inputs", "plans/no-inputs/inputs.yaml"),
    "inputs.yaml is a folder": ("plans/inputs-is-a-folder", "plans/inputs-is-a-folder/inputs.yaml"),
    "unreadable inputs.yaml": ("plans/unreadable-inputs", "plans/unreadable-inputs/inputs.yaml"),
    "symlink loop": ("loop-a", "loop-a"),
    "technical-plan.md is a folder": ("plans/plan-is-a-folder", "plans/plan-is-a-folder/technical-plan.md"),
}


@pytest.mark.parametrize("kind", list(PLAN_DIRS))
@pytest.mark.parametrize("args", PLAN_DIR_COMMANDS, ids=lambda a: " ".join(x for x in a if x != "{d}")[:24])
def test_a_bad_plan_folder_exits_2_with_one_line_naming_it(args: list[str], kind: str, work: Path) -> None:
    given, named = PLAN_DIRS[kind]
    before = files_under(work)
    result = techplan(*[a.replace("{d}", given) for a in args], "--as-of", AS_OF, cwd=work,
                      unprivileged=kind.startswith("unreadable"))
    assert result.returncode == 2, result.stderr
    no_traceback(result)
    assert len(result.lines) == 1, result.stderr
    assert named in result.lines[0], result.lines[0]
    assert files_under(work) == before


@pytest.mark.parametrize("given, reason", [("missing", "no such folder"), ("a-file.txt", "is a file, not a folder"),
                                           ("loop-a", "no such folder")])
def test_index_of_a_bad_folder_exits_2_with_one_line_naming_it(given: str, reason: str, work: Path) -> None:
    before = files_under(work)
    result = techplan("index", given, "--as-of", AS_OF, cwd=work)
    assert result.returncode == 2
    no_traceback(result)
    assert result.lines == [result.lines[0]] and f"{given}: {reason}" in result.lines[0]
    assert files_under(work) == before


# --- bad output paths ---------------------------------------------------------------------------------

OUTPUTS = [
    ["render", "inputs.yaml", "-o", "{o}"],
    ["analyze", "inputs.yaml", "-o", "{o}"],
    ["index", "a-folder", "-o", "{o}"],
    ["schema", "-o", "{o}"],
    ["new", "-o", "{o}"],
    ["import", "markdown", "plan.md", "-o", "{o}"],
]


@pytest.mark.parametrize("target", ["a-folder", "a-file.txt/out.md"])
@pytest.mark.parametrize("args", OUTPUTS, ids=lambda a: " ".join(a[:2]))
def test_an_output_path_that_cannot_be_a_file_exits_2_naming_it(args: list[str], target: str, work: Path) -> None:
    before = files_under(work)
    result = techplan(*[a.replace("{o}", target) for a in args], cwd=work)
    assert result.returncode == 2, result.stderr
    no_traceback(result)
    assert len(result.lines) == 1 and target in result.lines[0], result.stderr
    assert files_under(work) == before


@pytest.mark.parametrize("args", [*OUTPUTS, ["import", "github", "issue.json", "-o", "{o}"]],
                         ids=lambda a: " ".join(a[:2]))
def test_an_output_path_that_is_a_pipe_or_device_is_refused_and_left_as_it_is(args: list[str], work: Path) -> None:
    # With --force the plan used to be renamed over it (run as root, `-o /dev/null --force`
    # replaced /dev/null with a file), and without it the pipe was read to be hashed, forever.
    os.mkfifo(work / "a-pipe")
    parser = PARSERS[tuple(args[:2]) if args[0] == "import" else (args[0],)]
    force = ["--force"] if "--force" in parser._option_string_actions else []
    before = files_under(work)
    for extra in ([], force) if force else ([],):
        result = techplan(*[a.replace("{o}", "a-pipe") for a in args], *extra, cwd=work)
        assert result.returncode == 2, result.stderr
        no_traceback(result)
        assert len(result.lines) == 1 and "a-pipe" in result.lines[0], result.stderr
        assert (work / "a-pipe").is_fifo()
        assert files_under(work) == before


@pytest.mark.parametrize("args", [["validate", "inputs.yaml"], ["render", "inputs.yaml"], ["schema"]],
                         ids=lambda a: a[0])
def test_standard_output_on_a_full_device_exits_2_saying_so(args: list[str], work: Path) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "techplan_nb", *args], cwd=work, stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == ["techplan: error: standard output could not be written (No space left "
                                          "on device); free some space, or write to another file or disk"]


@pytest.mark.parametrize("command", [["run", "inputs.yaml"], ["batch", "inputs.yaml"], ["app", "--no-browser"]],
                         ids=lambda c: c[0])
def test_an_out_folder_that_is_a_file_exits_2_naming_it(command: list[str], work: Path) -> None:
    before = files_under(work)
    result = techplan(*command, "--out", "a-file.txt", cwd=work)
    assert result.returncode == 2, result.stderr
    no_traceback(result)
    assert len(result.lines) == 1 and "a-file.txt" in result.lines[0], result.stderr
    assert files_under(work) == before


def test_a_closed_pipe_stops_output_quietly(work: Path) -> None:
    # `techplan validate *.yaml | head -1`: the reader leaving is no internal error.
    many = [work / f"copy-{n}.yaml" for n in range(2000)]
    for path in many:
        path.write_bytes((work / "inputs.yaml").read_bytes())
    reader = subprocess.Popen([sys.executable, "-m", "techplan_nb", "validate", *map(str, many)], cwd=work,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.readline()
    reader.stdout.close()
    with reader.stderr:
        stderr = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 128 + signal.SIGPIPE
    assert stderr == ""
