"""What every entry point does before TensorFlow loads: keep its C++ start-up log quiet.

TensorFlow's native libraries print to file descriptor 2 directly, before Python's
`logging` or `warnings` could filter anything: on a CPU machine every command began with
`Could not find cuda drivers`, `failed call to cuInit` (level E), oneDNN notes and, on
export, `NodeDef mentions attribute Truncate`. `quiet_tensorflow()` hides them unless the
user passed `--verbose`:

- `TF_CPP_MIN_LOG_LEVEL=3` silences what goes through TensorFlow's C++ logging (INFO,
  WARNING and ERROR lines such as cuInit; real failures still raise Python exceptions);
- `import tensorflow` itself runs with fd 2 captured, because two lines are printed
  before TensorFlow reads that variable (`All log messages before absl::InitializeLog()`
  and `cudart_stub.cc ... Could not find cuda drivers`); every other captured line is
  written back to stderr, so a genuine import problem still shows.

This module must not import TensorFlow at import time: the CLIs check their arguments
first, so a mistyped path is reported in a fraction of a second.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

# Lines TensorFlow's native code prints at start-up on a machine without a GPU.
START_UP_NOISE = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called"
    r"|cudart_stub\.cc|cuda_platform\.cc|cuda_executor\.cc|failed call to cuInit"
    r"|cpu_feature_guard\.cc|oneDNN custom operations"
    r"|rebuild TensorFlow with the appropriate compiler flags"
)

VERBOSE_HELP = "Also print TensorFlow's C++ log (CUDA probing, oneDNN notes, graph warnings)."


@contextlib.contextmanager
def stderr_without(noise: re.Pattern = START_UP_NOISE):
    """Captures file descriptor 2 (native code included) and replays all but `noise`."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [
                line
                for line in capture.read().decode("utf-8", errors="replace").splitlines(True)
                if not noise.search(line)
            ]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


def quiet_tensorflow(verbose: bool = False, import_now: bool = True) -> None:
    """Hides TensorFlow's C++ start-up log unless `verbose`; call it after parsing flags.

    Args:
        verbose: keep every C++ log line (the `--verbose` flag). TF_CPP_MIN_LOG_LEVEL is
            then left as the environment has it (TensorFlow's default when unset: 0).
        import_now: import TensorFlow here, with the start-up lines filtered. False only
            sets the log level (for commands that may never need TensorFlow).
    """
    if verbose:
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    if import_now and "tensorflow" not in sys.modules:
        with stderr_without():
            import tensorflow  # noqa: F401, PLC0415
