"""`techplan render --format html`: one self-contained HTML file, the charts inline, nothing fetched
from anywhere (the browser test opens it in Chromium: tests/system/test_render_html_browser.py)."""

from __future__ import annotations

import html.parser
import re
import sys
from pathlib import Path

import pytest

import techplan_nb

from helpers import AS_OF, BUNDLED_EXAMPLE, run_techplan, write_inputs

# Attributes that make a browser fetch something (an anchor's href is only followed when clicked).
FETCHING = {("img", "src"), ("img", "srcset"), ("script", "src"), ("link", "href"), ("iframe", "src"),
            ("source", "src"), ("video", "src"), ("audio", "src"), ("object", "data"), ("embed", "src"),
            ("input", "src"), ("image", "href"), ("use", "href")}


class References(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.tags: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_style = tag == "style"
        for name, value in attrs:
            if (tag, name) in FETCHING:
                self.fetched.append(value or "")
            if name == "style":
                self.styles.append(value or "")

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
            self._in_style = False


def external_references(text: str) -> list[str]:
    """Everything the page would load that is not inline data."""
    parser = References()
    parser.feed(text)
    found = [ref for ref in parser.fetched if not ref.startswith("data:image/")]
    found += [m for style in parser.styles for m in re.findall(r"url\(|@import", style)]
    found += [tag for tag in parser.tags if tag in ("script", "iframe", "object", "embed", "base")]
    return found


def test_html_export_is_one_file_with_every_chart_inline_and_no_outside_reference(tmp_path: Path) -> None:
    out = tmp_path / "plan.html"
    result = run_techplan("render", BUNDLED_EXAMPLE, "--as-of", AS_OF, "--format", "html", "-o", out)
    assert result.returncode == 0, result.stderr
    text = out.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<title>Technical Plan: Export roast profiles" in text
    assert external_references(text) == []
    assert text.count('src="data:image/png;base64,') == 3  # heat-map, Gantt, finish distribution
    # The Mermaid block needs a script to draw: the Gantt chart is drawn in its place.
    assert "mermaid" not in text and 'class="chart chart-gantt"' in text
    assert (text.index("Risk matrix (probability") < text.index("chart-risk-heatmap")
            < text.index("<h2>Implementation Timeline</h2>"))
    assert "<table>" in text and "@media print" in text
    assert '<a href="https://github.com/example-org/coffee-roast-tracker/issues/57">' in text


def test_a_plan_folder_renders_from_its_inputs(tmp_path: Path) -> None:
    folder = tmp_path / "issue-57-roast"
    folder.mkdir()
    (folder / "inputs.yaml").write_bytes(BUNDLED_EXAMPLE.read_bytes())
    result = run_techplan("render", folder, "--as-of", AS_OF, "--format", "html")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>") and external_references(result.stdout) == []
    markdown = run_techplan("render", folder, "--as-of", AS_OF)
    assert markdown.stdout == run_techplan("render", BUNDLED_EXAMPLE, "--as-of", AS_OF).stdout


def test_user_text_cannot_add_markup_or_a_fetched_image(tmp_path: Path) -> None:
    path = write_inputs(tmp_path, {
        "issue": {"number": 9, "title": "<script>alert(1)</script>",
                  "summary": "![x](https://evil.example/x.png) <img src=https://evil.example/y.png> "
                             "<style>body{background:url(https://evil.example/z)}</style>"}})
    result = run_techplan("render", path, "--as-of", AS_OF, "--format", "html")
    assert result.returncode == 0, result.stderr
    assert external_references(result.stdout) == []
    assert "<script>" not in result.stdout and "&lt;script&gt;" in result.stdout


def test_without_matplotlib_the_html_export_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.delitem(sys.modules, "techplan_nb.charts", raising=False)
    monkeypatch.delattr(techplan_nb, "charts", raising=False)  # `from . import charts` reads it first
    out = tmp_path / "plan.html"
    result = run_techplan("render", BUNDLED_EXAMPLE, "--as-of", AS_OF, "--format", "html", "-o", out)
    assert result.returncode == 2, result.stderr
    assert "pip install 'techplan-nb[notebook]'" in result.stderr and not out.exists()


def test_matplotlib_settings_from_the_working_folder_do_not_change_the_charts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """matplotlib reads ./matplotlibrc when it is imported, and a repository can hold one: it turned
    the exported charts red (issue 14, round 3). The charts are drawn from matplotlib's defaults."""
    import matplotlib

    clean = run_techplan("render", BUNDLED_EXAMPLE, "--format", "html", "--as-of", AS_OF)
    assert clean.returncode == 0, clean.stderr
    (tmp_path / "matplotlibrc").write_text("figure.facecolor: red\nfont.size: 40\n", "utf-8")
    # What importing matplotlib in that folder would have read (it is imported once per process).
    read = matplotlib.rc_params_from_file(str(tmp_path / "matplotlibrc"), use_default_template=False)
    for key, value in read.items():
        monkeypatch.setitem(matplotlib.rcParams, key, value)
    planted = run_techplan("render", BUNDLED_EXAMPLE, "--format", "html", "--as-of", AS_OF, cwd=tmp_path)
    assert planted.returncode == 0, planted.stderr
    assert planted.stdout == clean.stdout
