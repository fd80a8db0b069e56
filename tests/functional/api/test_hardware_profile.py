"""Hardware profiles (microversion 1.5): CRUD, access lists, flavors, precedence.

Profiles are read back through the API and the effective request each
server gets from the database row the API wrote.
"""

import json
from typing import Any

import pytest
import sqlalchemy as sa

from mogan.db import models
from tests.conftest import ADMIN, MEMBER, OTHER
from tests.factories import make_flavor

V15 = {"OpenStack-API-Version": "baremetal-compute 1.5"}
ADMIN_15 = {**ADMIN.headers, **V15}
MEMBER_15 = {**MEMBER.headers, **V15}
OTHER_15 = {**OTHER.headers, **V15}
SHA = "sha256:" + "b" * 64
RAID1 = {
    "logical_disks": [
        {
            "size_gb": "MAX",
            "raid_level": "1",
            "is_root_volume": True,
            "disk_type": "ssd",
        }
    ]
}
RAID10 = {"logical_disks": [{"size_gb": 500, "raid_level": "1+0", "disk_type": "hdd"}]}
PROFILE = {
    "name": "db-server",
    "description": "RAID 1 on SSDs, SR-IOV on",
    "raid": RAID1,
    "bios": {"settings": {"SriovGlobalEnable": "Enabled", "ProcTurboMode": "Enabled"}},
    "firmware": {
        "updates": [
            {"component": "bmc", "url": "https://fw.test/bmc.bin", "checksum": SHA}
        ]
    },
    "traits": ["CUSTOM_RAID"],
}


def fault(resp) -> str:
    """The faultstring inside a v1 error body."""
    return str(json.loads(resp.json()["error_message"])["faultstring"])


def make_profile(client, **overrides: Any) -> dict[str, Any]:
    """Create a profile as admin; returns its body."""
    resp = client.post(
        "/v1/hardware_profiles", json={**PROFILE, **overrides}, headers=ADMIN_15
    )
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


@pytest.fixture
def refs(client) -> dict[str, str]:
    """A whole-disk image and a network."""
    image = client.post(
        "/v1/images",
        json={"name": "whole", "url": "http://i.test/w.raw", "disk_format": "raw"},
        headers=ADMIN.headers,
    ).json()
    net = client.post(
        "/v1/networks", json={"name": "n", "cidr": "10.1.0.0/24"}, headers=ADMIN.headers
    ).json()
    return {"image": image["uuid"], "net": net["uuid"]}


def create_server(client, refs, flavor: str, hardware=None, headers=MEMBER_15):
    """``POST /v1/servers`` with ``hardware``."""
    server: dict[str, Any] = {
        "name": "hw",
        "flavor_uuid": flavor,
        "image_uuid": refs["image"],
        "networks": [{"net_id": refs["net"]}],
    }
    if hardware is not None:
        server["hardware"] = hardware
    return client.post("/v1/servers", json={"server": server}, headers=headers)


def stored_hardware(database, server_uuid: str) -> Any:
    """``servers.hardware`` of the server, from the database."""
    with database.transaction(readonly=True) as session:
        return session.scalar(
            sa.select(models.Server.hardware).where(models.Server.uuid == server_uuid)
        )


