"""The Ironic client: keystoneauth options, microversions, retries and errors.

Against the real Ironic wherever it can show the behaviour (auth ``none`` and
``http_basic``, a node locked by another conductor, the negotiated version);
an unreachable or silent port for connection failures and timeouts; and a
scripted HTTP server only for what a healthy Ironic cannot be made to do on
demand (an old API version, 5xx answers).
"""

import http.server
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from mogan.drivers import base, ironic_client
from mogan.drivers import ironic as ironic_module
from tests.conftest import unavailable
from tests.ironic import support
from tests.ironic.fixtures import make_conf

SERVICES = pytest.mark.services


def client_for(tmp_path, **options) -> tuple[ironic_client.IronicClient, list]:
    """A client from ``[ironic]`` options; the list records its retry sleeps."""
    conf = make_conf(tmp_path, **({"api_retry_interval": 0.01} | options))
    client = ironic_module.load_client(conf)
    sleeps: list[float] = []
    client.sleep = sleeps.append
    return client, sleeps


# ---------------------------------------------------------------- a scripted Ironic


class Scripted(http.server.ThreadingHTTPServer):
    """An HTTP server answering from a script: ``{(method, path): [replies]}``.

    A reply is ``(status, body)``; the last reply of a list repeats. Every
    request is recorded as ``(method, path, headers)``.
    """

    def __init__(self, script: dict[tuple[str, str], list[tuple[int, object]]]):
        """Listen on a free loopback port."""
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.seen: list[tuple[str, str, dict[str, str]]] = []

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Scripted

    def _reply(self) -> None:
        path = self.path.split("?")[0]
        self.server.seen.append((self.command, path, dict(self.headers)))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        replies = self.server.script.get((self.command, path)) or [(404, {})]
        status, body = replies.pop(0) if len(replies) > 1 else replies[0]
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # NOTE: http.server dispatches on these names.
    do_GET = do_PUT = do_PATCH = do_POST = do_DELETE = _reply  # noqa: N815

    def log_message(self, *args) -> None:
        """Quiet."""


def root(newest: str, oldest: str = "1.1") -> tuple[int, object]:
    """Ironic's root document advertising ``oldest`` to ``newest``."""
    version = {"id": "v1", "version": newest, "min_version": oldest}
    return 200, {"default_version": version, "versions": [version]}


def error(status: int, message: str) -> tuple[int, object]:
    """An Ironic error body (``error_message`` holds a JSON string)."""
    return status, {"error_message": json.dumps({"faultstring": message})}


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    """A scripted server on loopback, shut down after the test."""
    server = Scripted({("GET", "/"): [root("1.115")]})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------- versions


class TestMicroversion:
    @SERVICES
    def test_negotiated_with_the_real_ironic(self, ironic, tmp_path):
        """Ironic 39 offers 1.115: the driver settles on its newest, 1.83."""
        client, _ = client_for(tmp_path, auth_type="none", endpoint_override=ironic.url)
        assert client.version == ironic_client.MAX_VERSION == (1, 83)
        assert (
            client.request("GET", "/v1/nodes", params={"limit": 1})["nodes"] is not None
        )

    def test_sent_on_every_request(self, scripted, tmp_path):
        """The negotiated version goes in X-OpenStack-Ironic-API-Version."""
        scripted.script[("GET", "/v1/nodes")] = [(200, {"nodes": []})]
        client, _ = client_for(
            tmp_path, auth_type="none", endpoint_override=scripted.url + "/v1/"
        )
        client.request("GET", "/v1/nodes")
        client.request("GET", "/v1/nodes")
        calls = [(m, p) for m, p, _ in scripted.seen]
        assert calls == [("GET", "/"), ("GET", "/v1/nodes"), ("GET", "/v1/nodes")]
        assert {
            h.get("X-OpenStack-Ironic-API-Version") for _, _, h in scripted.seen[1:]
        } == {"1.83"}

    def test_an_older_ironic_gets_its_own_newest(self, scripted, tmp_path):
        """An Ironic offering up to 1.60 is spoken to at 1.60 (no ``retired``)."""
        scripted.script[("GET", "/")] = [root("1.60")]
        scripted.script[("GET", "/v1/nodes")] = [(200, {"nodes": []})]
        scripted.script[("GET", "/v1/ports")] = [(200, {"ports": []})]
        conf = make_conf(tmp_path, auth_type="none", endpoint_override=scripted.url)
        assert ironic_module.IronicDriver(conf).list_nodes() == []
        _, _, headers = scripted.seen[-1]
        assert headers["X-OpenStack-Ironic-API-Version"] == "1.60"

    @pytest.mark.parametrize(("newest", "oldest"), [("1.45", "1.1"), ("2.10", "1.90")])
    def test_an_ironic_outside_the_range_is_refused(
        self, scripted, tmp_path, newest, oldest
    ):
        """Older than 1.46, or no longer offering 1.83: a DriverError saying so."""
        scripted.script[("GET", "/")] = [root(newest, oldest)]
        client, _ = client_for(
            tmp_path, auth_type="none", endpoint_override=scripted.url
        )
        with pytest.raises(base.DriverError, match=rf"{newest}.*needs 1\.46 to 1\.83"):
            client.request("GET", "/v1/nodes")


