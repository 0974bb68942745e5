"""Shared test helpers: import them from here, never from `conftest`.

- `layer_harness`: the one test every Keras layer goes through;
- `markov`: toy decoding models with known answers;
- `paths`: the repository root and the real data folder;
- `runs`: the tiny training settings of the session-wide runs;
- `serving`: a local REST server on a thread, and response decoding.
"""