class TestCrud:
    def test_create_show_by_name_and_uuid_list(self, client):
        """A profile is shown by uuid and by name, and listed."""
        created = make_profile(client)
        for ref in (created["uuid"], "db-server"):
            shown = client.get(f"/v1/hardware_profiles/{ref}", headers=MEMBER_15)
            assert shown.status_code == 200, shown.text
            assert shown.json()["raid"] == RAID1
            assert shown.json()["traits"] == ["CUSTOM_RAID"]
        listed = client.get("/v1/hardware_profiles", headers=MEMBER_15).json()
        assert [p["name"] for p in listed["hardware_profiles"]] == ["db-server"]

    def test_routes_need_microversion_1_5(self, client):
        """Below 1.5 the collection does not exist."""
        resp = client.get("/v1/hardware_profiles", headers=ADMIN.headers)
        assert resp.status_code == 404

    def test_duplicate_name_is_409(self, client):
        """Names are unique."""
        make_profile(client)
        resp = client.post("/v1/hardware_profiles", json=PROFILE, headers=ADMIN_15)
        assert resp.status_code == 409

    @pytest.mark.parametrize(
        ("override", "field"),
        [
            (
                {
                    "raid": {
                        "logical_disks": [
                            {"size_gb": "MAX", "raid_level": "1"},
                            {"size_gb": "MAX", "raid_level": "0"},
                        ]
                    }
                },
                "hardware.raid.logical_disks[1].size_gb",
            ),
            (
                {"raid": {"logical_disks": [{"size_gb": 1, "raid_level": "3"}]}},
                "raid.logical_disks.0.raid_level",
            ),
            ({"traits": ["lower"]}, "traits.0"),
            (
                {"firmware": {"updates": [{"component": "bmc", "url": "https://x"}]}},
                "firmware.updates.0.checksum",
            ),
        ],
    )
    def test_bad_profile_is_400_naming_field(self, client, override, field):
        """A profile is validated as a request would be."""
        resp = client.post(
            "/v1/hardware_profiles", json={**PROFILE, **override}, headers=ADMIN_15
        )
        assert resp.status_code == 400, resp.text
        assert f"{field}'" in fault(resp), fault(resp)

    def test_patch_changes_and_revalidates(self, client):
        """A patch changes a section; a patched profile that breaks is refused."""
        created = make_profile(client)
        url = f"/v1/hardware_profiles/{created['uuid']}"
        resp = client.patch(
            url,
            json=[{"op": "replace", "path": "/raid", "value": RAID10}],
            headers=ADMIN_15,
        )
        assert resp.status_code == 200, resp.text
        assert client.get(url, headers=ADMIN_15).json()["raid"] == RAID10
        bad = {"logical_disks": [{"size_gb": 0, "raid_level": "1"}]}
        resp = client.patch(
            url,
            json=[{"op": "replace", "path": "/raid", "value": bad}],
            headers=ADMIN_15,
        )
        assert resp.status_code == 400
        assert "raid.logical_disks.0.size_gb" in fault(resp)
        assert client.get(url, headers=ADMIN_15).json()["raid"] == RAID10

    def test_delete_refused_while_a_flavor_names_it(self, client):
        """A profile a flavor names cannot go; once the flavor is gone it can."""
        created = make_profile(client)
        resp = client.post(
            "/v1/flavors",
            json={
                "name": "bm.db",
                "resources": {"CUSTOM_GOLD": 1},
                "default_hardware_profile": "db-server",
            },
            headers=ADMIN_15,
        )
        assert resp.status_code == 201, resp.text
        flavor = resp.json()
        assert flavor["default_hardware_profile"] == created["uuid"]
        url = f"/v1/hardware_profiles/{created['uuid']}"
        assert client.delete(url, headers=ADMIN_15).status_code == 409
        assert (
            client.delete(f"/v1/flavors/{flavor['uuid']}", headers=ADMIN_15).status_code
            == 204
        )
        assert client.delete(url, headers=ADMIN_15).status_code == 204
        assert client.get(url, headers=ADMIN_15).status_code == 404


class TestAccess:
    def test_private_profile_is_seen_only_where_shared(self, client):
        """A private profile is hidden from other projects until shared."""
        created = make_profile(client, is_public=False)
        url = f"/v1/hardware_profiles/{created['uuid']}"
        assert client.get(url, headers=MEMBER_15).status_code == 404
        listed = client.get("/v1/hardware_profiles", headers=MEMBER_15).json()
        assert listed["hardware_profiles"] == []
        resp = client.post(
            f"{url}/access", json={"tenant_id": MEMBER.project_id}, headers=ADMIN_15
        )
        assert resp.status_code == 204
        assert client.get(url, headers=MEMBER_15).status_code == 200
        assert client.get(url, headers=OTHER_15).status_code == 404
        access = client.get(f"{url}/access", headers=ADMIN_15).json()
        assert access == {"hardware_profile_access": [MEMBER.project_id]}
        resp = client.delete(f"{url}/access/{MEMBER.project_id}", headers=ADMIN_15)
        assert resp.status_code == 204
        assert client.get(url, headers=MEMBER_15).status_code == 404

    def test_public_profile_has_no_access_list(self, client):
        """Sharing a public profile is a conflict; its list is not found."""
        created = make_profile(client)
        url = f"/v1/hardware_profiles/{created['uuid']}/access"
        assert client.get(url, headers=ADMIN_15).status_code == 404
        resp = client.post(url, json={"tenant_id": "p"}, headers=ADMIN_15)
        assert resp.status_code == 409