# ---------------------------------------------------------------- auth


class TestAuth:
    def test_no_endpoint_is_a_driver_error(self, tmp_path):
        """Auth none without endpoint_override has nowhere to go."""
        client, _ = client_for(tmp_path, auth_type="none")
        with pytest.raises(base.DriverError, match="endpoint"):
            client.request("GET", "/v1/nodes")

    @SERVICES
    def test_http_basic(self, tmp_path):
        """An Ironic with http_basic: right credentials list nodes, wrong get 401."""
        try:
            basic = support.Ironic(tmp_path / "basic", http_basic=("mogan", "s3cret"))
            basic.start()
        except support.IronicUnavailable as err:
            unavailable("Ironic (http_basic)", err)
        try:
            node_uuid = basic.enroll()
            conf = make_conf(
                tmp_path,
                auth_type="http_basic",
                endpoint=basic.url,
                username="mogan",
                password="s3cret",
            )
            driver = ironic_module.IronicDriver(conf)
            assert [n.uuid for n in driver.list_nodes()] == [node_uuid]
            (tmp_path / "wrong").mkdir()
            wrong = make_conf(
                tmp_path / "wrong",
                auth_type="http_basic",
                endpoint=basic.url,
                username="mogan",
                password="guess",
            )
            with pytest.raises(base.DriverError, match="401"):
                ironic_module.IronicDriver(wrong).list_nodes()
        finally:
            basic.stop()


# ---------------------------------------------------------------- retries and errors


@SERVICES
class TestLockedNodes:
    def test_locked_node_retries_then_raises_node_locked(self, ironic, tmp_path):
        """A node another conductor holds: retried with backoff, then NodeLocked."""
        node_uuid = ironic.enroll()
        client, sleeps = client_for(
            tmp_path, auth_type="none", endpoint_override=ironic.url, api_max_retries=3
        )
        driver = ironic_module.IronicDriver(make_conf(tmp_path), client=client)
        with ironic.locked(node_uuid), pytest.raises(base.NodeLocked, match="locked"):
            driver.start_power(node_uuid, "off")
        assert sleeps == [0.01, 0.02, 0.04]
        assert ironic.node(node_uuid)["power_state"] == "power on"

    def test_lock_released_during_the_retries(self, ironic, tmp_path):
        """When the other conductor lets go in time, the call succeeds."""
        node_uuid = ironic.enroll()
        client, _ = client_for(
            tmp_path,
            auth_type="none",
            endpoint_override=ironic.url,
            api_max_retries=6,
            api_retry_interval=0.05,
        )
        client.sleep = time.sleep
        driver = ironic_module.IronicDriver(make_conf(tmp_path), client=client)
        with ironic.locked(node_uuid):
            release = threading.Timer(0.3, ironic._set_reservation, (node_uuid, None))
            release.start()
            driver.start_power(node_uuid, "off")
        release.join()
        ironic.wait(node_uuid, "power_state", "power off")

    def test_reservation_conflict_is_not_a_lock(self, ironic, ironic_driver):
        """409 for a node another server holds is a DriverError, not NodeLocked."""
        node_uuid = ironic.enroll()
        ironic.call(
            "PATCH",
            f"/v1/nodes/{node_uuid}",
            [{"op": "add", "path": "/instance_uuid", "value": str(uuid.uuid4())}],
        )
        client = ironic_driver.client
        with pytest.raises(base.DriverError, match="409") as err:
            client.request(
                "PATCH",
                f"/v1/nodes/{node_uuid}",
                [{"op": "add", "path": "/instance_uuid", "value": str(uuid.uuid4())}],
                node=node_uuid,
            )
        assert not isinstance(err.value, base.NodeLocked)


