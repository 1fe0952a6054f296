"""The form as people use it: `techplan app` serving Voilà, driven in Debian's headless Chromium.

Nothing downloads a browser: Playwright drives /usr/bin/chromium (`.ci/run` installs it). The page
must load nothing from outside this machine, so every request the browser makes is recorded and
checked. Screenshots go to helpers.SCREENSHOTS for a person to look at.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from techplan_nb.inputs import load_path

from helpers import SCREENSHOTS, shared_example

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = SCREENSHOTS
LOAD_TIMEOUT_MS = 120_000
GENERATE_TIMEOUT_MS = 180_000


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class App:
    url: str
    folder: Path
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)


def example_copy(folder: Path) -> Path:
    """The shared example copied into the test's folder: typing in the form writes a draft beside
    the inputs file, which must not land in the checkout or in shared/."""
    copy = folder / "examples" / shared_example().name
    copy.parent.mkdir(exist_ok=True)
    copy.write_bytes(shared_example().read_bytes())
    return copy


@contextlib.contextmanager
def start_app(folder: Path, *extra: str) -> Iterator[App]:
    """`techplan app --no-browser --port FREE` in `folder`, until the test is done with it."""
    port = free_port()
    command = [sys.executable, "-m", "techplan_nb", "app", "--no-browser", "--port", str(port),
               "--out", "plans", "--as-of", "2026-11-20", *extra]
    env = {k: v for k, v in os.environ.items() if k != "TECHPLAN_DEBUG"}
    # The app's private folder (settings, kernel sockets) is made under TMPDIR: here, where the
    # test can see it.
    (folder / "tmp").mkdir(exist_ok=True)
    env["TMPDIR"] = str(folder / "tmp")
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    output: list[str] = []
    ready = threading.Event()
    url: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            found = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", line)
            if found and not url:
                url.append(found.group(1))
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        ready.wait(timeout=LOAD_TIMEOUT_MS / 1000)
        assert url, "techplan app did not print its address:\n" + "".join(output)
        yield App(url[0], folder, process, output)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # techplan app stops Voilà and its kernels
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the session this test started, and only it
                process.wait()
        reader.join(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: apt-get update && apt-get install -y chromium "
                    "(the browser tests must run, not be skipped)")
    from playwright.sync_api import expect, sync_playwright

    # The machine is shared and a kernel round trip can take a while under load: wait, then fail.
    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


STILL = """() => { const n = document.querySelectorAll('.jupyter-widgets').length;
  const w = window.__tpWidgets || (window.__tpWidgets = {n: -1, since: 0});
  if (n !== w.n) { w.n = n; w.since = Date.now(); return false; }
  return Date.now() - w.since > 1000; }"""
"""True once the page's widget count has not changed for a second."""


class Page:
    """A browser page on the app, recording every request and console error."""

    def __init__(self, browser: object, app: App, width: int = 1600, height: int = 1000,
                 permissions: tuple[str, ...] = ()) -> None:
        self.page = browser.new_page(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, permissions=list(permissions))
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(app.url)
        self.page.locator(".tp-issue-title textarea").wait_for(timeout=LOAD_TIMEOUT_MS)
        # Voilà keeps making the page's widgets from the kernel's state after the first ones show;
        # a click before it is done can make a widget whose parts the page is still waiting for
        # (ipywidgets waits 2 s, then logs "widget model not found"). As a person would, the
        # test starts once the page has stopped growing.
        self.page.wait_for_function(STILL, polling=250, timeout=LOAD_TIMEOUT_MS)

    def outside_requests(self) -> list[str]:
        return [url for url in self.requests if urlparse(url).hostname not in ("127.0.0.1", "localhost")
                and not url.startswith(("data:", "blob:"))]


@contextlib.contextmanager
def example_form(browser: object, folder: Path, *, width: int, permissions: tuple[str, ...] = ()) -> Iterator[Page]:
    """The app on a copy of the example, in a page `width` px wide, once the form is ready and its
    plan previewed."""
    from playwright.sync_api import expect

    with start_app(folder, "--inputs", str(example_copy(folder))) as app:
        view = Page(browser, app, width=width, height=800, permissions=permissions)
        expect(view.page.locator(".tp-title")).to_contain_text("ready to generate")
        expect(view.page.locator(".tp-preview-plan h1")).to_contain_text("Export roast profiles")
        yield view


