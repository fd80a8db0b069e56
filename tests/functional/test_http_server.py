"""The API's HTTP server against slow, trickling and idle clients.

The real app is served by ``mogan.cmd.wsgi_server`` on a loopback port in a
thread (as ``mogan-api`` and the all-in-one serve it), with few worker
threads so that a handful of misbehaving connections outnumbers them. Nothing
here asserts a latency: a normal request that is not answered within a
generous client timeout is the failure, and a cut-off is awaited for far
longer than its deadline. ``benchmarks/slow_clients.py`` measures latencies.
"""

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from mogan.api import app as api_app
from mogan.cmd import wsgi_server
from tests.conftest import ADMIN

WORKERS = 2
# NOTE: far more than any deadline below; only a server that never cuts a
# client off, or never answers, runs into these.
CLIENT_TIMEOUT = 10.0
CUT_OFF_WAIT = 20.0
DRIP_INTERVAL = 0.2
REQUEST_LINE = b"GET /v1/flavors HTTP/1.1\r\nHost: mogan.test\r\n"


class Trickler:
    """A client sending its request a byte at a time, until the server hangs up."""

    def __init__(self, address: tuple[str, int], head: bytes, drip: bytes) -> None:
        """Connect, send ``head``, then send ``drip`` every DRIP_INTERVAL."""
        self.sock = socket.create_connection(address, timeout=CLIENT_TIMEOUT)
        self.sock.sendall(head)
        self.drip = drip
        self.received = b""
        self.closed = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.sock.settimeout(DRIP_INTERVAL)
        while not self._stop.is_set():
            try:
                self.sock.send(self.drip)
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            self.received += data
        self.closed.set()

    def stop(self) -> None:
        """Stop sending and close the connection."""
        self._stop.set()
        self._thread.join(timeout=CLIENT_TIMEOUT)
        self.sock.close()


def _serve(app, limits: wsgi_server.Limits) -> Iterator[tuple[str, int]]:
    server = wsgi_server.Server(app, wsgi_server.bind("127.0.0.1", 0), limits)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"handle_signals": False}, daemon=True
    )
    thread.start()
    try:
        yield server.address
    finally:
        server.stop()
        thread.join(timeout=30)
        assert not thread.is_alive(), "the server did not stop"


@pytest.fixture
def serve(conf, database):
    """Serve the API with given limits; yields a function returning the address."""
    app = api_app.create_app(conf, database)
    with contextlib.ExitStack() as stack:

        def start(**limits: float) -> tuple[str, int]:
            return stack.enter_context(
                contextlib.contextmanager(_serve)(
                    app, wsgi_server.Limits(threads=WORKERS, **limits)
                )
            )

        yield start


@pytest.fixture
def tricklers() -> Iterator[list[Trickler]]:
    """Tricklers a test opens; all are stopped at teardown."""
    opened: list[Trickler] = []
    yield opened
    for t in opened:
        t.stop()


def _get_flavors(address: tuple[str, int]) -> httpx.Response:
    host, port = address
    return httpx.get(
        f"http://{host}:{port}/v1/flavors",
        headers=ADMIN.headers,
        timeout=CLIENT_TIMEOUT,
    )


def _timeout_error(trickler: Trickler) -> dict[str, str]:
    """The 408 error body the server sent before hanging up."""
    head, _, body = trickler.received.partition(b"\r\n\r\n")
    assert head.split(b" ")[1:2] == [b"408"], trickler.received
    return dict(json.loads(body))


