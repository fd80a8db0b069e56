"""The config drive a driver receives for a server with a bond and a layout.

Through the real API at microversion 1.5, the engine, the scheduler and
the fake fleet: the deploy (and later the rebuild) request handed to the
driver carries the bond as ``type: bond`` links on the node's ports and the
partition layout as cloud-init vendor data.
"""

import dataclasses
import json

from mogan import states
from mogan.drivers import base, fake, fake_inventory
from mogan.engine import configdrive_network, configdrive_vendor, node_sync
from tests.conftest import ADMIN
from tests.functional.api import engine_support
from tests.functional.api.engine_support import show, wait_for

globals().update(engine_support.FIXTURES)

V15 = {"OpenStack-API-Version": "baremetal-compute 1.5"}
BOND = {
    "mode": "802.3ad",
    "links": 2,
    "miimon": 100,
    "xmit_hash_policy": "layer3+4",
    "lacp_rate": "fast",
    "mtu": 9000,
}
PARTITIONS = {
    "root_gb": 10,
    "layout": [
        {"mount": "/var/lib/data", "size_gb": "MAX", "fs": "xfs", "label": "data"},
        {"mount": "/var/log/app", "size_gb": 5, "fs": "ext4"},
    ],
}


class RecordingDriver(fake.FakeDriver):
    """The fake driver, keeping the deploy and rebuild requests it was handed."""

    def __init__(self, path: str) -> None:
        """Share the fleet in ``path``."""
        super().__init__(path)
        self.deploys: list[base.DeployRequest] = []
        self.rebuilds: list[base.DeployRequest] = []

    def start_deploy(self, node_uuid: str, request: base.DeployRequest) -> None:
        """Record, then deploy."""
        self.deploys.append(request)
        super().start_deploy(node_uuid, request)

    def start_rebuild(self, node_uuid: str, request: base.DeployRequest) -> None:
        """Record, then rebuild."""
        self.rebuilds.append(request)
        super().start_rebuild(node_uuid, request)


def _node(world) -> tuple[str, tuple[str, ...]]:
    """One node with 2 ports on one physical network; its uuid and ports."""
    (node_uuid,) = world.enroll(1, ports=2)
    ports = world.driver.get_node(node_uuid).ports
    inventory = dataclasses.replace(
        fake_inventory.generate("configdrive", ports),
        nics=tuple(
            base.InventoryNic(mac, physical_network="physnet1") for mac in ports
        ),
    )
    world.driver.set_inventory(node_uuid, inventory)
    node_sync.sync_node(world.db, world.driver, world.placement, node_uuid)
    return node_uuid, ports


def _latest(request: base.DeployRequest, name: str):
    return json.loads(request.config_drive[f"openstack/latest/{name}"])


def _check_drive(request: base.DeployRequest, ports: tuple[str, ...]) -> None:
    """The bond on both ports and the layout's vendor data are on the drive."""
    links = _latest(request, "network_data.json")["links"]
    bond = next(link for link in links if link["type"] == "bond")
    members = [configdrive_network.member_link_id(mac) for mac in ports]
    assert bond["id"] == "bond0"
    assert bond["bond_mode"] == "802.3ad"
    assert sorted(bond["bond_links"]) == sorted(members)
    assert bond["ethernet_mac_address"].lower() in {mac.lower() for mac in ports}
    assert (bond["bond_miimon"], bond["bond_lacp_rate"], bond["mtu"]) == (
        100,
        "fast",
        9000,
    )
    phys = {link["id"] for link in links if link["type"] == "phy"}
    assert phys == set(members)
    network = _latest(request, "network_data.json")["networks"][0]
    assert network["link"] == "bond0"
    vendor = _latest(request, "vendor_data.json")
    config = json.loads(vendor["cloud-init"].removeprefix("#cloud-config\n"))
    assert [m[:3] for m in config["mounts"]] == [
        ["LABEL=data", "/var/lib/data", "xfs"],
        ["PARTLABEL=mogan-2", "/var/log/app", "ext4"],
    ]
    assert [fs["device"] for fs in config["fs_setup"]] == [
        "/dev/disk/by-partlabel/mogan-1",
        "/dev/disk/by-partlabel/mogan-2",
    ]
    assert [cmd[2] for cmd in config["bootcmd"]] == [
        configdrive_vendor.partition_name(1),
        configdrive_vendor.partition_name(0),
    ]


class TestConfigDriveThroughTheApi:
    def test_bond_and_layout_reach_the_driver_on_build_and_rebuild(
        self, world, api, engine_factory, tmp_path
    ):
        """Build and rebuild drives carry the bond links and the vendor data."""
        _, ports = _node(world)
        recording = RecordingDriver(str(tmp_path))
        engine_factory(with_driver=recording)
        resp = api.post(
            "/v1/servers",
            json={
                "server": {
                    "name": "cd",
                    "flavor_uuid": world.flavor_uuid,
                    "image_uuid": world.image_uuid,
                    "networks": [{"net_id": world.network_uuid, "bond": BOND}],
                    "hardware": {"partitions": PARTITIONS},
                }
            },
            headers={**ADMIN.headers, **V15},
        )
        assert resp.status_code == 201, resp.text
        uuid = resp.json()["uuid"]
        wait_for(lambda: show(api, uuid).json()["status"] == states.ACTIVE)
        (deployed,) = recording.deploys
        _check_drive(deployed, ports)

        rebuild = api.put(
            f"/v1/servers/{uuid}/states/provision",
            json={"target": "rebuild"},
            headers=ADMIN.headers,
        )
        assert rebuild.status_code == 202, rebuild.text
        wait_for(lambda: recording.rebuilds)
        wait_for(lambda: show(api, uuid).json()["status"] == states.ACTIVE)
        (rebuilt,) = recording.rebuilds
        _check_drive(rebuilt, ports)
        recording.close()
