"""Issue 12's "done when" for composed servers: the all-in-one on a composition service.

``mogan-all-in-one`` runs as its own process with ``[engine] driver =
redfish`` against the team's emulator serving a ``CompositionService``.
The service is registered through the API; a tenant creates servers of a
composable flavor. What happened is read from the emulator (the composed
systems, their blocks, power and media) and from Placement's and Mogan's
databases, not from Mogan's answers:

- one composed server: its system is made of the blocks Placement holds
  for it, booted from the image on virtual media; its owner sees
  ``composed`` but not the blocks, an admin sees the blocks; on delete the
  system is decomposed and the blocks are free again everywhere;
- ten concurrent creates over a pool with blocks for six: six ACTIVE, four
  ERROR with a fault that explains, no block in two systems or claims.
"""

import collections
import uuid
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import pytest

from mogan import states
from tests.conftest import MEMBER
from tests.integration import conftest as it
from tests.redfish import files, specs, support
from tests.redfish.fixtures import running

pytestmark = pytest.mark.services

TIMEOUT = 120.0
V18 = {"OpenStack-API-Version": "baremetal-compute 1.8"}
ZONE = "zone-c"
CORES = 16
MEMORY_MB = 64 * 1024


def _pool(compute: int) -> dict[str, Any]:
    blocks = [
        specs.compute_block(f"{ZONE}-compute-{i}", ZONE, cores=CORES, memory_gib=64)
        for i in range(compute)
    ]
    return specs.pool(blocks)


@pytest.fixture(scope="module")
def emulator() -> support.Emulator:
    """The emulator with no systems of its own and six Compute blocks."""
    found = running()
    found.reset(systems=(), pool=_pool(6))
    return found


@pytest.fixture(scope="module")
def image_server() -> Iterator[files.FileServer]:
    """Serves the image ISO the composed systems boot."""
    server = files.FileServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def aio(tmp_path_factory, emulator) -> Iterator[tuple[Any, Any, Any]]:
    """``mogan-all-in-one`` on the redfish driver: client, state dir, processes."""
    del emulator
    tmp = tmp_path_factory.mktemp("mogan-composed")
    sections = {
        "DEFAULT": {"host": "e2e-composed"},
        "engine": {"driver": "redfish", **it.QUICK_ENGINE},
        "redfish": {"server_side_retries": 1, "server_side_retries_delay": 0.1},
    }
    with it.all_in_one(tmp, sections) as (client, state, processes):
        yield client, state, processes


@pytest.fixture(scope="module")
def made(aio, emulator, image_server) -> dict[str, str]:
    """The service registered, a composable flavor, an ISO image, a network."""
    client = aio[0]
    resp = client.post(
        "/v1/composition_services",
        json={
            "name": f"pool-{uuid.uuid4().hex[:6]}",
            "driver_info": {
                "address": emulator.url,
                "username": emulator.username,
                "password": emulator.password,
                "verify_ca": False,
            },
        },
        headers=V18,
    )
    assert resp.status_code == 201, resp.text
    assert emulator.password not in resp.text
    result = {"service": resp.json()["uuid"]}
    for kind, path, body in (
        (
            "flavor",
            "/v1/flavors",
            {
                "name": "composed.c16",
                "composable": True,
                "resources": {"VCPU": CORES, "MEMORY_MB": MEMORY_MB},
            },
        ),
        (
            "image",
            "/v1/images",
            {
                "name": "live-iso",
                "url": image_server.add_iso("images/live.iso"),
                "disk_format": "iso",
            },
        ),
        ("network", "/v1/networks", {"name": "c-net", "cidr": "10.43.0.0/24"}),
    ):
        resp = client.post(path, json=body, headers=V18)
        assert resp.status_code == 201, resp.text
        result[kind] = resp.json()["uuid"]
    return result


def _wait(aio, predicate, what: str) -> Any:
    return it.wait_for(predicate, what, TIMEOUT, aio[2])


def _create(client, made: dict[str, str], name: str) -> str:
    resp = client.post(
        "/v1/servers",
        json={
            "server": {
                "name": name,
                "flavor_uuid": made["flavor"],
                "image_uuid": made["image"],
                "networks": [{"net_id": made["network"]}],
            }
        },
        headers={**MEMBER.headers, **V18},
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["uuid"])


def _settled(client, server: str) -> dict[str, Any] | None:
    shown = client.get(f"/v1/servers/{server}", headers=V18).json()
    return shown if shown["status"] in {states.ACTIVE, states.ERROR} else None


def _claims(state) -> dict[str, list[str]]:
    """Placement's allocations: consumer -> the providers it holds."""
    rows = it.query(
        f"sqlite:///{state / 'placement.sqlite'}",
        "SELECT DISTINCT a.consumer_id, rp.uuid FROM allocations a "
        "JOIN resource_providers rp ON rp.id = a.resource_provider_id",
    )
    held: dict[str, list[str]] = collections.defaultdict(list)
    for consumer, provider in rows:
        held[str(consumer)].append(str(provider))
    return dict(held)


