"""Server hardware requests (microversion 1.5) through the real app and DB.

Every validation of issue 11 section 4 (first bullet) is a 400 naming the
field; what is accepted is read back from the server row and the build
arguments the API wrote, and shown on ``GET /v1/servers/{uuid}``.
"""

import copy
import json
from typing import Any

import pytest
import sqlalchemy as sa

from mogan.db import models
from mogan.services import workflow_args
from tests.conftest import ADMIN, MEMBER
from tests.factories import make_flavor

V15 = {"OpenStack-API-Version": "baremetal-compute 1.5"}
MEMBER_15 = {**MEMBER.headers, **V15}
ADMIN_15 = {**ADMIN.headers, **V15}
SHA = "sha256:" + "a" * 64

ISSUE_HARDWARE: dict[str, Any] = {
    "raid": {
        "logical_disks": [
            {
                "size_gb": 100,
                "raid_level": "1",
                "is_root_volume": True,
                "disk_type": "ssd",
                "number_of_physical_disks": 2,
            },
            {
                "size_gb": "MAX",
                "raid_level": "5",
                "disk_type": "hdd",
                "controller": "software",
            },
        ]
    },
    "partitions": {
        "root_gb": 50,
        "swap_mb": 4096,
        "ephemeral_gb": 0,
        "layout": [
            {"mount": "/var/lib/data", "size_gb": "MAX", "fs": "xfs", "label": "data"}
        ],
    },
}
BIOS = {"settings": {"SriovGlobalEnable": "Enabled", "ProcTurboMode": "Disabled"}}
FIRMWARE = {
    "updates": [
        {"component": "bios", "url": "http://fw.test/bios-2.19.1.bin", "checksum": SHA}
    ]
}
BOND = {
    "mode": "802.3ad",
    "links": 2,
    "miimon": 100,
    "xmit_hash_policy": "layer3+4",
    "lacp_rate": "fast",
    "mtu": 9000,
}


def fault(resp) -> str:
    """The faultstring inside a v1 error body."""
    return str(json.loads(resp.json()["error_message"])["faultstring"])


@pytest.fixture
def refs(client) -> dict[str, str]:
    """A flavor, a whole-disk image and a network."""
    flavor = make_flavor(client, name="bm.hw")
    image = client.post(
        "/v1/images",
        json={"name": "whole", "url": "http://i.test/w.raw", "disk_format": "raw"},
        headers=ADMIN.headers,
    ).json()
    net = client.post(
        "/v1/networks", json={"name": "n", "cidr": "10.1.0.0/24"}, headers=ADMIN.headers
    ).json()
    return {"flavor": flavor["uuid"], "image": image["uuid"], "net": net["uuid"]}


def body(refs, hardware=None, bond=None, **server) -> dict:
    """A create body with hardware, a bond on the NIC and other fields."""
    nic: dict[str, Any] = {"net_id": refs["net"]}
    if bond is not None:
        nic["bond"] = bond
    base: dict[str, Any] = {
        "name": "hw",
        "flavor_uuid": refs["flavor"],
        "image_uuid": refs["image"],
        "networks": [nic],
    }
    if hardware is not None:
        base["hardware"] = hardware
    base.update(server)
    return {"server": base}


def stored(database, server_uuid: str) -> tuple[Any, workflow_args.BuildArgs]:
    """The server's stored hardware and the build arguments of its workflow."""
    with database.transaction(readonly=True) as session:
        server = session.scalars(
            sa.select(models.Server).where(models.Server.uuid == server_uuid)
        ).one()
        args = session.scalars(sa.select(models.Workflow.args)).one()
        hardware = server.hardware
    schedule = workflow_args.ScheduleArgs.model_validate(args)
    return hardware, schedule.build_args


def with_(path: str, value: Any, base: dict[str, Any] | None = None) -> dict:
    """A copy of the issue's hardware with ``value`` at the dotted ``path``."""
    doc = copy.deepcopy(base if base is not None else ISSUE_HARDWARE)
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is DELETE:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return doc


DELETE = object()


