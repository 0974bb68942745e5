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


# ServeConfig field -> its flag's help (every field has a flag: `--` and the field's name
# with dashes, but for the renamed ones below). "(default: ...)" ends each help unless it
# names the default itself.
FLAG_HELP = {
    "model_root": "TF Serving layout: <root>/<model>/<version>/",
    "host": "interface to bind (default: %(default)s; nothing authenticates, so expose it "
    "to a network only behind something that does)",
    "port": "0..65535",
    "max_batch_size": "most rows per merged signature call",
    "batch_timeout_ms": "how long a batch waits for more requests",
    "num_batch_threads": "signature calls running at once",
    "max_enqueued_batches": "most batches waiting per signature; more requests get 503",
    "limit_concurrency": "most connections and requests handled at once; more get 503",
    "header_timeout_s": "a connection's request headers must arrive within this time of its "
    "opening (or of its last response), else it is closed",
    "body_timeout_s": "a request's body must arrive within this time of its headers, else 408",
    "max_waiting_per_client": "most connections one client address may hold open without a "
    "request in progress; a new one closes its oldest",
    "poll_seconds": "how often new versions are looked for",
    "version_settle_s": "load a new version only once none of its files has changed for "
    "this long, so one being copied in is not loaded half-way",
    "warmup_before_available": "warmup requests replayed before a version is AVAILABLE: the "
    "first of each signature at the smallest batch (the others while it serves), or all "
    "(TF Serving's way; minutes with XLA)",
    "load_retry_interval_s": "wait before an unchanged version that failed to load is tried again",
    "max_load_retries": "most such retries; a change of the version's files always retries",
    "max_body_bytes": "largest request body",
    "max_instances": "most instances per predict request",
    "max_text_chars": "longest string input, in characters",
}
# Flags not named after their field (seconds spelled out; what the waiting ones are).
FLAG_NAMES = {
    "header_timeout_s": "--header-timeout-seconds",
    "body_timeout_s": "--body-timeout-seconds",
    "max_waiting_per_client": "--max-waiting-connections-per-client",
    "version_settle_s": "--version-settle-seconds",
    "load_retry_interval_s": "--load-retry-interval-seconds",
}
# Fields that may be any int (0 = any free port; 0 retries) rather than a count >= 1.
PLAIN_INTS = ("port", "max_load_retries")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = ServeConfig()
    parser = argparse.ArgumentParser(
        prog="rnn-serve",
        description="Serve the exported SavedModels with TF Serving's REST API and a demo page.",
    )
    for field, help_text in FLAG_HELP.items():
        default = getattr(defaults, field)
        if field == "warmup_before_available":
            typed = {"choices": WARMUP_CHOICES}
        elif isinstance(default, int) and field not in PLAIN_INTS:
            typed = {"type": positive_int}
        else:
            typed = {"type": Path if isinstance(default, Path) else type(default)}
        if "%(default)s" not in help_text:
            help_text += " (default: %(default)s)"
        flag = FLAG_NAMES.get(field, "--" + field.replace("_", "-"))
        parser.add_argument(flag, dest=field, default=default, help=help_text, **typed)
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
