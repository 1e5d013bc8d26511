"""End to end in a real headless Chromium (Debian's chromium and chromium-driver, driven by
selenium): sign in, screen and clear a hit, upload counterparties and watch the batch run finish,
check a transaction and release its hold with a second officer, download and verify an evidence
pack, and a viewer refused a release. A screenshot of each page is saved under the test's tmp dir
(and copied to DUALCHECK_SCREENSHOTS when that is set, e.g. docs/img for the README)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dualcheck.api.app import create_app
from dualcheck.config import Settings
from dualcheck.db.engine import Database
from dualcheck.ledger.offline import verify_pack
from dualcheck.screening.service import forget_indexes
from web_support import FIXTURES, LISTED_NAME, PASSWORD, add_web_user, build_loaded_home

pytestmark = pytest.mark.xdist_group("web_browser")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage")
WAIT = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[tuple[str, Database]]:
    """The application on a loopback port over a database with the UN list and the control lists."""
    import uvicorn

    path = build_loaded_home(tmp_path_factory.mktemp("web-browser"), data_dir)
    db = Database(f"sqlite:///{path}")
    forget_indexes()
    port = _free_port()
    app = create_app(Settings(database_url=db.url, home=path.parent), db)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", db
    srv.should_exit = True
    thread.join(timeout=10)
    db.dispose()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Any, str], None]:
    folder = tmp_path_factory.mktemp("screenshots")
    publish = os.environ.get("DUALCHECK_SCREENSHOTS")

    def take(driver: Any, name: str) -> None:
        path = folder / f"{name}.png"
        driver.save_screenshot(str(path))
        assert path.stat().st_size > 5000, f"{name}: empty screenshot"
        if publish:
            Path(publish).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(publish) / path.name)

    return take


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail("chromium and chromium-driver are missing: run scripts/system-deps.sh (make test does)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1280,900"):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: Any, css: str, timeout: float = WAIT) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def _wait_text(driver: Any, css: str, text: str, timeout: float = WAIT) -> str:
    """Wait until an element matching CSS (on the page now shown) contains TEXT; returns its text."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    def found(d: Any) -> str | bool:
        shown = str(d.find_element("css selector", css).text)
        return shown if text in shown else False

    return str(WebDriverWait(driver, timeout, ignored_exceptions=(NoSuchElementException,
                                                                  StaleElementReferenceException)).until(found))


def _find(driver: Any, css: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css)


def _sign_in(driver: Any, base: str, name: str) -> None:
    driver.get(f"{base}/logout")
    driver.get(f"{base}/login")
    _find(driver, 'input[name="username"]').send_keys(name)
    field = _find(driver, 'input[name="password"]')
    field.send_keys(PASSWORD)
    field.submit()
    _wait(driver, '[data-testid="who"]')
    assert name in _find(driver, '[data-testid="who"]').text


def test_officer_signs_in_screens_clears_uploads_and_runs_a_batch(server: tuple[str, Database], browser: Any,
                                                                  shots: Callable[[Any, str], None]) -> None:
    base, db = server
    officer = add_web_user(db, "officer", "olivia")
    browser.get(f"{base}/ui/holds")
    assert "/login" in browser.current_url  # not signed in: sent to the sign-in page
    shots(browser, "01-sign-in")
    _sign_in(browser, base, officer)
    assert browser.current_url.endswith("/ui/") and "officer" in _find(browser, '[data-testid="who"]').text
    shots(browser, "02-dashboard")
    # screen a listed name; the hit explains itself; clear it with a reason
    browser.get(f"{base}/ui/screen")
    _find(browser, "#name").send_keys(LISTED_NAME)
    _find(browser, "#name").submit()
    hit = _wait(browser, '[data-testid="hit"]')
    _find(browser, '[data-testid="hit"] details summary').click()
    shots(browser, "03-screen-hits")
    hit.find_element("css selector", 'input[name="reason"]').send_keys("Different company: other address and owners")
    hit.find_element("css selector", 'button[value="cleared"]').click()
    assert "Different company" in _wait_text(browser, '[data-testid="decision"]', "Cleared by olivia")
    # upload counterparties: the preview shows the mapping and the rows before anything is stored
    browser.get(f"{base}/ui/counterparties")
    _find(browser, "#file").send_keys(str(FIXTURES / "screening" / "counterparties.csv"))
    _find(browser, "#file").submit()
    _wait(browser, '[data-testid="no-row-errors"]')
    shots(browser, "04-counterparties-preview")
    _find(browser, 'form[action="/ui/counterparties/import"] button').click()
    _wait_text(browser, ".notice", "5 rows stored")
    _find(browser, 'form[action="/ui/counterparties/runs"] button').click()
    finished = _wait(browser, '[data-testid="run-finished"]', timeout=120)  # htmx polls the progress
    shots(browser, "05-batch-run-finished")
    finished.find_element("css selector", "a").click()
    _wait(browser, '[data-testid="export"]')
    shots(browser, "06-run-results")


