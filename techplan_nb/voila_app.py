"""The form's web server: Voila on plan_form.ipynb, configured from a private folder, supervised
until it stops. `techplan app` (cli/app.py) parses the options and calls serve()."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess

from .errors import TechPlanError, UsageError

HOST = "127.0.0.1"
STARTUP_SECONDS = 90.0


def form_notebook() -> Path:
    """The form notebook: inside the wheel as techplan_nb/notebooks, at top level in a checkout."""
    package = Path(__file__).resolve().parent
    packaged = package / "notebooks" / "plan_form.ipynb"
    return packaged if packaged.is_file() else package.parent / "notebooks" / "plan_form.ipynb"


def voila_data_dir() -> Path:
    """Holds voila/templates/techplan: Voilà's lab template without its CDN stylesheets."""
    return Path(__file__).resolve().parent / "widgets" / "share"


def content_security_policy(port: int) -> str:
    # The page may load only what this server serves: nothing reaches the network, even if a
    # future Voilà template adds a CDN link (the browser refuses it before any request is made).
    origins = f"ws://{HOST}:{port} ws://localhost:{port}"
    return (f"default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; connect-src 'self' {origins}; "
            "frame-ancestors 'self'; base-uri 'self'; form-action 'self'")


KERNEL_CULL_SECONDS = 40
"""How long a kernel whose page went away without saying so (a dropped connection, a killed
browser, a page left with unsaved changes, whose leave handler keeps Voila from shutting the kernel
down) is kept, by default: with the culler's round (cull_interval) it is shut down within a minute.
An hour, as before, left a kernel per closed tab. A page that is still open is never culled
(cull_connected is off), and the form's draft beside the inputs keeps what was typed."""


def cull_interval(idle_seconds: int) -> int:
    """How often the culler looks: every 10 s at the default, sooner for a shorter idle time."""
    return max(1, min(10, idle_seconds // 4))


def voila_config(port: int, token: str, runtime: Path,
                 kernel_idle: int = KERNEL_CULL_SECONDS) -> dict[str, Any]:
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
        "MappingKernelManager": {"cull_idle_timeout": kernel_idle,
                                 "cull_interval": cull_interval(kernel_idle),
                                 "cull_connected": False},
    }


def voila_command(notebook: Path, config_dir: Path) -> list[str]:
    return [sys.executable, "-m", "voila", str(notebook), f"--Voila.config_file_paths={config_dir}"]


def write_voila_config(port: int, token: str, kernel_idle: int = KERNEL_CULL_SECONDS) -> Path:
    """A folder only this user can read, holding voila.json and the kernels' sockets."""
    import tempfile

    runtime = Path(tempfile.mkdtemp(prefix="techplan-app-"))  # created with mode 0700
    (runtime / "voila.json").write_text(json.dumps(voila_config(port, token, runtime, kernel_idle), indent=2), "utf-8")
    return runtime


def app_environment(args: argparse.Namespace) -> dict[str, str]:
    """The Voila server's environment: a safe sys.path, the form's template folder, and the
    command's options for the form notebook to read (widgets.APP_ENV)."""
    from .isolation import child_environment
    from .widgets import APP_ENV

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


def check_port_free(port: int) -> None:
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


def serve(args: argparse.Namespace, notebook: Path, *, ready: Callable[[str], None]) -> int:
    """Run Voila on the form until it stops or Ctrl-C; `ready` gets the page's address once it answers.
    Voila and its kernels are stopped and the private folder removed whatever happens."""
    import secrets
    import signal
    import subprocess

    check_port_free(args.port)
    token = secrets.token_urlsafe(24)
    url = f"http://{HOST}:{args.port}/?token={token}"
    runtime = write_voila_config(args.port, token, args.kernel_idle)
    # Stopped by a service manager or a test (SIGTERM): still stop Voila and its kernels.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    process: subprocess.Popen[bytes] | None = None
    try:
        # Started in the private folder with a safe sys.path: `python -m voila` would otherwise
        # import a yaml.py (or voila.py config) from the folder the app was started in.
        process = subprocess.Popen(voila_command(notebook, runtime), env=app_environment(args), cwd=runtime)
        _wait_until_serving(process, args.port)
        ready(url)
        return _wait(process)
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
