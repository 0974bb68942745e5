"""`rnn-serve`: serve `saved_models/` with TF Serving's REST API on port 8501."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import socket
import sys
from pathlib import Path

from apps.serve.config import WARMUP_CHOICES, ServeConfig
from shared.cli import add_verbose_argument, positive_int, quiet_tensorflow

# Connections waiting to be accepted (uvicorn's default).
LISTEN_BACKLOG = 2048


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = ServeConfig()
    parser = argparse.ArgumentParser(
        prog="rnn-serve",
        description="Serve the exported SavedModels with TF Serving's REST API and a demo page.",
    )
    parser.add_argument(
        "--model-root",
        type=Path,
        default=defaults.model_root,
        help="TF Serving layout: <root>/<model>/<version>/ (default: %(default)s)",
    )
    parser.add_argument(
        "--host",
        default=defaults.host,
        help="interface to bind (default: %(default)s; nothing authenticates, "
        "so expose it to a network only behind something that does)",
    )
    parser.add_argument(
        "--port", type=int, default=defaults.port, help="0..65535 (default: %(default)s)"
    )
    parser.add_argument(
        "--max-batch-size",
        type=positive_int,
        default=defaults.max_batch_size,
        help="most rows per merged signature call (default: %(default)s)",
    )
    parser.add_argument(
        "--batch-timeout-ms",
        type=float,
        default=defaults.batch_timeout_ms,
        help="how long a batch waits for more requests (default: %(default)s)",
    )
    parser.add_argument(
        "--num-batch-threads",
        type=positive_int,
        default=defaults.num_batch_threads,
        help="signature calls running at once (default: %(default)s)",
    )
    parser.add_argument(
        "--max-enqueued-batches",
        type=positive_int,
        default=defaults.max_enqueued_batches,
        help="most batches waiting per signature; more requests get 503 (default: %(default)s)",
    )
    parser.add_argument(
        "--limit-concurrency",
        type=positive_int,
        default=defaults.limit_concurrency,
        help="most connections and requests handled at once; more get 503 (default: %(default)s)",
    )
    parser.add_argument(
        "--header-timeout-seconds",
        dest="header_timeout_s",
        type=float,
        default=defaults.header_timeout_s,
        help="a connection's request headers must arrive within this time of its opening "
        "(or of its last response), else it is closed (default: %(default)s)",
    )
    parser.add_argument(
        "--max-waiting-connections-per-client",
        dest="max_waiting_per_client",
        type=positive_int,
        default=defaults.max_waiting_per_client,
        help="most connections one client address may hold open without a request in "
        "progress; a new one closes its oldest (default: %(default)s)",
    )
    parser.add_argument(
        "--poll-seconds",
        type=float,
        default=defaults.poll_seconds,
        help="how often new versions are looked for (default: %(default)s)",
    )
    parser.add_argument(
        "--version-settle-seconds",
        dest="version_settle_s",
        type=float,
        default=defaults.version_settle_s,
        help="load a new version only once none of its files has changed for this long, "
        "so one being copied in is not loaded half-way (default: %(default)s)",
    )
    parser.add_argument(
        "--warmup-before-available",
        choices=WARMUP_CHOICES,
        default=defaults.warmup_before_available,
        help="warmup requests replayed before a version is AVAILABLE: the first of each "
        "signature at the smallest batch (the others while it serves), or all (TF Serving's "
        "way; minutes with XLA) (default: %(default)s)",
    )
    parser.add_argument(
        "--load-retry-interval-seconds",
        dest="load_retry_interval_s",
        type=float,
        default=defaults.load_retry_interval_s,
        help="wait before an unchanged version that failed to load is tried again "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--max-load-retries",
        type=int,
        default=defaults.max_load_retries,
        help="most such retries; a change of the version's files always retries "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=positive_int,
        default=defaults.max_body_bytes,
        help="largest request body (default: %(default)s)",
    )
    parser.add_argument(
        "--max-instances",
        type=positive_int,
        default=defaults.max_instances,
        help="most instances per predict request (default: %(default)s)",
    )
    parser.add_argument(
        "--max-text-chars",
        type=positive_int,
        default=defaults.max_text_chars,
        help="longest string input, in characters (default: %(default)s)",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")
    add_verbose_argument(parser)
    return parser.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> ServeConfig:
    """The ServeConfig the flags describe; ValueError for a bad value."""
    fields = {f.name for f in dataclasses.fields(ServeConfig)}
    return ServeConfig(**{k: v for k, v in vars(args).items() if k in fields})


def listen_socket(host: str, port: int) -> socket.socket:
    """Binds `host:port` and listens, before TensorFlow is imported and any model loads.

    A used port or a bad host fails at once; and from here on a client connecting is
    queued (then answered) rather than refused, also during the seconds TensorFlow takes
    to import. The socket is handed to uvicorn, which accepts on it.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        listener = socket.socket(family, kind, proto)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            listener.bind(address)
            listener.listen(LISTEN_BACKLOG)
        except OSError:
            listener.close()
            raise
    except OSError as error:
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror or error}") from error
    return listener


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = config_from_args(args)
        listener = listen_socket(config.host, config.port)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with listener:
        return _serve(config, listener, args.access_log, args.verbose)


def _serve(
    config: ServeConfig, listener: socket.socket, access_log: bool, verbose: bool = False
) -> int:
    quiet_tensorflow(verbose)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    import uvicorn  # noqa: PLC0415  (after the flags: --help stays instant)
    from uvicorn.config import STARTUP_FAILURE  # noqa: PLC0415

    from apps.serve.app import build_app  # noqa: PLC0415  (imports TensorFlow)
    from apps.serve.connections import uvicorn_settings  # noqa: PLC0415

    if not config.model_root.is_dir():
        logging.warning("model root %s does not exist yet; polling it", config.model_root)
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(config),
            host=config.host,
            port=config.port,
            access_log=access_log,
            log_level="info",
            backlog=LISTEN_BACKLOG,
            **uvicorn_settings(config),
        )
    )
    try:
        server.run(sockets=[listener])
    except KeyboardInterrupt:  # as uvicorn.run: Ctrl-C is a normal way to stop
        pass
    return 0 if server.started else STARTUP_FAILURE


if __name__ == "__main__":
    sys.exit(main())
