"""Every protected route by every persona, through the real app and real policy.

``EXPECTED`` is the persona table: for each route in ``router.ROUTES`` that
is not public, the status each persona gets. A route missing from it fails
``test_table_covers_every_route``, so a new endpoint cannot ship without
stating who may call it.

The requests act on resources set up per test: a public flavor, a private
flavor shared with ``project-a`` (the project of ``member`` and ``reader``),
a keypair of ``member``, a private image, an unshared network and a server
group of ``project-a``, an aggregate and a node. Keypair requests name
``member`` as the owner (``user_id``), so the table also says who may act on
someone else's keys.
"""

import dataclasses
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from mogan import conf as mogan_conf
from mogan.api import app as api_app
from mogan.api import router
from mogan.db import models
from mogan.db.api import node as node_db
from tests.conftest import ADMIN, MEMBER, OTHER, PERSONAS, READER
from tests.factories import make_flavor

PERSONA_NAMES = (
    "admin",
    "member",
    "reader",
    "other",
    "no_project",
    "domain",
    "system_reader",
    "system_admin",
)
KEY_NAME = "member-key"
FORBIDDEN_CODES = {"mogan.forbidden", "mogan.project_scope_required"}


def ssh_public_key() -> str:
    """A fresh OpenSSH ed25519 public key line (cheap to make, unlike RSA)."""
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


# NOTE: every route exists at the newest microversion.
LATEST = {"OpenStack-API-Version": "baremetal-compute latest"}


@dataclasses.dataclass(frozen=True)
class Case:
    """How to call one route, and the status each persona must get."""

    url: str
    expected: dict[str, int]
    body: Any = None


def statuses(*by_persona: int) -> dict[str, int]:
    """Expected status per persona, in PERSONA_NAMES order.

    admin, member, reader, other (project personas), then no_project,
    domain, system_reader, system_admin (callers without a project).
    """
    return dict(zip(PERSONA_NAMES, by_persona, strict=True))