def _release(driver: Any, hold_url: str, reason: str, expected: str, status: str) -> None:
    driver.get(hold_url)
    _find(driver, "#reason").send_keys(reason)
    _find(driver, 'button[formaction$="/release"]').click()
    _wait_text(driver, ".notice", expected)
    assert _find(driver, '[data-testid="hold-status"]').text == status


def test_check_hold_released_by_two_officers_then_evidence_pack_and_a_viewer_refused(
        server: tuple[str, Database], browser: Any, shots: Callable[[Any, str], None]) -> None:
    base, db = server
    first, second = add_web_user(db, "compliance_manager", "carla"), add_web_user(db, "compliance_manager", "dario")
    viewer = add_web_user(db, "viewer", "vik")
    _sign_in(browser, base, first)
    browser.get(f"{base}/ui/checks/new")
    for field, value in {"id": "T-BROWSER-1", "exporter_name": "Muster GmbH", "exporter_country": "DE",
                         "destination": "RU", "party0_name": LISTED_NAME, "party0_country": "CD",
                         "item0_description": "encryption router", "item0_codes": "5A002.a.2",
                         "item0_quantity": "2", "end_use": "telecommunications"}.items():
        _find(browser, f"#{field}").send_keys(value)
    shots(browser, "07-check-form")
    _find(browser, "#id").submit()
    outcome = _wait(browser, '[data-testid="outcome"]')
    assert outcome.text == "PROHIBITED"
    shots(browser, "08-check-result")
    hold_url = _find(browser, '[data-testid="hold-link"]').get_attribute("href")
    _release(browser, hold_url, "Authorisation DE-2026-7 covers it", "second officer", "awaiting second")
    _wait(browser, '[data-testid="first-approval"]')
    shots(browser, "09-hold-awaiting-second")
    # the same officer cannot give the second approval
    _find(browser, "#reason").send_keys("again")
    _find(browser, 'button[formaction$="/release"]').click()
    _wait_text(browser, ".error", "four-eyes")
    _sign_in(browser, base, second)
    _release(browser, hold_url, "Checked the authorisation", "released", "released")
    shots(browser, "10-hold-released")
    browser.get(f"{base}/ui/holds?status=all")
    shots(browser, "11-holds-queue")
    # evidence pack: downloaded by the browser, verified offline
    browser.get(f"{base}/ui/records")
    assert "Intact" in _wait(browser, '[data-testid="ledger-status"]').text
    shots(browser, "12-records")
    _find(browser, "#transaction_id").send_keys("T-BROWSER-1")
    _find(browser, "#transaction_id").submit()
    deadline = time.monotonic() + WAIT
    while not (packs := list(browser.downloads.glob("evidence-*.zip"))):
        assert time.monotonic() < deadline, "no evidence pack downloaded"
        time.sleep(0.2)
    time.sleep(0.5)
    with zipfile.ZipFile(packs[0]) as zf:
        result = verify_pack({n: zf.read(n) for n in zf.namelist()})
    assert result.ok, result.reason
    browser.get(f"{base}/ui/classify?q=fibre+laser+with+an+output+power+of+2+kW")
    _wait(browser, '[data-testid="candidates"]')
    shots(browser, "13-classify")
    # a viewer sees the hold but no decision form, and the server refuses a forged release
    _sign_in(browser, base, viewer)
    browser.get(hold_url)
    assert not browser.find_elements("css selector", '[data-testid="decide-form"]')
    browser.execute_script("""
        const token = document.querySelector('input[name="csrf_token"]').value;
        const form = document.createElement('form');
        form.method = 'post'; form.action = arguments[0] + '/release';
        for (const [k, v] of [['csrf_token', token], ['reason', 'forged']]) {
            const input = document.createElement('input'); input.name = k; input.value = v; form.appendChild(input);
        }
        document.body.appendChild(form); form.submit();""", hold_url)
    _wait_text(browser, "h1", "Not allowed")
    shots(browser, "14-viewer-refused")
    browser.set_window_size(390, 844)
    browser.get(f"{base}/ui/")
    _wait(browser, '[data-testid="open-holds"]')
    shots(browser, "15-dashboard-phone")
