"""Helpers for the v1 server network paths' tests: calls, a built server.

``server`` is a fixture (bind it with ``server = server_network_support.server``):
an active server of project-a built by the real scheduler and engine on a
fake node with two ports, on the embedded network backend.
"""

import ipaddress
import json
import uuid

import pytest
import sqlalchemy as sa

from mogan import states
from mogan.db import models
from tests.conftest import ADMIN, MEMBER
from tests.functional.api.engine_support import show, wait_for

V18 = {"OpenStack-API-Version": "baremetal-compute 1.8"}


def fault(resp) -> str:
    """The faultstring of an error answer."""
    return str(json.loads(resp.json()["error_message"])["faultstring"])


def external_network(api, cidr: str = "172.24.4.0/24", name: str = "public") -> str:
    """An external network (admin, 1.8); its uuid."""
    resp = api.post(
        "/v1/networks",
        json={"name": name, "cidr": cidr, "external": True},
        headers={**ADMIN.headers, **V18},
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["uuid"])


def allocate(api, network: str, persona=MEMBER) -> dict:
    """A floating IP of ``network`` for the persona's project."""
    resp = api.post(
        f"/v1/networks/{network}/floating_ips", headers={**persona.headers, **V18}
    )
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def associate(api, server: str, address: str, persona=MEMBER, **extra):
    """``POST .../networks/floatingips``."""
    return api.post(
        f"/v1/servers/{server}/networks/floatingips",
        json={"address": address, **extra},
        headers=persona.headers,
    )


def disassociate(api, server: str, address: str, persona=MEMBER):
    """``DELETE .../networks/floatingips/{address}``."""
    return api.delete(
        f"/v1/servers/{server}/networks/floatingips/{address}",
        headers=persona.headers,
    )


def networks(api, server: str, persona=MEMBER) -> list[dict]:
    """The server's NICs (``GET .../networks``)."""
    resp = api.get(f"/v1/servers/{server}/networks", headers=persona.headers)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["nics"])


def attach(api, server: str, persona=MEMBER, **body):
    """``POST .../networks/interfaces``."""
    return api.post(
        f"/v1/servers/{server}/networks/interfaces", json=body, headers=persona.headers
    )


def detach(api, server: str, port_id: str, persona=MEMBER):
    """``DELETE .../networks/interfaces/{port_id}``."""
    return api.delete(
        f"/v1/servers/{server}/networks/interfaces/{port_id}", headers=persona.headers
    )


def build(api, world, name: str = "web", persona=MEMBER, ports: int = 2) -> dict:
    """An active server of the persona's project on a node with ``ports`` NICs."""
    [node] = world.enroll(1, ports=ports)
    resp = api.post(
        "/v1/servers",
        json={
            "server": {
                "name": name,
                "flavor_uuid": world.flavor_uuid,
                "image_uuid": world.image_uuid,
                "networks": [{"net_id": world.network_uuid}],
            }
        },
        headers=persona.headers,
    )
    assert resp.status_code == 201, resp.text
    server = resp.json()["uuid"]
    wait_for(lambda: show(api, server).json()["status"] == states.ACTIVE)
    return {"uuid": server, "node": node}


@pytest.fixture
def server(world, engine_factory, api) -> dict:
    """An active server of project-a, with its node, and a running engine."""
    engine_factory()
    return build(api, world)


def rows(world, model) -> list:
    """Every row of ``model`` in the world's database."""
    with world.db.transaction() as session:
        return list(session.scalars(sa.select(model)))


def network(world, name: str, cidr: str) -> str:
    """A shared flat network made in the database (gateway: its first host)."""
    network = str(uuid.uuid4())
    gateway = str(next(ipaddress.ip_network(cidr).hosts()))
    with world.db.transaction() as session:
        session.add(models.Network(uuid=network, name=name, cidr=cidr, gateway=gateway))
    return network
