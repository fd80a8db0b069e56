"""Issue 11's second "done when": hardware configuration through Mogan on Ironic.

``mogan-all-in-one`` (Ironic driver) on the real Ironic, whose nodes are of
the team's plugin type (``configurable``): their RAID, BIOS and firmware
interfaces have the deploy steps Mogan asks for. A server asking for RAID 1
on two SSDs, a BIOS setting, a firmware update and a two-link 802.3ad bond
goes active, and Ironic itself shows each: the node's ``raid_config``, its
``/bios`` value, its ``/firmware`` version, the port group with both ports.
Deleting the server restores the node (no RAID, the BIOS value it had, no
port group) before Mogan offers it again. A step that fails ends the
server in a fault naming the step, with the node freed and restored.
"""

import uuid
from typing import Any

import pytest

from mogan import states
from tests.ironic import configurable, mogan_aio
from tests.ironic.mogan_aio import V12, node_of

globals().update(mogan_aio.FIXTURES)

pytestmark = pytest.mark.services

V15 = {"OpenStack-API-Version": "baremetal-compute 1.5"}
FIRMWARE_URL = "http://firmware.example.org/bios-2.19.1.bin"
HARDWARE = {
    "raid": {
        "logical_disks": [
            {
                "size_gb": 100,
                "raid_level": "1",
                "is_root_volume": True,
                "disk_type": "ssd",
                "number_of_physical_disks": 2,
            }
        ]
    },
    "bios": {"settings": {"SriovGlobalEnable": "Enabled"}},
    "firmware": {
        "updates": [
            {"component": "bios", "url": FIRMWARE_URL, "checksum": "sha256:" + "a" * 64}
        ]
    },
}
BOND = {"mode": "802.3ad", "links": 2, "miimon": 100, "xmit_hash_policy": "layer3+4"}


def _enroll(ironic, mogan, rc: str) -> str:
    """A configurable node of ``rc``, once Mogan has it with its inventory."""
    node = configurable.enroll(ironic, resource_class=rc)

    def ready() -> bool:
        shown = mogan.client.get(f"/v1/nodes/{node}", headers=V15).json()
        bios = (shown.get("inventory") or {}).get("bios") or {}
        return bool(shown.get("consumable") and "SriovGlobalEnable" in bios)

    mogan.wait(ready, f"node {node} consumable with its inventory in Mogan")
    return node


def _create(mogan, made: dict[str, str], name: str) -> str:
    resp = mogan.client.post(
        "/v1/servers",
        json={
            "server": {
                "name": name,
                "flavor_uuid": made["flavor"],
                "image_uuid": made["image"],
                "networks": [{"net_id": made["network"], "bond": BOND}],
                "hardware": HARDWARE,
            }
        },
        headers=V15,
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["uuid"])


def _show(mogan, server: str) -> dict[str, Any]:
    return dict(mogan.client.get(f"/v1/servers/{server}", headers=V15).json())


def _restored(ironic, node: str) -> bool:
    seen = ironic.node(node)
    return (
        seen["provision_state"] == "available"
        and seen["instance_uuid"] is None
        and "mogan_hardware" not in (seen.get("extra") or {})
    )


def _check_restored(ironic, node: str) -> None:
    seen = ironic.node(node)
    assert not (seen.get("raid_config") or {}).get("logical_disks")
    assert not (seen.get("target_raid_config") or {}).get("logical_disks")
    assert ironic.bios(node)["SriovGlobalEnable"] == "Disabled"
    assert ironic.portgroups(node) == []


