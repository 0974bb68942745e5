"""The Starlette application: TF Serving's REST API, the demo page and request-merging stats.

`build_app(config)` wires the model manager (loading, hot reload), the batch scheduler
and the routes. Startup starts loading and warming up every model and answers at once:
the status API says LOADING per version until each is AVAILABLE (`/debug/stats` shows
how far each warm-up is); the model root is polled in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from apps.serve.api import RestApi
from apps.serve.config import ServeConfig
from apps.serve.edge_files import edge_routes
from apps.serve.errors import echo
from apps.serve.manager import ModelManager
from apps.serve.request_merging import BatchScheduler

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Not part of TF Serving's API (which owns everything under /v1/): a clearly separate path.
STATS_PATH = "/debug/stats"
ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def build_app(config: ServeConfig) -> Starlette:
    manager = ModelManager(
        config.model_root,
        load_retry_interval_s=config.load_retry_interval_s,
        max_load_retries=config.max_load_retries,
        settle_s=config.version_settle_s,
        warm_all_first=config.warmup_before_available == "all",
    )
    scheduler = BatchScheduler(
        config.max_batch_size,
        config.batch_timeout_ms / 1000,
        config.num_batch_threads,
        config.max_enqueued_batches,
    )
    rest_api = RestApi(manager, scheduler, config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        manager.start()  # loads in the background: the port opens now
        poller = asyncio.create_task(manager.poll_forever(config.poll_seconds))
        try:
            yield
        finally:
            poller.cancel()
            scheduler.close()
            manager.close()

    async def demo_page(request: Request) -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    async def stats(request: Request) -> JSONResponse:
        """Batching counters and served versions, for tests and the load-test tool."""
        return JSONResponse(
            {
                "served_versions": {k: str(v) for k, v in manager.served_versions().items()},
                "loading": manager.loading_json(),
                "batching": {
                    "max_batch_size": scheduler.max_batch_size,
                    "batch_timeout_ms": scheduler.batch_timeout_s * 1000,
                    "max_enqueued_batches": scheduler.max_enqueued_batches,
                    "signatures": scheduler.stats_json(),
                },
            }
        )

    async def other_paths(request: Request) -> Response:
        if request.url.path.lower().startswith("/v1/"):
            return await rest_api.handle(request)
        return JSONResponse({"error": f"Not found: {echo(request.url.path)}"}, status_code=404)

    app = Starlette(
        routes=[
            Route("/", demo_page, methods=["GET"]),
            Mount("/demo", app=StaticFiles(directory=STATIC_DIR), name="demo"),
            # The page's on-device mode: phone models and LiteRT.js from here, no CDN.
            *edge_routes(config.model_root),
            Route(STATS_PATH, stats, methods=["GET"]),
            # Last: TF Serving claims every path matching (?i)/v1/.* (any case).
            Route("/{path:path}", other_paths, methods=ALL_METHODS),
        ],
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.manager = manager
    app.state.scheduler = scheduler
    return app
