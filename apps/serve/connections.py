"""Connections that send nothing (or headers slowly) cannot lock other clients out.

uvicorn counts every open connection against `--limit-concurrency` and answers 503 once
it is reached, but it has no timeout for a request's headers: its keep-alive timer only
starts after a response and any byte received cancels it (uvicorn issue #157,
`--timeout-request-start`, never implemented). So 512 sockets that send nothing, or a
byte now and then, fill the limit for as long as they stay open.

`guarded_protocol` returns uvicorn's h11 protocol with three rules for a connection that
is waiting for the headers of its next request (opened, or its last response sent):

- its headers must be complete within `header_timeout_s` of that moment (an absolute
  deadline: trickling bytes does not extend it), else the connection is closed;
- one client address may hold at most `max_waiting_per_client` such connections: a new
  one closes one of that client's;
- when the server holds `limit_concurrency` connections, a new one closes a waiting
  connection of any client instead of being refused, so connections with a request in
  progress are what the limit counts in the end.

The connection closed is the oldest of those that never completed a request, else the
oldest kept-alive one: clients sharing an address with an attacker (behind a proxy, or
on loopback) keep their kept-alive connections.

Closing a connection that has sent no request loses nothing: HTTP clients reopen
connections a server closed while idle.
"""

from __future__ import annotations

import logging
import time

from uvicorn.protocols.http.h11_impl import H11Protocol

from apps.serve.config import ServeConfig

log = logging.getLogger(__name__)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the rules above; settings are class attributes, set by
    `guarded_protocol`."""

    header_timeout_s: float = ServeConfig.header_timeout_s
    max_waiting_per_client: int = ServeConfig.max_waiting_per_client

    # -- connection life ---------------------------------------------------------------

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._deadline_timer = None
        self.waiting_since: float | None = None
        self.responses = 0  # a connection that has had answers is a client's, likely
        self._start_waiting()
        self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request's headers are complete: it is in progress
            self._stop_waiting()

    def on_response_complete(self) -> None:
        self.responses += 1
        super().on_response_complete()
        if not self.transport.is_closing():
            self._start_waiting()  # the next request's headers are due from now on

    # -- the rules ---------------------------------------------------------------------

    def _start_waiting(self) -> None:
        self._stop_waiting()
        self.waiting_since = time.monotonic()
        self._deadline_timer = self.loop.call_later(self.header_timeout_s, self._headers_late)

    def _stop_waiting(self) -> None:
        self.waiting_since = None
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
            self._deadline_timer = None

    def _headers_late(self) -> None:
        self._deadline_timer = None
        if self.waiting_since is not None:
            log.debug(
                "closing %s: no complete request headers in %.1f s",
                self.client,
                self.header_timeout_s,
            )
            self._close_waiting()

    def _close_waiting(self) -> None:
        """Closes this connection (waiting, so no request is lost) and stops counting it."""
        self._stop_waiting()
        # Removed from the count now: connection_lost (which also discards it) runs later.
        self.connections.discard(self)
        self.transport.close()

    def _make_room(self) -> None:
        """Closes the oldest waiting connections over the per-client and global limits."""
        host = self.client[0] if self.client else None
        # First those that never completed a request, oldest first: on a shared address
        # (a proxy, loopback) a client's kept-alive connection between two requests must
        # not make room for an idle one.
        waiting = sorted(
            (c for c in self.connections if c is not self and _waiting(c)),
            key=lambda c: (c.responses > 0, c.waiting_since),
        )
        same_client = [c for c in waiting if c.client and c.client[0] == host]
        # This connection counts too: keep at most max - 1 others.
        excess = len(same_client) - self.max_waiting_per_client + 1
        for connection in same_client[: max(0, excess)]:
            connection._close_waiting()
        if self.limit_concurrency is None:
            return
        for connection in waiting:
            # uvicorn refuses a request while len(connections) >= limit_concurrency.
            if len(self.connections) < self.limit_concurrency:
                break
            if connection.waiting_since is not None:  # not closed by the loop above
                connection._close_waiting()


def _waiting(connection) -> bool:
    return getattr(connection, "waiting_since", None) is not None


def guarded_protocol(header_timeout_s: float, max_waiting_per_client: int) -> type[H11Protocol]:
    """A `GuardedH11Protocol` class with these settings, for `uvicorn.Config(http=...)`."""
    return type(
        "GuardedH11Protocol",
        (GuardedH11Protocol,),
        {"header_timeout_s": header_timeout_s, "max_waiting_per_client": max_waiting_per_client},
    )


def uvicorn_settings(config: ServeConfig) -> dict:
    """The `uvicorn.Config` arguments a `ServeConfig` sets (shared by the CLI and tests)."""
    return {
        "limit_concurrency": config.limit_concurrency,
        "http": guarded_protocol(config.header_timeout_s, config.max_waiting_per_client),
    }
