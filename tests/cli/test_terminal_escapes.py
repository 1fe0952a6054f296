"""Text from a user's files never reaches the terminal raw (issue 14, class 9).

An inputs file, plan, issue export or notebook someone sent can hold escape sequences (OSC
retitles the terminal, CSI clears it or moves the cursor to fake output), a C1 CSI (\\x9b) or bidi
overrides that reorder the rest of a line. Every message quoting such text shows them escaped."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from helpers import AS_OF, ROOT, example_data, run_techplan, seed_template, write_inputs

PAYLOAD = "\x1b]0;pwned\x07 \x1b[2J \x9b31m \u202e \u2066 \u2028 \r"
RAW = ["\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\u2028", "\r"]


def _assert_escaped(result: subprocess.CompletedProcess[str], *, echoed: bool = True) -> None:
    shown = result.stdout + result.stderr
    # The in-process runner reads "\r" as a subprocess's text mode does (a line end), so a raw CR
    # would show as "\n" here: the escaped form "\x0d" is what proves it was escaped.
    for char in RAW:
        assert char not in shown, (char, shown[-2000:])
    if echoed:  # the command quotes the text, escaped, so the test sees the path it guards
        assert "\\x1b]0;pwned\\x07" in shown, shown[-2000:]
    assert "Traceback" not in shown


def test_validate_quotes_a_key_escaped(tmp_path: Path) -> None:
    data = example_data()
    data["issue"]["title" + PAYLOAD] = "x"
    result = run_techplan("validate", write_inputs(tmp_path, data))
    assert result.returncode == 2
    _assert_escaped(result)


def test_render_quotes_a_value_escaped(tmp_path: Path) -> None:
    data = example_data()
    data["timeline"]["phases"][0]["tasks"][0]["depends_on"] = ["model" + PAYLOAD]
    result = run_techplan("render", write_inputs(tmp_path, data), "--as-of", AS_OF)
    assert result.returncode == 2
    _assert_escaped(result)


def _plan() -> str:
    text = seed_template().read_text("utf-8")
    text = text.replace("Draft/Under Review/Approved", "Draft" + PAYLOAD)
    text = text.replace("## Issue Summary", "## Issue Summary" + PAYLOAD)
    return text.replace("Brief summary of the GitHub issue", "Brief" + PAYLOAD)


def test_check_quotes_a_plan_escaped(tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text(_plan(), "utf-8")
    result = run_techplan("check", plan)
    assert result.returncode == 1
    _assert_escaped(result)
    as_json = run_techplan("check", plan, "--format", "json")
    _assert_escaped(as_json, echoed=False)
    assert "\\u001b]0;pwned\\u0007" in as_json.stdout and "\\u202e" in as_json.stdout
    findings = json.loads(as_json.stdout)["findings"]
    assert any("\x1b]0;pwned\x07" in finding["message"] for finding in findings)  # JSON readers get the text


def test_import_markdown_quotes_a_plan_escaped(tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text(_plan().replace("#{issue-number}", "#x" + PAYLOAD), "utf-8")
    result = run_techplan("import", "markdown", plan, "-o", tmp_path / "inputs.yaml")
    assert result.returncode == 2
    _assert_escaped(result, echoed=False)
    plan.write_text(_plan().replace("#{issue-number}", "#12"), "utf-8")
    result = run_techplan("import", "markdown", plan, "-o", tmp_path / "inputs.yaml")
    assert result.returncode == 0, result.stderr
    # The importer drops them from what it keeps, and says so; the status note quotes the rest.
    assert "invisible control characters were removed (line 7: U+0007, U+001B" in result.stderr
    _assert_escaped(result, echoed=False)


def test_import_github_quotes_an_issue_escaped(tmp_path: Path) -> None:
    issue = {"number": "7" + PAYLOAD, "title": "Export" + PAYLOAD, "body": "Body" + PAYLOAD, "state": "open"}
    export = tmp_path / "issue.json"
    export.write_text(json.dumps(issue), "utf-8")
    result = run_techplan("import", "github", export, "-o", tmp_path / "out.yaml", "--as-of", AS_OF)
    assert result.returncode == 2
    _assert_escaped(result)


def test_import_github_writes_an_issue_and_says_so_escaped(tmp_path: Path) -> None:
    issue = {"number": 7, "title": "Export" + PAYLOAD, "body": "Body" + PAYLOAD, "state": "open"}
    export = tmp_path / "issue.json"
    export.write_text(json.dumps([issue]), "utf-8")
    result = run_techplan("import", "github", export, "-o", tmp_path / ("out" + PAYLOAD), "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    _assert_escaped(result)


def test_audit_quotes_a_notebook_escaped(tmp_path: Path) -> None:
    nb = json.loads((ROOT / "notebooks" / "technical_plan.ipynb").read_text("utf-8"))
    nb["cells"][4]["outputs"].append({"output_type": "error", "ename": "Error" + PAYLOAD,
                                      "evalue": "value" + PAYLOAD, "traceback": []})
    notebook = tmp_path / "run.ipynb"
    notebook.write_text(json.dumps(nb), "utf-8")
    for args in (("audit", notebook), ("audit", notebook, "--format", "json")):
        result = run_techplan(*args)
        assert result.returncode == 0, result.stderr
        _assert_escaped(result, echoed=args[-1] != "json")
        if args[-1] == "json":
            assert json.loads(result.stdout)["error"]["ename"] == "Error" + PAYLOAD


@pytest.mark.parametrize("command", ["check", "validate"])
def test_a_file_name_is_shown_escaped(tmp_path: Path, command: str) -> None:
    path = tmp_path / ("plan" + PAYLOAD.replace("/", "") + ".md")
    path.write_text("", "utf-8")
    result = run_techplan(command, path)
    assert result.returncode == 2
    _assert_escaped(result)


def test_a_valid_file_named_with_escapes_is_said_ok_escaped(tmp_path: Path) -> None:
    path = write_inputs(tmp_path, example_data(), "inputs" + PAYLOAD.replace("/", "") + ".yaml")
    result = run_techplan("validate", path)
    assert result.returncode == 0, result.stderr
    _assert_escaped(result)



def test_the_batch_progress_bar_shows_a_file_name_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    """batch (local and cluster) shows the input it is on, `now=NAME`, and a name is anyone's
    choice: before, `a<ESC>]0;pwned<BEL><ESC>[2J.yaml` retitled and cleared the terminal."""
    from techplan_nb.batch import _progress

    bar = _progress(1, True)
    bar.set_postfix_str(f"failed=0 now={PAYLOAD}\ntechplan: 9 of 9 plans made.yaml")
    bar.update(1)
    bar.close()
    shown = capsys.readouterr().err
    for char in RAW[:-1]:  # the bar itself redraws with "\r"
        assert char not in shown, (char, shown)
    assert "\\x1b]0;pwned\\x07" in shown and "\\ntechplan: 9 of 9" in shown


def test_index_shows_an_unreadable_plans_folder_name_escaped(tmp_path: Path) -> None:
    """An unreadable plan's row is titled with its folder's name, which a pull request chose:
    `index -o -` printed its escape sequence raw (and README.md kept it)."""
    folder = tmp_path / "plans" / "issue-1-x\x1b]0;pwned\x07"
    folder.mkdir(parents=True)
    (folder / "inputs.yaml").write_text("issue: {number: 1, title: One}\nrisks: 3\n", "utf-8")
    result = run_techplan("index", tmp_path / "plans", "-o", "-", "--as-of", AS_OF)
    assert result.returncode == 1
    _assert_escaped(result)
    run_techplan("index", tmp_path / "plans", "--as-of", AS_OF)
    assert "\x1b" not in (tmp_path / "plans" / "README.md").read_text("utf-8")


def test_a_name_with_a_line_break_cannot_fake_a_line_of_status(tmp_path: Path) -> None:
    """A reviewer, role or title written as a YAML `|` block printed as two lines, the second
    free to say anything ("Can move to Approved: yes"); titles and names are one line (issue 14,
    round 3)."""
    data = example_data()
    fake = "Can move to Approved: yes"
    data["issue"]["title"] = f"Export\n{fake}"
    data["reviews"][0]["reviewer"] = f"Ann\n{fake}"
    data["approvals"][0]["role"] = f"Architect\n{fake}"
    data["approvals"][0]["by"] = f"Kim\n{fake}"
    folder = tmp_path / "plans" / "issue-57-x"
    folder.mkdir(parents=True)
    write_inputs(folder, data)
    result = run_techplan("status", folder)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert not any(line.startswith(fake) for line in lines), result.stdout
    assert f"Export {fake}" in result.stdout and f"Ann {fake}" in result.stdout


def test_analyze_json_writes_line_separators_in_user_text_escaped(tmp_path: Path) -> None:
    """A risk or task name may hold U+2028/U+2029 (no control character, so the inputs take it);
    analyze's JSON printed it raw, a line break on some terminals (issue 14, round 3). It is
    written \\u2028 now: the same JSON to a reader, nothing for a terminal to act on."""
    data = example_data()
    data["risks"][0]["risk"] = "Risk\u2028FAKE: all clear\u2029x"
    result = run_techplan("analyze", write_inputs(tmp_path, data), "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    assert "\u2028" not in result.stdout and "\u2029" not in result.stdout
    assert "Risk\u2028FAKE: all clear\u2029x" in json.dumps(json.loads(result.stdout), ensure_ascii=False)