def closed_port() -> int:
    """A loopback port nothing listens on."""
    return support.free_port()


class TestUnreachable:
    def test_unreachable_read_is_retried_then_a_driver_error(self, tmp_path):
        """Connection refused: reads retried, then DriverError naming Ironic."""
        url = f"http://127.0.0.1:{closed_port()}"
        client, sleeps = client_for(tmp_path, auth_type="none", endpoint_override=url)
        with pytest.raises(base.DriverError, match="Ironic unreachable"):
            client.request("GET", "/v1/nodes")
        assert len(sleeps) == 3

    def test_unreachable_driver_calls_are_driver_errors(self, tmp_path):
        """Every driver entry point turns an unreachable Ironic into DriverError."""
        url = f"http://127.0.0.1:{closed_port()}"
        conf = make_conf(
            tmp_path, auth_type="none", endpoint_override=url, api_retry_interval=0
        )
        driver = ironic_module.IronicDriver(conf)
        for call in (driver.list_nodes, lambda: driver.get_node(str(uuid.uuid4()))):
            with pytest.raises(base.DriverError, match="unreachable"):
                call()

    def test_timeout(self, tmp_path):
        """An Ironic that accepts but never answers times out ([ironic] timeout)."""
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        try:
            url = f"http://127.0.0.1:{silent.getsockname()[1]}"
            client, sleeps = client_for(
                tmp_path,
                auth_type="none",
                endpoint_override=url,
                timeout=0.3,
                api_max_retries=1,
            )
            started = time.monotonic()
            with pytest.raises(base.DriverError, match="timed out"):
                client.request("GET", "/v1/nodes")
            assert time.monotonic() - started < 5
            assert sleeps == [0.01]
        finally:
            silent.close()


class TestServerErrors:
    def test_5xx_on_a_read_is_retried(self, scripted, tmp_path):
        """A read answered 503 is retried and succeeds on the next answer."""
        scripted.script[("GET", "/v1/nodes")] = [
            error(503, "busy"),
            error(500, "database is locked"),
            (200, {"nodes": []}),
        ]
        client, sleeps = client_for(
            tmp_path, auth_type="none", endpoint_override=scripted.url
        )
        assert client.request("GET", "/v1/nodes") == {"nodes": []}
        assert sleeps == [0.01, 0.02]

    def test_5xx_on_a_write_is_not_retried(self, scripted, tmp_path):
        """A PUT answered 500 may have been applied: no retry, Ironic's message."""
        path = "/v1/nodes/n1/states/provision"
        scripted.script[("PUT", path)] = [error(500, "conductor exploded")]
        client, sleeps = client_for(
            tmp_path, auth_type="none", endpoint_override=scripted.url
        )
        with pytest.raises(base.DriverError, match="HTTP 500: conductor exploded"):
            client.request("PUT", path, {"target": "active"}, ok=(202,), node="n1")
        assert sleeps == []
        assert [m for m, p, _ in scripted.seen if p == path] == ["PUT"]

    @SERVICES
    def test_404_on_a_node_is_node_not_found(self, ironic_driver):
        """Ironic's 404 for a node is NodeNotFound."""
        with pytest.raises(base.NodeNotFound):
            ironic_driver.client.request("GET", f"/v1/nodes/{uuid.uuid4()}", node="x")