def test_fill_title_add_risk_generate_and_see_them_in_preview_and_files(browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with start_app(tmp_path) as app:
        view = Page(browser, app)
        page = view.page
        generate = page.locator("button.tp-generate")
        title_error = page.locator(".tp-issue-title").locator("xpath=..").locator(".tp-error")

        # A new form: what is missing is said beside the fields, and Generate is off.
        expect(title_error).to_contain_text("must not be empty")
        expect(generate).to_be_disabled()

        page.locator(".tp-issue-number input").fill("4242")
        page.locator(".tp-issue-title textarea").fill("Dark mode for the roast dashboard")
        expect(title_error).to_be_hidden()
        expect(page.locator(".tp-preview-plan h1")).to_have_text("Technical Plan: Dark mode for the roast dashboard")

        page.get_by_role("tab", name="Risks").click()
        page.locator("button.tp-risks-add").click()
        page.locator(".tp-risk-text textarea").fill("Contrast too low for charts in dark mode")
        page.locator(".tp-risk-probability select").select_option("High")
        page.locator(".tp-risk-mitigation textarea").fill("Check every chart against WCAG AA")
        expect(page.locator(".tp-preview-plan")).to_contain_text("Contrast too low for charts in dark mode")
        expect(generate).to_be_enabled()

        # An empty title again: its error comes back and Generate goes off until it is fixed.
        page.get_by_role("tab", name="Issue").click()
        page.locator(".tp-issue-title textarea").fill("")
        expect(title_error).to_contain_text("must not be empty")
        expect(generate).to_be_disabled()
        page.locator(".tp-issue-title textarea").fill("Dark mode for the roast dashboard")
        expect(generate).to_be_enabled()

        generate.click()
        files = page.locator(".tp-files")
        expect(files).to_contain_text("technical-plan.md", timeout=GENERATE_TIMEOUT_MS)
        for name in ("technical-plan.ipynb", "inputs.yaml", "risk-heatmap.png"):
            expect(files).to_contain_text(name)
        expect(page.locator(".tp-progress")).to_contain_text("Done in")

        # For the person checking the screenshot: the risk row beside the plan's risk table.
        page.get_by_role("tab", name="Risks").click()
        page.locator(".tp-preview-plan h2", has_text="Risk Assessment").scroll_into_view_if_needed()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "plan-form-generated.png"))

        folder = tmp_path / "plans" / "issue-4242-dark-mode-for-the-roast-dashboard"
        plan = (folder / "technical-plan.md").read_text("utf-8")
        assert plan.startswith("# Technical Plan: Dark mode for the roast dashboard\n")
        assert "| **R1**: Contrast too low for charts in dark mode | High | Medium |" in plan
        inputs = load_path(folder / "inputs.yaml")
        assert [(r.id, r.risk, r.probability) for r in inputs.risks] == [
            ("R1", "Contrast too low for charts in dark mode", "High")]
        assert (folder / "technical-plan.ipynb").is_file() and (folder / "risk-heatmap.png").is_file()

        assert view.outside_requests() == []
        assert view.errors == []
        page.close()


def test_the_shared_example_shows_its_preview_and_charts_and_a_self_dependency_is_shown_and_fixed(
        browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    data = yaml.safe_load(shared_example().read_text("utf-8"))
    data["timeline"]["phases"][0]["tasks"][2]["depends_on"] = ["model", "csv", "api"]  # "api" waits for itself
    inputs = tmp_path / "self-dependency.yaml"
    inputs.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    with start_app(tmp_path, "--inputs", str(inputs)) as app:
        view = Page(browser, app)
        page = view.page
        generate = page.locator("button.tp-generate")
        expect(page.locator(".tp-title")).to_contain_text("1 problem")
        expect(page.locator(".tp-problems")).to_contain_text(
            "Timeline › Phase 1 “Foundation” › Task 3 “Export and share endpoints” › Depends on: "
            "task 'api' depends on itself; remove 'api'")
        expect(generate).to_be_disabled()

        page.get_by_role("tab", name="Timeline ⚠1").click()
        api_error = page.locator(".tp-task").nth(2).locator(".tp-error:visible")
        expect(api_error).to_have_text("⚠ task 'api' depends on itself; remove 'api'")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "plan-form-self-dependency.png"))

        # "after the previous task" instead of the chosen ids: the problem and its message go.
        page.locator(".tp-task-depends-mode select").nth(2).select_option(label="after the previous task")
        expect(api_error).to_have_count(0)
        expect(generate).to_be_enabled()
        expect(page.locator(".tp-title")).to_contain_text("ready to generate")
        expect(page.locator(".tp-preview-plan h1")).to_have_text(
            "Technical Plan: Export roast profiles to CSV and share them by link")

        page.get_by_role("tab", name="Charts").click()
        expect(page.locator("img.tp-chart-risk-heatmap")).to_be_visible()
        expect(page.locator("img.tp-chart-gantt")).to_be_visible()
        page.screenshot(path=str(SHOTS / "plan-form-example-charts.png"))

        # Save writes an inputs file the command line reads as the form showed it.
        page.locator(".tp-path input").fill("saved-from-browser.yaml")
        page.locator("button.tp-save").click()
        expect(page.locator(".tp-status-line")).to_contain_text("Saved saved-from-browser.yaml")
        saved = load_path(tmp_path / "saved-from-browser.yaml")
        assert saved.timeline.phases[0].tasks[2].depends_on is None
        assert saved.model_copy(update={"timeline": None}) == load_path(shared_example()).model_copy(
            update={"timeline": None})

        assert view.outside_requests() == []
        assert view.errors == []
        page.close()


def kernels_of(app: App) -> list[Path]:
    """The connection files of the kernels Voilà runs for the app (one per open page)."""
    return sorted((app.folder / "tmp").glob("techplan-app-*/voila_*/kernel-*.json"))


def processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if text in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"):
                    found.append(int(proc.name))
            except OSError:
                pass  # ended while we looked
    return found


