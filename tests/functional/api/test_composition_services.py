"""Composition services through the API: the engine's redfish driver, for real.

The API, a real engine running the ``redfish`` driver (its RPC over the
in-process bus), the embedded Placement and the team's sushy-tools
emulator serving a CompositionService (``tests/redfish``): registering a
pool of two zones mirrors it into Placement as two zone providers with
their blocks nested under them, the password never shows, the pool's
changes follow after a sync, and removing the service removes the tree.
"""

import logging
import uuid

import pytest
import sqlalchemy as sa

from mogan.db import models
from mogan.drivers import hardware, redfish
from mogan.engine import composition
from mogan.engine import composition_tree as tree
from tests.conftest import ADMIN
from tests.functional.api import engine_support
from tests.redfish import specs
from tests.redfish.fixtures import redfish_fixture  # noqa: F401 - fixture

globals().update(engine_support.FIXTURES)
pytestmark = pytest.mark.services

V17 = {**ADMIN.headers, "OpenStack-API-Version": "baremetal-compute 1.7"}
V18 = "baremetal-compute 1.8"
BASE = "/v1/composition_services"
ZONES = ("zone-a", "zone-b")


@pytest.fixture
def redfish_engine(econf, engine_factory):
    """An engine whose driver is redfish."""
    econf.set_override("driver", "redfish", "engine")
    redfish.RedfishDriver.register_opts(econf)
    econf.set_override("server_side_retries", 1, "redfish")
    econf.set_override("server_side_retries_delay", 0.1, "redfish")
    driver = redfish.RedfishDriver.from_conf(econf)
    engine = engine_factory(with_driver=driver)
    yield engine
    driver.close()


def _body(emulator, **info) -> dict:
    return {
        "name": f"pool-{uuid.uuid4().hex[:8]}",
        "driver_info": {
            "address": emulator.url,
            "username": emulator.username,
            "password": emulator.password,
            "verify_ca": False,
        }
        | info,
    }


def _children(placement, root: str) -> dict[str, dict]:
    """The providers whose parent is ``root``, read through Placement's API."""
    resp = placement.http.get(
        "/resource_providers",
        params={"in_tree": root},
        headers={"OpenStack-API-Version": "placement 1.37"},
    )
    assert resp.status_code == 200, resp.text
    return {
        rp["uuid"]: rp
        for rp in resp.json()["resource_providers"]
        if rp["parent_provider_uuid"] == root
    }


