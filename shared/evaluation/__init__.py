"""Metrics, reports and baselines computed with scikit-learn."""
