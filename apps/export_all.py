"""`make export`: every app with a finished run exports its latest one.

    python -m apps.export_all [export flags...]

Each app runs `python -m <package> export <flags>` in a process of its own (as from the
shell), so one app's TensorFlow state never leaks into the other's export. An app
without a finished run under `runs/<app>/` is skipped and said so; nothing to export at
all is an error (exit 2), and a failed export stops here with its exit status.
"""

from __future__ import annotations

import subprocess
import sys

from apps.registry import APPS


def main(argv: list[str] | None = None) -> int:
    export_flags = sys.argv[1:] if argv is None else argv
    exported = False
    for app in APPS.values():
        if not app.has_finished_run():
            print(
                f"no finished {app.name} run under runs/{app.name}: skipped (make train-{app.name})"
            )
            continue
        status = subprocess.run(
            [sys.executable, "-m", app.package, "export", *export_flags]
        ).returncode
        if status:
            return status
        exported = True
    if not exported:
        print("error: nothing to export; train first", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