class TestPrecedence:
    def test_member_uses_profile_with_bios_and_firmware(self, client, refs, database):
        """Profiles may carry BIOS and firmware members could not send raw."""
        make_profile(client)
        flavor = make_flavor(client, name="bm.any")
        resp = create_server(client, refs, flavor["uuid"], {"profile": "db-server"})
        assert resp.status_code == 201, resp.text
        hardware = stored_hardware(database, resp.json()["uuid"])
        assert hardware["raid"] == RAID1
        assert hardware["bios"] == PROFILE["bios"]
        assert hardware["firmware"] == PROFILE["firmware"]
        assert hardware["traits"] == ["CUSTOM_RAID"]

    def test_flavor_default_applies_when_request_names_none(
        self, client, refs, database
    ):
        """The flavor's default profile fills a request without one."""
        created = make_profile(client)
        resp = client.post(
            "/v1/flavors",
            json={
                "name": "bm.db",
                "resources": {"CUSTOM_GOLD": 1},
                "default_hardware_profile": created["uuid"],
            },
            headers=ADMIN_15,
        )
        flavor = resp.json()
        resp = create_server(client, refs, flavor["uuid"])
        assert resp.status_code == 201, resp.text
        hardware = stored_hardware(database, resp.json()["uuid"])
        assert hardware["profile"] == created["uuid"]
        assert hardware["raid"] == RAID1

    def test_request_over_profile_over_flavor_default(self, client, refs, database):
        """Request sections beat the named profile, which beats the default."""
        default = make_profile(client, name="default", raid=RAID10)
        chosen = make_profile(client, name="chosen")
        resp = client.post(
            "/v1/flavors",
            json={
                "name": "bm.db",
                "resources": {"CUSTOM_GOLD": 1},
                "default_hardware_profile": "default",
                "allowed_hardware_profiles": ["chosen"],
            },
            headers=ADMIN_15,
        )
        assert resp.status_code == 201, resp.text
        flavor = resp.json()
        assert flavor["allowed_hardware_profiles"] == [chosen["uuid"]]
        raid0 = {"logical_disks": [{"size_gb": 200, "raid_level": "0"}]}
        resp = create_server(
            client,
            refs,
            flavor["uuid"],
            {
                "profile": "chosen",
                "raid": raid0,
                "bios": {"settings": {"ProcTurboMode": "Disabled"}},
            },
            headers=ADMIN_15,
        )
        assert resp.status_code == 201, resp.text
        hardware = stored_hardware(database, resp.json()["uuid"])
        assert hardware["profile"] == chosen["uuid"] != default["uuid"]
        assert hardware["raid"] == raid0
        # NOTE: BIOS settings merge by name; the request's value wins.
        assert hardware["bios"]["settings"] == {
            "SriovGlobalEnable": "Enabled",
            "ProcTurboMode": "Disabled",
        }
        assert hardware["firmware"] == PROFILE["firmware"]
        shown = client.get(f"/v1/servers/{resp.json()['uuid']}", headers=ADMIN_15)
        assert shown.json()["hardware"]["raid"] == raid0

    def test_profile_outside_flavor_allowed_list_is_400(self, client, refs):
        """A flavor with allowed profiles refuses any other, naming the field."""
        make_profile(client, name="allowed")
        make_profile(client, name="other")
        resp = client.post(
            "/v1/flavors",
            json={
                "name": "bm.db",
                "resources": {"CUSTOM_GOLD": 1},
                "allowed_hardware_profiles": ["allowed"],
            },
            headers=ADMIN_15,
        )
        flavor = resp.json()
        resp = create_server(client, refs, flavor["uuid"], {"profile": "other"})
        assert resp.status_code == 400
        assert "'hardware.profile'" in fault(resp)
        resp = create_server(client, refs, flavor["uuid"], {"profile": "allowed"})
        assert resp.status_code == 201, resp.text

    def test_hidden_private_profile_is_400(self, client, refs):
        """A private profile not shared with the project is unknown to it."""
        make_profile(client, name="secret", is_public=False)
        flavor = make_flavor(client, name="bm.any")
        resp = create_server(client, refs, flavor["uuid"], {"profile": "secret"})
        assert resp.status_code == 400
        assert "'hardware.profile'" in fault(resp)

    def test_merged_request_is_validated_whole(self, client, refs):
        """A layout fitting alone but not in the profile's root volume is refused."""
        make_profile(
            client,
            name="small-root",
            raid={
                "logical_disks": [
                    {"size_gb": 40, "raid_level": "1", "is_root_volume": True}
                ]
            },
            bios=None,
            firmware=None,
        )
        flavor = make_flavor(client, name="bm.any")
        resp = create_server(
            client,
            refs,
            flavor["uuid"],
            {
                "profile": "small-root",
                "partitions": {
                    "root_gb": 30,
                    "layout": [{"mount": "/data", "size_gb": 20, "fs": "xfs"}],
                },
            },
        )
        assert resp.status_code == 400
        assert "'hardware.partitions.layout'" in fault(resp)

    def test_unknown_profile_in_flavor_is_400(self, client):
        """A flavor naming a missing profile is refused, naming the field."""
        resp = client.post(
            "/v1/flavors",
            json={
                "name": "bm.db",
                "resources": {"CUSTOM_GOLD": 1},
                "allowed_hardware_profiles": ["ghost"],
            },
            headers=ADMIN_15,
        )
        assert resp.status_code == 400
        assert "'allowed_hardware_profiles'" in fault(resp)
        resp = client.post(
            "/v1/flavors",
            json={
                "name": "bm.db",
                "resources": {"CUSTOM_GOLD": 1},
                "default_hardware_profile": "ghost",
            },
            headers=ADMIN.headers,
        )
        assert resp.status_code == 400
        assert "default_hardware_profile" in fault(resp)


