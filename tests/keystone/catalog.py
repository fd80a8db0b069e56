"""Services in a real Keystone's catalog, and peers served behind it on loopback.

Tests of catalog discovery need a service listed in the catalog of the
process's Keystone (``support.shared``) at a URL that answers. Here:

- ``registered``: a service of a given type with one endpoint per interface,
  removed again (service and endpoints) when the block ends, so tests of
  one process do not see each other's entries;
- ``Served``: a WSGI app on a loopback port (cheroot, in a thread), for an
  in-process peer such as the embedded Placement;
- ``behind_keystone``: that app behind real keystonemiddleware validating
  tokens with the Keystone, with a ``Recorder`` inside that keeps the
  identity keystonemiddleware found in each token (so a test can say who a
  peer saw calling);
- ``service_section``: the keystoneauth options a Mogan section
  (``[placement]``, ``[ironic]`` ...) needs to act as the ``mogan``
  service user and find its peer in the catalog.

What must not live here: pytest, and anything of Mogan (tests check Mogan
against this).
"""

import contextlib
import dataclasses
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cheroot import wsgi

from tests.keystone import support

CREATED = 201
NO_CONTENT = 204
# NOTE: what keystonemiddleware puts in the environ for a valid token.
IDENTITY_KEYS = {
    "HTTP_X_USER_NAME": "user",
    "HTTP_X_PROJECT_NAME": "project",
    "HTTP_X_ROLES": "roles",
    "HTTP_X_IDENTITY_STATUS": "status",
}


def unregister(keystone: support.Keystone, service_id: str) -> None:
    """Remove a service and its endpoints from the catalog."""
    listed = keystone.call("GET", f"/endpoints?service_id={service_id}")
    for endpoint in listed["endpoints"]:
        keystone.call("DELETE", f"/endpoints/{endpoint['id']}", ok=NO_CONTENT)
    keystone.call("DELETE", f"/services/{service_id}", ok=NO_CONTENT)


@contextlib.contextmanager
def registered(
    keystone: support.Keystone, service_type: str, endpoints: Mapping[str, str]
) -> Iterator[str]:
    """``register`` for the duration of the block; yields the service id."""
    service_id = keystone.register(service_type, f"{service_type}-test", endpoints)
    try:
        yield service_id
    finally:
        unregister(keystone, service_id)


def service_section(keystone: support.Keystone, **extra: str) -> dict[str, str]:
    """The keystoneauth options of the ``mogan`` service user of ``keystone``.

    No endpoint: it comes from the catalog (``public`` unless ``extra``
    says otherwise).
    """
    user = keystone.service_user()
    return {
        "auth_type": "password",
        "auth_url": keystone.url,
        "username": user["username"],
        "password": user["password"],
        "project_name": user["project_name"],
        "user_domain_id": "default",
        "project_domain_id": "default",
        "region_name": support.REGION,
        "valid_interfaces": "public",
        "timeout": "10",
        **extra,
    }


class Recorder:
    """WSGI middleware keeping the identity keystonemiddleware found per request.

    Attributes:
        seen: one dict per request: ``path`` and ``user``, ``project``,
            ``roles``, ``status`` as keystonemiddleware set them.
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        """Wrap ``app``."""
        self.app = app
        self.seen: list[dict[str, str]] = []

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Any:
        """Record who the request came from, then pass it on."""
        seen = {name: str(environ.get(key, "")) for key, name in IDENTITY_KEYS.items()}
        seen["path"] = str(environ.get("PATH_INFO", ""))
        self.seen.append(seen)
        return self.app(environ, start_response)


def behind_keystone(
    app: Callable[..., Any], keystone: support.Keystone
) -> tuple[Callable[..., Any], Recorder]:
    """``app`` behind keystonemiddleware on ``keystone``, and its recorder.

    keystonemiddleware validates every token with Keystone (as the
    ``mogan`` service user) and refuses a request without a valid one
    (401) before the app or the recorder sees it.
    """
    from keystonemiddleware import auth_token  # noqa: PLC0415 - only where used

    recorder = Recorder(app)
    options = dict(keystone.authtoken_options())
    # NOTE: keystonemiddleware logs a warning for every option it does not
    # know, and this one is for services that must see a service token.
    options.pop("service_token_roles_required", None)
    # NOTE: validate every request: a token revoked in Keystone is refused
    # at once instead of after the cache's five minutes.
    options["token_cache_time"] = "-1"
    return auth_token.AuthProtocol(recorder, options), recorder


@dataclasses.dataclass
class Served:
    """A WSGI app on a loopback port, served by cheroot in a thread."""

    url: str
    server: Any
    thread: threading.Thread

    @classmethod
    def start(cls, app: Callable[..., Any]) -> "Served":
        """Serve ``app`` on a free loopback port; returns once it listens."""
        server = wsgi.Server(
            ("127.0.0.1", 0), app, numthreads=4, server_name=uuid.uuid4().hex
        )
        # NOTE: how often the serving loop looks up from its select(); stop()
        # waits for that (half a second by default, per server).
        server.expiration_interval = 0.05
        server.prepare()
        thread = threading.Thread(target=server.serve, daemon=True)
        thread.start()
        return cls(f"http://127.0.0.1:{server.bind_addr[1]}", server, thread)

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self.server.stop()
        self.thread.join(timeout=5)
