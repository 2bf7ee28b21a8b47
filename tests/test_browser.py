"""End to end in a real browser: Debian's Chromium driven by Playwright against ``streamlit run``.

The test starts the app on 127.0.0.1 on a free port (a scenario store in a temporary folder),
waits for its health check, then, as a finance lead would: reads the headline, changes demand
growth and sees the headline move to the engine's figure, visits every page (a screenshot of
each under ``test-output/screenshots/``), runs the Monte Carlo and a goal seek on the Risk page,
saves a scenario, and downloads the Excel appendix (with that run on its Risk sheet) and opens it
with openpyxl. The server is stopped through its process handle.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest

from finmodel import load_model, project
from finmodel.app.formatting import money_k
from finmodel.app.store import ScenarioStore
from finmodel.domain.validation import with_overlay
from finmodel.resources import app_script
from tests.conftest import MODELS, ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("FINMODEL_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-output" / "screenshots"
TIMEOUT_MS = 60_000
#: Text each page shows once it has rendered.
PAGE_TEXT = {
    "System": "Partners behind CT",
    "Inputs": "Year by year",
    "Partners": "Income and expenditure by line and year",
    "Investment": "Investment cases",
    "Risk": "Risk: range of outcomes",
    "Scenarios": "Save the assumptions on screen",
    "Export": "Excel appendix",
}


#: Height of Streamlit's scrolling main area (scrolled to the top), in pixels.
MAIN_HEIGHT = (
    "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
    " if (m) { m.scrollTop = 0; } return m ? m.scrollHeight : document.body.scrollHeight; }"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app served by ``streamlit run`` on a free local port; yields (url, data folder)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"no browser at {CHROMIUM}: install Debian's chromium")
        pytest.skip(f"no browser at {CHROMIUM}")
    data_dir = tmp_path_factory.mktemp("app-data")
    port = _free_port()
    log = (tmp_path_factory.mktemp("app-log") / "streamlit.log").open("w")
    command = [
        sys.executable, "-m", "streamlit", "run", str(app_script()),
        "--server.headless", "true", "--server.address", "127.0.0.1",
        "--server.port", str(port), "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--server.maxUploadSize", "10",
    ]  # fmt: skip
    env = {**os.environ, "FINMODEL_DATA_DIR": str(data_dir)}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start (exit {process.poll()}); see {log.name}")
            time.sleep(0.2)
        yield url, data_dir
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def page(server: tuple[str, Path]) -> Iterator[Page]:
    """A Chromium page (the system browser, no download) showing the app."""
    sync_api = pytest.importorskip("playwright.sync_api")
    url, _ = server
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
            ],
        )  # fmt: skip
        context = browser.new_context(
            viewport={"width": 1500, "height": 2200}, accept_downloads=True
        )
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        tab.goto(url)
        tab.get_by_text(PAGE_TEXT["System"]).wait_for()
        yield tab
        context.close()
        browser.close()


def _headline(tab: Page) -> str:
    return tab.locator('[data-testid="stMetricValue"]').first.inner_text().strip()


def _wait_headline(tab: Page, expected: str) -> None:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while _headline(tab) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"headline {_headline(tab)!r}, expected {expected!r}")
        time.sleep(0.2)


def _goto(tab: Page, name: str) -> None:
    sidebar_radio = tab.locator('[data-testid="stSidebar"] [data-testid="stRadio"]')
    sidebar_radio.get_by_text(name, exact=True).click()
    tab.get_by_text(PAGE_TEXT[name]).first.wait_for()
    tab.wait_for_timeout(1500)  # charts and tables finish drawing
    _settle(tab)


def _settle(tab: Page) -> None:
    """Wait until Streamlit has finished its run (no 'running' indicator)."""
    tab.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS
    )


def _shot(tab: Page, name: str) -> None:
    """A screenshot of the whole page: Streamlit scrolls its main area inside the window, so the
    window is made as tall as that area for the shot."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _settle(tab)
    size = tab.viewport_size
    assert size is not None, "the browser context sets a viewport"
    height = 0
    for _ in range(5):  # tables and charts may still be growing: until the height is stable
        tab.wait_for_timeout(600)
        now = int(tab.evaluate(MAIN_HEIGHT))
        if now <= height:
            break
        height = now
        tab.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    tab.set_viewport_size(size)


