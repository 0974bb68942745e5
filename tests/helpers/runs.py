"""Settings of the tiny runs trained once per session (tests/conftest.py fixtures)."""

# Trained once per session (~20 s each) on generated data; the CLI tests keep their own.
TINY_SENTIMENT = {
    "epochs": "2",
    "units": "8",
    "embedding-dim": "16",
    "max-length": "48",
    "batch-size": "32",
    "max-tokens": "500",
    "min-count": "1",
    # A data file gets a real-data preset (`sentences` here): its bag of n-grams stays in
    # the model, so exports and runners are tested with it, but with 64 buckets, not 1M.
    "ngram-buckets": "64",
}
TINY_TRANSLATION = {
    "epochs": "5",
    "embedding-dim": "16",
    "encoder-units": "16",
    "decoder-units": "32",
    "source-vocabulary-size": "300",
    "target-vocabulary-size": "300",
    "batch-size": "32",
    "max-source-length": "20",
    "max-target-length": "20",
    "test-split": "0.1",
    "beam-width": "3",
    # A data file gets the `sentence-pairs` preset; its cosine schedule, label smoothing
    # and tied embeddings are for ~100k pairs: on these 800 the tiny model learns to stop
    # at once (empty translations). The tiny run keeps the plain model the export tests
    # were written for; tests/apps/translation/test_features.py exports a tied one.
    "lr-schedule": "constant",
    "label-smoothing": "0",
    "no-tie-embeddings": None,
}


def flags(settings: dict) -> list[str]:
    """`{"epochs": "2", "no-tie-embeddings": None}` -> `--epochs 2 --no-tie-embeddings`."""
    return [
        item
        for key, value in settings.items()
        for item in ((f"--{key}",) if value is None else (f"--{key}", value))
    ]