class TestSlowClients:
    def test_more_tricklers_than_workers_do_not_stop_requests(self, serve, tricklers):
        """Requests are answered while 3x api_workers connections trickle headers."""
        # NOTE: deadlines longer than the test: answering must not depend on
        # cutting the tricklers off.
        address = serve(header_timeout=120, idle_timeout=120)
        for _ in range(3 * WORKERS):
            tricklers.append(Trickler(address, REQUEST_LINE, b"X"))
        for _ in range(3):
            assert _get_flavors(address).status_code == 200
        assert not any(t.closed.is_set() for t in tricklers)

    def test_trickled_headers_are_cut_off_at_the_deadline(self, serve, tricklers):
        """A byte a second keeps no connection open past client_header_timeout."""
        address = serve(header_timeout=1)
        trickler = Trickler(address, REQUEST_LINE + b"X-Slow: ", b"a")
        tricklers.append(trickler)
        assert trickler.closed.wait(CUT_OFF_WAIT), "the trickler was never cut off"
        assert _timeout_error(trickler)["code"] == "mogan.http_408"

    def test_trickled_body_is_cut_off_at_the_deadline(self, serve, tricklers):
        """A body arriving a byte at a time is cut off at client_body_timeout."""
        address = serve(body_timeout=1)
        head = (
            b"POST /v1/keypairs HTTP/1.1\r\nHost: mogan.test\r\n"
            b"Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n"
        )
        trickler = Trickler(address, head, b" ")
        tricklers.append(trickler)
        assert trickler.closed.wait(CUT_OFF_WAIT), "the slow body was never cut off"
        error = _timeout_error(trickler)
        assert error["code"] == "mogan.http_408"
        assert "body" in error["error_message"]

    def test_idle_keep_alive_connections_do_not_block_others(self, serve):
        """Keep-alive connections gone silent, even mid-request, hold no worker."""
        address = serve(header_timeout=120, idle_timeout=120)
        idle = []
        try:
            for number in range(3 * WORKERS):
                sock = socket.create_connection(address, timeout=CLIENT_TIMEOUT)
                idle.append(sock)
                sock.sendall(REQUEST_LINE + b"\r\n")
                assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
                if number % 2:
                    # NOTE: the start of a next request, then silence.
                    sock.sendall(b"GET /v1/flav")
            assert _get_flavors(address).status_code == 200
        finally:
            for sock in idle:
                sock.close()


class TestConnectionsAndStop:
    def test_connections_beyond_the_bound_wait_their_turn(self, serve, caplog):
        """Past max_connections the server stops accepting, and resumes after."""
        caplog.set_level(logging.INFO, logger="waitress")
        address = serve(max_connections=16, idle_timeout=120)
        held = [
            socket.create_connection(address, timeout=CLIENT_TIMEOUT) for _ in range(16)
        ]
        try:
            deadline = time.monotonic() + CUT_OFF_WAIT
            while "reached the connection limit" not in caplog.text:
                assert time.monotonic() < deadline, "no connection limit reached"
                time.sleep(DRIP_INTERVAL)
        finally:
            for sock in held:
                sock.close()
        assert _get_flavors(address).status_code == 200

    def test_stop_lets_requests_in_progress_finish(self):
        """A stop waits for the request being served, then refuses new ones."""
        entered = threading.Event()
        release = threading.Event()

        def slow_app(environ, start_response):
            entered.set()
            release.wait(CLIENT_TIMEOUT)
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"done"]

        server = wsgi_server.Server(
            slow_app, wsgi_server.bind("127.0.0.1", 0), wsgi_server.Limits(threads=1)
        )
        serving = threading.Thread(
            target=server.serve_forever, kwargs={"handle_signals": False}
        )
        serving.start()
        host, port = server.address
        answers: list[httpx.Response] = []
        asking = threading.Thread(
            target=lambda: answers.append(
                httpx.get(f"http://{host}:{port}/", timeout=CLIENT_TIMEOUT)
            )
        )
        asking.start()
        assert entered.wait(CLIENT_TIMEOUT)
        server.stop()
        release.set()
        asking.join(CLIENT_TIMEOUT)
        serving.join(CLIENT_TIMEOUT)
        assert not serving.is_alive()
        assert [(r.status_code, r.text) for r in answers] == [(200, "done")]
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://{host}:{port}/", timeout=CLIENT_TIMEOUT)