def test_leaving_the_page_shuts_its_kernel_down_and_ctrl_c_stops_the_app_and_every_kernel(
        browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with start_app(tmp_path) as app:
        (runtime,) = (tmp_path / "tmp").glob("techplan-app-*")
        view = Page(browser, app)
        expect(view.page.locator(".tp-title")).to_contain_text("New plan")
        assert len(kernels_of(app)) == 1
        # Leaving (or reloading) the page sends Voilà's shutdown request; it used to be refused
        # for want of an _xsrf cookie, and every closed tab left a kernel running.
        view.page.goto("about:blank")
        deadline = time.monotonic() + 30
        while kernels_of(app) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert kernels_of(app) == []

        view = Page(browser, app)  # a page open while the person presses Ctrl-C
        assert len(kernels_of(app)) == 1
        assert processes_mentioning(str(runtime))  # the kernel, started with its socket path
        # Ctrl-C in a terminal interrupts the whole foreground group: the app and Voilà.
        os.killpg(app.process.pid, signal.SIGINT)
        assert app.process.wait(timeout=30) == 0
        view.page.close()
    output = "".join(app.output)
    assert "techplan app: stopped." in output
    # The terminal shows the address and nothing alarming: no tracebacks, no Voilà/kernel warnings.
    for noise in ("Traceback", "Warning", "WARNING", "without encryption", "not trusted", "websocket_ping"):
        assert noise not in output, output
    assert not runtime.exists()  # settings and sockets removed
    assert processes_mentioning(str(runtime)) == []  # no kernel outlives the app


VISIBLE_TEXT_CUT_SHORT = """() => [...document.querySelectorAll(
    '.tp-form .lm-TabBar-tabLabel, .tp-form .widget-label, .tp-form .tp-label, .tp-form button')]
  .filter((e) => e.offsetParent !== null && e.textContent.trim())
  .filter((e) => e.scrollWidth > e.clientWidth + 1)
  .map((e) => e.textContent.trim())"""


def test_on_a_laptop_screen_no_tab_title_label_or_button_is_cut_short_and_errors_read_as_one_paragraph(
        browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with example_form(browser, tmp_path, width=1280) as view:
        page = view.page
        for index in range(page.locator(".tp-tabs .lm-TabBar-tab").count()):
            page.locator(".tp-tabs .lm-TabBar-tab").nth(index).click()
            page.locator(".tp-page:visible :is(input, textarea, select):visible").first.wait_for()
            assert page.evaluate(VISIBLE_TEXT_CUT_SHORT) == [], page.locator(".tp-tabs .lm-TabBar-tab").nth(
                index).inner_text()
        page.get_by_role("tab", name="Timeline").click()
        # The example's task names are read whole, not cut at the end of their boxes.
        names = page.locator(".tp-task-name textarea:visible")
        expect(names.first).to_have_value("ShareLink model and migration")
        assert names.evaluate_all("es => es.filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.value)") == []
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "plan-form-laptop-timeline.png"))

        # An empty issue number: its message sits under the box on one line, not squeezed into two
        # lines an input box apart.
        page.get_by_role("tab", name="Issue").click()
        page.locator(".tp-issue-number input").fill("")
        number_error = page.locator(".tp-issue-number").locator("xpath=..").locator(".tp-error")
        expect(number_error).to_have_text("⚠ is required; fill it in")
        assert number_error.bounding_box()["height"] < 24  # one 12 px line (it was two 28 px lines)
        assert page.evaluate(VISIBLE_TEXT_CUT_SHORT) == []
        page.screenshot(path=str(SHOTS / "plan-form-laptop-number-error.png"))

        # The Markdown tab reads as a file does: lines 1.4 apart, not an input box's height apart.
        page.locator(".tp-issue-number input").fill("57")
        expect(page.locator(".tp-title")).to_contain_text("ready to generate")
        page.locator(".tp-preview-tabs .lm-TabBar-tab", has_text="Markdown").click()
        markdown = page.locator(".tp-preview-markdown pre")
        expect(markdown).to_contain_text("# Technical Plan: Export roast profiles")
        size, line, breaks = markdown.evaluate(
            "e => [getComputedStyle(e).fontSize, getComputedStyle(e).lineHeight, getComputedStyle(e).wordBreak]")
        assert float(line.removesuffix("px")) <= 1.5 * float(size.removesuffix("px"))
        assert breaks == "normal"  # long lines wrap between words, not inside them
        page.screenshot(path=str(SHOTS / "plan-form-laptop-markdown.png"))

        # A date the picker cannot show, loaded from a file: said under its own box, on one line.
        bad = shared_example().read_text("utf-8").replace("\ncreated: 2026-11-02\n", "\ncreated: 2026-02-30\n")
        (tmp_path / "bad-date.yaml").write_text(bad, "utf-8")
        page.locator(".tp-path input").fill("bad-date.yaml")
        page.locator("button.tp-load").click()
        page.get_by_role("tab", name="Issue ⚠1").click()
        created = page.locator(".tp-beside", has=page.locator("input[type=date]")).first
        created_error = created.locator(".tp-error")
        expect(created_error).to_have_text("⚠ '2026-02-30' is not a real calendar date")
        error_box, field_box = created_error.bounding_box(), created.bounding_box()
        assert error_box["height"] < 24 and error_box["x"] - field_box["x"] < 8
        page.screenshot(path=str(SHOTS / "plan-form-laptop-bad-date.png"))
        page.locator(".tp-beside input[type=date]").first.fill("2026-11-02")
        expect(page.locator("button.tp-generate")).to_be_enabled()
        assert view.outside_requests() == []
        assert view.errors == []
        page.close()


