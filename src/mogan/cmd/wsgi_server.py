"""Serving the API over HTTP with waitress, hardened against slow clients.

Waitress reads every request (line, headers and body) in one event loop and
hands only complete requests to its worker threads, so a client that trickles
bytes or idles holds a socket, not a thread. What it lacks is added here:

- a total deadline for a request's headers and another for its body
  (``[api] client_header_timeout`` / ``client_body_timeout``): waitress only
  closes connections that stay *silent*, so a client sending one byte a
  second would be kept forever. A late client gets 408 and is disconnected.
- the errors waitress answers itself (400, 408, 413, 431, 501) in the API's
  error body shape.
- binding before anything else starts, with a one-line error
  (:class:`ListenError`).
- a graceful stop on SIGTERM or SIGINT: stop accepting, let requests in
  progress finish (up to :data:`GRACE_PERIOD`), close.
"""

import contextlib
import dataclasses
import json
import logging
import signal
import socket
import threading
import time
from typing import Any, cast

from oslo_config import cfg
from waitress import adjustments, channel, parser, server, task, utilities, wasyncore

from mogan.api import errors

LOG = logging.getLogger(__name__)
# NOTE: connections waiting to be accepted; a small backlog resets bursts of
# clients (50 concurrent creates) instead of queueing them.
BACKLOG = 1024
# NOTE: how long in-flight requests may take to finish after SIGTERM.
GRACE_PERIOD = 10
# NOTE: the event loop wakes at least this often (seconds), which is how
# precisely the deadlines are enforced.
TICK = 0.5


class ListenError(Exception):
    """The API's address cannot be listened on (taken, not local, unknown)."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """What a client may use: threads, connections and time."""

    threads: int = 8
    max_connections: int = 500
    header_timeout: float = 20.0
    body_timeout: float = 60.0
    idle_timeout: float = 60.0
    max_body: int = 1048576

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> "Limits":
        """The limits set in ``[api]``."""
        api = conf.api
        return cls(
            threads=api.api_workers,
            max_connections=api.max_connections,
            header_timeout=api.client_header_timeout,
            body_timeout=api.client_body_timeout,
            idle_timeout=api.client_idle_timeout,
            max_body=api.max_request_body_size,
        )


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (not yet listening).

    Raises:
        ListenError: the address is taken, not local, or does not resolve.
    """
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    sock = None
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        # NOTE: a restart must not wait for the old connections' TIME_WAIT;
        # Linux still refuses a port another socket listens on.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as err:
        if sock is not None:
            sock.close()
        reason = (err.strerror or str(err)).lower()
        raise ListenError(f"cannot listen on {where}: {reason}") from err
    return sock


class _RequestTimeout(utilities.Error):
    code = 408
    reason = "Request Timeout"


class _Parser(parser.HTTPRequestParser):
    """Waitress's request parser, noting when the request began and its body."""

    def __init__(self, adj: adjustments.Adjustments) -> None:
        super().__init__(adj)
        # NOTE: waitress makes a parser when a request's first byte arrives.
        self.started_at = time.monotonic()
        self.headers_done_at: float | None = None

    def received(self, data: bytes) -> int:
        consumed = super().received(data)
        if self.headers_finished and self.headers_done_at is None:
            self.headers_done_at = time.monotonic()
        return consumed


class _ErrorTask(task.ErrorTask):
    """Waitress's own error responses, in the API's error body shape."""

    def execute(self) -> None:
        # NOTE: waitress's stubs type a task's request as its error.
        err: utilities.Error = cast("Any", self.request).error
        if isinstance(err, utilities.RequestEntityTooLarge):
            limit = self.channel.adj.max_request_body_size - 1
            message = f"The request body is larger than {limit} bytes."
        else:
            message = f"{err.reason}: {err.body}"
        payload = json.dumps(
            errors.body(err.code, message, f"mogan.http_{err.code}")
        ).encode()
        self.status = f"{err.code} {err.reason}"
        self.response_headers = [
            *self.response_headers,
            ("Content-Type", "application/json"),
        ]
        self.set_close_on_finish()
        self.content_length = len(payload)
        self.write(payload)


class _Channel(channel.HTTPChannel):
    parser_class = _Parser
    error_task_class = _ErrorTask


def _missed_deadline(request: _Parser, limits: Limits, now: float) -> str | None:
    """Which part of ``request`` is late, and by which deadline; None if none."""
    if request.headers_done_at is None:
        if now - request.started_at > limits.header_timeout:
            return f"headers did not arrive within {limits.header_timeout:g} s"
    elif now - request.headers_done_at > limits.body_timeout:
        return f"body did not arrive within {limits.body_timeout:g} s"
    return None