def _block_providers(state) -> dict[str, str]:
    rows = it.query(
        f"sqlite:///{state / 'mogan.sqlite'}",
        "SELECT provider_uuid, block_id FROM resource_blocks",
    )
    return {str(p): str(b) for p, b in rows}


def _delete_all(aio, servers: list[str]) -> None:
    client = aio[0]
    for server in servers:
        assert client.delete(f"/v1/servers/{server}").status_code == 204
    _wait(
        aio,
        lambda: all(client.get(f"/v1/servers/{s}").status_code == 404 for s in servers),
        "the servers deleted",
    )


def _all_free(aio, emulator) -> None:
    """No composed system on the emulator, no claim on a block, none in Mogan."""
    _, state, _ = aio

    def free() -> bool:
        pool = emulator.pool() or {}
        claimed = {p for held in _claims(state).values() for p in held}
        return (
            not emulator.systems()
            and all(b["state"] == "Unused" for b in pool["blocks"].values())
            and not claimed & set(_block_providers(state))
            and not it.query(
                f"sqlite:///{state / 'mogan.sqlite'}",
                "SELECT 1 FROM composed_systems",
            )
        )

    _wait(aio, free, "every block free again")


def test_a_composable_flavor_yields_a_composed_server(aio, emulator, made):
    """Composed from claimed blocks, booted, visible as such, freed on delete."""
    client, state, _ = aio
    server = _create(client, made, "composed-1")
    shown = _wait(aio, lambda: _settled(client, server), "the server to deploy")
    assert shown["status"] == states.ACTIVE, shown.get("fault")

    # NOTE: the emulator composed one system from exactly the blocks
    # Placement holds for the server, and booted it from the image.
    claimed = {
        _block_providers(state)[p]
        for p in _claims(state)[server]
        if p in _block_providers(state)
    }
    assert len(claimed) == 1
    (system,) = emulator.systems()
    pool = emulator.pool() or {}
    in_system = {b for b, v in pool["blocks"].items() if v.get("system")}
    assert in_system == claimed
    seen = emulator.system(system.uuid)
    assert seen["power_state"] == "On"
    assert seen["media"]["Cd"]["image"].endswith("/images/live.iso")
    assert "/deploy_media/" in seen["media"]["Floppy"]["image"]

    # NOTE: the owner sees that it is composed, not what it is made of;
    # an admin sees the blocks.
    mine = client.get(f"/v1/servers/{server}", headers={**MEMBER.headers, **V18})
    assert mine.status_code == 200
    assert mine.json()["composed"] is True
    assert mine.json().get("composition") is None
    admin = client.get(f"/v1/servers/{server}", headers=V18).json()
    assert admin["composed"] is True
    assert admin["composition"]["service_uuid"] == made["service"]
    assert admin["composition"]["zone"] == ZONE
    assert set(admin["composition"]["blocks"]) == claimed
    old = client.get(
        f"/v1/servers/{server}",
        headers={**MEMBER.headers, "OpenStack-API-Version": "baremetal-compute 1.7"},
    )
    assert "composed" not in old.json()

    _delete_all(aio, [server])
    _all_free(aio, emulator)


def test_ten_concurrent_creates_over_blocks_for_six(aio, emulator, made):
    """Six ACTIVE, four ERROR with a fault that explains, no block shared."""
    client, state, _ = aio
    with futures.ThreadPoolExecutor(10) as pool:
        servers = list(
            pool.map(lambda i: _create(client, made, f"storm-{i}"), range(10))
        )
    shown = {
        s: _wait(aio, lambda s=s: _settled(client, s), f"server {s} to settle")
        for s in servers
    }
    active = [s for s, v in shown.items() if v["status"] == states.ACTIVE]
    failed = [s for s, v in shown.items() if v["status"] == states.ERROR]
    assert len(active) == 6, [v.get("fault", {}).get("message") for v in shown.values()]
    assert len(failed) == 4
    for server in failed:
        message = shown[server]["fault"]["message"]
        assert "Compute" in message or "block" in message, message

    # NOTE: six systems, six distinct blocks, each held by one server only.
    assert len(emulator.systems()) == 6
    blocks = _block_providers(state)
    held = {
        server: [blocks[p] for p in providers if p in blocks]
        for server, providers in _claims(state).items()
        if server in active
    }
    assert sorted(len(b) for b in held.values()) == [1] * 6
    everyone = [b for bs in held.values() for b in bs]
    assert len(set(everyone)) == 6
    pool_now = emulator.pool() or {}
    systems = [v["system"] for v in pool_now["blocks"].values() if v.get("system")]
    assert len(systems) == len(set(systems)) == 6
    for server in failed:
        assert server not in _claims(state)

    _delete_all(aio, servers)
    _all_free(aio, emulator)
