"""Sentiment as you type in the demo page's on-device mode: a stream-capable run's phone
model reads each new word once through `stream_step` in the browser (LiteRT.js), its state
carried by the page, and starts again when the text is edited other than by appending.

What the page shows must be what our LiteRT runner's `EdgeSentimentStream` gives for the
same chunks (within `SAME_CHUNKS`), and for the whole text read at once (within
`WHOLE_TEXT`: the same sums in another grouping).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.tflite import write_tflite_models
from apps.serve.config import ServeConfig
from shared.edge.metadata import BROWSER_VARIANT, DEFAULT_VARIANT
from shared.edge.sentiment import EdgeSentimentClassifier
from shared.edge.sentiment_stream import EdgeSentimentStream
from tests.helpers.browser import headless_chromium, text_of, wait_for_state
from tests.helpers.serving import ServerThread, free_port, wait_for

SAME_CHUNKS = 1e-5
WHOLE_TEXT = 1e-4
LOAD_SECONDS = 120


@pytest.fixture(scope="module")
def stream_server(tiny_streaming_run, tmp_path_factory):
    """A server whose sentiment version holds only the phone models of a stream-capable
    run, as the default export writes them: the fused model and the unfused browser model
    the page runs (LiteRT.js refuses variable tensors). It has no SavedModel to serve, so
    the REST API cannot answer: the page must do everything itself."""
    root = tmp_path_factory.mktemp("stream-served")
    folder = root / "sentiment" / "1" / "tflite"
    trained = TrainedSentimentModel.load(tiny_streaming_run)
    write_tflite_models(trained, folder, (DEFAULT_VARIANT,))  # one variant: faster
    config = ServeConfig(model_root=root, port=free_port(), poll_seconds=3600)
    server = ServerThread(config).start(wait_for_models=False)
    yield server, folder
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as driver:
        yield driver


def shown(browser) -> tuple[str, list[float], list[str], int]:
    """`(text read, probabilities shown, chunks read, restarts)` once the page caught up."""
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    box = browser.find_element(By.ID, "review")
    live = browser.find_element(By.ID, "sentiment-live")
    wait_for(lambda: live.get_attribute("data-text") == box.get_attribute("value"), "page", 30)
    probabilities = browser.find_element(By.ID, "sentiment-probability")
    return (
        live.get_attribute("data-text"),
        json.loads(probabilities.get_attribute("data-probabilities")),
        json.loads(live.get_attribute("data-chunks")),
        int(live.get_attribute("data-restarts")),
    )


def python_stream(stream: EdgeSentimentStream, chunks: list[str], typing: str) -> np.ndarray:
    """Our runner on the same chunks, then the word being typed from the carried state."""
    state = stream.initial_state()
    probabilities = None
    for chunk in chunks:
        probabilities, state = stream.probabilities(chunk, state)
    if typing or probabilities is None:
        probabilities, _ = stream.probabilities(typing, state)
    return probabilities


def test_the_sentiment_follows_the_typing_one_word_at_a_time(stream_server, browser):
    from selenium.webdriver.common.by import By  # noqa: PLC0415
    from selenium.webdriver.common.keys import Keys  # noqa: PLC0415

    server, folder = stream_server
    browser.get(server.url + "/?mode=on-device")
    state = wait_for_state(browser, "on-device-status", ("ready", "error"), LOAD_SECONDS)
    assert state == "ready", text_of(browser, "on-device-status")
    variant = browser.find_element(By.ID, "on-device-status").get_attribute("data-variant")
    assert variant == BROWSER_VARIANT  # the fused model's variable tensors: not here
    stream = EdgeSentimentStream(EdgeSentimentClassifier.from_directory(folder, variant))
    box = browser.find_element(By.ID, "review")
    assert browser.find_element(By.ID, "sentiment-live").is_displayed()

    first = "The plot was dull and slow, but the cast was wonderful"
    words = first.split(" ")
    for i, word in enumerate(words):
        box.send_keys(word if i == len(words) - 1 else word + " ")  # the last one in progress
    text, probabilities, chunks, restarts = shown(browser)
    assert text == first and restarts == 0
    assert "".join(chunks) == first[: first.rindex(" ") + 1] and len(chunks) >= 3
    typing = first[len("".join(chunks)) :]
    expected = python_stream(stream, chunks, typing)
    assert probabilities == pytest.approx(expected.tolist(), abs=SAME_CHUNKS)
    whole, _ = stream.probabilities(first)
    assert probabilities == pytest.approx(whole.tolist(), abs=WHOLE_TEXT)
    assert text_of(browser, "sentiment-result") and (
        browser.find_element(By.ID, "sentiment-result").get_attribute("data-source")
        == "on-device-stream"
    )

    # An edit of words already read: the text is read again from the initial state.
    box.send_keys(Keys.BACK_SPACE * len(" was wonderful") + " is awful, truly awful")
    text, probabilities, chunks, restarts = shown(browser)
    edited = first[: -len(" was wonderful")] + " is awful, truly awful"
    assert text == edited and restarts >= 1
    assert "".join(chunks) == edited[: edited.rindex(" ") + 1]
    expected = python_stream(stream, chunks, edited[len("".join(chunks)) :])
    assert probabilities == pytest.approx(expected.tolist(), abs=SAME_CHUNKS)
    whole, _ = stream.probabilities(edited)
    assert probabilities == pytest.approx(whole.tolist(), abs=WHOLE_TEXT)

    urls = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    # The page asks the status API which versions are served; it never asks for inference.
    assert not [url for url in urls if ":predict" in url or ":classify" in url], urls