CONTROLS_CUT_SHORT = """() => {
  // Every visible box, dropdown and message keeps its whole text: nothing scrolls inside its own
  // box, and a dropdown is at least as wide as the option it shows (text, padding and arrow).
  const measure = document.createElement('canvas').getContext('2d');
  const cut = [];
  for (const e of document.querySelectorAll(
      '.tp-form :is(select, input, textarea, .tp-error, .tp-msg, .tp-footer li, .tp-problem-link)')) {
    if (e.offsetParent === null || ['checkbox', 'file', 'hidden'].includes(e.type)) continue;
    const text = String(['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName) ? e.value : e.textContent).slice(0, 60);
    if (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 2 && e.tagName === 'TEXTAREA'
        && e.closest('.tp-oneline')) {
      cut.push(`${e.tagName} ${text}`);
    } else if (e.tagName === 'SELECT' && e.selectedIndex >= 0) {
      const style = getComputedStyle(e);
      measure.font = style.font;
      const needed = measure.measureText(e.options[e.selectedIndex].text).width + parseFloat(style.paddingLeft)
        + parseFloat(style.paddingRight);
      if (needed > e.clientWidth) cut.push(`SELECT ${e.options[e.selectedIndex].text}`);
    }
  }
  return cut;
}"""


@pytest.mark.parametrize("width", [1280, 1024])
def test_no_box_dropdown_or_message_is_cut_short_on_any_tab(browser: object, tmp_path: Path, width: int) -> None:
    from playwright.sync_api import expect

    with example_form(browser, tmp_path, width=width) as view:
        page = view.page
        tabs = page.locator(".tp-tabs .lm-TabBar-tab")
        for index in range(tabs.count()):
            tabs.nth(index).click()
            page.locator(".tp-page:visible :is(input, textarea, select):visible").first.wait_for()
            assert page.evaluate(CONTROLS_CUT_SHORT) == [], tabs.nth(index).inner_text()
        # A new risk's messages in the narrow risk card, and the Risks tab's dropdowns ("Mediu" at
        # 1440 px, one letter at 1280, nothing at 1024 before).
        page.get_by_role("tab", name="Risks").click()
        page.locator("button.tp-risks-add").click()
        expect(page.locator(".tp-risk-text").last.locator("xpath=..").locator(".tp-error")).to_contain_text(
            "must not be empty")
        assert page.evaluate(CONTROLS_CUT_SHORT) == []
        page.locator(".tp-risk-probability select").first.wait_for()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"plan-form-risks-{width}.png"))
        assert view.errors == []
        page.close()


PAGE_Y = """(e) => { let y = e.getBoundingClientRect().top;
  for (let p = e.parentElement; p; p = p.parentElement) y += p.scrollTop;
  return y; }"""
"""Where an element is on the page, whatever the window (or a box around it) is scrolled to."""


@pytest.mark.parametrize("width", [1280, 1024])
def test_typing_never_moves_the_field_and_a_problem_leads_to_its_field(
        browser: object, tmp_path: Path, width: int) -> None:
    from playwright.sync_api import expect

    with example_form(browser, tmp_path, width=width) as view:
        page = view.page
        # A new risk: its empty text is a problem, listed in the footer; typing one letter fixes it.
        # The list used to sit above the tabs, and the box typed in jumped up 78 px.
        page.get_by_role("tab", name="Risks").click()
        page.locator("button.tp-risks-add").click()
        footer = page.locator(".tp-footer")
        expect(footer.locator(".tp-problem-link")).to_have_count(1)
        box = page.locator(".tp-risk-text textarea").last
        box.scroll_into_view_if_needed()
        box.focus()
        before = box.bounding_box()
        box.press_sequentially("Roasters")
        expect(footer.locator(".tp-problem-link")).to_have_count(0)
        expect(page.locator(".tp-title")).to_contain_text("ready to generate")
        after = box.bounding_box()
        assert abs(after["y"] - before["y"]) <= 1, (before, after)
        box.press("Enter")  # a one-line box: no line break
        assert "\n" not in box.input_value()

        # Generate: progress, the message and the files written all appear in the footer; the field
        # stays where it is.
        on_page = box.evaluate(PAGE_Y)
        page.locator("button.tp-generate").click()  # the window scrolls up to the button
        expect(page.locator(".tp-files")).to_contain_text("technical-plan.md", timeout=GENERATE_TIMEOUT_MS)
        assert abs(box.evaluate(PAGE_Y) - on_page) <= 1

        # A problem on another tab: clicking it opens the tab and puts the cursor in the field.
        page.get_by_role("tab", name="Issue").click()
        page.locator(".tp-issue-title textarea").fill("")
        page.get_by_role("tab", name="Timeline").click()
        link = footer.locator(".tp-problem-link", has_text="Title")
        expect(link).to_have_count(1)
        assert footer.locator(".tp-problem-link").count() == 1  # each problem once
        link.click()
        expect(page.get_by_role("tab", name="Issue ⚠1")).to_have_attribute("aria-selected", "true")
        expect(page.locator(".tp-issue-title textarea")).to_be_focused()
        assert page.evaluate("document.activeElement.closest('.tp-issue-title') !== null")
        assert page.evaluate(CONTROLS_CUT_SHORT) == []
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"plan-form-problem-footer-{width}.png"))
        assert view.errors == []
        page.close()


