"""app: the interactive plan form as a web page (Voilà), for people who never open JupyterLab."""

from __future__ import annotations

import argparse
from pathlib import Path

# voila_app imports only the standard library's lightest modules at its top (secrets, signal,
# socket, subprocess, urllib are imported when the server starts): every command loads this module.
from ..errors import TechPlanError, UsageError
from ..voila_app import KERNEL_CULL_SECONDS
from . import common

DEFAULT_PORT = 8866


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("the port must be between 1 and 65535")
    return value


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "app", help="serve the interactive plan form as a web page (Voilà)",
        description="Serve the plan form (notebooks/plan_form.ipynb) with Voilà on this computer only "
                    "(127.0.0.1, with a one-time access token in the address) and open it in a browser. "
                    "Load or fill in the inputs, watch the preview, Save the inputs file, and Generate the "
                    "plan exactly as `techplan run` does. Stop with Ctrl-C.")
    p.add_argument("--port", type=port_number, default=DEFAULT_PORT, metavar="N",
                   help=f"port to serve on (default: {DEFAULT_PORT}); it must be free")
    p.add_argument("--no-browser", action="store_true",
                   help="do not open a browser; just print the address to open")
    p.add_argument("--inputs", type=Path, default=None, metavar="FILE",
                   help="open this inputs file (.yaml, .yml, .json) in the form")
    p.add_argument("--out", type=Path, default=Path("plans"), metavar="DIR",
                   help="where Generate writes plan folders (default: plans)")
    p.add_argument("--kernel-idle", type=common.at_least(1), default=KERNEL_CULL_SECONDS, metavar="SEC",
                   help="shut down the kernel of a page that went away without closing (a killed browser, "
                        f"a lost connection) after SEC seconds (default: {KERNEL_CULL_SECONDS}); an open page "
                        "keeps its kernel")
    common.add_as_of(p)
    common.add_seed(p)
    common.add_template(p)
    p.set_defaults(handler=_app)


def _readable(path: Path | None, what: str) -> None:
    """Checked before Voilà starts: a bad file would otherwise surface only inside the page."""
    if path is None:
        return
    from ..errors import InputError
    from ..safe_files import read_capped

    if path.is_dir():
        raise UsageError(f"{path}: is a folder; the {what} must be a file")
    if not path.exists() and not path.is_symlink():
        raise UsageError(f"{path}: no such {what}")
    try:  # a pipe given here used to block the app's start for ever
        read_capped(path, 4 * 2**20, what=what)
    except InputError as exc:
        raise UsageError(str(exc.issues[0]).replace(": (file): ", ": ", 1)) from None


def _require_form_extra() -> None:
    # Voila runs in a child process, whose ImportError would only say "Voila stopped while starting".
    import importlib.util

    from ..errors import MissingExtra

    for module in ("voila", "ipywidgets"):
        if importlib.util.find_spec(module) is None:
            raise MissingExtra(module, "form")


def _app(args: argparse.Namespace) -> int:
    from ..voila_app import form_notebook, serve

    _readable(args.inputs, "inputs file")
    _readable(args.template, "template file")
    _require_form_extra()
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"{args.out}: is a file; --out needs a folder for the plans Generate writes")
    notebook = form_notebook()
    if not notebook.is_file():
        raise TechPlanError(f"the form notebook is missing ({notebook}); reinstall techplan-nb")

    def ready(url: str) -> None:
        print(f"techplan app: the plan form is at {url}\n"
              f"techplan app: Generate writes plans into {args.out}; press Ctrl-C to stop.", flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(url)

    try:
        return serve(args, notebook, ready=ready)
    except KeyboardInterrupt:
        print("\ntechplan app: stopped.", flush=True)
        return 0
