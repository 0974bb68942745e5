"""Headless Chromium for the demo-page tests (Debian's `chromium` + `chromium-driver`).

A missing browser or driver fails the test with what to install: a skipped browser test
would hide a broken page.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL_HINT = (
    "install them with `apt-get install -y chromium chromium-driver` (Debian), "
    "and selenium with `pip install selenium`"
)
WAIT_SECONDS = 30


def require_browser():
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"headless browser test needs {', '.join(missing)}: {INSTALL_HINT}")
    try:
        from selenium import webdriver  # noqa: PLC0415
    except ImportError:
        pytest.fail(f"headless browser test needs selenium: {INSTALL_HINT}")
    return webdriver


@contextlib.contextmanager
def headless_chromium():
    """A Chrome WebDriver on headless Chromium, quit on exit."""
    webdriver = require_browser()
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    driver.set_script_timeout(WAIT_SECONDS * 4)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for_state(browser, element_id: str, states: tuple[str, ...], seconds=WAIT_SECONDS):
    from selenium.webdriver.common.by import By  # noqa: PLC0415
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    element = browser.find_element(By.ID, element_id)
    WebDriverWait(browser, seconds).until(lambda _: element.get_attribute("data-state") in states)
    return element.get_attribute("data-state")


def text_of(browser, element_id: str) -> str:
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    return browser.find_element(By.ID, element_id).text


def type_and_click(browser, box_id: str, text: str, button_id: str) -> None:
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    box = browser.find_element(By.ID, box_id)
    box.clear()
    box.send_keys(text)
    browser.find_element(By.ID, button_id).click()