@pytest.mark.parametrize("width", [1280, 1024])
def test_leaving_with_unsaved_changes_asks_and_a_reload_offers_the_draft_back(
        browser: object, tmp_path: Path, width: int) -> None:
    from playwright.sync_api import expect

    inputs = tmp_path / "inputs.yaml"
    inputs.write_bytes(shared_example().read_bytes())
    with start_app(tmp_path, "--inputs", str(inputs)) as app:
        view = Page(browser, app, width=width, height=800)
        page = view.page
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
        expect(page.locator(".tp-title")).to_contain_text("ready to generate")
        page.locator(".tp-issue-title textarea").fill("Typed and never saved")
        expect(page.locator(".tp-title")).to_contain_text("unsaved changes")
        expect(page.locator(".tp-dirty")).to_have_count(1)
        draft = tmp_path / ".inputs.yaml.draft"
        deadline = time.monotonic() + 10
        while "Typed and never saved" not in (draft.read_text("utf-8") if draft.exists() else ""):
            assert time.monotonic() < deadline, "no draft written"
            time.sleep(0.1)
        page.reload()
        assert dialogs == ["beforeunload"]  # the page asked before it went
        page.locator(".tp-issue-title textarea").wait_for(timeout=LOAD_TIMEOUT_MS)
        expect(page.locator(".tp-issue-title textarea")).to_have_value(
            "Export roast profiles to CSV and share them by link")
        notice = page.locator(".tp-notice")
        expect(notice).to_contain_text("A draft from")
        notice.locator("button", has_text="Restore the draft").click()
        expect(page.locator(".tp-issue-title textarea")).to_have_value("Typed and never saved")
        expect(page.locator(".tp-title")).to_contain_text("unsaved changes")
        assert page.evaluate(CONTROLS_CUT_SHORT) == []
        page.screenshot(path=str(SHOTS / f"plan-form-draft-restored-{width}.png"))
        page.locator("button.tp-save").click()
        expect(page.locator(".tp-status-line")).to_contain_text("Saved")
        expect(page.locator(".tp-dirty")).to_have_count(0)
        assert not draft.exists()
        assert load_path(inputs).issue.title == "Typed and never saved"
        page.close()


def test_a_page_that_goes_without_a_word_frees_its_kernel_after_the_idle_time(browser: object,
                                                                             tmp_path: Path) -> None:
    # --kernel-idle 4, so the test need not wait out the default's minute (the default's settings
    # are pinned in tests/system/test_widgets_app.py); the culler runs as it does by default.
    from playwright.sync_api import expect

    with start_app(tmp_path, "--kernel-idle", "4") as app:
        view = Page(browser, app, width=1024, height=800)
        expect(view.page.locator(".tp-title")).to_contain_text("New plan")
        assert len(kernels_of(app)) == 1
        # A killed browser or a dropped network sends no shutdown request (nor does a page left with
        # unsaved changes, whose leave handler keeps Voilà's away): the culler must find the kernel.
        view.page.route("**/voila/api/shutdown/**", lambda route: route.abort())
        view.page.goto("about:blank")
        left = time.monotonic()
        while kernels_of(app) and time.monotonic() - left < 30:
            time.sleep(0.5)
        assert kernels_of(app) == [], "the kernel of a closed page was still running 30 s later (idle time 4 s)"
        view.page.close()


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_plan_and_the_inputs_download_to_this_computer(browser: object, tmp_path: Path, width: int) -> None:
    from playwright.sync_api import expect

    with example_form(browser, tmp_path, width=width) as view:
        page = view.page
        page.locator(".tp-issue-title textarea").fill("Downloaded as typed")
        expect(page.locator(".tp-preview-plan h1")).to_have_text("Technical Plan: Downloaded as typed")
        with page.expect_download() as plan_download:
            page.locator("a.tp-download-plan").click()
        plan = Path(plan_download.value.path()).read_text("utf-8")
        assert plan_download.value.suggested_filename == "issue-57-downloaded-as-typed.md"
        assert plan.startswith("# Technical Plan: Downloaded as typed\n")
        with page.expect_download() as inputs_download:
            page.locator("a.tp-download-inputs").click()
        saved = tmp_path / inputs_download.value.suggested_filename
        inputs_download.value.save_as(saved)
        assert load_path(saved).issue.title == "Downloaded as typed"
        assert page.evaluate(CONTROLS_CUT_SHORT) == []
        assert view.errors == []
        page.close()


FONT_SIZES = """(root) => [...root.querySelectorAll('*')]
  .filter((e) => e.offsetParent !== null && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
  .map((e) => [e.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(e).fontSize)])"""
