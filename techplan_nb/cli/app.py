"""app: the interactive plan form as a web page (Voilà), for people who never open JupyterLab."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

# secrets, signal, socket, subprocess and time are imported where used: every command loads this
# module to register `app`, and together they cost a one-shot `techplan render` about 20 ms.
if TYPE_CHECKING:
    import subprocess

from ..errors import TechPlanError, UsageError
from . import common

DEFAULT_PORT = 8866
HOST = "127.0.0.1"
STARTUP_SECONDS = 90.0


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
    common.add_as_of(p)
    common.add_seed(p)
    common.add_template(p)
    p.set_defaults(handler=_app)


def form_notebook() -> Path:
    """The form notebook: inside the wheel as techplan_nb/notebooks, at top level in a checkout."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "notebooks" / "plan_form.ipynb"
    return packaged if packaged.is_file() else package.parent / "notebooks" / "plan_form.ipynb"


def voila_data_dir() -> Path:
    """Holds voila/templates/techplan: Voilà's lab template without its CDN stylesheets."""
    return Path(__file__).resolve().parent.parent / "widgets" / "share"


def content_security_policy(port: int) -> str:
    # The page may load only what this server serves: nothing reaches the network, even if a
    # future Voilà template adds a CDN link (the browser refuses it before any request is made).
    origins = f"ws://{HOST}:{port} ws://localhost:{port}"
    return (f"default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; connect-src 'self' {origins}; "
            "frame-ancestors 'self'; base-uri 'self'; form-action 'self'")


KERNEL_CULL_SECONDS = 40
KERNEL_CULL_INTERVAL = 10
"""A kernel whose page went away without saying so (a dropped connection, a killed browser, a page
left with unsaved changes, whose leave handler keeps Voilà from shutting the kernel down) is shut
down within KERNEL_CULL_SECONDS + KERNEL_CULL_INTERVAL (under a minute) with no page attached: an
hour, as before, left a kernel per closed tab. A page that is still open is never culled
(cull_connected is off), and the form's draft beside the inputs keeps what was typed."""


def voila_config(port: int, token: str, runtime: Path) -> dict[str, Any]:
    """Voilà's whole configuration, written to a private folder rather than passed as arguments.

    Arguments would show the token to every local user (`ps`), and traitlets warns about list and
    dict values given on the command line; a file also stops Voilà reading a voila.py or
    voila.json from the folder the app was started in.
    """
    return {
        "Voila": {
            "ip": HOST, "port": port, "port_retries": 0, "token": token, "open_browser": False,
            "connection_dir_root": str(runtime),  # the kernels' connection files hold their keys
            # Voilà's warnings are about its own machinery (notebook trust, which does not apply to
            # a notebook it runs afresh); a person needs the address and real errors only.
            "log_level": "ERROR",
            "tornado_settings": {
                "headers": {"Content-Security-Policy": content_security_policy(port)},
                # jupyter_server asks for a ping timeout longer than tornado accepts, and tornado
                # says so on the terminal at the first connection: ask for what it will use.
                "ws_ping_timeout": 30000,
            },
        },
        "VoilaConfiguration": {"template": "techplan", "theme": "light", "show_tracebacks": False,
                               "file_allowlist": []},
        # Kernels talk to Voilà over Unix sockets in the private folder, not TCP ports any local
        # user could reach.
        "KernelManager": {"transport": "ipc", "ip": str(runtime / "kernel")},
        "MappingKernelManager": {"cull_idle_timeout": KERNEL_CULL_SECONDS,
                                 "cull_interval": KERNEL_CULL_INTERVAL,
                                 "cull_connected": False},
    }


def voila_command(notebook: Path, config_dir: Path) -> list[str]:
    return [sys.executable, "-m", "voila", str(notebook), f"--Voila.config_file_paths={config_dir}"]


def write_voila_config(port: int, token: str) -> Path:
    """A folder only this user can read, holding voila.json and the kernels' sockets."""
    import tempfile

    runtime = Path(tempfile.mkdtemp(prefix="techplan-app-"))  # created with mode 0700
    (runtime / "voila.json").write_text(json.dumps(voila_config(port, token, runtime), indent=2), "utf-8")
    return runtime


def app_environment(args: argparse.Namespace) -> dict[str, str]:
    from ..isolation import child_environment
    from ..widgets import APP_ENV

    env = child_environment()
    data_dir = str(voila_data_dir())
    env["JUPYTER_PATH"] = os.pathsep.join([data_dir, *filter(None, [env.get("JUPYTER_PATH")])])
    values = {
        "workdir": str(Path.cwd()),
        "inputs": str(args.inputs.resolve()) if args.inputs else "",
        "output_dir": str(args.out),
        "as_of": args.as_of.isoformat() if args.as_of else "",
        "seed": str(args.seed),
        "template": str(args.template.resolve()) if args.template else "",
    }
    env.update({APP_ENV[key]: value for key, value in values.items()})
    return env


def _check_port_free(port: int) -> None:
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except PermissionError:
            # Not "in use": ports below 1024 need administrator rights on most systems.
            raise UsageError(f"port {port} needs administrator rights on this computer; choose one from 1024 "
                             "up with --port N") from None
        except OSError:
            raise UsageError(f"port {port} is in use on {HOST}; choose another with --port N") from None


def _wait_until_serving(process: subprocess.Popen[bytes], port: int) -> None:
    import time

    # Imported here: urllib.request pulls in http.client and email, a cost every other command would pay.
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise TechPlanError(f"Voilà stopped while starting (exit code {process.returncode}); see its "
                                "messages above")
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}/voila/static/voila.js", timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # the server answers, even if with an error page
        except OSError:
            time.sleep(0.2)
    raise TechPlanError(f"Voilà did not answer on port {port} within {STARTUP_SECONDS:g} s")


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
    import secrets
    import signal
    import subprocess
    _readable(args.inputs, "inputs file")
    _readable(args.template, "template file")
    _require_form_extra()
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"{args.out}: is a file; --out needs a folder for the plans Generate writes")
    notebook = form_notebook()
    if not notebook.is_file():
        raise TechPlanError(f"the form notebook is missing ({notebook}); reinstall techplan-nb")
    _check_port_free(args.port)
    token = secrets.token_urlsafe(24)
    url = f"http://{HOST}:{args.port}/?token={token}"
    runtime = write_voila_config(args.port, token)
    # Stopped by a service manager or a test (SIGTERM): still stop Voilà and its kernels.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    process: subprocess.Popen[bytes] | None = None
    try:
        # Started in the private folder with a safe sys.path: `python -m voila` would otherwise
        # import a yaml.py (or voila.py config) from the folder the app was started in.
        process = subprocess.Popen(voila_command(notebook, runtime), env=app_environment(args), cwd=runtime)
        _wait_until_serving(process, args.port)
        print(f"techplan app: the plan form is at {url}\n"
              f"techplan app: Generate writes plans into {args.out}; press Ctrl-C to stop.", flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(url)
        return _wait(process)
    except KeyboardInterrupt:
        print("\ntechplan app: stopped.", flush=True)
        return 0
    finally:
        if process is not None:
            _stop(process)
        import shutil

        shutil.rmtree(runtime, ignore_errors=True)


def _wait(process: subprocess.Popen[bytes]) -> int:
    import signal
    code = process.wait()
    if code not in (0, -signal.SIGTERM, -signal.SIGINT):
        print(f"techplan app: Voilà stopped with exit code {code}", file=sys.stderr)
        return 1
    return 0


def _stop(process: subprocess.Popen[bytes]) -> None:
    import subprocess
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
