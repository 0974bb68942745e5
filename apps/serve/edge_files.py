"""Files for the demo page's on-device mode: phone models and LiteRT.js, from this server.

The page runs a version's phone model in the browser (LiteRT.js, WebAssembly), so it
needs the model files and the runtime's own files, and nothing from another host:

- `GET /edge/<model>`: the versions whose `tflite/` folder holds phone models, newest
  first, with each one's variants (from its `metadata.json`), and whether LiteRT.js is
  installed here;
- `GET /edge/<model>/<version>/<file>`: a file of `<model root>/<model>/<version>/tflite/`
  (`metadata.json`, `golden.json`, `*.tflite`; nothing else is served);
- `GET /litertjs/<path>`: the npm package `@litertjs/core` and its dependency, installed by
  `make web` into `web/node_modules/@litertjs/` (pinned by `web/package-lock.json`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from apps.serve.errors import echo
from shared.edge.metadata import METADATA_FILE, TFLITE_FOLDER
from shared.export.versions import existing_versions

LITERTJS_DIR = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "@litertjs"
EDGE_FILE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*\.(tflite|json)")
MODEL_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
LITERTJS_MISSING = "LiteRT.js is not installed on this server: run `make web` (npm ci in web/)"


def _not_found(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=404)


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path` resolves to a file inside `folder` (no way out through links)."""
    try:
        return path.resolve().is_relative_to(folder.resolve()) and path.is_file()
    except OSError:
        return False


def phone_versions(model_root: Path, model: str) -> list[dict]:
    """`[{"version", "default_variant", "variants": {variant: file}, "files"}]`, newest
    first, for the versions of `model` whose `tflite/` holds a readable `metadata.json`."""
    rows = []
    for version in reversed(existing_versions(Path(model_root) / model)):
        folder = Path(model_root) / model / str(version) / TFLITE_FOLDER
        try:
            metadata = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rows.append(
            {
                "version": version,
                "default_variant": metadata.get("default_variant"),
                "variants": {v: entry["file"] for v, entry in metadata.get("models", {}).items()},
                "files": sorted(p.name for p in folder.iterdir() if EDGE_FILE.fullmatch(p.name)),
            }
        )
    return rows


def edge_routes(model_root: Path) -> list[Route]:
    """The routes above, for a server whose model root is `model_root`."""
    model_root = Path(model_root)

    async def versions(request: Request) -> Response:
        model = request.path_params["model"]
        if not MODEL_NAME.fullmatch(model):
            return _not_found(f"Not found: {echo(model)}")
        return JSONResponse(
            {
                "model": model,
                "versions": phone_versions(model_root, model),
                "litertjs": LITERTJS_DIR.is_dir(),
            }
        )

    async def edge_file(request: Request) -> Response:
        model, version, name = (request.path_params[k] for k in ("model", "version", "name"))
        folder = model_root / model / version / TFLITE_FOLDER
        path = folder / name
        if not (
            MODEL_NAME.fullmatch(model)
            and version.isdigit()
            and EDGE_FILE.fullmatch(name)
            and _inside(path, folder)
        ):
            return _not_found(f"No phone model file {echo(name)} in {echo(model)} {echo(version)}")
        # Never cached: a version folder may be replaced by a new export of the same number.
        return FileResponse(path, headers={"Cache-Control": "no-cache"})

    async def litertjs_file(request: Request) -> Response:
        if not LITERTJS_DIR.is_dir():
            return _not_found(LITERTJS_MISSING)
        path = LITERTJS_DIR / request.path_params["path"]
        if not _inside(path, LITERTJS_DIR):
            return _not_found(f"Not found in LiteRT.js: {echo(request.path_params['path'])}")
        return FileResponse(path)

    return [
        Route("/edge/{model}", versions, methods=["GET"]),
        Route("/edge/{model}/{version}/{name}", edge_file, methods=["GET"]),
        Route("/litertjs/{path:path}", litertjs_file, methods=["GET"]),
    ]
