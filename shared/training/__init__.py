"""Training utilities shared by every app: config, run folders, callbacks, resume.

Import from the submodules; this package stays import-free so `--help` needs no TensorFlow.
"""
