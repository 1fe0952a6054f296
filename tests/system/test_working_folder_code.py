"""Code lying in the working folder or beside the inputs never runs: not in the kernel, a batch
worker, the Voilà server or its kernels (issue 14, class 3).

IPython kernels, `python -m ...` and multiprocessing's `python -c ...` put the working folder
first on sys.path, so a `yaml.py` next to someone's inputs file used to be imported by the
kernel. Each planted module writes a marker when imported; the commands must work and leave none.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from helpers import AS_OF, BUNDLED_EXAMPLE

# Modules the kernel, ipykernel's launcher, multiprocessing's spawn and Voilà import by name, and
# the config files IPython/Jupyter/Voilà would execute from the working folder.
PLANTED = ["yaml", "numpy", "jinja2", "techplan_nb", "nbformat", "ipykernel_launcher", "multiprocessing",
           "voila", "tornado", "zmq", "matplotlib", "pydantic", "sitecustomize", "usercustomize",
           "ipython_config", "ipython_kernel_config", "jupyter_config", "jupyter_server_config"]


def plant(folder: Path, markers: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in PLANTED:
        (folder / f"{name}.py").write_text(
            f"open({str(markers / (folder.name + '-' + name))!r}, 'w').write('imported')\n", "utf-8")


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(working folder, inputs file in another folder, markers folder), both folders planted."""
    markers = tmp_path / "markers"
    markers.mkdir()
    work = tmp_path / "work"
    inputs_dir = tmp_path / "inputs"
    plant(work, markers)
    plant(inputs_dir, markers)
    inputs = inputs_dir / "inputs.yaml"
    inputs.write_bytes(BUNDLED_EXAMPLE.read_bytes())
    return work, inputs, markers


def techplan_command() -> list[str]:
    # The console script, as users run it (it does not put the working folder on sys.path itself).
    return [str(Path(sys.executable).with_name("techplan"))]


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("TECHPLAN_DEBUG", "PYTHONSAFEPATH", "PYTHONPATH")}


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=environment(), capture_output=True, text=True, timeout=300,
                          check=False)


@pytest.mark.kernel
def test_run_imports_nothing_from_the_working_folder_or_the_inputs_folder(
        planted: tuple[Path, Path, Path]) -> None:
    work, inputs, markers = planted
    result = run([*techplan_command(), "run", str(inputs), "--out", "out", "--as-of", AS_OF], work)
    assert result.returncode == 0, result.stderr
    assert list(markers.iterdir()) == []
    assert list((work / "out").rglob("technical-plan.md"))


@pytest.mark.kernel
def test_python_m_techplan_nb_run_imports_nothing_from_the_working_folder(planted: tuple[Path, Path, Path]) -> None:
    work, _, markers = planted
    (work / "inputs.yaml").write_bytes(BUNDLED_EXAMPLE.read_bytes())
    # `python -m techplan_nb` itself looks the package up in the working folder first (Python's
    # rule, before any of our code runs); everything imported after that must not be.
    (work / "techplan_nb.py").unlink()
    result = run([sys.executable, "-m", "techplan_nb", "run", "inputs.yaml", "--out", "out", "--as-of", AS_OF],
                 work)
    assert result.returncode == 0, result.stderr
    assert list(markers.iterdir()) == []
    assert list((work / "out").rglob("technical-plan.md"))


@pytest.mark.kernel
@pytest.mark.parametrize("entry", ["console script", "python -m"])
def test_batch_workers_and_kernels_import_nothing_from_the_working_folder(
        entry: str, planted: tuple[Path, Path, Path]) -> None:
    work, inputs, markers = planted
    second = work / "second.yaml"
    second.write_bytes(BUNDLED_EXAMPLE.read_bytes().replace(b"number: 57", b"number: 58"))
    prefix = techplan_command() if entry == "console script" else [sys.executable, "-m", "techplan_nb"]
    if entry == "python -m":
        (work / "techplan_nb.py").unlink()  # see the test above
    result = run([*prefix, "batch", str(inputs), "second.yaml", "--out", "out", "--jobs", "2",
                  "--as-of", AS_OF, "--no-progress"], work)
    assert result.returncode == 0, result.stderr
    assert list(markers.iterdir()) == []
    assert len(list((work / "out").rglob("technical-plan.md"))) == 2


def test_the_voila_server_starts_in_a_private_folder_with_a_safe_sys_path(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """What `techplan app` hands to Popen: checked without starting Voilà (the test below does)."""
    import argparse

    from techplan_nb import voila_app

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(["", ".", "/opt/site"]))
    env = voila_app.app_environment(argparse.Namespace(inputs=None, out=Path("plans"), as_of=None, seed=0,
                                                 template=None))
    assert env["PYTHONSAFEPATH"] == "1"
    assert env["PYTHONPATH"] == "/opt/site"


@pytest.mark.kernel
def test_the_app_and_its_kernel_import_nothing_from_the_working_folder(planted: tuple[Path, Path, Path]) -> None:
    work, inputs, markers = planted
    with socket_port() as port:
        pass
    env = environment()
    env["TMPDIR"] = str(work.parent)
    process = subprocess.Popen([*techplan_command(), "app", "--no-browser", "--port", str(port), "--inputs",
                                str(inputs), "--as-of", AS_OF], cwd=work, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "token=" in line:
                found.set()
        found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        found.wait(timeout=120)
        urls = [m.group(1) for line in lines for m in [re.search(r"(http://\S+token=\S+)", line)] if m]
        assert urls, "".join(lines)
        # Voilà runs the whole form notebook in a kernel while it streams the page.
        with urllib.request.urlopen(urls[0], timeout=180) as response:
            page = response.read().decode("utf-8", "replace")
        assert "tp-issue-title" in page or "application/vnd.jupyter.widget-view+json" in page, page[-2000:]
        assert list(markers.iterdir()) == []
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the session this test started, and only it
                process.wait()
        reader.join(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


class socket_port:
    """A free port on 127.0.0.1 (closed again before the app binds it)."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        return int(self.sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