def test_finance_lead_journey(page: Page, server: tuple[str, Path], tmp_path: Path) -> None:
    tab = page
    _, data_dir = server
    model = load_model(MODELS / "lsc_ics.yaml")
    before = float(project(model).arrays.system_surplus[-1])
    assert _headline(tab) == money_k(before)
    _shot(tab, "01_system")

    # change an assumption: the headline moves to the engine's number
    box = tab.get_by_role("spinbutton", name="Demand growth, % a year")
    box.fill("4.00")
    box.press("Enter")
    after = float(
        project(with_overlay(model, {"assumptions.demand_growth": 0.04})).arrays.system_surplus[-1]
    )
    _wait_headline(tab, money_k(after))
    assert after < before
    _shot(tab, "02_system_after_change")
    _goto(tab, "Inputs")  # the overrides are edited in the main area
    tab.get_by_text("Cost lines").wait_for()
    _shot(tab, "02_inputs")

    for number, name in enumerate(("Partners", "Investment"), start=3):
        _goto(tab, name)
        _shot(tab, f"{number:02d}_{name.lower()}")

    # Risk: the tornados show at once; the Monte Carlo runs only on request (a progress bar)
    _goto(tab, "Risk")
    tab.get_by_text("What drives the result: tornados").wait_for()
    draws = tab.get_by_role("spinbutton", name="Draws")
    draws.fill("2000")
    draws.press("Enter")
    _settle(tab)
    tab.get_by_role("button", name="Run Monte Carlo").click()
    tab.get_by_text(re.compile(r"2,000 draws, seed \d+")).wait_for()
    _settle(tab)
    assert tab.get_by_text("P(meet the control total: partners in it)").count()
    tab.get_by_role("button", name="Find the value").click()
    tab.get_by_text("Value needed").wait_for()
    _settle(tab)
    tab.wait_for_timeout(1000)  # the fan chart and tornados finish drawing
    _shot(tab, "05_risk")

    # save the assumptions on screen as a named scenario
    _goto(tab, "Scenarios")
    tab.get_by_role("textbox", name="Your name (recorded with every save and delete)").fill(
        "Browser Test"
    )
    tab.get_by_role("textbox", name="Your name (recorded with every save and delete)").press(
        "Enter"
    )
    _settle(tab)
    tab.get_by_role("textbox", name="Scenario name").fill("Higher demand (browser)")
    tab.get_by_role("button", name="Save scenario").click()
    tab.get_by_text("Saved 'Higher demand (browser)'").wait_for()
    _shot(tab, "06_scenarios")
    saved = ScenarioStore(data_dir).load_by_name("Higher demand (browser)", model_name=model.name)
    assert saved.assumptions == {"assumptions.demand_growth": 0.04}
    assert saved.saved_by == "Browser Test"

    # download the Excel appendix of what is on screen and open it
    _goto(tab, "Export")
    tab.get_by_text("this session's Monte Carlo (2,000 draws").wait_for()
    _shot(tab, "07_export")
    with tab.expect_download(timeout=TIMEOUT_MS) as download:
        tab.get_by_role("button", name=re.compile("Download the Excel appendix")).click()
    target = tmp_path / "appendix.xlsx"
    download.value.save_as(target)
    book = openpyxl.load_workbook(target, data_only=True)
    assert len(book.sheetnames) >= 2
    numbers = [
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, int | float)
    ]
    assert any(abs(v - after) < 0.5 for v in numbers), "final-year system surplus not found"
    assert "Risk" in book.sheetnames
    risk = " ".join(
        str(c.value) for row in book["Risk"].iter_rows() for c in row if isinstance(c.value, str)
    )
    assert "2,000 draws, seed 20200401" in risk  # the run on the Risk page, not a default one


