"""`techplan app` and the form notebook: how Voilà is started, and the notebook run in a real kernel.

The page itself is driven in Chromium by tests/test_browser_form.py; these check the parts a
browser does not see: refusals before anything starts, the server's settings, and the notebook.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import nbformat
import pytest

from techplan_nb.voila_app import (
    content_security_policy,
    form_notebook,
    voila_command,
    voila_config,
    voila_data_dir,
    write_voila_config,
)

from helpers import ROOT, run_techplan


def test_app_refuses_a_port_in_use_before_starting_anything(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_techplan("app", "--no-browser", "--port", str(port), cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert f"port {port} is in use on 127.0.0.1; choose another with --port N" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_that_needs_administrator_rights_is_not_called_in_use(monkeypatch: pytest.MonkeyPatch) -> None:
    from techplan_nb import voila_app
    from techplan_nb.errors import UsageError

    class Refusing:
        """A socket as an ordinary user gets it for port 80 (the tests may run as root)."""

        def __init__(self, *args: object) -> None:
            pass

        def __enter__(self) -> Refusing:
            return self

        def __exit__(self, *args: object) -> None:
            pass

        def bind(self, address: tuple[str, int]) -> None:
            raise PermissionError(13, "Permission denied")

    import socket

    monkeypatch.setattr(socket, "socket", Refusing)
    with pytest.raises(UsageError) as refused:
        voila_app.check_port_free(80)
    assert str(refused.value) == ("port 80 needs administrator rights on this computer; "
                                  "choose one from 1024 up with --port N")


def test_app_refuses_a_missing_inputs_file(tmp_path: Path) -> None:
    result = run_techplan("app", "--no-browser", "--inputs", "nowhere.yaml", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert "nowhere.yaml: no such inputs file" in result.stderr


def test_app_rejects_a_port_out_of_range_with_a_usage_error(tmp_path: Path) -> None:
    result = run_techplan("app", "--port", "70000", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert "the port must be between 1 and 65535" in result.stderr


def test_every_app_option_has_help_text() -> None:
    result = run_techplan("app", "--help")
    assert result.returncode == 0
    for option in ("--port N", "--no-browser", "--inputs FILE", "--out DIR", "--as-of", "--seed", "--template"):
        assert option in result.stdout


def test_voila_listens_on_this_machine_only_with_a_token_and_loads_nothing_from_outside(tmp_path: Path) -> None:
    config = voila_config(8123, "secret-token", tmp_path)
    voila = config["Voila"]
    assert (voila["ip"], voila["port"], voila["token"]) == ("127.0.0.1", 8123, "secret-token")
    assert voila["port_retries"] == 0  # the port asked for, or a clear refusal
    assert voila["open_browser"] is False
    assert config["VoilaConfiguration"]["template"] == "techplan"
    assert config["VoilaConfiguration"]["file_allowlist"] == []
    policy = voila["tornado_settings"]["headers"]["Content-Security-Policy"]
    assert policy == content_security_policy(8123)
    assert policy.startswith("default-src 'self' ")
    assert "http" not in policy.replace("ws://127.0.0.1:8123", "").replace("ws://localhost:8123", "")
    # The template drops the lab template's CDN stylesheets and Mermaid loader.
    template = (voila_data_dir() / "voila" / "templates" / "techplan" / "index.html.j2").read_text("utf-8")
    assert "extends 'voila/templates/lab/index.html.j2'" in template
    assert "fontawesome-free@^5/css/all.min.css" in template and "html_head_js_mermaidjs" in template
    lab = ROOT / ".venv" / "share" / "jupyter" / "voila" / "templates" / "lab" / "index.html.j2"
    if lab.exists():  # the links removed are exactly the ones the installed Voilà writes
        for line in lab.read_text("utf-8").splitlines():
            if "https://" in line and "<link" in line:
                assert line.strip() in template


def test_voila_gets_its_settings_from_a_private_file_so_ps_shows_no_token_and_kernels_use_private_sockets(
        ) -> None:
    runtime = write_voila_config(8124, "secret-token")
    try:
        assert runtime.stat().st_mode & 0o077 == 0  # only this user can read the token or reach the sockets
        written = json.loads((runtime / "voila.json").read_text("utf-8"))
        assert written == json.loads(json.dumps(voila_config(8124, "secret-token", runtime)))
        assert written["KernelManager"] == {"transport": "ipc", "ip": str(runtime / "kernel")}
        assert written["Voila"]["connection_dir_root"] == str(runtime)
        command = voila_command(form_notebook(), runtime)
        assert not any("secret-token" in part for part in command)
        # Only this folder's voila.json is read: not a voila.py in the folder the app starts in.
        assert command[-1] == f"--Voila.config_file_paths={runtime}"
        assert not any(part.startswith("--") and part.endswith("]") for part in command)  # no list syntax
    finally:
        import shutil

        shutil.rmtree(runtime)


def test_the_form_notebook_is_thin_and_tagged_for_nbval() -> None:
    nb = nbformat.read(form_notebook(), as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert len(code) == 1
    assert "from techplan_nb.widgets import app_form" in code[0].source
    assert "nbval-ignore-output" in code[0].metadata.get("tags", [])  # widget ids differ on every run
    assert code[0].outputs == []


@pytest.mark.kernel
def test_the_form_notebook_runs_in_a_real_kernel_and_shows_the_form(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from nbclient import NotebookClient

    from techplan_nb.widgets import APP_ENV

    monkeypatch.setenv(APP_ENV["workdir"], str(tmp_path))
    monkeypatch.setenv(APP_ENV["as_of"], "2026-11-20")
    nb = nbformat.read(form_notebook(), as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    (output,) = nb.cells[0].outputs
    assert output.output_type == "execute_result"
    assert output.data["text/plain"].startswith("Technical Plan form")
    assert output.data["application/vnd.jupyter.widget-view+json"]["model_id"]


@pytest.mark.kernel
def test_the_plan_notebook_with_no_inputs_file_takes_its_inputs_from_the_form(tmp_path: Path) -> None:
    """A person runs notebooks/technical_plan.ipynb in JupyterLab with inputs_path empty."""
    from nbclient import NotebookClient

    from helpers import AS_OF, shared_example

    source = nbformat.read(ROOT / "notebooks" / "technical_plan.ipynb", as_version=4)
    cells = [c for c in source.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    parameters = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    cells.insert(parameters + 1, nbformat.v4.new_code_cell(
        f'inputs_path = ""\nas_of = "{AS_OF}"\noutput_dir = {str(tmp_path / "plans")!r}'))
    nb = nbformat.v4.new_notebook(cells=cells, metadata=source.metadata)
    start = next(i for i, c in enumerate(nb.cells) if "tp.start(" in c.source)
    client = NotebookClient(nb, timeout=180, kernel_name="python3", allow_errors=True, store_widget_state=False,
                            resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        for index in range(start + 1):
            client.execute_cell(nb.cells[index], index)
        outputs = nb.cells[start].outputs
        assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
        (error,) = [o for o in outputs if o.output_type == "error"]
        assert error.ename == "FormNotReady" and "fill it in (or load a file), then run the notebook again" in (
            error.evalue)
        # What the person does in the form, done here through the form's own API.
        end = len(nb.cells)
        fill = nbformat.v4.new_code_cell(
            f"import techplan_nb.widgets as w\nw._session_form.load({str(shared_example())!r})")
        nb.cells.append(fill)
        client.execute_cell(fill, end)
        assert not [o for o in fill.outputs if o.output_type == "error"], fill.outputs
        for index in range(start, end):
            client.execute_cell(nb.cells[index], index)
            errors = [o for o in nb.cells[index].get("outputs", []) if o.output_type == "error"]
            assert not errors, errors
    folder = tmp_path / "plans" / "issue-57-export-roast-profiles-to-csv-and-share-them-by"
    assert (folder / "technical-plan.md").read_text("utf-8").startswith(
        "# Technical Plan: Export roast profiles to CSV and share them by link\n")
    assert (folder / "inputs.yaml").read_bytes() == shared_example().read_bytes()


def test_by_default_a_page_that_went_away_loses_its_kernel_within_a_minute(tmp_path: Path) -> None:
    culling = voila_config(8125, "secret-token", tmp_path)["MappingKernelManager"]
    assert culling["cull_connected"] is False  # an open page keeps its kernel
    # The culler finds a kernel idle for cull_idle_timeout at its next round, cull_interval later.
    assert culling["cull_idle_timeout"] + culling["cull_interval"] < 60, culling
    shorter = voila_config(8125, "secret-token", tmp_path, kernel_idle=4)["MappingKernelManager"]
    assert (shorter["cull_idle_timeout"], shorter["cull_interval"]) == (4, 1)


@pytest.mark.kernel
def test_a_form_kernel_keeps_every_widget_message_while_the_server_is_too_busy_to_read_them(
        tmp_path: Path) -> None:
    """A burst of widgets (a form tab opening) while nothing reads IOPub: all reach the reader later.

    Without the form's setting, ZeroMQ drops what exceeds its 1000-message queue: the browser then
    waits in vain for those widgets ("widget model not found").
    """
    import queue

    from jupyter_client.manager import start_new_kernel

    widgets = 6000
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        reply = client.execute_interactive(
            "import ipywidgets as W\nfrom techplan_nb.widgets.channel import keep_all_widget_messages\n"
            "assert keep_all_widget_messages()\nkept = []", timeout=60, output_hook=lambda msg: None)
        assert reply["content"]["status"] == "ok"
        client.execute(f"for i in range({widgets}):\n    kept.append(W.HTML(str(i)))")
        # The "server" reads nothing while the kernel makes the widgets and for a while after.
        time.sleep(6)
        opened = set()
        while True:
            try:
                message = client.get_iopub_msg(timeout=5)
            except queue.Empty:
                break
            if message["msg_type"] == "comm_open" and message["content"]["data"]["state"]["_model_name"] == (
                    "HTMLModel"):
                opened.add(message["content"]["data"]["state"]["value"])
        assert opened == {str(i) for i in range(widgets)}
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
