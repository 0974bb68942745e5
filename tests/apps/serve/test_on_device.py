"""The demo page's on-device mode in headless Chromium: the served version, exported as
`make export` does (fused LSTMs), has its browser model `sentiment_browser.tflite` (the
unfused one: LiteRT.js refuses the fused op's variable tensors), which runs in the browser
through LiteRT.js (WebAssembly) with the JavaScript tokenizer, every file from our server,
and no inference request reaches it.

The page must give what our LiteRT runner wrote into `golden.json`: the same ids, and
probabilities within `TOLERANCE` (measured: identical to the last bit on the tiny model;
the margin allows another summation order in another WebAssembly build).
"""

from __future__ import annotations

import json

import pytest

from apps.serve import edge_files
from shared.edge.golden import GOLDEN_FILE
from shared.edge.metadata import BROWSER_VARIANT, DEFAULT_VARIANT
from tests.helpers.browser import headless_chromium, text_of, wait_for_state

TOLERANCE = 1e-5
LOAD_SECONDS = 120  # the WebAssembly runtime is ~9 MB; the machine may be busy
INFERENCE_PATHS = (":predict", ":classify", ":regress")
CASES = (
    "sharp s folds to ss",
    "emoji ZWJ sequence",
    "HTML line breaks",
    "typographic apostrophes",
)


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def golden(server) -> dict:
    path = server.config.model_root / "sentiment" / "1" / "tflite" / GOLDEN_FILE
    return json.loads(path.read_text(encoding="utf-8"))


def inference_rows(server) -> int:
    """Rows the server's sentiment signatures have been called with, so far."""
    return sum(s["rows"] for s in server.scheduler.stats_json() if s["model"] == "sentiment")


def open_on_device(browser, server, variant: str | None = None) -> None:
    from selenium.webdriver.common.by import By  # noqa: PLC0415
    from selenium.webdriver.support.ui import Select  # noqa: PLC0415

    if variant is None:
        browser.get(server.url + "/?mode=on-device")
    else:
        Select(browser.find_element(By.ID, "on-device-variant")).select_by_value(variant)
    state = wait_for_state(browser, "on-device-status", ("ready", "error"), LOAD_SECONDS)
    assert state == "ready", text_of(browser, "on-device-status")


def requested_urls(browser) -> list[str]:
    return browser.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name)"
    )


def test_the_page_classifies_in_the_browser_as_our_runner_without_asking_the_server(
    server, browser, golden
):
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    rows = {row["case"]: row for row in golden["rows"]}
    cases = [row for row in golden["rows"] if row["case"] == "corpus sentence"][:3]
    cases += [rows[case] for case in CASES]
    cases.append(rows[f"more than max_length ({golden['max_length']}) words"])
    served_rows = inference_rows(server)
    open_on_device(browser, server)
    variant = browser.find_element(By.ID, "on-device-status").get_attribute("data-variant")
    assert variant == BROWSER_VARIANT  # the default export's fused models cannot run here
    assert "Texts stay in this browser" in text_of(browser, "on-device-status")
    for row in cases:
        # Set by script: typing long texts key by key would only make the test slow.
        browser.execute_script(
            "document.getElementById('review').value = arguments[0]", row["text"]
        )
        browser.find_element(By.ID, "classify").click()
        assert wait_for_state(browser, "sentiment-result", ("done", "error")) == "done"
        result = browser.find_element(By.ID, "sentiment-result")
        assert result.get_attribute("data-source") == "on-device"
        shown = browser.find_element(By.ID, "sentiment-probability")
        probabilities = json.loads(shown.get_attribute("data-probabilities"))
        expected = row["outputs"][variant]["probabilities"]
        assert probabilities == pytest.approx(expected, abs=TOLERANCE), row["case"]
        labels = server_labels(server)
        assert text_of(browser, "sentiment-label") == labels[expected.index(max(expected))]
        assert f"({len(row['ids'])} words, computed in this browser)" in text_of(
            browser, "sentiment-tokens"
        )
    assert inference_rows(server) == served_rows, "an inference request reached the server"
    urls = requested_urls(browser)
    assert all(url.startswith(server.url + "/") for url in urls), urls
    assert not [url for url in urls if any(path in url for path in INFERENCE_PATHS)], urls
    assert any(url.endswith(".wasm") for url in urls)
    assert any(url.endswith(f"sentiment_{variant}.tflite") for url in urls)