class TestAccepted:
    def test_issue_request_is_stored_and_travels_typed(self, client, refs, database):
        """The issue's request (RAID, layout, bond) lands on the row and the build."""
        resp = client.post(
            "/v1/servers", json=body(refs, ISSUE_HARDWARE, BOND), headers=MEMBER_15
        )
        assert resp.status_code == 201, resp.text
        hardware, build = stored(database, resp.json()["uuid"])
        assert hardware["raid"]["logical_disks"][1]["size_gb"] == "MAX"
        assert hardware["partitions"]["layout"][0]["mount"] == "/var/lib/data"
        assert hardware["bonds"] == [{"network": 0, **BOND}]
        typed = workflow_args.hardware_of(build)
        assert typed is not None
        assert [d.raid_level for d in typed.raid] == ["1", "5"]
        assert typed.raid[1].size_gb is None
        assert typed.raid[0].is_root_volume
        assert typed.partitions is not None
        assert typed.partitions.root_gb == 50
        assert typed.partitions.layout[0].size_gb is None
        (bond,) = typed.bonds
        assert (bond.mode, bond.links_count, bond.network_id) == (
            "802.3ad",
            2,
            refs["net"],
        )
        assert bond.links == ()
        # NOTE: the engine resolves the bond to node ports from the network entry.
        assert build.networks == [{"net_id": refs["net"], "bond": BOND}]

    def test_show_has_request_and_pending_results(self, client, refs):
        """GET shows the request and each section pending until the engine reports."""
        created = client.post(
            "/v1/servers", json=body(refs, ISSUE_HARDWARE, BOND), headers=MEMBER_15
        ).json()
        shown = client.get(f"/v1/servers/{created['uuid']}", headers=MEMBER_15).json()
        assert shown["hardware"]["raid"] == created["hardware"]["raid"]
        assert shown["hardware"]["result"] == {
            "raid": {"status": "pending"},
            "bonds": {"status": "pending"},
        }
        old = client.get(f"/v1/servers/{created['uuid']}", headers=MEMBER.headers)
        assert "hardware" not in old.json()

    def test_admin_may_send_raw_bios_and_firmware(self, client, refs, database):
        """Raw BIOS and firmware pass for admins and are typed as text."""
        hardware = {
            "bios": {"settings": {"NumLock": True, "Cores": 8}},
            "firmware": FIRMWARE,
        }
        resp = client.post("/v1/servers", json=body(refs, hardware), headers=ADMIN_15)
        assert resp.status_code == 201, resp.text
        _, build = stored(database, resp.json()["uuid"])
        typed = workflow_args.hardware_of(build)
        assert typed is not None
        assert {(s.name, s.value) for s in typed.bios} == {
            ("NumLock", "true"),
            ("Cores", "8"),
        }
        assert typed.firmware[0].checksum == SHA

    def test_no_hardware_stores_nothing(self, client, refs, database):
        """A request without hardware keeps the row and build empty of it."""
        resp = client.post("/v1/servers", json=body(refs), headers=MEMBER_15)
        assert resp.status_code == 201, resp.text
        hardware, build = stored(database, resp.json()["uuid"])
        assert hardware is None
        assert build.hardware is None
        assert resp.json()["hardware"] is None


