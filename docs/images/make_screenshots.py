"""Take docs/images/form.png, form-problem.png and form-generated.png (`techplan app`, headless Chromium).

    .venv/bin/python docs/images/make_screenshots.py

Run it by hand after a change to the form, and commit the PNG if it changed. It uses the same
machinery as tests/system/test_browser_form.py: Playwright driving /usr/bin/chromium (`.ci/run`
installs it; nothing downloads a browser), and `techplan app --no-browser` on a free port in a
temporary folder, stopped when the picture is taken.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "form.png"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTH, HEIGHT = 1280, 860


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    if not CHROMIUM.exists():
        print("Debian's Chromium is missing: apt-get install -y chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory(prefix="techplan-shot-") as tmp:
        folder = Path(tmp) / "roastery"  # the path shows in the form's File box
        folder.mkdir()
        shutil.copy(ROOT / "examples" / "issue-57-roast-export.yaml", folder / "inputs.yaml")
        (folder / "tmp").mkdir()
        env = {k: v for k, v in os.environ.items() if k != "TECHPLAN_DEBUG"}
        env["TMPDIR"] = str(folder / "tmp")
        command = [sys.executable, "-m", "techplan_nb", "app", "--no-browser", "--port", str(free_port()),
                   "--inputs", "inputs.yaml", "--out", "plans", "--as-of", "2026-11-20"]
        app = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
        url: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert app.stdout is not None
            for line in app.stdout:
                found = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", line)
                if found and not url:
                    url.append(found.group(1))
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        try:
            ready.wait(timeout=120)
            if not url:
                print("techplan app did not print its address", file=sys.stderr)
                return 1
            expect.set_options(timeout=60_000)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                try:
                    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
                    page.goto(url[0])
                    page.locator(".tp-issue-title textarea").wait_for(timeout=120_000)
                    expect(page.locator(".tp-preview-plan h1")).to_have_text(
                        "Technical Plan: Export roast profiles to CSV and share them by link")
                    # The Timeline tab beside its part of the plan (the preview follows the tab opened),
                    # with the Gantt chart: the part of a plan people least like to do by hand.
                    page.get_by_role("tab", name="Timeline").click()
                    page.locator(".tp-task-name textarea").first.wait_for()
                    expect(page.locator(".tp-preview-plan .tp-gantt")).to_be_in_viewport()
                    page.wait_for_timeout(1000)  # let the last widgets draw
                    page.screenshot(path=str(OUT))
                    # A problem: a new risk with no text, listed in the footer as a link to its box.
                    page.get_by_role("tab", name="Risks").click()
                    page.locator("button.tp-risks-add").click()
                    expect(page.locator(".tp-problem-link")).to_have_count(1)
                    page.locator(".tp-risk-text textarea").last.scroll_into_view_if_needed()
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(OUT.with_name("form-problem.png")))
                    # Generated: the files written, in the footer, and the downloads above.
                    page.locator(".tp-risk-text textarea").last.fill("Roasters misread the shared chart")
                    page.locator("button.tp-generate").click()
                    expect(page.locator(".tp-files")).to_contain_text("technical-plan.md", timeout=180_000)
                    page.screenshot(path=str(OUT.with_name("form-generated.png")))
                finally:
                    browser.close()
        finally:
            app.send_signal(signal.SIGTERM)  # techplan app stops Voilà and its kernels
            try:
                app.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(app.pid, signal.SIGKILL)  # the session this script started, and only it
                app.wait()
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