def server_labels(server) -> list[str]:
    path = server.config.model_root / "sentiment" / "1" / "tflite" / "metadata.json"
    return json.loads(path.read_text(encoding="utf-8"))["labels"]


# Every golden row through the page's own modules: ids from the JavaScript tokenizer as the
# browser's Unicode tables see them, probabilities from LiteRT.js.
EVERY_ROW = """
const [texts, done] = [arguments[0], arguments[arguments.length - 1]];
import("/demo/edge/word_tokenizer.mjs").then(async ({ WordTokenizer }) => {
  const metadata = await (await fetch(arguments[1])).json();
  const tokenizer = WordTokenizer.fromMetadata(metadata);
  const rows = [];
  for (const text of texts) {
    const answer = await window.onDevice.classify(text);
    rows.push({ ids: tokenizer.encode(text), probabilities: answer.probabilities });
  }
  done(rows);
}).catch((error) => done({ error: String(error) }));
"""


def test_every_golden_row_gives_the_same_ids_and_probabilities_in_the_browser(
    server, browser, golden
):
    texts = [row["text"] for row in golden["rows"]]
    open_on_device(browser, server)
    worst = {}
    for variant in (BROWSER_VARIANT,):  # the one model of the export LiteRT.js can load
        open_on_device(browser, server, variant)
        answers = browser.execute_async_script(EVERY_ROW, texts, "/edge/sentiment/1/metadata.json")
        assert isinstance(answers, list), answers
        worst[variant] = 0.0
        for row, answer in zip(golden["rows"], answers, strict=True):
            assert answer["ids"] == row["ids"], row["case"]
            expected = row["outputs"][variant]["probabilities"]
            differences = [
                abs(a - e) for a, e in zip(answer["probabilities"], expected, strict=True)
            ]
            worst[variant] = max(worst[variant], *differences)
        assert worst[variant] <= TOLERANCE, (variant, worst)
    print(f"largest |browser - LiteRT runner| over {len(texts)} golden rows: {worst}")


def test_a_server_without_litertjs_gets_told_how_to_install_it(
    server, browser, monkeypatch, tmp_path
):
    monkeypatch.setattr(edge_files, "LITERTJS_DIR", tmp_path / "missing")
    browser.get(server.url + "/?mode=on-device")
    state = wait_for_state(browser, "on-device-status", ("ready", "error"), LOAD_SECONDS)
    assert state == "error" and "run `make web`" in text_of(browser, "on-device-status")


def test_a_fused_model_litertjs_cannot_load_is_refused_naming_the_browser_model(server, browser):
    """LiteRT.js 2.5.3 refuses variable tensors, which the fused LSTM keeps its state in."""
    from selenium.webdriver.common.by import By  # noqa: PLC0415
    from selenium.webdriver.support.ui import Select  # noqa: PLC0415

    open_on_device(browser, server)
    picker = Select(browser.find_element(By.ID, "on-device-variant"))
    labels = {option.get_attribute("value"): option.text for option in picker.options}
    assert labels[BROWSER_VARIANT] == BROWSER_VARIANT
    assert labels[DEFAULT_VARIANT] == f"{DEFAULT_VARIANT} (fused LSTM: not in a browser)"
    picker.select_by_value(DEFAULT_VARIANT)
    state = wait_for_state(browser, "on-device-status", ("ready", "error"), LOAD_SECONDS)
    message = text_of(browser, "on-device-status")
    assert state == "error", message
    assert "variable tensors" in message and "sentiment_browser.tflite" in message