class TestHardwareOnIronic:
    def test_configured_server_then_restored_node(self, ironic, mogan, made, rc):
        """RAID, BIOS, firmware and bond are on Ironic's node; delete undoes them."""
        node = _enroll(ironic, mogan, rc)
        server = _create(mogan, made, "hw-ironic")
        shown = mogan.reaches(server, states.ACTIVE, states.ERROR)
        assert shown["status"] == states.ACTIVE, shown.get("fault")
        assert node_of(ironic, server) == node

        hardware = _show(mogan, server)["hardware"]
        assert {name: r["status"] for name, r in hardware["result"].items()} == {
            "raid": "applied",
            "bios": "applied",
            "firmware": "applied",
            "bonds": "applied",
        }, hardware["result"]
        assert hardware["node"]["bios"]["settings"] == {"SriovGlobalEnable": "Enabled"}
        assert hardware["node"]["firmware"]["versions"] == {"bios": "2.19.1"}

        # NOTE: what Ironic recorded, not what Mogan answered.
        volumes = ironic.raid_config(node)["logical_disks"]
        assert [(v["raid_level"], v["size_gb"]) for v in volumes] == [("1", 100)]
        assert volumes[0].get("is_root_volume") is True
        assert ironic.bios(node)["SriovGlobalEnable"] == "Enabled"
        assert ironic.firmware(node)["bios"] == "2.19.1"
        groups = ironic.portgroups(node)
        assert len(groups) == 1
        assert groups[0]["mode"] == "802.3ad"
        assert groups[0]["properties"] == {
            "miimon": 100,
            "xmit_hash_policy": "layer3+4",
        }
        members = ironic.call("GET", f"/v1/portgroups/{groups[0]['uuid']}/ports")
        assert len(members["ports"]) == 2

        assert mogan.client.delete(f"/v1/servers/{server}").status_code == 204
        mogan.wait(lambda: _restored(ironic, node), "the node restored in Ironic")
        _check_restored(ironic, node)
        # NOTE: flashed firmware stays.
        assert ironic.firmware(node)["bios"] == "2.19.1"
        mogan.wait(
            lambda: mogan.client.get(f"/v1/nodes/{node}", headers=V12).json()[
                "consumable"
            ],
            "the node consumable again in Mogan",
        )

    def test_a_failing_step_is_a_fault_naming_it(self, ironic, mogan, made, rc):
        """The RAID step fails: the fault names it; the node is freed and restored."""
        node = _enroll(ironic, mogan, f"{rc}-fail")
        ironic.call(
            "PATCH",
            f"/v1/nodes/{node}",
            [
                {
                    "op": "add",
                    "path": "/extra/mogan_fail_step",
                    "value": "raid.apply_configuration",
                }
            ],
        )
        flavor = mogan.client.post(
            "/v1/flavors",
            json={
                "name": f"bm.hwfail-{uuid.uuid4().hex[:6]}",
                "resources": {mogan_aio.it.placement_class(f"{rc}-fail"): 1},
            },
        )
        assert flavor.status_code == 201, flavor.text
        server = _create(mogan, {**made, "flavor": flavor.json()["uuid"]}, "hw-fail")
        shown = mogan.reaches(server, states.ERROR, states.ACTIVE)
        assert shown["status"] == states.ERROR
        assert "raid.apply_configuration" in shown["fault"]["message"]
        mogan.wait(lambda: _restored(ironic, node), "the node freed and restored")
        _check_restored(ironic, node)
        assert server not in mogan.allocations()

    def test_a_failed_restore_puts_the_node_in_maintenance(
        self, ironic, mogan, made, rc
    ):
        """RAID deletion fails at teardown: the server goes, the node stays out."""
        node = _enroll(ironic, mogan, f"{rc}-restore")
        flavor = mogan.client.post(
            "/v1/flavors",
            json={
                "name": f"bm.hwrestore-{uuid.uuid4().hex[:6]}",
                "resources": {mogan_aio.it.placement_class(f"{rc}-restore"): 1},
            },
        )
        assert flavor.status_code == 201, flavor.text
        made = {**made, "flavor": flavor.json()["uuid"]}
        server = _create(mogan, made, "hw-restore")
        shown = mogan.reaches(server, states.ACTIVE, states.ERROR)
        assert shown["status"] == states.ACTIVE, shown.get("fault")
        ironic.call(
            "PATCH",
            f"/v1/nodes/{node}",
            [
                {
                    "op": "add",
                    "path": "/extra/mogan_fail_step",
                    "value": "raid.delete_configuration",
                }
            ],
        )
        assert mogan.client.delete(f"/v1/servers/{server}").status_code == 204
        mogan.wait(
            lambda: mogan.client.get(f"/v1/servers/{server}").status_code == 404,
            "the server to be deleted",
        )
        seen = ironic.node(node)
        assert seen["provision_state"] == "clean failed"
        assert seen["maintenance"] is True
        shown = mogan.client.get(f"/v1/nodes/{node}", headers=V12).json()
        assert shown["maintenance"] is True
        assert not shown["consumable"]
