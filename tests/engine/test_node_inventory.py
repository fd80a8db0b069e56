"""Node hardware inventory: stored by the node sync, shown to admins at 1.5.

A real node sync over the fake fleet (its made-up, varied inventories) on
the embedded Placement, the real API app on the same database.
"""

import sqlalchemy as sa

from mogan.db import models
from mogan.drivers import base
from mogan.engine import node_sync
from mogan.scheduler import hardware as hardware_rules
from tests.conftest import ADMIN, MEMBER, READER

V15 = {**ADMIN.headers, "OpenStack-API-Version": "baremetal-compute 1.5"}


def _classes(world) -> dict[str, dict]:
    with world.db.transaction() as session:
        return {
            c.fingerprint: c.facts
            for c in session.scalars(sa.select(models.HardwareClass))
        }


class TestNodeSync:
    def test_each_node_keeps_its_inventory_and_hardware_class(self, world):
        """The sync stores the driver's inventory and the facts of its class, once."""
        nodes = world.enroll(6, ports=2)
        classes = _classes(world)
        for node_uuid in nodes:
            inventory = world.driver.get_inventory(node_uuid)
            row = world.node(node_uuid)
            assert inventory.to_dict() == row.inventory
            facts = hardware_rules.Facts.of(inventory)
            assert facts.fingerprint() == row.hardware_class
            assert facts.to_dict() == classes[row.hardware_class]
        assert len(classes) == len({world.node(n).hardware_class for n in nodes})

    def test_an_unchanged_node_is_not_read_again(self, world):
        """A periodic run leaves a known inventory alone; sync_node reads it again."""
        (node_uuid,) = world.enroll(1)
        before = world.node(node_uuid)
        changed = base.Inventory(
            disks=(base.Disk("/dev/sda", 100, base.DiskType.SSD),),
            nics=(base.InventoryNic(before.ports[0]),),
        )
        world.driver.set_inventory(node_uuid, changed)
        world.sync()
        assert before.inventory == world.node(node_uuid).inventory
        node_sync.sync_node(world.db, world.driver, world.placement, node_uuid)
        after = world.node(node_uuid)
        assert changed.to_dict() == after.inventory
        assert hardware_rules.Facts.of(changed).fingerprint() == after.hardware_class

    def test_an_old_inventory_is_read_again(self, world):
        """Past ``inventory_max_age`` the periodic run reads the inventory again."""
        (node_uuid,) = world.enroll(1)
        changed = base.Inventory(
            nics=(base.InventoryNic(world.node(node_uuid).ports[0]),)
        )
        world.driver.set_inventory(node_uuid, changed)
        node_sync.sync(
            world.db, world.driver, world.placement, "h", inventory_max_age=1e-6
        )
        assert changed.to_dict() == world.node(node_uuid).inventory


class TestInventoryOnTheApi:
    def test_admin_sees_the_inventory_at_1_5(self, world, api):
        """GET /v1/nodes/{uuid} at 1.5 shows the inventory with the issue's names."""
        (node_uuid,) = world.enroll(1, ports=2)
        shown = api.get(f"/v1/nodes/{node_uuid}", headers=V15)
        assert shown.status_code == 200, shown.text
        inventory = shown.json()["inventory"]
        expected = world.driver.get_inventory(node_uuid).to_dict()
        assert expected["disks"] == inventory["disks"]
        disk = inventory["disks"][0]
        assert {"name", "size_gb", "type", "rotational", "controller"} <= set(disk)
        assert disk["type"] in {"hdd", "ssd", "nvme"}
        assert {"mac", "speed_mbps", "physical_network"} <= set(inventory["nics"][0])
        assert sorted(world.node(node_uuid).ports) == sorted(
            n["mac"] for n in inventory["nics"]
        )
        bios = inventory["bios"]["SriovGlobalEnable"]
        assert {
            "current_value": "Disabled",
            "attribute_type": "Enumeration",
            "allowable_values": ["Enabled", "Disabled"],
            "lower_bound": None,
            "upper_bound": None,
            "read_only": False,
        }.items() <= bios.items()
        assert {"component", "current_version"} <= set(inventory["firmware"][0])
        assert expected["raid_controllers"] == inventory["raid_controllers"]

    def test_below_1_5_there_is_no_inventory(self, world, api):
        """Older clients see the node object unchanged."""
        (node_uuid,) = world.enroll(1)
        shown = api.get(f"/v1/nodes/{node_uuid}", headers=ADMIN.headers)
        assert shown.status_code == 200
        assert "inventory" not in shown.json()

    def test_owners_and_readers_do_not_see_it(self, world, api):
        """Project members and readers may not show nodes, inventory or not."""
        (node_uuid,) = world.enroll(1)
        for persona in (MEMBER, READER):
            headers = {
                **persona.headers,
                "OpenStack-API-Version": "baremetal-compute 1.5",
            }
            resp = api.get(f"/v1/nodes/{node_uuid}", headers=headers)
            assert resp.status_code == 403
            assert "SriovGlobalEnable" not in resp.text