class TestFlavorProfiles:
    def test_patch_sets_default_and_allowed_profiles(self, client, refs, database):
        """A flavor's profiles change by JSON patch at 1.5; new servers follow."""
        created = make_profile(client)
        flavor = make_flavor(client, name="bm.patch")
        url = f"/v1/flavors/{flavor['uuid']}"
        ops = [
            {
                "op": "replace",
                "path": "/default_hardware_profile",
                "value": "db-server",
            },
            {
                "op": "replace",
                "path": "/allowed_hardware_profiles",
                "value": ["db-server"],
            },
        ]
        resp = client.patch(url, json=ops, headers=ADMIN_15)
        assert resp.status_code == 200, resp.text
        assert resp.json()["default_hardware_profile"] == created["uuid"]
        assert resp.json()["allowed_hardware_profiles"] == [created["uuid"]]
        server = create_server(client, refs, flavor["uuid"])
        assert server.status_code == 201, server.text
        assert stored_hardware(database, server.json()["uuid"])["raid"] == RAID1

    def test_patch_below_1_5_is_refused(self, client):
        """The profile fields are not patchable before microversion 1.5."""
        flavor = make_flavor(client, name="bm.old")
        resp = client.patch(
            f"/v1/flavors/{flavor['uuid']}",
            json=[{"op": "replace", "path": "/default_hardware_profile", "value": "x"}],
            headers=ADMIN.headers,
        )
        assert resp.status_code == 400
        assert "'default_hardware_profile'" in fault(resp)
