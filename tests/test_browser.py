"""The HTML page in a real browser: headless Chromium driven by Playwright.

The browser is Debian's ``chromium`` (or the one ``PARBENCH_CHROMIUM`` names); Playwright
drives it through its ``executable_path`` and downloads nothing. Where either is missing
these tests skip, saying which. Each test keeps full-page screenshots as artefacts: in
the folder ``PARBENCH_SCREENSHOTS`` names (made if missing), else in its ``tmp_path``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_html import sample_document

from parbench.data import results
from parbench.report import htmlreport

from helpers import SUITE_ROOT

WIDTHS = (1280, 390)
# No network, no first-run set-up, no sandbox (CI runs as root in a container).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
NOISY_RUN = SUITE_ROOT / "tests" / "data" / "noisy_neighbour_run.json"


def chromium() -> str | None:
    """The browser to drive: ``PARBENCH_CHROMIUM``, else the first of ``NAMES`` found."""
    chosen = os.environ.get("PARBENCH_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).is_file() else None
    return next((found for name in NAMES if (found := shutil.which(name))), None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("playwright is not installed (pip install playwright; it is in the test extra)")
    if importlib.util.find_spec("pygal") is None:
        pytest.skip("pygal is not installed (plot extra): the page would have no charts")
    executable = chromium()
    if executable is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set PARBENCH_CHROMIUM to one)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, timeout=60_000
        )
        try:
            yield launched
        finally:
            launched.close()


def artefacts(tmp_path: Path) -> Path:
    folder = os.environ.get("PARBENCH_SCREENSHOTS")
    if not folder:
        return tmp_path
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def opened(browser: Any, page_file: Path, width: int) -> Any:
    """``page_file`` open at ``width`` pixels wide, every request but the file refused."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(30_000)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(page_file.as_uri())
    assert fetched == [page_file.as_uri()], f"the page fetched {fetched[1:]}"
    return page


def overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0 or less: none)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def written(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("width", WIDTHS)
def test_every_verdict_and_chart_shows_and_nothing_overflows(
    browser: Any, tmp_path: Path, width: int
) -> None:
    runs = [results.read(written(tmp_path, json.dumps(sample_document()), "run.json"))]
    runs.append(results.read(NOISY_RUN))
    page_file = written(tmp_path, htmlreport.report(runs), "page.html")
    page = opened(browser, page_file, width)

    sections = page.locator("section.workload")
    assert sections.count() == 4  # sleep and factorial; the recorded run's busy_io, sleepy_cpu
    for index in range(sections.count()):
        section = sections.nth(index)
        for verdict in section.locator("p.verdict").all():
            assert verdict.is_visible() and verdict.inner_text().strip()
            box = verdict.bounding_box()
            assert box is not None and box["x"] + box["width"] <= width
        chart = section.locator("figure.chart svg")
        assert chart.count() == 1 and chart.is_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 150
        # The chart drew its lines: the strategies', the ideal and 1x.
        assert section.locator("figure.chart svg .series").count() >= 3
        assert section.locator("table").first.is_visible()
    assert overflow(page) <= 0
    page.screenshot(path=str(artefacts(tmp_path) / f"report-{width}.png"), full_page=True)
    assert (artefacts(tmp_path) / f"report-{width}.png").stat().st_size > 10_000


def test_how_it_was_measured_opens_on_a_click(browser: Any, tmp_path: Path) -> None:
    page_file = written(tmp_path, htmlreport.report([results.read(NOISY_RUN)]), "page.html")
    page = opened(browser, page_file, 390)

    fold = page.locator("details").first
    note = fold.locator("li").first
    assert fold.is_visible() and not note.is_visible()
    fold.locator("summary").click()
    assert note.is_visible() and note.inner_text().startswith(htmlreport.FOLDED)
    assert overflow(page) <= 0


def test_a_comparison_fits_a_phone(browser: Any, tmp_path: Path) -> None:
    from parbench.analysis import compare

    old = results.read(written(tmp_path, json.dumps(sample_document()), "old.json"))
    slower = sample_document()
    for bench in slower["benchmarks"]:
        bench["stats"]["data"] = [t * 1.5 for t in bench["stats"]["data"]]
        bench["stats"]["median"] *= 1.5
    new = results.read(written(tmp_path, json.dumps(slower), "new.json"))
    page_file = written(tmp_path, htmlreport.comparison(compare.compare(old, new)), "cmp.html")

    for width in WIDTHS:
        page = opened(browser, page_file, width)
        assert page.locator("section.changes").is_visible()
        assert page.locator("p.verdict").count() == 4
        assert page.locator("figure.chart svg").count() == 2
        assert overflow(page) <= 0
        page.screenshot(path=str(artefacts(tmp_path) / f"compare-{width}.png"), full_page=True)
