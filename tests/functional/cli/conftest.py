"""Fixtures for the CLI tests: ``mogan`` in-process against the real app.

``mogan_cli.shell.main`` runs with ``httpx.WSGITransport`` over the app from
``tests/conftest.py``, so every command goes CLI -> library -> WSGI -> real
routes -> SQLite with no sockets. The one network peer the CLI has besides
Mogan, Keystone, is faked by a tiny HTTP server on loopback.
"""

import dataclasses
import http.server
import json
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mogan_cli import shell
from tests.conftest import ADMIN, Persona

ENDPOINT = "http://mogan.test"
TOKEN = "fake-keystone-token"


@dataclasses.dataclass
class Result:
    """What one ``mogan`` run returned and printed."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """Standard output parsed as JSON."""
        return json.loads(self.out)


def identity(persona: Persona) -> list[str]:
    """The noauth identity options that make the CLI act as ``persona``."""
    return [
        "--os-user-id",
        persona.user_id,
        "--os-project-id",
        persona.project_id,
        "--os-roles",
        persona.headers["X-Roles"],
    ]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """No ``OS_*`` variable or ./clouds.yaml from the machine leaks in."""
    for key in list(os.environ):
        if key.startswith("OS_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


class Recorder:
    """WSGI middleware keeping the headers of every request it passes on."""

    def __init__(self, app: Callable[..., Any]) -> None:
        """Wrap ``app``."""
        self.app = app
        self.requests: list[dict[str, str]] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        """Record the request's HTTP headers, path and host, then pass it on."""
        seen = {k: str(v) for k, v in environ.items() if k.startswith("HTTP_")}
        seen["PATH_INFO"] = environ.get("PATH_INFO", "")
        self.requests.append(seen)
        return self.app(environ, start_response)


@pytest.fixture
def recorder(app) -> Recorder:
    """The app wrapped in a :class:`Recorder`."""
    return Recorder(app)


@pytest.fixture
def run(recorder: Recorder, capsys: pytest.CaptureFixture[str]):
    """Run ``mogan`` with exactly the given arguments; return a :class:`Result`."""

    def run_(*args: str, transport: httpx.BaseTransport | None = None) -> Result:
        capsys.readouterr()
        code = shell.main(
            list(args), transport=transport or httpx.WSGITransport(app=recorder)
        )
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run_


@pytest.fixture
def mogan(run):
    """Run ``mogan`` at the test endpoint as a persona (admin by default)."""

    def mogan_(*args: str, persona: Persona = ADMIN) -> Result:
        return run("--os-endpoint", ENDPOINT, *identity(persona), *args)

    return mogan_


# ---------------------------------------------------------------- Keystone


class FakeKeystone:
    """Enough of Keystone v3 for keystoneauth: discovery and token issue.

    Attributes:
        url: the identity endpoint (``.../v3``).
        catalog: the service catalog handed out with tokens.
        token_requests: the bodies of ``POST /v3/auth/tokens`` received.
        reject: when true, token requests are refused with 401.
    """

    def __init__(self) -> None:
        """Start serving on a free loopback port."""
        self.catalog: list[dict[str, Any]] = [
            {
                "id": "mogan-service",
                "type": "baremetal-compute",
                "name": "mogan",
                "endpoints": [
                    {
                        "id": "mogan-public",
                        "interface": "public",
                        "region": "RegionOne",
                        "region_id": "RegionOne",
                        "url": ENDPOINT + "/",
                    }
                ],
            }
        ]
        self.token_requests: list[dict[str, Any]] = []
        self.reject = False
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v3"
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.01},
            daemon=True,
        )
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def discovery(self) -> dict[str, Any]:
        """The ``GET /v3`` version document."""
        return {
            "version": {
                "id": "v3.14",
                "status": "stable",
                "updated": "2020-04-07T00:00:00Z",
                "links": [{"rel": "self", "href": self.url + "/"}],
                "media-types": [
                    {
                        "base": "application/json",
                        "type": "application/vnd.openstack.identity-v3+json",
                    }
                ],
            }
        }

    def token(self) -> dict[str, Any]:
        """A project-scoped token body with the catalog."""
        domain = {"id": "default", "name": "Default"}
        return {
            "token": {
                "methods": ["password"],
                "expires_at": "2099-01-01T00:00:00.000000Z",
                "issued_at": "2024-01-01T00:00:00.000000Z",
                "user": {"id": "alice-id", "name": "alice", "domain": domain},
                "project": {"id": "project-a", "name": "demo", "domain": domain},
                "roles": [{"id": "member-id", "name": "member"}],
                "catalog": self.catalog,
            }
        }

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        keystone = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _send(self, status: int, body: Any, headers=()) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._send(200, keystone.discovery())

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                keystone.token_requests.append(json.loads(self.rfile.read(length)))
                if keystone.reject:
                    error = {"code": 401, "title": "Unauthorized", "message": "nope"}
                    self._send(401, {"error": error})
                    return
                self._send(201, keystone.token(), [("X-Subject-Token", TOKEN)])

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                del format, args

        return Handler


@pytest.fixture
def keystone() -> Iterator[FakeKeystone]:
    """A fake Keystone on loopback."""
    fake = FakeKeystone()
    yield fake
    fake.close()


@pytest.fixture
def gold(mogan) -> dict:
    """A public flavor named gold, as the CLI shows it in JSON."""
    result = mogan(
        "flavor", "create", "gold", "--resource", "CUSTOM_GOLD=1", "-f", "json"
    )
    assert result.code == 0, result.err
    return dict(result.json())


@pytest.fixture
def secret(mogan) -> dict:
    """A private flavor named secret."""
    result = mogan(
        "flavor",
        "create",
        "secret",
        "--resource",
        "CUSTOM_SECRET=1",
        "--private",
        "-f",
        "json",
    )
    assert result.code == 0, result.err
    return dict(result.json())
