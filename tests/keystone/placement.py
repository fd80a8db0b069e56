"""A real Placement in a process of its own, behind this process's Keystone.

The embedded Placement (``mogan.placement.embedded``) runs with ``noauth2``
and a process holds only one Placement configuration, so Placement's own
policy is never exercised there. Here Placement runs as a separate child
process (``placement_server.py``, with the test interpreter, where
openstack-placement and cheroot are installed) with ``[api] auth_strategy
= keystone``: its keystonemiddleware validates tokens with the test
Keystone (as a ``placement`` user holding ``service`` in the ``service``
project, as a cloud sets it up) and Placement's default policy decides.
Its SQLite database is created and migrated when it starts
(``sync_on_startup``), so no ``placement-manage`` run is needed.

``shared()`` keeps one per test process (``children.PerProcess``), stopped
at exit; a test lists it in the catalog (``catalog.registered``) for as
long as it needs it. ``as_admin`` reads it back as a project-scoped admin
(Placement's rules take project-scoped tokens only).

What must not live here: pytest, anything of Mogan.
"""

import os
import pathlib
import sys
import uuid
from typing import Any

import httpx

from tests import children
from tests.keystone import support

START_TIMEOUT = 60.0
HTTP_TIMEOUT = 30.0
OK = 200
# NOTE: the version Mogan's client speaks (mogan.placement.client).
MICROVERSION = "placement 1.37"
LAUNCHER = pathlib.Path(__file__).with_name("placement_server.py")

CONF = """\
[DEFAULT]
log_file = {state}/placement.log
[api]
auth_strategy = keystone
[placement_database]
connection = sqlite:///{state}/placement.sqlite
# NOTE: migrate the empty database when the app is built (what
# placement-manage db sync does, without another process start).
sync_on_startup = true
[keystone_authtoken]
{authtoken}
"""


class PlacementUnavailable(Exception):
    """Placement could not be started here."""


class RemotePlacement:
    """One Placement process on its own port, database and state directory."""

    def __init__(
        self,
        state: pathlib.Path,
        keystone: support.Keystone,
        port: int | None = None,
    ) -> None:
        """Write Placement's configuration in ``state``; nothing runs yet.

        Creates Placement's own service user (``service`` role in the
        ``service`` project) for its keystonemiddleware.
        """
        self.keystone = keystone
        self.state = state
        self.port = port or children.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.started_in: float | None = None
        project = keystone.service_user()["project_id"]
        user = keystone.create_user(f"placement-{uuid.uuid4().hex[:8]}")
        keystone.assign(user, "service", project=project)
        authtoken = {
            **keystone.authtoken_options(),
            "username": user.name,
            "password": user.password,
        }
        state.mkdir(parents=True, exist_ok=True)
        (state / "placement.conf").write_text(
            CONF.format(
                state=state,
                authtoken="\n".join(f"{k} = {v}" for k, v in authtoken.items()),
            )
        )
        self.process = children.Process(
            state, ("server.stderr", "placement.log"), PlacementUnavailable, "Placement"
        )
        self.http = httpx.Client(base_url=self.url, timeout=HTTP_TIMEOUT)

    def start(self, timeout: float = START_TIMEOUT) -> float:
        """Start the process and wait for Placement's root; the seconds it took.

        Raises:
            PlacementUnavailable: it exited or did not answer in time.
        """
        # NOTE: -P: the launcher's directory is not put on sys.path, where
        # this module would hide the ``placement`` package.
        self.process.spawn(
            [sys.executable, "-P", str(LAUNCHER), str(self.state), str(self.port)],
            dict(os.environ),
            cwd=self.state,
        )
        self.started_in = self.process.wait(
            lambda: self.http.get("/", timeout=2).status_code == OK, timeout
        )
        return self.started_in

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL); close the client."""
        self.process.stop()
        self.http.close()

    def log_tail(self, size: int = 3000) -> str:
        """The end of the server's stderr and Placement's log."""
        return self.process.log_tail(size)

    def admin_token(self) -> str:
        """The bootstrap admin's token on the ``admin`` project (cached)."""
        return self.keystone.admin_project_token()

    def request(self, method: str, path: str, token: str) -> httpx.Response:
        """``method path`` with ``token`` at Mogan's microversion."""
        return self.http.request(
            method,
            path,
            headers={"X-Auth-Token": token, "OpenStack-API-Version": MICROVERSION},
        )

    def as_admin(self, path: str) -> Any:
        """``GET path`` as the project-scoped admin; the decoded body.

        Raises:
            AssertionError: Placement did not answer 200.
        """
        resp = self.request("GET", path, self.admin_token())
        if resp.status_code != OK:
            msg = f"GET {path}: {resp.status_code} {resp.text[:500]}"
            raise AssertionError(msg)
        return resp.json()


_SHARED: children.PerProcess[RemotePlacement] = children.PerProcess(
    (PlacementUnavailable, support.KeystoneUnavailable)
)


def shared(keystone: support.Keystone) -> RemotePlacement:
    """This process's Keystone-protected Placement, started on first use.

    Raises:
        PlacementUnavailable: it cannot be started (tried once per process).
    """
    return _SHARED.get(
        "placement-keystone",
        lambda state: RemotePlacement(state, keystone),
        RemotePlacement.start,
        RemotePlacement.stop,
    )