class TestRefused:
    @pytest.mark.parametrize(
        ("hardware", "bond", "field"),
        [
            (
                with_("raid.logical_disks.0.raid_level", "7"),
                None,
                "hardware.raid.logical_disks.0.raid_level",
            ),
            (
                with_("raid.logical_disks.0.size_gb", 0),
                None,
                "hardware.raid.logical_disks.0.size_gb",
            ),
            (
                with_("raid.logical_disks.0.size_gb", -5),
                None,
                "hardware.raid.logical_disks.0.size_gb",
            ),
            (
                with_(
                    "raid.logical_disks.1",
                    {"size_gb": "MAX", "raid_level": "1", "disk_type": "ssd"},
                    with_("raid.logical_disks.0.size_gb", "MAX"),
                ),
                None,
                "hardware.raid.logical_disks[1].size_gb",
            ),
            (
                with_("raid.logical_disks.1.is_root_volume", True),
                None,
                "hardware.raid.logical_disks[1].is_root_volume",
            ),
            (
                with_("partitions.layout.0.size_gb", 60),
                None,
                "hardware.partitions.layout",
            ),
            (
                with_("partitions.root_gb", 200, with_("partitions.layout", [])),
                None,
                "hardware.partitions.layout",
            ),
            (
                with_(
                    "partitions.layout",
                    [
                        {"mount": "/a", "size_gb": "MAX", "fs": "xfs"},
                        {"mount": "/b", "size_gb": "MAX", "fs": "xfs"},
                    ],
                ),
                None,
                "hardware.partitions.layout[1].size_gb",
            ),
            (
                with_("partitions.layout.0.size_gb", 0),
                None,
                "hardware.partitions.layout.0.size_gb",
            ),
            (
                with_("partitions.layout.0.label", "a-label-of-13"),
                None,
                "hardware.partitions.layout[0].label",
            ),
            (
                with_("partitions.layout.0.mount", "/etc"),
                None,
                "hardware.partitions.layout[0].mount",
            ),
            (
                with_("partitions.layout.0.mount", "/data/../etc"),
                None,
                "hardware.partitions.layout[0].mount",
            ),
            (
                with_("partitions.layout.0.mount", "/da\x7fta"),
                None,
                "hardware.partitions.layout.0.mount",
            ),
            (
                with_("partitions.layout.0.fs", "ntfs"),
                None,
                "hardware.partitions.layout.0.fs",
            ),
            (None, {**BOND, "mode": "802.3ab"}, "networks.0.bond.mode"),
            (None, {**BOND, "links": 1}, "networks.0.bond.links"),
            (None, {**BOND, "mtu": 100000}, "networks.0.bond.mtu"),
            (
                None,
                {"mode": "active-backup", "lacp_rate": "fast"},
                "networks.0.bond",
            ),
            ({"profile": "nope"}, None, "hardware.profile"),
        ],
    )
    def test_400_names_the_field(self, client, refs, database, hardware, bond, field):
        """Each bad hardware value is a 400 naming its field; nothing is written."""
        resp = client.post(
            "/v1/servers", json=body(refs, hardware, bond), headers=MEMBER_15
        )
        assert resp.status_code == 400, resp.text
        assert f"{field}'" in fault(resp), fault(resp)
        with database.transaction(readonly=True) as session:
            assert session.scalar(sa.select(sa.func.count(models.Server.id))) == 0

    @pytest.mark.parametrize(
        ("update", "field"),
        [
            (
                {"component": "bios", "url": "ftp://fw.test/b.bin", "checksum": SHA},
                "hardware.firmware.updates.0.url",
            ),
            (
                {"component": "bios", "url": "file:///etc/passwd", "checksum": SHA},
                "hardware.firmware.updates.0.url",
            ),
            (
                {"component": "bios", "url": "http://fw.test/b.bin"},
                "hardware.firmware.updates.0.checksum",
            ),
            (
                {"component": "bios", "url": "http://fw.test/b.bin", "checksum": "x"},
                "hardware.firmware.updates.0.checksum",
            ),
        ],
    )
    def test_firmware_needs_http_and_checksum(self, client, refs, update, field):
        """A firmware URL that is not http(s), or a missing checksum, is a 400."""
        resp = client.post(
            "/v1/servers",
            json=body(refs, {"firmware": {"updates": [update]}}),
            headers=ADMIN_15,
        )
        assert resp.status_code == 400, resp.text
        assert f"{field}'" in fault(resp), fault(resp)

    def test_bios_value_of_no_known_type_is_400(self, client, refs):
        """A BIOS value that is neither text, integer nor boolean is refused."""
        resp = client.post(
            "/v1/servers",
            json=body(refs, {"bios": {"settings": {"Cores": [1, 2]}}}),
            headers=ADMIN_15,
        )
        assert resp.status_code == 400, resp.text
        assert "hardware.bios.settings.Cores" in fault(resp)

    @pytest.mark.parametrize("section", ["bios", "firmware"])
    def test_raw_bios_and_firmware_need_policy(self, client, refs, database, section):
        """Members may not send raw BIOS or firmware (default: admins only)."""
        hardware = {"bios": BIOS, "firmware": FIRMWARE}[section]
        resp = client.post(
            "/v1/servers", json=body(refs, {section: hardware}), headers=MEMBER_15
        )
        assert resp.status_code == 403, resp.text
        assert f"create:hardware_{section}" in fault(resp)
        with database.transaction(readonly=True) as session:
            assert session.scalar(sa.select(sa.func.count(models.Server.id))) == 0

    def test_hardware_needs_microversion_1_5(self, client, refs):
        """Below 1.5 hardware and bonds are refused, naming the field."""
        resp = client.post(
            "/v1/servers", json=body(refs, ISSUE_HARDWARE), headers=MEMBER.headers
        )
        assert resp.status_code == 400
        assert "'hardware'" in fault(resp)
        resp = client.post(
            "/v1/servers", json=body(refs, bond=BOND), headers=MEMBER.headers
        )
        assert resp.status_code == 400
        assert "'networks[0].bond'" in fault(resp)

    def test_partitions_in_both_places_is_400(self, client, refs):
        """v1's top-level partitions and hardware.partitions together are refused."""
        resp = client.post(
            "/v1/servers",
            json=body(
                refs,
                {"partitions": {"root_gb": 10}},
                partitions={"root_gb": 10},
            ),
            headers=MEMBER_15,
        )
        assert resp.status_code == 400
        assert "'hardware.partitions'" in fault(resp)
