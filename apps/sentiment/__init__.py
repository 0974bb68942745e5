"""Sentiment classification of text with a BiLSTM.

Python API (importing the package is cheap; TensorFlow loads on first use):

    from apps.sentiment import SentimentConfig, load, train

    classifier = load()  # the latest finished run, or load("runs/sentiment/<run>")
    classifier.predict(["great film"])
    # [{"label": "positive", "score": 0.97, "probabilities": {"negative": 0.03, ...}}]
    result = train(SentimentConfig(epochs=3), "reviews.csv")  # -> result.run_dir, .metrics

    # A run trained with streaming=True (`train --streaming`) reads a text chunk by chunk:
    streamer = load(train(SentimentConfig(streaming=True), "reviews.csv").run_dir)
    answer, state = streamer.stream("I expected to hate it,")
    answer, state = streamer.stream("but it won me over", state)  # the whole text's answer
"""

from shared.package_api import lazy_exports

__all__ = ["DataOptions", "SentimentClassifier", "SentimentConfig", "load", "train"]

__getattr__ = lazy_exports(
    __name__,
    {
        "load": "apps.sentiment.api",
        "SentimentClassifier": "apps.sentiment.api",
        "SentimentConfig": "apps.sentiment.config",
        "DataOptions": "apps.sentiment.data",
        "train": "apps.sentiment.train",
    },
)
