"""Composed servers for real: the engine's build and delete flows on composed blocks.

The API, a real engine on the ``redfish`` driver (its nodes in Mogan's
database, its deploy media on a loopback file server), the embedded
Placement and the team's sushy-tools emulator serving a CompositionService
(``tests/redfish``), the real scheduler over the in-process bus. The pool
is registered and the servers are created through the API with a
composable flavor; the scheduler claims their blocks. What happened is
read back from the emulator (systems, blocks, media, power), Placement and
the database, not from Mogan's answers.
"""

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from mogan import states
from mogan.db import models
from mogan.drivers import base as driver_base
from mogan.drivers import redfish
from mogan.engine import compose, node_store, node_sync
from tests.conftest import ADMIN, MEMBER
from tests.drivers.test_redfish import FileMedia
from tests.functional.api import composed_support as support
from tests.functional.api import engine_support
from tests.redfish import specs
from tests.redfish.fixtures import (  # noqa: F401 - fixtures
    file_server_fixture,
    redfish_fixture,
)

globals().update(engine_support.FIXTURES)
pytestmark = pytest.mark.services

V17 = {**ADMIN.headers, "OpenStack-API-Version": "baremetal-compute 1.7"}
V18 = "baremetal-compute 1.8"
TIMEOUT = 60.0
COMPUTE, OTHER_COMPUTE, STORAGE = (
    "zone-a-compute-0",
    "zone-a-compute-1",
    "zone-a-storage-0",
)


@pytest.fixture
def redfish_stack(econf, database, file_server, engine_factory):
    """An engine on the redfish driver, its deploy media on the file server.

    The periodic composition sync never runs by itself (an hour apart).
    """
    econf.set_override("driver", "redfish", "engine")
    econf.set_override("sync_composition_interval", 3600, "engine")
    redfish.RedfishDriver.register_opts(econf)
    econf.set_override("server_side_retries", 1, "redfish")
    econf.set_override("server_side_retries_delay", 0.1, "redfish")
    driver = redfish.RedfishDriver.from_conf(econf)
    node_store.attach(driver, database, econf, FileMedia(file_server))
    engine = engine_factory(with_driver=driver)
    yield driver, engine
    driver.close()


@pytest.fixture
def redfish_engine(redfish_stack):
    """The engine's redfish driver."""
    return redfish_stack[0]


@pytest.fixture
def sync_composition(redfish_stack):
    """Run the engine's composition sync once, as its periodic task does."""
    return redfish_stack[1].sync_composition


@pytest.fixture
def pool_service(redfish, redfish_engine, api) -> str:
    """``composed_support.pool()`` registered; its uuid."""
    del redfish_engine
    redfish.set_pool(support.pool())
    resp = api.post(
        "/v1/composition_services",
        json={
            "name": f"pool-{uuid.uuid4().hex[:8]}",
            "driver_info": {
                "address": redfish.url,
                "username": redfish.username,
                "password": redfish.password,
                "verify_ca": False,
            },
        },
        headers=V17,
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["uuid"])


@pytest.fixture
def flavor(api) -> str:
    """A composable flavor of ``composed_support.AMOUNTS``."""
    resp = api.post(
        "/v1/flavors",
        json={
            "name": f"composed-{uuid.uuid4().hex[:8]}",
            "composable": True,
            "resources": support.AMOUNTS,
        },
        headers={**ADMIN.headers, "OpenStack-API-Version": V18},
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["uuid"])


@pytest.fixture
def image(database, file_server) -> str:
    """A live ISO the emulator's virtual media download."""
    url = file_server.add_iso("images/live.iso")
    image_uuid = str(uuid.uuid4())
    with database.transaction() as session:
        session.add(
            models.Image(uuid=image_uuid, name="live-iso", url=url, disk_format="iso")
        )
    return image_uuid


def _info(emulator) -> dict[str, Any]:
    """The emulator's composition service as ``driver_info``."""
    return {
        "address": emulator.url,
        "username": emulator.username,
        "password": emulator.password,
        "verify_ca": False,
    }


