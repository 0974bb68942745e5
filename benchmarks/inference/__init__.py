"""The "inference" section of `make bench`: every way to run a trained model, side by side.

Each finished run is exported once into the benchmark's work folder with the apps' own
exporters (the SavedModel in TF Serving's layout, the TFLite variants and their
`metadata.json`), never into the repository's `saved_models/`. Then, in one process, the
same inputs go through Keras, the SavedModel signatures and LiteRT, timed in interleaved
rounds (`shared.export.latency.compare_calls`), so load from other jobs on a shared machine
hits every path alike: read the ratios, not the absolute times.

Sentiment: p50/p99 latency at batch 1 and throughput at batch 32 for 32- and 256-token
inputs, model sizes, and dev-set accuracy of each TFLite variant through the TF-free edge
runner. Translation: p50/p99 latency of one sentence, greedy and beam search.

Modules: `section` (`run`: the whole section, in order), `settings` (path names, sizes,
repeats), `exports` (one export per run, through the apps' registered exporters, and the
sizes), `sentiment` and `dev_sets` (sentiment timing and accuracy), `translation`,
`tables`, `notes` and `plots`.
"""
