"""Argument types and helpers shared by the command modules."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable
from pathlib import Path

from ..errors import printable


def iso_date(text: str) -> dt.date:
    try:
        # fromisoformat also reads week dates and junk of the same length (2026-W47-1, 20261120xx).
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError("the seed must be between 0 and 4294967295")
    return value


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of `minimum` or more."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more")
        return value
    return parse


def today() -> dt.date:
    return dt.date.today()


AS_OF_HELP = {
    # render, analyze, run, batch, app: model.dated
    "": "the plan's date: its Last Updated line shows it, in place of the inputs' last_updated (default: "
        "the inputs' last_updated, else today); the schedule starts at timeline.start whatever the day",
    "index": "the day stale plans are counted to (default: today)",
    "app": "the form's As of day: the plan's Last Updated when the inputs hold no last_updated, as in its "
           "preview (default: today)",
    "update": "the day of the update, written to the inputs' last_updated when they changed (default: today)",
}
_CHANGE = ("the day of this change: written to the inputs' last_updated, so the plan's Last Updated line "
           "(default: today)")


def add_as_of(parser: argparse.ArgumentParser) -> None:
    command = parser.prog.split(" ", 1)[1] if " " in parser.prog else ""
    if command in ("review add", "review resolve", "approve", "status"):
        text = _CHANGE
    else:
        text = AS_OF_HELP.get(command, AS_OF_HELP[""])
    parser.add_argument("--as-of", type=iso_date, default=None, metavar="YYYY-MM-DD", help=text)


def add_seed(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=seed, default=0, metavar="N",
                        help="seed for the Monte Carlo schedule simulation (default: 0)")


def add_template(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--template", type=Path, default=None, metavar="PATH",
                        help="render with a team's own Jinja2 template (it may extend technical-plan.md.j2)")


def emit(text: str, out: Path | None, *, force: bool = False) -> None:
    """Print to stdout, or write a generated file without clobbering hand edits."""
    if out is None:
        sys.stdout.write(text)
        return
    from ..output import write_generated

    changed = write_generated(out, text, force=force)
    print(printable(f"{'wrote' if changed else 'unchanged'}: {out}"), file=sys.stderr)
