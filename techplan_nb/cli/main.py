"""Entry point: build the argument parser from the command modules and map errors to exit codes.

Exit codes: 0 success; 1 a check or verification found problems, or some batch items failed;
2 bad input or usage (nothing written); 3 an internal error (a bug: please report it).
Command modules import heavy libraries (papermill, matplotlib) only inside their handlers,
so `techplan render` never pays for Jupyter.
"""

from __future__ import annotations

import argparse
import errno
import gc
import importlib
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import ModuleType

# pydantic scans every installed package's entry points for plugins on import (~20 ms of a
# one-shot command); the CLI uses none. Set before anything imports pydantic.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
# The analysis uses numpy for sampling, never for linear algebra: starting OpenBLAS's thread
# pool would double numpy's import time (~70 ms) for nothing.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .. import __version__  # noqa: E402


def _command_modules() -> list[ModuleType]:
    # Imported here, inside main() and its raised collection threshold, as everything a command
    # loads is (see main). Explicit, ordered list (help output follows it); no registry filled on import.
    from . import analyze, app, basic, batch, check, importing, index, review, run

    return [basic, run, batch, review, index, analyze, importing, check, app]


COMMAND_MODULES = {
    "validate": "basic", "render": "basic", "schema": "basic", "new": "basic",
    "run": "run", "audit": "run", "verify": "run", "batch": "batch",
    "review": "review", "approve": "review", "status": "review", "update": "review",
    "index": "index", "analyze": "analyze", "import": "importing", "check": "check", "app": "app",
}
"""The module registering each command: `techplan render ...` imports and builds only basic's
parsers, not all 17 commands' (~5 ms of a one-shot command). tests/cli/test_one_shot_render.py
holds it to what the modules register."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; given a command's name, one with only its module's commands, which parses
    that command's arguments, and prints its help and errors, as the whole one does."""
    parser = argparse.ArgumentParser(
        prog="techplan",
        description="Turn a GitHub issue's inputs into a complete, reviewed Technical Plan.",
        epilog="Exit codes: 0 ok, 1 problems found, 2 bad input or usage (nothing written), 3 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"techplan-nb {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    if command in COMMAND_MODULES:
        modules = [importlib.import_module(f"{__package__}.{COMMAND_MODULES[command]}")]
    else:
        modules = _command_modules()
    for module in modules:
        module.register(commands)
    return parser


class _Terminated(BaseException):
    """SIGTERM (a CI job cancelled, `timeout`, `kill`), raised where the program is so that the
    cleanups that run on Ctrl-C run too: no temporary file is left beside a plan."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    # A command starts by importing pydantic, Jinja2 and YAML: ~60,000 objects the collector tracks,
    # living until it exits, and little garbage. Collected every 700 allocations (CPython's default),
    # the young generation was scanned ~90 times while they loaded, 10 ms of a 170 ms `techplan
    # render`; every 100,000 it is not scanned during the start at all, and a long command still collects.
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, *thresholds[1:])
    try:
        return _main(argv)
    finally:
        gc.set_threshold(*thresholds)
        if argv is None:
            # Run as the program (`techplan`, `python -m techplan_nb`), which exits next: CPython's
            # last act would be a full collection over the ~60,000 objects the command loaded,
            # ~25 ms of a render, to free memory the exit frees anyway. Frozen, they are left out
            # of it; atexit handlers and weakref finalizers run as before. Called with an argv
            # (tests, other programs), the caller goes on and its objects stay collectable.
            gc.freeze()


def _main(argv: Sequence[str] | None) -> int:
    from ..errors import InputError, MissingExtra, TechPlanError, printable

    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(words[0] if words else None)
    if not words:
        parser.print_help()  # bare `techplan`: what it can do, not a usage error
        return 0
    args = parser.parse_args(argv)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        code: int = args.handler(args)
        sys.stdout.flush()  # here, so a closed pipe is reported below rather than at exit
        return code
    except BrokenPipeError:
        # The reader went away (`techplan schema | head`): stop quietly, as other Unix tools do.
        _stdout_to_devnull()
        return 128 + signal.SIGPIPE
    except OSError as exc:
        # A full disk or device is the machine's state, not a bug: usually standard output
        # (`> /dev/full`), whose errors carry no file name; plans go through atomic_write.
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
            return _internal_error(exc)
        if exc.filename is None:
            _stdout_to_devnull()
        where = "standard output" if exc.filename is None else printable(str(exc.filename))
        print(f"techplan: error: {where} could not be written ({exc.strerror}); free some space, or write "
              "to another file or disk", file=sys.stderr)
        return 2
    except _Terminated:
        print("techplan: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except InputError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        count = len(exc.issues)
        if count > 1:  # one problem is one line (it names the file); a list gets its tally
            print(f"techplan: {count} problems in the inputs; nothing was written.", file=sys.stderr)
        return exc.exit_code
    except TechPlanError as exc:
        # Messages quote file names, keys and values: escaped here, the one place errors print.
        print(printable(f"techplan: error: {exc}"), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("techplan: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:
        missing = MissingExtra.from_import_error(exc)
        if missing is None:
            return _internal_error(exc)
        print(f"techplan: error: {missing}", file=sys.stderr)
        return missing.exit_code
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        return _internal_error(exc)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _internal_error(exc: Exception) -> int:
    from ..errors import printable

    if os.environ.get("TECHPLAN_DEBUG"):
        raise exc
    print(f"techplan: internal error: {type(exc).__name__}: {printable(str(exc))}\n"
          "This is a bug in techplan; rerun with TECHPLAN_DEBUG=1 for the traceback and report it.",
          file=sys.stderr)
    return 3


def _stdout_to_devnull() -> None:
    """Point standard output at /dev/null, so that Python's own flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # stdout is not a real file (called in-process)
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