"""Each visible element holding text in `root`, with its font size in CSS pixels."""


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_plan_tab_draws_the_gantt_chart_in_readable_text_not_its_mermaid_source(
        browser: object, tmp_path: Path, width: int) -> None:
    from playwright.sync_api import expect

    with example_form(browser, tmp_path, width=width) as view:
        page = view.page
        plan = page.locator(".tp-preview-plan")
        chart = plan.locator(".tp-gantt")
        chart.scroll_into_view_if_needed()
        expect(chart).to_be_visible()
        # One bar per task, each as long as its days, inside the chart's track.
        bars = chart.locator(".tp-gantt-bar")
        expect(bars).to_have_count(7)
        track = chart.locator(".tp-gantt-track").first.bounding_box()
        for index in range(7):
            box = bars.nth(index).bounding_box()
            assert box["width"] >= 4 and box["x"] >= track["x"] - 1
            assert box["x"] + box["width"] <= track["x"] + track["width"] + 1
        expect(chart.locator(".tp-gantt-label").first).to_have_text("ShareLink model and migration")
        # No Mermaid source anywhere in the Plan tab ("gantt", "dateFormat", "section", task lines).
        text = plan.inner_text()
        assert "dateFormat" not in text and "section Foundation" not in text and ":crit" not in text
        sizes = chart.evaluate(FONT_SIZES)
        assert sizes and min(size for _, size in sizes) >= 11, sizes
        SHOTS.mkdir(parents=True, exist_ok=True)
        chart.screenshot(path=str(SHOTS / f"plan-form-gantt-{width}.png"))
        assert view.outside_requests() == []
        assert view.errors == []
        page.close()


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_section_tabs_stay_on_one_row_and_every_one_can_be_reached(
        browser: object, tmp_path: Path, width: int) -> None:
    from playwright.sync_api import expect

    with example_form(browser, tmp_path, width=width) as view:
        page = view.page
        page.locator(".tp-issue-number input").fill("")  # a ⚠ count makes a title longer
        expect(page.get_by_role("tab", name="Issue ⚠1")).to_be_visible()
        tabs = page.locator(".tp-tabs > .lm-TabBar .lm-TabBar-tab")
        assert tabs.count() == 10
        tops = {round(tabs.nth(i).bounding_box()["y"]) for i in range(10)}
        assert len(tops) == 1, tops  # one row (they wrapped into two at 1280 px)
        last = page.get_by_role("tab", name="Reviews")
        last.click()
        expect(last).to_have_attribute("aria-selected", "true")
        box = last.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= width  # scrolled into sight to be clicked
        page.locator(".tp-page:visible :is(input, textarea, select):visible").first.wait_for()
        assert page.evaluate(VISIBLE_TEXT_CUT_SHORT) == []

        # A problem's link opens a tab scrolled out of the bar: the bar brings it into sight.
        page.get_by_role("tab", name="Questions").click()
        page.locator("button.tp-questions-add").click()
        link = page.locator(".tp-footer .tp-problem-link", has_text="Question")
        expect(link).to_have_count(1)
        page.get_by_role("tab", name="Issue").click()
        link.click()
        questions = page.get_by_role("tab", name="Questions")
        expect(questions).to_have_attribute("aria-selected", "true")
        bar = page.locator(".tp-tabs > .lm-TabBar")
        page.wait_for_function("""([tab, bar]) => { const t = tab.getBoundingClientRect();
            const b = bar.getBoundingClientRect(); return t.left >= b.left - 1 && t.right <= b.right + 1; }""",
                               arg=[questions.element_handle(), bar.element_handle()])
        assert view.errors == []
        page.close()


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_footer_with_status_and_problems_stays_in_sight_wherever_the_form_is_scrolled(
        browser: object, tmp_path: Path, width: int) -> None:
    from playwright.sync_api import expect

    with example_form(browser, tmp_path, width=width) as view:
        page = view.page
        page.get_by_role("tab", name="Timeline").click()
        footer = page.locator(".tp-footer")
        name = page.locator(".tp-task-name textarea").nth(5)
        name.scroll_into_view_if_needed()
        name.focus()
        before = name.bounding_box()
        name.press("Control+a")
        name.press("Delete")  # an empty task name: a problem, said in the footer
        expect(footer.locator(".tp-problem-link")).to_have_count(1)
        name.press_sequentially("E2E tests")
        expect(footer.locator(".tp-problem-link")).to_have_count(0)
        assert abs(name.bounding_box()["y"] - before["y"]) <= 1
        page.locator(".tp-task-name textarea").nth(5).press("Control+a")
        page.locator(".tp-task-name textarea").nth(5).press("Delete")
        expect(footer.locator(".tp-problem-link")).to_have_count(1)
        # Scrolled to the top, to the field, and to the end: the footer is at the window's bottom edge.
        for where in ("top", "field", "end"):
            if where == "top":
                page.locator(".tp-title").scroll_into_view_if_needed()
            elif where == "field":
                name.scroll_into_view_if_needed()
            else:
                page.keyboard.press("End")
                page.mouse.wheel(0, 20_000)
            page.wait_for_timeout(200)
            box = footer.bounding_box()
            # Its bottom edge on the window's, less the page's 6 px padding.
            assert 800 - 12 <= box["y"] + box["height"] <= 800 + 1, (where, box)
            expect(footer.locator(".tp-problem-link")).to_be_in_viewport()
        assert view.errors == []
        page.close()


OUTLINE = "(e) => { const s = getComputedStyle(e); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"


