"""The HTML export in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
it shows, every chart has loaded (natural width > 0), nothing is fetched from anywhere but the
file itself, and printing to PDF works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import AS_OF, BUNDLED_EXAMPLE, SCREENSHOTS, run_techplan

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = SCREENSHOTS


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: apt-get update && apt-get install -y chromium "
                    "(the browser tests must run, not be skipped)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_the_html_plan_shows_every_chart_fetches_nothing_and_prints(browser: object, tmp_path: Path) -> None:
    out = tmp_path / "plan.html"
    result = run_techplan("render", BUNDLED_EXAMPLE, "--as-of", AS_OF, "--format", "html", "-o", out)
    assert result.returncode == 0, result.stderr
    page = browser.new_page(viewport={"width": 1100, "height": 900})  # type: ignore[attr-defined]
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(out.as_uri(), wait_until="load")
    assert page.title().startswith("Technical Plan: Export roast profiles")
    sizes = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.alt])")
    assert len(sizes) == 3, sizes
    assert all(complete and width > 0 for complete, width, _alt in sizes), sizes
    assert page.locator("table").count() >= 3 and page.locator("h2", has_text="Risk Assessment").count() == 1
    assert [url for url in requests if not url.startswith(("file://", "data:"))] == []
    assert errors == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "plan-html.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    page.close()
