"""A hardware request end to end: API, fleet check, scheduler, engine, fake driver.

Issue 11's first "done when", through the real API at 1.5: a server with
RAID 1 on 2 SSDs, a BIOS setting from the node's registry and a 2-link
802.3ad bond goes active on a node that has them and shows each section
applied; what no node has is refused at the API with the reasons counted;
a request only some nodes can take lands on one of those, every time. What
was applied is read back from the driver, not only from Mogan's answer.
"""

import dataclasses

from mogan import states
from mogan.drivers import base, fake_inventory
from mogan.engine import node_sync
from tests.conftest import ADMIN
from tests.functional.api import engine_support
from tests.functional.api.engine_support import show, wait_for

globals().update(engine_support.FIXTURES)

V15 = {"OpenStack-API-Version": "baremetal-compute 1.5"}
RAID_1 = {
    "logical_disks": [
        {
            "size_gb": 100,
            "raid_level": "1",
            "disk_type": "ssd",
            "number_of_physical_disks": 2,
        }
    ]
}
BIOS = {"settings": {"SriovGlobalEnable": "Enabled"}}
BOND = {"mode": "802.3ad", "links": 2}


def _inventory(ports, ssd: bool) -> base.Inventory:
    """2 disks (SSD or HDD) on a RAID card, the ports on one physical network."""
    made = fake_inventory.generate("e2e", ports)
    kind = base.DiskType.SSD if ssd else base.DiskType.HDD
    return dataclasses.replace(
        made,
        disks=tuple(
            base.Disk(f"/dev/sd{c}", 894, kind, controller="RAID.1") for c in "ab"
        ),
        raid_controllers=(base.RaidController("RAID.1", ("0", "1", "1+0")),),
        nics=tuple(
            base.InventoryNic(mac, physical_network="physnet1") for mac in ports
        ),
    )


def _fleet(world, ssd: int, hdd: int) -> tuple[list[str], list[str]]:
    """``ssd`` nodes that can take RAID 1 on SSDs, ``hdd`` nodes that cannot."""
    nodes = world.enroll(ssd + hdd, ports=2)
    for index, node_uuid in enumerate(nodes):
        ports = world.driver.get_node(node_uuid).ports
        world.driver.set_inventory(node_uuid, _inventory(ports, index < ssd))
        node_sync.sync_node(world.db, world.driver, world.placement, node_uuid)
    return nodes[:ssd], nodes[ssd:]


def _create(world, api, hardware, bond=True):
    network = {"net_id": world.network_uuid}
    if bond:
        network["bond"] = BOND
    return api.post(
        "/v1/servers",
        json={
            "server": {
                "name": "hw",
                "flavor_uuid": world.flavor_uuid,
                "image_uuid": world.image_uuid,
                "networks": [network],
                "hardware": hardware,
            }
        },
        headers={**ADMIN.headers, **V15},
    )


def _show(api, server_uuid, persona=ADMIN):
    resp = api.get(f"/v1/servers/{server_uuid}", headers={**persona.headers, **V15})
    assert resp.status_code == 200, resp.text
    return resp.json()


class TestThroughTheApi:
    def test_raid_bios_and_bond_applied_on_a_node_that_has_them(
        self, world, api, engine_factory
    ):
        """Active on the SSD node, each section applied, the driver agrees."""
        (fit,), _ = _fleet(world, ssd=1, hdd=1)
        engine_factory()
        resp = _create(world, api, {"raid": RAID_1, "bios": BIOS})
        assert resp.status_code == 201, resp.text
        uuid = resp.json()["uuid"]
        wait_for(lambda: show(api, uuid).json()["status"] == states.ACTIVE)
        server = _show(api, uuid)
        assert world.server(uuid).node_uuid == fit
        results = server["hardware"]["result"]
        assert {name: r["status"] for name, r in results.items()} == {
            "raid": "applied",
            "bios": "applied",
            "bonds": "applied",
        }
        ended = server["hardware"]["node"]
        assert ended["bios"]["settings"] == {"SriovGlobalEnable": "Enabled"}
        (volume,) = ended["raid"]["logical_disks"]
        assert (volume["raid_level"], len(volume["physical_disks"])) == ("1", 2)
        state = world.driver.hardware_state(fit)
        assert state["bios"]["SriovGlobalEnable"] == "Enabled"
        assert [d["raid_level"] for d in state["raid"]] == ["1"]
        (bond,) = state["bonds"]
        assert (bond["mode"], len(bond["links"])) == ("802.3ad", 2)

    def test_more_disks_than_any_node_has_is_refused_with_the_reasons(self, world, api):
        """RAID 1+0 on 8 SSDs: 400 at once, each reason counted, nothing written."""
        _fleet(world, ssd=1, hdd=1)
        wanted = {
            "raid": {
                "logical_disks": [
                    {
                        "size_gb": 100,
                        "raid_level": "1+0",
                        "disk_type": "ssd",
                        "number_of_physical_disks": 8,
                    }
                ]
            }
        }
        resp = _create(world, api, wanted, bond=False)
        assert resp.status_code == 400, resp.text
        assert resp.json()["code"] == "mogan.hardware.impossible"
        message = resp.json()["error_message"]
        assert "2 nodes" in message
        assert "2 too few ssd disks of 25 GiB for RAID 1+0 (8 needed)" in message
        assert "hardware.raid.logical_disks" in message
        listed = api.get("/v1/servers", headers=ADMIN.headers).json()["servers"]
        assert listed == []

    def test_a_bios_value_of_the_wrong_type_is_400_naming_it(self, world, api):
        """A value the attribute's registry does not allow, on every node: 400."""
        _fleet(world, ssd=1, hdd=1)
        wanted = {"bios": {"settings": {"SriovGlobalEnable": "Sometimes"}}}
        resp = _create(world, api, wanted, bond=False)
        assert resp.status_code == 400, resp.text
        message = resp.json()["error_message"]
        assert "hardware.bios.settings.SriovGlobalEnable" in message
        assert "does not take 'Sometimes'" in message

    def test_a_request_only_some_nodes_can_take_lands_on_one_of_them(
        self, world, api, engine_factory
    ):
        """Three HDD nodes and one SSD node, three times: always the SSD node."""
        (fit,), _ = _fleet(world, ssd=1, hdd=3)
        engine_factory()
        for _ in range(3):
            resp = _create(world, api, {"raid": RAID_1}, bond=False)
            assert resp.status_code == 201, resp.text
            uuid = resp.json()["uuid"]
            wait_for(lambda u=uuid: show(api, u).json()["status"] == states.ACTIVE)
            assert world.server(uuid).node_uuid == fit
            deleted = api.delete(f"/v1/servers/{uuid}", headers=ADMIN.headers)
            assert deleted.status_code == 204
            wait_for(lambda u=uuid: show(api, u).status_code == 404)
            assert world.driver.hardware_state(fit)["raid"] == []