@pytest.mark.parametrize("width", [1280, 1024])
def test_icon_buttons_have_names_the_focus_shows_and_the_window_title_names_the_plan(
        browser: object, tmp_path: Path, width: int) -> None:
    from playwright.sync_api import expect

    with example_form(browser, tmp_path, width=width) as view:
        page = view.page
        # The browser tab says which plan this is (it said "plan_form"), and follows the title.
        expect(page).to_have_title("#57: Export roast profiles to CSV and share them by link · Technical Plan")
        page.locator(".tp-issue-title textarea").fill("Roast exports")
        expect(page).to_have_title("#57: Roast exports · Technical Plan")

        # ↑ ↓ ✕ are named for what they do to which row (they were read as "↑", "↓", "✕").
        page.get_by_role("tab", name="Risks").click()
        remove = page.get_by_role("button", name="Remove risk 2", exact=True)
        expect(remove).to_be_visible()
        expect(page.get_by_role("button", name="Move risk 1 down", exact=True)).to_be_enabled()
        expect(page.get_by_role("button", name="Move risk 1 up", exact=True)).to_be_disabled()
        assert remove.evaluate("e => getComputedStyle(e, '::before').content").startswith('"✕"')
        assert remove.bounding_box()["width"] < 40  # still the small icon button
        remove.click()
        expect(page.locator(".tp-notice")).to_contain_text("Removed Risk 2")
        expect(page.get_by_role("button", name="Remove risk 4", exact=True)).to_have_count(0)  # renumbered
        expect(page.get_by_role("button", name="Remove risk 3", exact=True)).to_have_count(1)

        # The keyboard's place is always visible: a 2 px ring on a box, a button and a tab.
        page.locator(".tp-risk-mitigation textarea").first.click()
        for _ in range(12):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.matches('button.tp-rowbtn')"):
                break
        assert page.evaluate("document.activeElement.matches('button.tp-rowbtn')")
        style, size = page.evaluate(f"({OUTLINE})(document.activeElement)")
        assert style == "solid" and size >= 2
        page.keyboard.press("Shift+Tab")
        style, size = page.evaluate(f"({OUTLINE})(document.activeElement)")
        assert style == "solid" and size >= 2, page.evaluate("document.activeElement.outerHTML.slice(0, 80)")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"plan-form-focus-{width}.png"))
        assert page.evaluate(VISIBLE_TEXT_CUT_SHORT) == []
        assert view.errors == []
        page.close()


@pytest.mark.parametrize("width", [1280, 1024])
def test_copy_markdown_fills_the_clipboard_and_the_generated_folder_downloads_as_a_zip(
        browser: object, tmp_path: Path, width: int) -> None:
    import io
    import zipfile

    from playwright.sync_api import expect

    with example_form(browser, tmp_path, width=width, permissions=("clipboard-read", "clipboard-write")) as view:
        page = view.page
        page.get_by_role("button", name="Copy Markdown").click()
        copy = page.locator("button.tp-copy-markdown")  # by its class: its name changes as it says it copied
        expect(copy).to_have_text("Copied ✓")
        copied = page.evaluate("navigator.clipboard.readText()")
        with page.expect_download() as plan_download:
            page.locator("a.tp-download-plan").click()
        assert copied == Path(plan_download.value.path()).read_text("utf-8")
        assert copied.startswith("# Technical Plan: Export roast profiles to CSV and share them by link\n")
        expect(copy).to_have_text("Copy Markdown", timeout=10_000)

        # The folder: offered once Generate has written it, and holding what it wrote.
        expect(page.locator("a.tp-download-folder")).to_have_count(0)
        expect(page.locator(".tp-download-folder-box")).to_contain_text("Plan folder (.zip)")
        page.locator("button.tp-generate").click()
        expect(page.locator(".tp-files")).to_contain_text("technical-plan.md", timeout=GENERATE_TIMEOUT_MS)
        with page.expect_download() as zip_download:
            page.locator("a.tp-download-folder").click()
        (folder,) = (tmp_path / "plans").iterdir()
        assert zip_download.value.suggested_filename == f"{folder.name}.zip"
        with zipfile.ZipFile(io.BytesIO(Path(zip_download.value.path()).read_bytes())) as archive:
            names = set(archive.namelist())
            for name in ("technical-plan.md", "inputs.yaml", "technical-plan.ipynb", "risk-heatmap.png"):
                assert archive.read(f"{folder.name}/{name}") == (folder / name).read_bytes(), name
        assert not any(name.endswith((".lock", "journal.json")) for name in names)
        assert page.evaluate(CONTROLS_CUT_SHORT) == []
        assert view.outside_requests() == []
        assert view.errors == []
        page.close()


PREVIEW_AT = """(name) => {
  const plan = document.querySelector('.tp-preview-plan'), box = plan.closest('.tp-scroll');
  const heading = [...plan.querySelectorAll('h2, h3, h4')].find((h) => h.textContent.trim() === name);
  return [box.scrollTop, heading ? heading.getBoundingClientRect().top - box.getBoundingClientRect().top : null,
          box.scrollTop + box.clientHeight >= box.scrollHeight - 1, box.clientHeight];
}"""
"""How far the preview is scrolled, where the heading `name` is from its top edge, whether it is
scrolled to the end, and its height."""

AT_THE_TOP = """([at, name]) => { const [top, y, end, height] = at(name);
  return y !== null && (Math.abs(y) < 12 || end && y >= 0 && y < height / 2); }"""
