"""Where the repository and the real data sets are, for tests in any folder."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path:
    """Real data sets (../shared/data), or the folder named by $SHARED_DATA."""
    return Path(os.environ.get("SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