# NOTE: {public}, {private} and {member} are filled from the per-test
# resources; the private flavor is shared with project-a, so "other"
# (project-b) is told it does not exist (404) rather than refused.
# A caller without a project or with a domain scope gets 403 everywhere.
# The system reader reads everything (every project's servers, groups and
# keys, and the admin-only lists) and changes nothing; the system admin is
# the cloud admin, except that what a project owns (servers, server groups,
# keypairs) needs a project-scoped token to create (403).
EXPECTED: dict[tuple[str, str], Case] = {
    ("GET", "/v1/flavors"): Case(
        "/v1/flavors", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("POST", "/v1/flavors"): Case(
        "/v1/flavors",
        statuses(201, 403, 403, 403, 403, 403, 403, 201),
        {"name": "new", "resources": {"CUSTOM_GOLD": 1}},
    ),
    ("GET", "/v1/flavors/{flavor_uuid}"): Case(
        "/v1/flavors/{private}", statuses(200, 200, 200, 404, 403, 403, 200, 200)
    ),
    ("PATCH", "/v1/flavors/{flavor_uuid}"): Case(
        "/v1/flavors/{private}",
        statuses(200, 403, 403, 403, 403, 403, 403, 200),
        [{"op": "replace", "path": "/description", "value": "changed"}],
    ),
    # NOTE: the private flavor, since the member's server uses the public one.
    ("DELETE", "/v1/flavors/{flavor_uuid}"): Case(
        "/v1/flavors/{private}", statuses(204, 403, 403, 403, 403, 403, 403, 204)
    ),
    ("GET", "/v1/flavors/{flavor_uuid}/access"): Case(
        "/v1/flavors/{private}/access", statuses(200, 403, 403, 403, 403, 403, 200, 200)
    ),
    ("POST", "/v1/flavors/{flavor_uuid}/access"): Case(
        "/v1/flavors/{private}/access",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
        {"tenant_id": "project-b"},
    ),
    ("DELETE", "/v1/flavors/{flavor_uuid}/access/{tenant_id}"): Case(
        "/v1/flavors/{private}/access/project-a",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
    ),
    # NOTE: hardware profiles mirror flavors: {hw_private} is shared with
    # project-a.
    ("GET", "/v1/hardware_profiles"): Case(
        "/v1/hardware_profiles", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("POST", "/v1/hardware_profiles"): Case(
        "/v1/hardware_profiles",
        statuses(201, 403, 403, 403, 403, 403, 403, 201),
        {"name": "new-profile", "traits": ["CUSTOM_RAID"]},
    ),
    ("GET", "/v1/hardware_profiles/{profile}"): Case(
        "/v1/hardware_profiles/{hw_private}",
        statuses(200, 200, 200, 404, 403, 403, 200, 200),
    ),
    ("PATCH", "/v1/hardware_profiles/{profile}"): Case(
        "/v1/hardware_profiles/{hw_private}",
        statuses(200, 403, 403, 403, 403, 403, 403, 200),
        [{"op": "replace", "path": "/description", "value": "changed"}],
    ),
    ("DELETE", "/v1/hardware_profiles/{profile}"): Case(
        "/v1/hardware_profiles/{hw_private}",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
    ),
    ("GET", "/v1/hardware_profiles/{profile}/access"): Case(
        "/v1/hardware_profiles/{hw_private}/access",
        statuses(200, 403, 403, 403, 403, 403, 200, 200),
    ),
    ("POST", "/v1/hardware_profiles/{profile}/access"): Case(
        "/v1/hardware_profiles/{hw_private}/access",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
        {"tenant_id": "project-b"},
    ),
    ("DELETE", "/v1/hardware_profiles/{profile}/access/{tenant_id}"): Case(
        "/v1/hardware_profiles/{hw_private}/access/project-a",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
    ),
    ("GET", "/v1/keypairs"): Case(
        "/v1/keypairs?user_id={member}",
        statuses(200, 200, 403, 403, 403, 403, 200, 200),
    ),
    ("POST", "/v1/keypairs"): Case(
        "/v1/keypairs",
        statuses(201, 201, 403, 403, 403, 403, 403, 403),
        {"name": "new-key", "user_id": "{member}", "public_key": "{public_key}"},
    ),
    ("GET", "/v1/keypairs/{key_name}"): Case(
        f"/v1/keypairs/{KEY_NAME}?user_id={{member}}",
        statuses(200, 200, 403, 403, 403, 403, 200, 200),
    ),
    ("DELETE", "/v1/keypairs/{key_name}"): Case(
        f"/v1/keypairs/{KEY_NAME}?user_id={{member}}",
        statuses(204, 204, 403, 403, 403, 403, 403, 204),
    ),
    ("GET", "/v1/availability_zones"): Case(
        "/v1/availability_zones", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("GET", "/v1/images"): Case(
        "/v1/images", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("POST", "/v1/images"): Case(
        "/v1/images",
        statuses(201, 403, 403, 403, 403, 403, 403, 201),
        {"name": "new", "url": "http://images.test/new.raw", "disk_format": "raw"},
    ),
    ("GET", "/v1/images/{image_uuid}"): Case(
        "/v1/images/{private_image}", statuses(200, 200, 200, 404, 403, 403, 200, 200)
    ),
    ("DELETE", "/v1/images/{image_uuid}"): Case(
        "/v1/images/{private_image}", statuses(204, 403, 403, 403, 403, 403, 403, 204)
    ),
    ("GET", "/v1/networks"): Case(
        "/v1/networks", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("POST", "/v1/networks"): Case(
        "/v1/networks",
        statuses(201, 403, 403, 403, 403, 403, 403, 201),
        {"name": "new", "cidr": "10.9.0.0/24"},
    ),
    ("GET", "/v1/networks/{network_uuid}"): Case(
        "/v1/networks/{private_network}",
        statuses(200, 200, 200, 404, 403, 403, 200, 200),
    ),
    ("DELETE", "/v1/networks/{network_uuid}"): Case(
        "/v1/networks/{private_network}",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
    ),
    # NOTE: {server} is an active server of project-a; another project is
    # told it does not exist (404) rather than refused.
    ("POST", "/v1/servers"): Case(
        "/v1/servers",
        statuses(201, 201, 403, 201, 403, 403, 403, 403),
        {
            "server": {
                "name": "new",
                "flavor_uuid": "{public}",
                "image_uuid": "{public_image}",
                "networks": [{"net_id": "{shared_network}"}],
            }
        },
    ),
    ("GET", "/v1/servers"): Case(
        "/v1/servers", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("GET", "/v1/servers/detail"): Case(
        "/v1/servers/detail", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("GET", "/v1/servers/{server_uuid}"): Case(
        "/v1/servers/{server}", statuses(200, 200, 200, 404, 403, 403, 200, 200)
    ),
    ("PATCH", "/v1/servers/{server_uuid}"): Case(
        "/v1/servers/{server}",
        statuses(200, 200, 403, 404, 403, 403, 403, 200),
        [{"op": "replace", "path": "/name", "value": "renamed"}],
    ),
    ("DELETE", "/v1/servers/{server_uuid}"): Case(
        "/v1/servers/{server}", statuses(204, 204, 403, 404, 403, 403, 403, 204)
    ),
    ("PUT", "/v1/servers/{server_uuid}/states/power"): Case(
        "/v1/servers/{server}/states/power",
        statuses(202, 202, 403, 404, 403, 403, 403, 202),
        {"target": "off"},
    ),
    ("PUT", "/v1/servers/{server_uuid}/states/lock"): Case(
        "/v1/servers/{server}/states/lock",
        statuses(202, 202, 403, 404, 403, 403, 403, 202),
        {"target": True},
    ),
    ("PUT", "/v1/servers/{server_uuid}/states/provision"): Case(
        "/v1/servers/{server}/states/provision",
        statuses(202, 202, 403, 404, 403, 403, 403, 202),
        {"target": "rebuild"},
    ),
    # NOTE: {server} has no NIC and no node (no engine built it): a floating
    # IP finds no NIC (400), {floating} is on no server (400), attaching
    # needs an engine (409) and no port is an interface of it (404).
    ("GET", "/v1/servers/{server_uuid}/networks"): Case(
        "/v1/servers/{server}/networks",
        statuses(200, 200, 200, 404, 403, 403, 200, 200),
    ),
    ("POST", "/v1/servers/{server_uuid}/networks/floatingips"): Case(
        "/v1/servers/{server}/networks/floatingips",
        statuses(400, 400, 403, 404, 403, 403, 403, 400),
        {"address": "172.24.4.2"},
    ),
    ("DELETE", "/v1/servers/{server_uuid}/networks/floatingips/{address}"): Case(
        "/v1/servers/{server}/networks/floatingips/{floating_address}",
        statuses(400, 400, 403, 404, 403, 403, 403, 400),
    ),
    ("POST", "/v1/servers/{server_uuid}/networks/interfaces"): Case(
        "/v1/servers/{server}/networks/interfaces",
        statuses(409, 409, 403, 404, 403, 403, 403, 409),
        {"net_id": "{shared_network}"},
    ),
    ("DELETE", "/v1/servers/{server_uuid}/networks/interfaces/{port_id}"): Case(
        "/v1/servers/{server}/networks/interfaces/{any_port}",
        statuses(404, 404, 403, 404, 403, 403, 403, 404),
    ),
    # NOTE: {floating} is a floating IP of project-a on {external_network};
    # allocating needs a project (like creating servers).
    ("POST", "/v1/networks/{network_uuid}/floating_ips"): Case(
        "/v1/networks/{external_network}/floating_ips",
        statuses(201, 201, 403, 201, 403, 403, 403, 403),
    ),
    ("GET", "/v1/floating_ips"): Case(
        "/v1/floating_ips", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("GET", "/v1/floating_ips/{floating_ip_uuid}"): Case(
        "/v1/floating_ips/{floating}", statuses(200, 200, 200, 404, 403, 403, 200, 200)
    ),
    ("DELETE", "/v1/floating_ips/{floating_ip_uuid}"): Case(
        "/v1/floating_ips/{floating}", statuses(204, 204, 403, 404, 403, 403, 403, 204)
    ),
    # NOTE: {server} has no node (no engine built it): its console is a 409.
    ("POST", "/v1/servers/{server_uuid}/remote_consoles"): Case(
        "/v1/servers/{server}/remote_consoles",
        statuses(409, 409, 403, 404, 403, 403, 403, 409),
        {"protocol": "serial"},
    ),
    # NOTE: {request} is the request that created {server}: its action.
    ("GET", "/v1/servers/{server_uuid}/actions"): Case(
        "/v1/servers/{server}/actions",
        statuses(200, 200, 200, 404, 403, 403, 200, 200),
    ),
    ("GET", "/v1/servers/{server_uuid}/actions/{request_id}"): Case(
        "/v1/servers/{server}/actions/{request}",
        statuses(200, 200, 200, 404, 403, 403, 200, 200),
    ),
    # NOTE: {server} has no node: its console log is a 409 too.
    ("GET", "/v1/servers/{server_uuid}/console_log"): Case(
        "/v1/servers/{server}/console_log",
        statuses(409, 409, 403, 404, 403, 403, 403, 409),
    ),
    # NOTE: listing and adopting need an engine, and none runs here: who
    # passes the policy gets a 409. The system admin has no project and
    # names none for the server: 400 (checked before the engine).
    ("GET", "/v1/manageable_servers"): Case(
        "/v1/manageable_servers", statuses(409, 403, 403, 403, 403, 403, 409, 409)
    ),
    ("POST", "/v1/manageable_servers"): Case(
        "/v1/manageable_servers",
        statuses(409, 403, 403, 403, 403, 403, 403, 400),
        {"name": "adopted", "node_uuid": "{node}"},
    ),
    # NOTE: {aggregate} holds no node; {node} is a node row named "policy-node".
    ("GET", "/v1/aggregates"): Case(
        "/v1/aggregates", statuses(200, 403, 403, 403, 403, 403, 200, 200)
    ),
    ("POST", "/v1/aggregates"): Case(
        "/v1/aggregates",
        statuses(201, 403, 403, 403, 403, 403, 403, 201),
        {"name": "new-agg", "metadata": {"availability_zone": "az-new"}},
    ),
    ("GET", "/v1/aggregates/{aggregate_uuid}"): Case(
        "/v1/aggregates/{aggregate}", statuses(200, 403, 403, 403, 403, 403, 200, 200)
    ),
    ("PATCH", "/v1/aggregates/{aggregate_uuid}"): Case(
        "/v1/aggregates/{aggregate}",
        statuses(200, 403, 403, 403, 403, 403, 403, 200),
        [{"op": "replace", "path": "/name", "value": "renamed-agg"}],
    ),
    ("DELETE", "/v1/aggregates/{aggregate_uuid}"): Case(
        "/v1/aggregates/{aggregate}", statuses(204, 403, 403, 403, 403, 403, 403, 204)
    ),
    ("GET", "/v1/aggregates/{aggregate_uuid}/nodes"): Case(
        "/v1/aggregates/{aggregate}/nodes",
        statuses(200, 403, 403, 403, 403, 403, 200, 200),
    ),
    ("POST", "/v1/aggregates/{aggregate_uuid}/nodes"): Case(
        "/v1/aggregates/{aggregate}/nodes",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
        {"node": "{node}"},
    ),
    ("DELETE", "/v1/aggregates/{aggregate_uuid}/nodes/{node}"): Case(
        "/v1/aggregates/{aggregate}/nodes/{node}",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
    ),
    ("GET", "/v1/nodes"): Case(
        "/v1/nodes", statuses(200, 403, 403, 403, 403, 403, 200, 200)
    ),
    ("GET", "/v1/nodes/{node_ident}"): Case(
        "/v1/nodes/{node}", statuses(200, 403, 403, 403, 403, 403, 200, 200)
    ),
    # NOTE: enrolment needs an engine, and none runs here: admins get a 409.
    ("POST", "/v1/nodes"): Case(
        "/v1/nodes",
        statuses(409, 403, 403, 403, 403, 403, 403, 409),
        {
            "name": "policy-enrolled",
            "driver": "fake",
            "driver_info": {"address": "fake://p", "username": "u", "password": "p"},
            "resource_class": "gold",
        },
    ),
    ("PATCH", "/v1/nodes/{node_ident}"): Case(
        "/v1/nodes/{node}",
        statuses(409, 403, 403, 403, 403, 403, 403, 409),
        [{"op": "replace", "path": "/name", "value": "policy-renamed"}],
    ),
    ("DELETE", "/v1/nodes/{node_ident}"): Case(
        "/v1/nodes/{node}", statuses(409, 403, 403, 403, 403, 403, 403, 409)
    ),
    # NOTE: composition services are admin-only, reads too (1.7); changes
    # need an engine, and none runs here: admins get a 409.
    ("GET", "/v1/composition_services"): Case(
        "/v1/composition_services", statuses(200, 403, 403, 403, 403, 403, 403, 200)
    ),
    ("GET", "/v1/composition_services/{service_uuid}"): Case(
        "/v1/composition_services/{composition}",
        statuses(200, 403, 403, 403, 403, 403, 403, 200),
    ),
    ("GET", "/v1/composition_services/{service_uuid}/blocks"): Case(
        "/v1/composition_services/{composition}/blocks",
        statuses(200, 403, 403, 403, 403, 403, 403, 200),
    ),
    ("POST", "/v1/composition_services"): Case(
        "/v1/composition_services",
        statuses(409, 403, 403, 403, 403, 403, 403, 409),
        {
            "name": "policy-pool",
            "driver_info": {
                "address": "https://composer",
                "username": "u",
                "password": "p",
            },
        },
    ),
    ("PATCH", "/v1/composition_services/{service_uuid}"): Case(
        "/v1/composition_services/{composition}",
        statuses(409, 403, 403, 403, 403, 403, 403, 409),
        [{"op": "replace", "path": "/name", "value": "policy-renamed"}],
    ),
    ("DELETE", "/v1/composition_services/{service_uuid}"): Case(
        "/v1/composition_services/{composition}",
        statuses(409, 403, 403, 403, 403, 403, 403, 409),
    ),
    # NOTE: {group} is a server group of project-a; another project is told
    # it does not exist (404), and lists only its own groups (200).
    ("GET", "/v1/server_groups"): Case(
        "/v1/server_groups", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("POST", "/v1/server_groups"): Case(
        "/v1/server_groups",
        statuses(201, 201, 403, 201, 403, 403, 403, 403),
        {"name": "new-group", "policies": ["anti-affinity"]},
    ),
    ("GET", "/v1/server_groups/{server_group_uuid}"): Case(
        "/v1/server_groups/{group}", statuses(200, 200, 200, 404, 403, 403, 200, 200)
    ),
    ("DELETE", "/v1/server_groups/{server_group_uuid}"): Case(
        "/v1/server_groups/{group}", statuses(204, 204, 403, 404, 403, 403, 403, 204)
    ),
    # NOTE: limits of project-a: its readers and cloud readers; quotas: the
    # admin's to change, cloud readers' to read.
    ("GET", "/v1/limits"): Case(
        "/v1/limits?project_id=project-a",
        statuses(200, 200, 200, 403, 403, 403, 200, 200),
    ),
    ("GET", "/v1/quotas/{project_id}"): Case(
        "/v1/quotas/project-a", statuses(200, 403, 403, 403, 403, 403, 200, 200)
    ),
    ("PUT", "/v1/quotas/{project_id}"): Case(
        "/v1/quotas/project-a",
        statuses(200, 403, 403, 403, 403, 403, 403, 200),
        {"quota": {"servers": 20}},
    ),
    ("DELETE", "/v1/quotas/{project_id}"): Case(
        "/v1/quotas/project-a", statuses(204, 403, 403, 403, 403, 403, 403, 204)
    ),
}


def protected_routes() -> set[tuple[str, str]]:
    """(method, path) of every route that needs authentication."""
    return {(r.method, r.path) for r in router.ROUTES if not r.public}


def fill(value: Any, resources: dict[str, str]) -> Any:
    """``value`` with ``{name}`` placeholders in its strings filled in."""
    if isinstance(value, str):
        return value.format(**resources)
    if isinstance(value, list):
        return [fill(v, resources) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, resources) for k, v in value.items()}
    return value


def make_keypair(client: httpx.Client, persona, name: str) -> None:
    """Import a keypair called ``name`` for ``persona``."""
    resp = client.post(
        "/v1/keypairs",
        json={"name": name, "public_key": ssh_public_key()},
        headers=persona.headers,
    )
    assert resp.status_code == 201, resp.text


@pytest.fixture
def resources(client, database) -> dict[str, str]:
    """The flavors, keypair, image and network the persona table acts on."""
    public = make_flavor(client, name="bm.public")
    private = make_flavor(client, name="bm.private", is_public=False)
    resp = client.post(
        f"/v1/flavors/{private['uuid']}/access",
        json={"tenant_id": MEMBER.project_id},
        headers=ADMIN.headers,
    )
    assert resp.status_code == 204, resp.text
    hw_private = client.post(
        "/v1/hardware_profiles",
        json={"name": "hw-private", "is_public": False},
        headers={**ADMIN.headers, **LATEST},
    )
    assert hw_private.status_code == 201, hw_private.text
    resp = client.post(
        f"/v1/hardware_profiles/{hw_private.json()['uuid']}/access",
        json={"tenant_id": MEMBER.project_id},
        headers={**ADMIN.headers, **LATEST},
    )
    assert resp.status_code == 204, resp.text
    make_keypair(client, MEMBER, KEY_NAME)
    image = client.post(
        "/v1/images",
        json={
            "name": "project-a-image",
            "url": "http://images.test/a.qcow2",
            "disk_format": "qcow2",
            "visibility": "private",
            "owner": MEMBER.project_id,
        },
        headers=ADMIN.headers,
    )
    assert image.status_code == 201, image.text
    network = client.post(
        "/v1/networks",
        json={
            "name": "project-a-net",
            "cidr": "10.8.0.0/24",
            "shared": False,
            "project_id": MEMBER.project_id,
        },
        headers=ADMIN.headers,
    )
    assert network.status_code == 201, network.text
    public_image = client.post(
        "/v1/images",
        json={"name": "pub", "url": "http://images.test/p.raw", "disk_format": "raw"},
        headers=ADMIN.headers,
    )
    shared = client.post(
        "/v1/networks",
        json={"name": "shared", "cidr": "10.7.0.0/24"},
        headers=ADMIN.headers,
    )
    server = client.post(
        "/v1/servers",
        json={
            "server": {
                "name": "member-server",
                "flavor_uuid": public["uuid"],
                "image_uuid": public_image.json()["uuid"],
                "networks": [{"net_id": shared.json()["uuid"]}],
            }
        },
        headers=MEMBER.headers,
    )
    assert server.status_code == 201, server.text
    # NOTE: no engine runs here; make the server active as a finished build would.
    with database.transaction() as session:
        session.execute(
            sa.update(models.Server)
            .where(models.Server.uuid == server.json()["uuid"])
            .values(status="active", power_state="power on")
        )
    aggregate = client.post(
        "/v1/aggregates", json={"name": "policy-agg"}, headers=ADMIN.headers
    )
    assert aggregate.status_code == 201, aggregate.text
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
    composition = str(uuid.uuid4())
    with database.transaction() as session:
        session.add(
            models.CompositionService(
                uuid=composition,
                name="policy-composer",
                address="https://composer",
                verify_tls=True,
            )
        )
    group = client.post(
        "/v1/server_groups",
        json={"name": "member-group", "policies": ["affinity"]},
        headers=MEMBER.headers,
    )
    assert group.status_code == 201, group.text
    external = client.post(
        "/v1/networks",
        json={"name": "public", "cidr": "172.24.4.0/24", "external": True},
        headers={**ADMIN.headers, **LATEST},
    )
    assert external.status_code == 201, external.text
    floating = client.post(
        f"/v1/networks/{external.json()['uuid']}/floating_ips",
        headers={**MEMBER.headers, **LATEST},
    )
    assert floating.status_code == 201, floating.text
    return {
        "external_network": external.json()["uuid"],
        "floating": floating.json()["uuid"],
        "floating_address": floating.json()["address"],
        "any_port": str(uuid.uuid4()),
        "aggregate": aggregate.json()["uuid"],
        "node": "policy-node",
        "composition": composition,
        "group": group.json()["uuid"],
        "server": server.json()["uuid"],
        "request": server.headers["x-openstack-request-id"],
        "public_image": public_image.json()["uuid"],
        "shared_network": shared.json()["uuid"],
        "private_image": image.json()["uuid"],
        "private_network": network.json()["uuid"],
        "public": public["uuid"],
        "private": private["uuid"],
        "hw_private": hw_private.json()["uuid"],
        "member": MEMBER.user_id,
        "public_key": ssh_public_key(),
    }


class TestPersonaTable:
    def test_table_covers_every_route(self):
        """Every protected route in ROUTES has persona expectations, and no more."""
        routes = protected_routes()
        missing = sorted(routes - EXPECTED.keys())
        stale = sorted(EXPECTED.keys() - routes)
        assert not missing, f"add these routes to EXPECTED in {__file__}: {missing}"
        assert not stale, f"these EXPECTED entries match no route: {stale}"

    def test_table_names_every_persona(self):
        """Each row gives a status for every persona in the conftest."""
        assert set(PERSONAS) == set(PERSONA_NAMES)
        for key, case in EXPECTED.items():
            assert set(case.expected) == set(PERSONAS), key

    @pytest.mark.parametrize("persona", PERSONA_NAMES)
    @pytest.mark.parametrize("route", sorted(EXPECTED), ids=lambda r: f"{r[0]} {r[1]}")
    def test_persona_gets_expected_status(self, client, resources, route, persona):
        """The persona gets exactly the status the table states for the route."""
        method, _ = route
        case = EXPECTED[route]
        resp = client.request(
            method,
            fill(case.url, resources),
            json=fill(case.body, resources),
            headers={**PERSONAS[persona].headers, **LATEST},
        )
        assert resp.status_code == case.expected[persona], resp.text
        if resp.status_code == 403:
            # NOTE: a read that loads its target first refuses a caller
            # without a project before policy runs, with the precise code.
            assert resp.json()["code"] in FORBIDDEN_CODES


@pytest.fixture
def keys(client) -> None:
    """The member and another project's member each own one keypair."""
    make_keypair(client, MEMBER, "alice-key")
    make_keypair(client, OTHER, "bob-key")


@pytest.mark.usefixtures("keys")
class TestKeypairIsolation:
    """v1 bug 3: ``?user_id=`` let anyone act on anyone's keypairs."""

    @pytest.mark.parametrize(
        ("method", "url"),
        [
            ("GET", "/v1/keypairs?user_id=bob"),
            ("GET", "/v1/keypairs/bob-key?user_id=bob"),
            ("DELETE", "/v1/keypairs/bob-key?user_id=bob"),
            ("GET", "/keypairs/bob-key?user_id=bob"),
        ],
    )
    def test_member_cannot_reach_another_users_keys(self, client, method, url):
        """Naming another user with ?user_id= is refused with 403."""
        resp = client.request(method, url, headers=MEMBER.headers)
        assert resp.status_code == 403
        still_there = client.get(
            "/v1/keypairs/bob-key?user_id=bob", headers=OTHER.headers
        )
        assert still_there.status_code == 200

    def test_member_cannot_create_for_another_user(self, client):
        """A member cannot plant a keypair in another user's account."""
        resp = client.post(
            "/v1/keypairs",
            json={"name": "planted", "user_id": "bob", "public_key": ssh_public_key()},
            headers=MEMBER.headers,
        )
        assert resp.status_code == 403
        names = client.get("/v1/keypairs", headers=OTHER.headers).json()["keypairs"]
        assert [k["name"] for k in names] == ["bob-key"]

    def test_same_project_reader_cannot_reach_members_keys(self, client):
        """Sharing a project does not share keypairs."""
        resp = client.get("/v1/keypairs?user_id=alice", headers=READER.headers)
        assert resp.status_code == 403

    def test_without_user_id_callers_see_only_their_own(self, client):
        """A listing without user_id holds only the caller's keys."""
        listed = client.get("/v1/keypairs", headers=MEMBER.headers).json()
        assert [k["name"] for k in listed["keypairs"]] == ["alice-key"]
        shown = client.get("/v1/keypairs/bob-key", headers=MEMBER.headers)
        assert shown.status_code == 404

    def test_naming_yourself_is_allowed(self, client):
        """A member may pass their own user_id."""
        resp = client.get("/v1/keypairs?user_id=alice", headers=MEMBER.headers)
        assert resp.status_code == 200
        assert [k["name"] for k in resp.json()["keypairs"]] == ["alice-key"]

    def test_admin_can_act_on_any_users_keys(self, client):
        """An admin lists, shows and deletes another user's keys with ?user_id=."""
        listed = client.get("/v1/keypairs?user_id=bob", headers=ADMIN.headers)
        assert [k["name"] for k in listed.json()["keypairs"]] == ["bob-key"]
        shown = client.get("/v1/keypairs/bob-key?user_id=bob", headers=ADMIN.headers)
        assert shown.status_code == 200
        assert shown.json()["user_id"] == "bob"
        deleted = client.delete(
            "/v1/keypairs/bob-key?user_id=bob", headers=ADMIN.headers
        )
        assert deleted.status_code == 204
        gone = client.get("/v1/keypairs/bob-key", headers=OTHER.headers)
        assert gone.status_code == 404


class TestPolicyFile:
    """Operators override defaults with ``[oslo_policy] policy_file``."""

    @pytest.fixture
    def client_with_policy(self, tmp_path, database):
        """A client for an app whose policy.yaml lets members create flavors."""
        policy_file = tmp_path / "policy.yaml"
        policy_file.write_text(
            '"mogan:flavor:create": "rule:context_is_admin or role:member"\n'
            '"mogan:availability_zone:get_all": "rule:context_is_admin"\n'
        )
        conf_file = tmp_path / "mogan.conf"
        conf_file.write_text(f"[oslo_policy]\npolicy_file = {policy_file}\n")
        conf = mogan_conf.make_conf(
            default_config_files=[str(conf_file)],
            overrides={
                "DEFAULT": {"state_path": str(tmp_path), "transport_url": "fake://"},
                "api": {"auth_strategy": "noauth"},
            },
        )
        app = api_app.create_app(conf, database)
        with httpx.Client(
            transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
        ) as c:
            yield c

    def test_override_loosens_a_rule(self, client_with_policy):
        """The overridden rule lets a member create a flavor; a reader still cannot."""
        body = {"name": "by-member", "resources": {"CUSTOM_GOLD": 1}}
        member = client_with_policy.post(
            "/v1/flavors", json=body, headers=MEMBER.headers
        )
        assert member.status_code == 201, member.text
        reader = client_with_policy.post(
            "/v1/flavors", json={**body, "name": "r"}, headers=READER.headers
        )
        assert reader.status_code == 403

    def test_override_tightens_a_rule(self, client_with_policy):
        """The overridden rule refuses members what the default allows."""
        url = "/v1/availability_zones"
        assert client_with_policy.get(url, headers=MEMBER.headers).status_code == 403
        assert client_with_policy.get(url, headers=ADMIN.headers).status_code == 200

    def test_rules_not_overridden_keep_their_defaults(self, client_with_policy):
        """Rules absent from the file keep their in-code defaults."""
        flavor = make_flavor(client_with_policy)
        resp = client_with_policy.delete(
            f"/v1/flavors/{flavor['uuid']}", headers=MEMBER.headers
        )
        assert resp.status_code == 403