"""The heading is at the preview's top edge (or as near as the end of the plan lets it come)."""


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_preview_follows_the_open_section_and_its_tables_and_charts_are_readable(
        browser: object, tmp_path: Path, width: int) -> None:
    from playwright.sync_api import expect

    with example_form(browser, tmp_path, width=width) as view:
        page = view.page
        for tab, heading in (("Risks", "Risk Assessment"), ("Timeline", "Implementation Timeline"),
                             ("Quality", "Security Considerations"), ("Questions", "Questions & Assumptions")):
            page.get_by_role("tab", name=tab).click()
            page.wait_for_function(f"() => ({AT_THE_TOP})([{PREVIEW_AT}, {heading!r}])")
        page.get_by_role("tab", name="Issue").click()
        page.wait_for_function(f"() => ({PREVIEW_AT})('Issue Summary')[0] === 0")

        # The risk register: each column as wide as its words need (up to a limit), the table
        # scrolling sideways in the preview rather than squeezed to a word a line.
        page.get_by_role("tab", name="Risks").click()
        table = page.locator(".tp-preview-plan table", has=page.locator("th", has_text="Mitigation"))
        risk_cell = table.locator("td").first
        expect(risk_cell).to_contain_text("CSV injection when a customer opens an export in a spreadsheet")
        assert risk_cell.bounding_box()["width"] >= 200
        assert risk_cell.bounding_box()["height"] <= 3 * 19 + 8  # at most three lines (it was seven)
        assert table.evaluate("t => getComputedStyle(t).overflowX") == "auto"

        # The charts at their own size: their smallest text (8 pt at 100 dpi, 11.1 px) is drawn at
        # 11 px or more, not shrunk to the column (7-9 px before).
        page.locator(".tp-preview-tabs .lm-TabBar-tab", has_text="Charts").click()
        for chart in ("risk-heatmap", "gantt"):
            image = page.locator(f"img.tp-chart-{chart}")
            expect(image).to_be_visible()
            page.wait_for_function(f"() => document.querySelector('img.tp-chart-{chart}').naturalWidth > 0")
            shown, natural = image.evaluate("i => [i.getBoundingClientRect().width, i.naturalWidth]")
            assert 8 * 100 / 72 * shown / natural >= 11, (chart, shown, natural)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"plan-form-charts-{width}.png"))
        assert view.errors == []
        page.close()


def test_undo_load_puts_the_earlier_plan_back_in_the_preview(browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    other = yaml.safe_load(shared_example().read_text("utf-8"))
    other["issue"]["title"] = "Another plan entirely"
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(other, sort_keys=False), "utf-8")
    with start_app(tmp_path, "--inputs", str(example_copy(tmp_path))) as app:
        view = Page(browser, app, width=1280, height=800)
        page = view.page
        heading = page.locator(".tp-preview-plan h1")
        expect(heading).to_have_text("Technical Plan: Export roast profiles to CSV and share them by link")
        page.locator(".tp-path input").fill("other.yaml")
        page.locator("button.tp-load").click()
        expect(heading).to_have_text("Technical Plan: Another plan entirely")
        page.locator("button.tp-undo").click()
        expect(heading).to_have_text("Technical Plan: Export roast profiles to CSV and share them by link")
        page.locator(".tp-preview-tabs .lm-TabBar-tab", has_text="Markdown").click()
        expect(page.locator(".tp-preview-markdown pre")).to_contain_text("Export roast profiles")
        expect(page.locator(".tp-preview-markdown pre")).not_to_contain_text("Another plan entirely")
        assert view.errors == []
        page.close()


@contextlib.contextmanager
def start_lab(folder: Path) -> Iterator[str]:
    """JupyterLab serving `folder` on a free port (its settings and workspaces kept in `folder`)."""
    import urllib.request

    port, token = free_port(), "techplan-test"
    env = {k: v for k, v in os.environ.items() if k != "TECHPLAN_DEBUG"}
    env.update(HOME=str(folder / "home"), JUPYTER_RUNTIME_DIR=str(folder / "home" / "runtime"),
               JUPYTER_CONFIG_DIR=str(folder / "home" / "config"), TMPDIR=str(folder / "home"))
    (folder / "home").mkdir()
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--allow-root",
               "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={folder}"]
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + LOAD_TIMEOUT_MS / 1000
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "JupyterLab did not start"
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/lab/tree/{{}}?token={token}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the session this test started, and only it
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.parametrize("width", [1280, 1024])
def test_in_jupyterlab_the_plan_notebooks_preview_shows_its_charts(browser: object, tmp_path: Path,
                                                                     width: int) -> None:
    from playwright.sync_api import expect

    root = Path(__file__).resolve().parents[2]
    (tmp_path / "technical_plan.ipynb").write_bytes((root / "notebooks" / "technical_plan.ipynb").read_bytes())
    with start_lab(tmp_path) as address:
        page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
        page.goto(address.format("technical_plan.ipynb"), wait_until="commit", timeout=LOAD_TIMEOUT_MS)
        chart = page.locator(".jp-RenderedMarkdown img[alt^='Monte Carlo distribution of the finish date']")
        chart.wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
        chart.scroll_into_view_if_needed()
        expect(chart).to_be_visible()
        # Drawn from the output itself (a link relative to the plan folder was a broken image here).
        assert chart.evaluate("i => i.src.startsWith('data:image/png;base64,') && i.complete && i.naturalWidth > 0")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"jupyterlab-plan-preview-{width}.png"))
        page.close()