def _create(api, world, flavor: str, image: str) -> tuple[str, str]:
    """A server of the flavor created by its owner; its uuid and request id."""
    resp = api.post(
        "/v1/servers",
        json={
            "server": {
                "name": "composed",
                "flavor_uuid": flavor,
                "image_uuid": image,
                "networks": [{"net_id": world.network_uuid}],
            }
        },
        headers={**MEMBER.headers, "OpenStack-API-Version": V18},
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["composed"] is True
    return str(resp.json()["uuid"]), resp.headers["X-OpenStack-Request-ID"]


def _settled(world, server_uuid: str) -> models.Server:
    def done() -> models.Server | None:
        row = world.server(server_uuid)
        return row if row is not None and row.status not in states.UNSTABLE else None

    found: models.Server = engine_support.wait_for(done, TIMEOUT)
    return found


def _systems(world, emulator, server_uuid: str) -> list[Any]:
    """The emulator's systems named for the server's node (its composed system)."""
    server = world.server(server_uuid)
    assert server is not None
    name = compose.system_name(server.node_uuid)
    return [s for s in emulator.systems() if s.name == name]


def _mogan_systems(emulator) -> list[Any]:
    """Every system on the emulator that Mogan composed."""
    return [s for s in emulator.systems() if s.name.startswith("mogan-")]


def _rows(database, model, **where) -> list[Any]:
    with database.transaction(readonly=True) as session:
        stmt = sa.select(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        return list(session.scalars(stmt))


def _nothing_left(world, emulator, server_uuid: str) -> None:
    """No system, block, claim, row or node of the server is left anywhere."""
    assert _mogan_systems(emulator) == []
    blocks = emulator.pool()["blocks"]
    assert {b["state"] for b in blocks.values()} == {"Unused"}
    assert {b["system"] for b in blocks.values()} == {None}
    assert world.placement.allocations_of(server_uuid) == {}
    assert _rows(world.db, models.ComposedSystem) == []
    assert _rows(world.db, models.ResourceBlock, consumer_uuid=server_uuid) == []
    # NOTE: the test's database had no node but the composed system's.
    assert _rows(world.db, models.Node) == []
    assert _rows(world.db, models.DriverNode) == []


def _show(api, server_uuid: str, persona=MEMBER, version: str | None = V18) -> dict:
    headers = dict(persona.headers)
    if version:
        headers["OpenStack-API-Version"] = version
    resp = api.get(f"/v1/servers/{server_uuid}", headers=headers)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


class TestComposedServers:
    def test_composed_deployed_shown_and_deleted(
        self, world, redfish, redfish_engine, pool_service, flavor, image, api
    ):
        """Composed of exactly its blocks, deployed, shown, then all of it freed."""
        server, request_id = _create(api, world, flavor, image)
        row = _settled(world, server)
        assert row.status == states.ACTIVE, world.faults(server)
        composed = support.composed(world.db, server)
        assert composed.blocks == [COMPUTE, STORAGE]
        node = composed.node_uuid
        assert (row.node_uuid, row.node) == (node, compose.node_name(node))

        [system] = _systems(world, redfish, server)
        seen = redfish.system(system.uuid)
        assert seen["resource_blocks"] == [COMPUTE, STORAGE]
        assert seen["power_state"] == "On"
        assert seen["media"]["Cd"]["image"].endswith("/images/live.iso")
        assert seen["media"]["Cd"]["inserted"]
        pool = redfish.pool()["blocks"]
        assert {b for b, v in pool.items() if v["system"] == system.uuid} == {
            COMPUTE,
            STORAGE,
        }
        assert pool[OTHER_COMPUTE]["state"] == "Unused"
        assert composed.system == system.path
        [nic] = _rows(world.db, models.ServerNic, server_uuid=server)
        assert nic.mac_address == "52:54:00:c0:00:00"

        # NOTE: the node is never an offer: no provider, not even after a
        # node sync; the claim is the blocks' whole inventories.
        view = support.blocks(world.db, pool_service)
        assert world.placement.allocations_of(server) == {
            view[b].provider_uuid: {
                rc: int(inv["total"])
                for rc, inv in world.placement.get_inventory(
                    view[b].provider_uuid
                ).items()
            }
            for b in (COMPUTE, STORAGE)
        }
        node_sync.sync(world.db, redfish_engine, world.placement, "engine-a")
        assert world.placement.get_provider(node) is None
        [node_row] = _rows(world.db, models.Node, uuid=node)
        assert node_row.server_uuid == server
        assert node_row.resource_class == ""

        owner = _show(api, server)
        assert owner["composed"] is True
        assert "composition" not in owner
        assert "composed" not in _show(api, server, version="baremetal-compute 1.7")
        admin = _show(api, server, persona=ADMIN)
        assert admin["composition"] == {
            "service_uuid": pool_service,
            "zone": "zone-a",
            "system": system.path,
            "blocks": [COMPUTE, STORAGE],
        }
        plain = support.plain_server(world.db)
        assert _show(api, plain)["composed"] is False
        assert _show(api, plain, persona=ADMIN)["composition"] is None
        listed = api.get(
            "/v1/servers/detail",
            params={"all_tenants": "true"},
            headers={**ADMIN.headers, "OpenStack-API-Version": V18},
        ).json()["servers"]
        by_uuid = {s["uuid"]: s for s in listed}
        assert by_uuid[server]["composition"]["blocks"] == [COMPUTE, STORAGE]
        assert by_uuid[plain]["composition"] is None

        # NOTE: the composed steps are the create action's events after
        # the schedule.
        events = api.get(
            f"/v1/servers/{server}/actions/{request_id}",
            headers={**MEMBER.headers, "OpenStack-API-Version": V18},
        ).json()["events"]
        assert [(e["event"], e["result"]) for e in events] == [
            ("schedule", "Success"),
            ("compose", "Success"),
            ("enrol_composed", "Success"),
            ("lock_node", "Success"),
            ("bind_networks", "Success"),
            ("config_drive", "Success"),
            ("deploy", "Success"),
            ("active", "Success"),
        ]

        resp = api.delete(f"/v1/servers/{server}", headers=MEMBER.headers)
        assert resp.status_code == 204, resp.text
        engine_support.wait_for(lambda: world.server(server) is None, TIMEOUT)
        _nothing_left(world, redfish, server)

    @pytest.mark.usefixtures("redfish_engine", "pool_service")
    def test_a_failed_compose_frees_the_claim(
        self, world, redfish, flavor, image, api, econf
    ):
        """The service refuses: the fault says why, nothing is left."""
        econf.set_override("build_attempts", 1, "engine")
        redfish.fail("compose", message="the fabric is down")
        server, _ = _create(api, world, flavor, image)
        row = _settled(world, server)
        assert row.status == states.ERROR
        [fault] = world.faults(server)
        assert "the fabric is down" in fault.message
        _nothing_left(world, redfish, server)

    @pytest.mark.usefixtures("redfish_engine", "pool_service")
    def test_a_compose_that_never_ends_times_out(
        self, world, redfish, flavor, image, api, econf
    ):
        """Past ``[engine] compose_timeout``: a fault, the system decomposed."""
        econf.set_override("build_attempts", 1, "engine")
        econf.set_override("compose_timeout", 1, "engine")
        redfish.set_delays(compose=3600)
        server, _ = _create(api, world, flavor, image)
        row = _settled(world, server)
        assert row.status == states.ERROR
        [fault] = world.faults(server)
        assert "composing the system timed out after 1 seconds" in fault.message
        _nothing_left(world, redfish, server)

    @pytest.mark.usefixtures("redfish_engine", "pool_service")
    def test_a_failed_deploy_decomposes(
        self, world, redfish, flavor, image, api, econf
    ):
        """The system cannot take the image: torn down, unenrolled, decomposed."""
        econf.set_override("build_attempts", 1, "engine")
        redfish.fail("media.insert", times=None, message="no virtual media today")
        server, _ = _create(api, world, flavor, image)
        row = _settled(world, server)
        assert row.status == states.ERROR
        [fault] = world.faults(server)
        assert "no virtual media today" in fault.message
        redfish.clear_faults()
        _nothing_left(world, redfish, server)

    def test_a_taken_block_is_reserved_and_the_server_placed_again(
        self, world, redfish, redfish_engine, pool_service, flavor, image, api
    ):
        """A block composed behind Mogan's back: reserved; other blocks taken.

        The view still has the block free (no sync since), so the scheduler
        claims it; the service refuses it; the next attempt takes the other.
        """
        access = driver_base.BmcAccess(
            address=redfish.url,
            username=redfish.username,
            password=redfish.password,
            verify_tls=False,
        )
        redfish_engine.start_compose(
            access,
            driver_base.ComposeRequest(
                name="behind-the-back", resource_class="", blocks=(COMPUTE,)
            ),
        )
        server, _ = _create(api, world, flavor, image)

        row = _settled(world, server)
        assert row.status == states.ACTIVE, world.faults(server)
        [fault] = world.faults(server)
        assert f"Resource block {COMPUTE}" in fault.message
        assert "taken" in fault.message
        assert support.composed(world.db, server).blocks == [OTHER_COMPUTE, STORAGE]
        [system] = _systems(world, redfish, server)
        assert redfish.system(system.uuid)["resource_blocks"] == [
            OTHER_COMPUTE,
            STORAGE,
        ]

        view = support.blocks(world.db, pool_service)
        assert view[COMPUTE].reserved
        assert view[COMPUTE].consumer_uuid is None
        taken = world.placement.get_inventory(view[COMPUTE].provider_uuid)
        assert {rc: v["reserved"] for rc, v in taken.items()} == {
            rc: v["total"] for rc, v in taken.items()
        }
        assert set(world.placement.allocations_of(server)) == {
            view[OTHER_COMPUTE].provider_uuid,
            view[STORAGE].provider_uuid,
        }
        # NOTE: only the second attempt's node is enrolled.
        assert [n.uuid for n in _rows(world.db, models.Node)] == [row.node_uuid]


@pytest.fixture
def twin_pool(redfish, redfish_engine, api) -> str:
    """Two Compute and two Storage blocks in one zone, registered; its uuid."""
    del redfish_engine
    blocks = [
        {
            **specs.compute_block(f"zone-a-compute-{i}", "zone-a"),
            "nics": [{"mac": f"52:54:00:e0:00:0{i}"}],
        }
        for i in range(2)
    ] + [specs.storage_block(f"zone-a-storage-{i}", "zone-a") for i in range(2)]
    redfish.set_pool(specs.pool(blocks))
    resp = api.post(
        "/v1/composition_services",
        json={"name": f"pool-{uuid.uuid4().hex[:8]}", "driver_info": _info(redfish)},
        headers=V17,
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["uuid"])


class TestRescheduled:
    def test_a_refused_compose_is_placed_on_other_blocks(
        self, world, redfish, twin_pool, flavor, api, image
    ):
        """The service refuses every system with one block: the next attempt avoids it.

        Two Compute and two Storage blocks: the first attempt's blocks are
        left out of the second (which of them the service minded is not
        known), so the server is composed of the other two and ACTIVE.
        """
        service = twin_pool
        redfish.fail(
            "compose",
            block="zone-a-compute-0",
            times=None,
            status=400,
            message="zone-a-compute-0 has a failed DIMM",
        )
        server, _ = _create(api, world, flavor, image)

        row = _settled(world, server)
        assert row.status == states.ACTIVE, world.faults(server)
        [fault] = world.faults(server)
        assert "failed DIMM" in fault.message
        chosen = ["zone-a-compute-1", "zone-a-storage-1"]
        assert support.composed(world.db, server).blocks == chosen
        [system] = _systems(world, redfish, server)
        assert redfish.system(system.uuid)["resource_blocks"] == chosen
        view = support.blocks(world.db, service)
        assert set(world.placement.allocations_of(server)) == {
            view[b].provider_uuid for b in chosen
        }
        # NOTE: what was left out is not reserved: only not offered again
        # to this server.
        assert not view["zone-a-compute-0"].reserved

    def test_a_system_whose_compose_answer_was_lost_is_decomposed(
        self, world, redfish, twin_pool, flavor, api, image
    ):
        """The service composes but its answer is lost: found by name, decomposed.

        The first attempt's system exists though Mogan never learnt its
        path; the failed attempt's undo finds it by its name and
        decomposes it, and the next attempt (a new node uuid, so a new
        name) is composed and ACTIVE. Nothing of the first is left.
        """
        del twin_pool
        redfish.fail("compose", after=True, status=500, message="the answer got lost")
        server, _ = _create(api, world, flavor, image)

        row = _settled(world, server)
        assert row.status == states.ACTIVE, world.faults(server)
        [fault] = world.faults(server)
        assert "the answer got lost" in fault.message
        composed = support.composed(world.db, server)
        [system] = _mogan_systems(redfish)
        assert system.name == compose.system_name(composed.node_uuid)
        assert composed.system == system.path
        chosen = ["zone-a-compute-1", "zone-a-storage-1"]
        assert redfish.system(system.uuid)["resource_blocks"] == chosen
        pool = redfish.pool()["blocks"]
        assert {b for b, v in pool.items() if v["system"] is None} == {
            "zone-a-compute-0",
            "zone-a-storage-0",
        }
        assert {pool[b]["state"] for b in ("zone-a-compute-0", "zone-a-storage-0")} == {
            "Unused"
        }

        resp = api.delete(f"/v1/servers/{server}", headers=MEMBER.headers)
        assert resp.status_code == 204, resp.text
        engine_support.wait_for(lambda: world.server(server) is None, TIMEOUT)
        _nothing_left(world, redfish, server)


class TestUnnamedTakenBlock:
    def test_a_refusal_naming_no_block_reserves_none(
        self, world, redfish, twin_pool, flavor, api, image
    ):
        """``ResourceInUse`` without a block, none taken when read again.

        Nothing is reserved (no block is taken), the fault says the
        service did not say which, and the next attempt leaves every block
        of the first out: ACTIVE on the other two.
        """
        redfish.fail(
            "compose", status=409, message_id="ResourceInUse", message="in use"
        )
        server, _ = _create(api, world, flavor, image)

        row = _settled(world, server)
        assert row.status == states.ACTIVE, world.faults(server)
        [fault] = world.faults(server)
        assert "did not say which" in fault.message
        assert support.composed(world.db, server).blocks == [
            "zone-a-compute-1",
            "zone-a-storage-1",
        ]
        view = support.blocks(world.db, twin_pool)
        assert not any(b.reserved for b in view.values())
        for block in view.values():
            inventory = world.placement.get_inventory(block.provider_uuid)
            assert {v["reserved"] for v in inventory.values()} == {0}

    def test_a_refusal_naming_no_block_reserves_the_taken_one(
        self, world, redfish, redfish_engine, pool_service, flavor, image, api
    ):
        """``ResourceInUse`` without a block: read again, the taken one is reserved.

        A block composed behind Mogan's back (the view, not synced since,
        has it free); the service refuses without naming it, and the
        driver cannot read the blocks just then (two 503s: the driver's
        read and its retry). The engine reads the blocks again, reserves
        that one only, and the next attempt keeps the other blocks: ACTIVE.
        """
        access = driver_base.BmcAccess(
            address=redfish.url,
            username=redfish.username,
            password=redfish.password,
            verify_tls=False,
        )
        redfish_engine.start_compose(
            access,
            driver_base.ComposeRequest(
                name="behind-the-back", resource_class="", blocks=(COMPUTE,)
            ),
        )
        redfish.fail(
            "compose", status=409, message_id="ResourceInUse", message="in use"
        )
        redfish.fail(
            "http",
            method="GET",
            path="/redfish/v1/CompositionService/ResourceBlocks",
            times=2,
        )
        server, _ = _create(api, world, flavor, image)

        row = _settled(world, server)
        assert row.status == states.ACTIVE, world.faults(server)
        [fault] = world.faults(server)
        assert f"Resource block {COMPUTE}" in fault.message
        assert support.composed(world.db, server).blocks == [OTHER_COMPUTE, STORAGE]
        view = support.blocks(world.db, pool_service)
        assert {b for b, v in view.items() if v.reserved} == {COMPUTE}
        taken = world.placement.get_inventory(view[COMPUTE].provider_uuid)
        assert {rc: v["reserved"] for rc, v in taken.items()} == {
            rc: v["total"] for rc, v in taken.items()
        }


class TestFreedBlocks:
    @pytest.mark.usefixtures("redfish_engine")
    def test_a_deleted_servers_blocks_are_offered_at_once(
        self, world, pool_service, flavor, image, api, sync_composition
    ):
        """Deleted: its blocks are free in the view before any sync.

        A sync while the server is ACTIVE writes its blocks as composed
        into its system; the delete's decompose frees them in the view, so
        a new server gets the same blocks at once (the next periodic sync
        is an hour away).
        """
        first, _ = _create(api, world, flavor, image)
        assert _settled(world, first).status == states.ACTIVE, world.faults(first)
        system = support.composed(world.db, first).system
        sync_composition()
        view = support.blocks(world.db, pool_service)
        for block in (COMPUTE, STORAGE):
            assert view[block].composition_state == "Composed"
            assert view[block].system == system

        resp = api.delete(f"/v1/servers/{first}", headers=MEMBER.headers)
        assert resp.status_code == 204, resp.text
        engine_support.wait_for(lambda: world.server(first) is None, TIMEOUT)
        view = support.blocks(world.db, pool_service)
        for block in (COMPUTE, STORAGE):
            assert (view[block].composition_state, view[block].system) == (
                "Unused",
                None,
            )

        second, _ = _create(api, world, flavor, image)
        row = _settled(world, second)
        assert row.status == states.ACTIVE, world.faults(second)
        assert support.composed(world.db, second).blocks == [COMPUTE, STORAGE]
        # NOTE: the compose that finished wrote the view as the service has it.
        view = support.blocks(world.db, pool_service)
        now = support.composed(world.db, second).system
        assert {
            (view[b].composition_state, view[b].system) for b in (COMPUTE, STORAGE)
        } == {("Composed", now)}


class TestManyComposed:
    @pytest.mark.usefixtures("redfish_engine")
    def test_ten_requests_over_blocks_for_six(self, world, redfish, image, api):
        """Six composed and deployed on distinct blocks, four refused saying why.

        Ten one-server requests at once over two zones of three Compute
        blocks each; then every server is deleted and every block is free.
        """
        blocks = [
            {
                **specs.compute_block(f"{zone}-compute-{i}", zone),
                "nics": [{"mac": f"52:54:00:d0:{z:02x}:{i:02x}"}],
            }
            for z, zone in enumerate(("zone-a", "zone-b"))
            for i in range(3)
        ]
        redfish.set_pool(specs.pool(blocks))
        resp = api.post(
            "/v1/composition_services",
            json={
                "name": f"pool-{uuid.uuid4().hex[:8]}",
                "driver_info": {
                    "address": redfish.url,
                    "username": redfish.username,
                    "password": redfish.password,
                    "verify_ca": False,
                },
            },
            headers=V17,
        )
        assert resp.status_code == 201, resp.text
        resp = api.post(
            "/v1/flavors",
            json={
                "name": f"compute-{uuid.uuid4().hex[:8]}",
                "composable": True,
                "resources": {"VCPU": 16, "MEMORY_MB": 64 * 1024},
            },
            headers={**ADMIN.headers, "OpenStack-API-Version": V18},
        )
        assert resp.status_code == 201, resp.text
        flavor = resp.json()["uuid"]

        servers = [_create(api, world, flavor, image)[0] for _ in range(10)]
        rows = {s: _settled(world, s) for s in servers}
        active = [s for s, r in rows.items() if r.status == states.ACTIVE]
        failed = [s for s, r in rows.items() if r.status == states.ERROR]
        assert (len(active), len(failed)) == (6, 4)
        for server in failed:
            [fault] = world.faults(server)
            assert "No valid node" in fault.message
            assert "without a free Compute block" in fault.message
            assert world.placement.allocations_of(server) == {}
        systems = {
            s: redfish.system(system.uuid)["resource_blocks"]
            for s in active
            for system in _systems(world, redfish, s)
        }
        assert sorted(systems) == sorted(active)
        used = [b for chosen in systems.values() for b in chosen]
        assert sorted(used) == sorted(b["id"] for b in blocks)
        for server in active:
            assert (
                redfish.system(_systems(world, redfish, server)[0].uuid)["power_state"]
                == "On"
            )

        for server in servers:
            resp = api.delete(f"/v1/servers/{server}", headers=MEMBER.headers)
            assert resp.status_code == 204, resp.text
        for server in servers:
            engine_support.wait_for(lambda s=server: world.server(s) is None, TIMEOUT)
        pool = redfish.pool()["blocks"]
        assert {b["state"] for b in pool.values()} == {"Unused"}
        assert _mogan_systems(redfish) == []
        assert _rows(world.db, models.ComposedSystem) == []
        assert _rows(world.db, models.Node) == []
