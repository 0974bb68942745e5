"""Layers, text processing, data loading, training and evaluation shared by every app."""