def _cut_off_if_late(chan: Any, limits: Limits, now: float) -> None:
    """Answer 408 (and close) if the request ``chan`` is reading is late.

    ``chan`` is a ``_Channel`` (typed Any: waitress's stubs lack its lock
    and make its request list read-only). Runs in the event loop's thread.
    """
    with chan.requests_lock:
        request = chan.request
        if (
            not isinstance(request, _Parser)
            or request.completed
            or chan.requests
            or chan.will_close
            or chan.close_when_flushed
        ):
            return
        missed = _missed_deadline(request, limits, now)
        if missed is None:
            return
        LOG.info("Cutting off %s: request %s", chan.addr, missed)
        if request.headers_done_at is None:
            # NOTE: as waitress does for oversized headers: the error
            # response needs a parsed request line.
            request.parse_header(b"GET / HTTP/1.1\r\n")
        request.error = _RequestTimeout(f"the request {missed}.")
        request.completed = True
        # NOTE: queued as waitress queues a completed request; its error
        # task answers 408 and closes the connection.
        chan.request = None
        chan.requests.append(request)
        chan.server.add_task(chan)


class _Server(server.TcpWSGIServer):
    """Waitress's TCP server, with total deadlines for receiving a request."""

    channel_class = _Channel
    limits = Limits()

    def maintenance(self, now: float) -> None:
        """Close silent connections (waitress) and late requests (ours)."""
        super().maintenance(now)  # type: ignore[arg-type]
        mono = time.monotonic()
        channels: dict[int, Any] = self.active_channels  # type: ignore[assignment]
        for chan in list(channels.values()):
            _cut_off_if_late(chan, self.limits, mono)


class Server:
    """A listening API server; :meth:`serve_forever` runs it."""

    def __init__(self, app: Any, sock: socket.socket, limits: Limits) -> None:
        """Listen on ``sock`` (from :func:`bind`) and serve ``app`` with ``limits``."""
        adj = adjustments.Adjustments(
            sockets=[sock],
            threads=limits.threads,
            backlog=BACKLOG,
            # NOTE: waitress counts its listening socket and its wake-up
            # pipe as connections.
            connection_limit=limits.max_connections + 2,
            channel_timeout=int(limits.idle_timeout),
            cleanup_interval=1,
            asyncore_loop_timeout=TICK,
            # NOTE: select() fails past file descriptor 1024; poll() does not.
            asyncore_use_poll=True,
            # NOTE: waitress refuses a body of exactly this size; the API
            # accepts max_body bytes, so the limit is one more.
            max_request_body_size=limits.max_body + 1,
            ident="mogan-api",
        )
        self._map: dict[int, Any] = {}
        self._dispatcher = task.ThreadedTaskDispatcher()
        self._dispatcher.set_thread_count(limits.threads)
        self._server = _Server(
            app,
            map=self._map,
            _sock=sock,
            dispatcher=self._dispatcher,
            adj=adj,
            sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()),
            bind_socket=False,
        )
        self._server.limits = limits
        self._stopping = threading.Event()
        host, port = sock.getsockname()[:2]
        self.address: tuple[str, int] = (str(host), int(port))

    def stop(self) -> None:
        """Ask :meth:`serve_forever` to stop (from any thread or a signal)."""
        self._stopping.set()
        # NOTE: wakes the event loop now rather than at its next tick (the
        # pipe is gone once the server has stopped).
        with contextlib.suppress(OSError):
            self._server.pull_trigger()

    def serve_forever(self, handle_signals: bool = True) -> None:
        """Serve until :meth:`stop`, or SIGINT/SIGTERM with ``handle_signals``."""
        if handle_signals:

            def _on_signal(signum: int, _frame: object) -> None:
                LOG.info("Signal %s received, stopping", signum)
                self.stop()

            signal.signal(signal.SIGTERM, _on_signal)
            signal.signal(signal.SIGINT, _on_signal)
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=TICK, use_poll=True, map=self._map, count=1)
            self._drain()
        finally:
            self._dispatcher.shutdown(cancel_pending=True, timeout=GRACE_PERIOD)
            wasyncore.close_all(self._map)

    def _drain(self) -> None:
        """Stop accepting; close each connection once its requests are answered."""
        # NOTE: the dispatcher's own close (not the server's, which also
        # closes the pipe workers wake the loop with).
        wasyncore.dispatcher.close(self._server)
        channels: dict[int, Any] = self._server.active_channels  # type: ignore[assignment]
        deadline = time.monotonic() + GRACE_PERIOD
        while channels and time.monotonic() < deadline:
            for chan in list(channels.values()):
                if not (chan.requests or chan.total_outbufs_len):
                    chan.will_close = True
            wasyncore.loop(timeout=TICK / 5, use_poll=True, map=self._map, count=1)
        if channels:
            LOG.warning(
                "%d connections still busy after %s s", len(channels), GRACE_PERIOD
            )
