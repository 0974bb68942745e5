"""`make bench`: what users care about, measured on real data, written to BENCHMARKS.md.

One module per section (`sentiment`, `translation`, `inference`); each returns a
`report.Section` of tables, plots and raw numbers (`sentiment_report` renders the
sentiment section's from its saved results). Every comparison is measured side by
side in the same run and reported as a ratio: the machine is shared, absolute times drift.
"""