class TestCompositionServices:
    @pytest.mark.usefixtures("redfish_engine")
    def test_register_list_blocks_delete(self, world, redfish, api, caplog):
        """A pool of two zones: 201, its tree in Placement, its blocks listed."""
        caplog.set_level(logging.DEBUG)
        redfish.set_pool(specs.simple_pool(ZONES, compute=2, gpu=1))
        body = _body(redfish)
        resp = api.post(BASE, json=body, headers=V17)
        assert resp.status_code == 201, resp.text
        svc = resp.json()
        assert (svc["zones"], svc["blocks"]) == (2, 6)
        assert svc["driver_info"] == {
            "address": redfish.url,
            "username": redfish.username,
            "verify_ca": False,
        }
        assert resp.headers["Location"].endswith(f"{BASE}/{svc['uuid']}")

        listed = api.get(BASE, headers=V17)
        shown = api.get(f"{BASE}/{svc['uuid']}", headers=V17)
        blocks = api.get(f"{BASE}/{svc['uuid']}/blocks", headers=V17)
        for r in (resp, listed, shown, blocks):
            assert r.status_code == 200 or r is resp, r.text
            assert redfish.password not in r.text
        assert redfish.password not in caplog.text
        assert [s["uuid"] for s in listed.json()["composition_services"]] == [
            svc["uuid"]
        ]
        with world.db.transaction(readonly=True) as session:
            sealed = session.scalars(
                sa.select(models.CompositionService.password)
            ).one()
        assert sealed is not None
        assert redfish.password not in sealed

        by_id = {b["id"]: b for b in blocks.json()["blocks"]}
        assert len(by_id) == 6
        for zone in ZONES:
            root = tree.zone_provider(svc["uuid"], zone)
            assert (
                world.placement.get_provider(root)["name"] == f"{body['name']}:{zone}"
            )
            children = _children(world.placement, root)
            assert {rp["uuid"] for rp in children.values()} == {
                b["provider_uuid"] for b in by_id.values() if b["zone"] == zone
            }
            assert len(children) == 3
        gpu = by_id["zone-b-gpu-0"]
        assert gpu["types"] == ["Processor"]
        assert gpu["accelerators"] == {"NVIDIA A100": 1}
        assert gpu["node_uuid"] is None
        inv = world.placement.get_inventory(gpu["provider_uuid"])
        assert inv["CUSTOM_ACCEL_NVIDIA_A100"]["total"] == 1
        compute = by_id["zone-a-compute-0"]
        inv = world.placement.get_inventory(compute["provider_uuid"])
        assert inv["VCPU"]["total"] == compute["cores"] == 16
        assert inv["MEMORY_MB"]["total"] == compute["memory_mb"] == 64 * 1024
        assert world.placement.get_traits(compute["provider_uuid"]) == [
            "CUSTOM_BLOCK_COMPUTE"
        ]

        page = api.get(f"{BASE}/{svc['uuid']}/blocks?limit=2", headers=V17).json()
        nxt = api.get(
            f"{BASE}/{svc['uuid']}/blocks?limit=10&marker={page['blocks'][-1]['id']}",
            headers=V17,
        ).json()
        assert [b["id"] for b in page["blocks"] + nxt["blocks"]] == sorted(by_id)

        resp = api.delete(f"{BASE}/{svc['uuid']}", headers=V17)
        assert resp.status_code == 204, resp.text
        for zone in ZONES:
            assert (
                world.placement.get_provider(tree.zone_provider(svc["uuid"], zone))
                is None
            )
        for b in by_id.values():
            assert world.placement.get_provider(b["provider_uuid"]) is None
        assert api.get(f"{BASE}/{svc['uuid']}", headers=V17).status_code == 404

    @pytest.mark.usefixtures("redfish_engine")
    def test_blocks_show_their_chassis_from_1_8(self, redfish, api):
        """Each block's chassis as the service links them at 1.8; not at 1.7."""
        redfish.set_pool(
            specs.simple_pool(("zone-a",), compute=2, storage=1, chassis=2)
        )
        resp = api.post(BASE, json=_body(redfish), headers=V17)
        assert resp.status_code == 201, resp.text
        path = f"{BASE}/{resp.json()['uuid']}/blocks"
        v18 = api.get(path, headers={**V17, "OpenStack-API-Version": V18})
        assert v18.status_code == 200, v18.text
        assert {b["id"]: b["chassis"] for b in v18.json()["blocks"]} == {
            "zone-a-compute-0": ["zone-a-chassis-0"],
            "zone-a-compute-1": ["zone-a-chassis-1"],
            "zone-a-storage-0": ["zone-a-chassis-0"],
        }
        v17 = api.get(path, headers=V17).json()["blocks"]
        assert all("chassis" not in b for b in v17)

    def test_pool_changes_after_a_sync(self, world, redfish, redfish_engine, api):
        """A removed block is gone; one composed behind Mogan's back is reserved."""
        pool = specs.simple_pool(ZONES, compute=2, gpu=1)
        redfish.set_pool(pool)
        resp = api.post(BASE, json=_body(redfish), headers=V17)
        assert resp.status_code == 201, resp.text
        svc = resp.json()
        before = {
            b["id"]: b
            for b in api.get(f"{BASE}/{svc['uuid']}/blocks", headers=V17).json()[
                "blocks"
            ]
        }
        redfish.set_pool(
            specs.pool(
                [b for b in pool["blocks"] if b["id"] != "zone-a-compute-1"],
                zones=ZONES,
            )
        )
        driver = redfish_engine.deps.driver
        access = composition.services(redfish_engine.deps).access(svc["uuid"])[1]
        driver.start_compose(
            access,
            hardware.ComposeRequest(
                name="not-mogans", resource_class="x", blocks=("zone-b-compute-0",)
            ),
        )
        redfish_engine.sync_composition()

        after = {
            b["id"]: b
            for b in api.get(f"{BASE}/{svc['uuid']}/blocks", headers=V17).json()[
                "blocks"
            ]
        }
        assert set(before) - set(after) == {"zone-a-compute-1"}
        assert (
            world.placement.get_provider(before["zone-a-compute-1"]["provider_uuid"])
            is None
        )
        taken = after["zone-b-compute-0"]
        assert taken["state"] == "Composed"
        assert taken["system"]
        inv = world.placement.get_inventory(taken["provider_uuid"])
        assert all(v["reserved"] == v["total"] for v in inv.values()), inv
        free = world.placement.list_providers({"VCPU": 16})
        assert taken["provider_uuid"] not in free
        assert after["zone-b-compute-1"]["provider_uuid"] in free

    @pytest.mark.usefixtures("redfish_engine")
    def test_delete_refused_while_a_block_is_claimed(self, world, redfish, api):
        """A claim on a block: DELETE is a 409 and the tree stays; released, 204."""
        redfish.set_pool(specs.simple_pool(("zone-a",), compute=1))
        svc = api.post(BASE, json=_body(redfish), headers=V17).json()
        (block,) = api.get(f"{BASE}/{svc['uuid']}/blocks", headers=V17).json()["blocks"]
        consumer = str(uuid.uuid4())
        resp = world.placement.http.put(
            f"/allocations/{consumer}",
            json={
                "allocations": {block["provider_uuid"]: {"resources": {"VCPU": 16}}},
                "project_id": "p",
                "user_id": "u",
                "consumer_generation": None,
            },
            headers={"OpenStack-API-Version": "placement 1.37"},
        )
        assert resp.status_code == 204, resp.text
        resp = api.delete(f"{BASE}/{svc['uuid']}", headers=V17)
        assert resp.status_code == 409, resp.text
        assert resp.json()["code"] == "mogan.composition_service.in_use"
        assert world.placement.get_provider(block["provider_uuid"]) is not None
        world.placement.release(consumer)
        assert api.delete(f"{BASE}/{svc['uuid']}", headers=V17).status_code == 204

    @pytest.mark.usefixtures("world", "redfish_engine")
    def test_refusals(self, redfish, api):
        """Wrong credentials: 400 naming driver_info; a taken name: 409."""
        redfish.set_pool(specs.simple_pool(ZONES))
        resp = api.post(BASE, json=_body(redfish, password="wrong-pw"), headers=V17)
        assert resp.status_code == 400, resp.text
        assert "driver_info" in resp.json()["error_message"]
        assert "wrong-pw" not in resp.text
        body = _body(redfish)
        assert api.post(BASE, json=body, headers=V17).status_code == 201
        again = api.post(BASE, json=body, headers=V17)
        assert again.status_code == 409, again.text
        # NOTE: below 1.7 the collection does not exist.
        old = {**ADMIN.headers, "OpenStack-API-Version": "baremetal-compute 1.6"}
        assert api.get(BASE, headers=old).status_code == 404

    @pytest.mark.usefixtures("redfish_engine")
    def test_patch_renames_and_rechecks(self, world, redfish, api):
        """A rename renames the providers; new credentials are checked first."""
        redfish.set_pool(specs.simple_pool(("zone-a",), compute=1))
        resp = api.post(BASE, json=_body(redfish), headers=V17)
        svc = resp.json()
        resp = api.patch(
            f"{BASE}/{svc['uuid']}",
            json=[{"op": "replace", "path": "/name", "value": "renamed"}],
            headers=V17,
        )
        assert resp.status_code == 200, resp.text
        assert resp.json()["name"] == "renamed"
        root = tree.zone_provider(svc["uuid"], "zone-a")
        assert world.placement.get_provider(root)["name"] == "renamed:zone-a"
        resp = api.patch(
            f"{BASE}/{svc['uuid']}",
            json=[
                {
                    "op": "replace",
                    "path": "/driver_info",
                    "value": _body(redfish, password="nope-pw")["driver_info"],
                }
            ],
            headers=V17,
        )
        assert resp.status_code == 400, resp.text
        assert "driver_info" in resp.json()["error_message"]

    @pytest.mark.usefixtures("world")
    def test_fake_driver_cannot_compose(self, redfish, engine_factory, api):
        """The fake driver has no CompositionInterface: 409."""
        engine_factory()
        redfish.set_pool(specs.simple_pool(ZONES))
        resp = api.post(BASE, json=_body(redfish), headers=V17)
        assert resp.status_code == 409, resp.text
        assert "driver fake cannot compose nodes" in resp.json()["error_message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "n" * 256),
        ("driver_info.address", "https://" + "a" * 1024),
        ("driver_info.address", "not a url"),
        ("driver_info.username", "u" * 256),
        ("driver_info.password", "p" * 256),
        ("driver_info.password", ""),
    ],
)
def test_bounds_name_the_field(api, field, value):
    """Every body string past its bound is a 400 naming the field (no engine needed)."""
    body = {
        "name": "pool",
        "driver_info": {"address": "https://c", "username": "u", "password": "p"},
    }
    *parents, last = field.split(".")
    target = body
    for key in parents:
        target = target[key]
    target[last] = value
    resp = api.post(BASE, json=body, headers=V17)
    assert resp.status_code == 400, resp.text
    assert field in resp.json()["error_message"], resp.text
    assert "p" * 256 not in resp.text
