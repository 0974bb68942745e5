"""Exporters: turn a trained run into files other runtimes load (SavedModel, TFLite, ...)."""
