"""The demo page end to end in headless Chromium (Debian's `chromium` + `chromium-driver`).

Types a review and a Spanish sentence, clicks, waits for the page to show the answer,
and checks it against the API's own answer for the same text. A missing browser or
driver fails the test with what to install: a skipped browser test would hide a broken
page.
"""

from __future__ import annotations

import re

import httpx
import pytest

from apps.serve.app import STATIC_DIR
from tests.helpers.browser import headless_chromium, text_of, type_and_click, wait_for_state


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as driver:
        yield driver


def api(server, model: str, body: dict) -> dict:
    response = httpx.post(f"{server.url}/v1/models/{model}:predict", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["predictions"][0]


def test_the_page_loads_nothing_from_outside_the_server():
    paths = [path for path in STATIC_DIR.rglob("*") if path.is_file()]
    assert any(path.suffix == ".mjs" for path in paths)  # the on-device mode's modules too
    for path in paths:
        text = path.read_text(encoding="utf-8")
        external = re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", text)
        assert not external, f"{path.name} loads an external resource"
        assert "@import" not in text and "url(" not in text, path.name
        assert not re.search(r"""(?:import|from)\s*\(?\s*["'](?:https?:)?//""", text), path.name


def test_the_page_shows_the_served_versions(server, browser):
    browser.get(server.url + "/")
    assert wait_for_state(browser, "version-sentiment", ("available", "error")) == "available"
    assert wait_for_state(browser, "version-translation", ("available", "error")) == "available"
    assert text_of(browser, "version-sentiment") == "sentiment: version 1 (AVAILABLE)"
    assert text_of(browser, "version-translation") == "translation: version 1 (AVAILABLE)"


def test_a_review_shows_its_label_and_probability(server, browser):
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    review = "A moving, beautifully acted film with a wonderful cast."
    browser.get(server.url + "/")
    type_and_click(browser, "review", review, "classify")
    assert wait_for_state(browser, "sentiment-result", ("done", "error")) == "done"
    expected = api(server, "sentiment", {"instances": [review]})
    assert text_of(browser, "sentiment-label") == expected["label"]
    shown = browser.find_element(By.ID, "sentiment-probability")
    probability = max(expected["probabilities"])
    assert float(shown.get_attribute("data-probability")) == pytest.approx(probability, abs=1e-6)
    assert shown.text == f"{probability * 100:.1f}%"
    assert not browser.find_element(By.ID, "sentiment-error").is_displayed()


@pytest.mark.parametrize("signature", ["serving_default", "translate_greedy"])
def test_a_spanish_sentence_shows_its_translation(server, browser, signature):
    from selenium.webdriver.common.by import By  # noqa: PLC0415
    from selenium.webdriver.support.ui import Select  # noqa: PLC0415

    sentence = "¿Dónde está la estación de tren?"
    browser.get(server.url + "/")
    Select(browser.find_element(By.ID, "decoding")).select_by_value(signature)
    type_and_click(browser, "spanish", sentence, "translate")
    assert wait_for_state(browser, "translation-result", ("done", "error")) == "done"
    expected = api(server, "translation", {"signature_name": signature, "instances": [sentence]})
    assert text_of(browser, "translation-output") == expected["translation"]
    note = browser.find_element(By.ID, "translation-note")
    assert note.get_attribute("data-source-token-count") == str(expected["source_token_count"])
    assert signature in note.text


def test_errors_are_shown_readably(server, browser):
    limit = server.config.max_text_chars
    browser.get(server.url + "/")
    # Set by script: typing thousands of characters would only make the test slow.
    browser.execute_script(f"document.getElementById('review').value = 'a'.repeat({limit + 1})")
    browser.find_element("id", "classify").click()
    assert wait_for_state(browser, "sentiment-result", ("done", "error")) == "error"
    error = text_of(browser, "sentiment-error")
    assert error.startswith("HTTP 400: ") and f"at most {limit} characters" in error
    assert not browser.find_element("id", "sentiment-answer").is_displayed()