#: Elements whose text must show whole: (selector, what it is).
WHOLE_TEXT = (
    ('[data-testid="stMetricValue"]', "metric value"),
    ('[data-testid="stMetricLabel"]', "metric label"),
    ('[data-testid="stTable"] th', "table header"),
    (".fm-table th", "table header"),
    (".fm-table td", "table cell"),
)
#: For each selector: the elements whose text is cut (scroll width beyond client width).
CUT = """(selector) => [...document.querySelectorAll(selector)]
    .flatMap(e => [e, ...e.querySelectorAll('*')])
    .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
    .map(e => (e.innerText || '').trim()).filter(t => t)"""
#: Horizontal overflow of the page and of Streamlit's main area, and tables wider than it.
OVERFLOW = """() => {
    const doc = document.documentElement;
    const main = document.querySelector('[data-testid="stMain"]');
    const right = main.getBoundingClientRect().right + 1;
    const wide = [...document.querySelectorAll('[data-testid="stDataFrame"], .fm-wrap')]
        .filter(t => t.getBoundingClientRect().right > right).length;
    return {page: doc.scrollWidth - doc.clientWidth, main: main.scrollWidth - main.clientWidth,
            wide};
}"""


@pytest.mark.parametrize("width", [1280, 1920])
def test_every_page_fits_nothing_cut(page: Page, width: int) -> None:
    tab = page
    tab.set_viewport_size({"width": width, "height": 1400})
    try:
        for name in PAGE_TEXT:
            _goto(tab, name)
            for selector, what in WHOLE_TEXT:
                cut = tab.evaluate(CUT, selector)
                assert not cut, f"{name} at {width} px: {what} cut: {cut}"
            if name == "System":
                assert tab.locator(".fm-table th").count() > 10  # the HTML tables are measured
            overflow = tab.evaluate(OVERFLOW)
            assert overflow == {"page": 0, "main": 0, "wide": 0}, (name, width, overflow)
            if width == 1280:
                _shot(tab, f"fit_{width}_{name.lower()}")
    finally:
        tab.set_viewport_size({"width": 1500, "height": 2200})


def _wait_values(boxes: list[Locator], expected: list[float]) -> None:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while [float(b.input_value()) for b in boxes] != expected:
        assert time.monotonic() < deadline, ([b.input_value() for b in boxes], expected)
        time.sleep(0.2)


def test_editing_one_year_of_a_control_total_changes_only_that_year(page: Page) -> None:
    tab = page
    model = load_model(MODELS / "lsc_ics.yaml")
    result = project(model)
    p = result.inputs.partner_ids.index("lth")
    before = [float(v) for v in result.arrays.control_total[p, 1:]]
    _goto(tab, "Inputs")
    chooser = tab.get_by_role("combobox", name="Input")
    chooser.click()
    chooser.fill("Lancashire Teaching Hospitals NHS Foundation Trust: control total")
    chooser.press("Enter")
    _settle(tab)
    years = result.years[1:]
    boxes = [tab.get_by_role("spinbutton", name=f"{y}, £k") for y in years]
    boxes[0].wait_for()
    _wait_values(boxes, before)  # every year of the path, not only the first
    boxes[2].fill("-4321")
    boxes[2].press("Enter")
    _settle(tab)
    expected = [*before[:2], -4321.0, *before[3:]]
    _wait_values(boxes, expected)  # only that year changed
    after = project(with_overlay(model, {"control_totals.lth": expected}))
    ct = money_k(float(after.arrays.system_control_total[-1]))
    _goto(tab, "System")
    values = tab.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert ct in [v.strip() for v in values], values
