"""The resources the persona table (``policy_table``) acts on, made once.

``build_resources`` makes them through the API as the ``admin`` and
``member`` of a persona mapping, whatever presents those identities:
noauth headers (``tests.conftest.PERSONAS``) or real Keystone tokens
(``tests/keystone/test_policy_table.py``). What no request can make without
an engine (an active server, a node, a composition service) is written to
the database directly. It returns the placeholders ``policy_table.fill``
puts into the table's URLs and bodies.

``Snapshot`` keeps the database as built, so a module makes the resources
once and puts the file back after a test that may have written, instead
of making them again per test (one app, one ``Database``, per module).
"""

import dataclasses
import pathlib
import shutil
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

import httpx
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from mogan.db import models
from mogan.db import session as db_session
from mogan.db.api import node as node_db
from tests.functional.api.policy_table import KEY_NAME, LATEST


class Caller(Protocol):
    """Who makes a request: noauth headers or a Keystone token, and its identity."""

    @property
    def headers(self) -> dict[str, str]:
        """The request headers that present this identity."""

    @property
    def user_id(self) -> str:
        """The caller's user id."""

    @property
    def project_id(self) -> str | None:
        """The caller's project, if project-scoped."""


def ssh_public_key() -> str:
    """A fresh OpenSSH ed25519 public key line (cheap to make, unlike RSA)."""
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


def make_keypair(client: httpx.Client, persona: Caller, name: str) -> None:
    """Import a keypair called ``name`` for ``persona``."""
    resp = client.post(
        "/v1/keypairs",
        json={"name": name, "public_key": ssh_public_key()},
        headers=persona.headers,
    )
    assert resp.status_code == 201, resp.text


@dataclasses.dataclass
class Snapshot:
    """An SQLite database as built, put back under its live ``Database``.

    Attributes:
        database: the live database (the app's), on the file ``live``.
        live: the file it uses.
        built: the copy taken when the resources were made.
        dirty: whether a test may have written since the last restore.
    """

    database: db_session.Database
    live: pathlib.Path
    built: pathlib.Path
    dirty: bool = False

    @classmethod
    def take(cls, database: db_session.Database, live: pathlib.Path) -> "Snapshot":
        """Copy ``live`` as it is now (``database``'s connections closed)."""
        # NOTE: closing every connection checkpoints the WAL into the file.
        database.dispose()
        built = live.with_name(f"built-{live.name}")
        shutil.copyfile(live, built)
        return cls(database, live, built)

    def restore(self) -> None:
        """Put the database back as built, if a test may have written (a copy)."""
        if not self.dirty:
            return
        # NOTE: no connection may keep the old file (or its WAL) open.
        self.database.dispose()
        for suffix in ("-wal", "-shm"):
            pathlib.Path(f"{self.live}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.built, self.live)
        self.dirty = False


def _created(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


def build_resources(
    client: httpx.Client,
    personas: Mapping[str, Caller],
    database: db_session.Database,
) -> dict[str, str]:
    """The resources the table acts on, made as ``personas``; the placeholders.

    Uses ``personas["admin"]`` for what only an admin may make and
    ``personas["member"]`` for what ``{project_a}`` owns; ``database`` for
    what no request can make without an engine (an active server, a node,
    a composition service).
    """
    # NOTE: the microversion only where the resource needs it, as a client
    # of each would send.
    admin = personas["admin"].headers
    admin_latest = {**admin, **LATEST}
    member = personas["member"]
    project_a = member.project_id
    project_b = personas["other"].project_id
    assert project_a is not None
    assert project_b is not None

    def post(url: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
        return _created(client.post(url, json=body, headers=headers))

    flavor = {"description": "a test flavor", "resources": {"CUSTOM_BAREMETAL_GOLD": 1}}
    public = post("/v1/flavors", {**flavor, "name": "bm.public"}, admin)
    private = post(
        "/v1/flavors", {**flavor, "name": "bm.private", "is_public": False}, admin
    )
    resp = client.post(
        f"/v1/flavors/{private['uuid']}/access",
        json={"tenant_id": project_a},
        headers=admin,
    )
    assert resp.status_code == 204, resp.text
    hw_private = post(
        "/v1/hardware_profiles",
        {"name": "hw-private", "is_public": False},
        admin_latest,
    )
    resp = client.post(
        f"/v1/hardware_profiles/{hw_private['uuid']}/access",
        json={"tenant_id": project_a},
        headers=admin_latest,
    )
    assert resp.status_code == 204, resp.text
    make_keypair(client, member, KEY_NAME)
    image = post(
        "/v1/images",
        {
            "name": "project-a-image",
            "url": "http://images.test/a.qcow2",
            "disk_format": "qcow2",
            "visibility": "private",
            "owner": project_a,
        },
        admin,
    )
    network = post(
        "/v1/networks",
        {
            "name": "project-a-net",
            "cidr": "10.8.0.0/24",
            "shared": False,
            "project_id": project_a,
        },
        admin,
    )
    public_image = post(
        "/v1/images",
        {"name": "pub", "url": "http://images.test/p.raw", "disk_format": "raw"},
        admin,
    )
    shared = post("/v1/networks", {"name": "shared", "cidr": "10.7.0.0/24"}, admin)
    server_resp = client.post(
        "/v1/servers",
        json={
            "server": {
                "name": "member-server",
                "flavor_uuid": public["uuid"],
                "image_uuid": public_image["uuid"],
                "networks": [{"net_id": shared["uuid"]}],
            }
        },
        headers=member.headers,
    )
    server = _created(server_resp)
    # NOTE: no engine runs here; make the server active as a finished build would.
    with database.transaction() as session:
        session.execute(
            sa.update(models.Server)
            .where(models.Server.uuid == server["uuid"])
            .values(status="active", power_state="power on")
        )
    aggregate = post("/v1/aggregates", {"name": "policy-agg"}, admin)
    composition = str(uuid.uuid4())
    with database.transaction() as session:
        node_db.create(
            session,
            {
                "uuid": str(uuid.uuid4()),
                "name": "policy-node",
                "driver": "fake",
                "resource_class": "gold",
            },
        )
    with database.transaction() as session:
        session.add(
            models.CompositionService(
                uuid=composition,
                name="policy-composer",
                address="https://composer",
                verify_tls=True,
            )
        )
    group = post(
        "/v1/server_groups",
        {"name": "member-group", "policies": ["affinity"]},
        member.headers,
    )
    external = post(
        "/v1/networks",
        {"name": "public", "cidr": "172.24.4.0/24", "external": True},
        admin_latest,
    )
    floating = _created(
        client.post(
            f"/v1/networks/{external['uuid']}/floating_ips",
            headers={**member.headers, **LATEST},
        )
    )
    return {
        "external_network": external["uuid"],
        "floating": floating["uuid"],
        "floating_address": floating["address"],
        "any_port": str(uuid.uuid4()),
        "aggregate": aggregate["uuid"],
        "node": "policy-node",
        "composition": composition,
        "group": group["uuid"],
        "server": server["uuid"],
        "request": server_resp.headers["x-openstack-request-id"],
        "public_image": public_image["uuid"],
        "shared_network": shared["uuid"],
        "private_image": image["uuid"],
        "private_network": network["uuid"],
        "public": public["uuid"],
        "private": private["uuid"],
        "hw_private": hw_private["uuid"],
        "member": member.user_id,
        "project_a": project_a,
        "project_b": project_b,
        "public_key": ssh_public_key(),
    }
