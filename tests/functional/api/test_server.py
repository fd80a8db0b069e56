"""Server API without an engine: validation, visibility, listing, patch, lock.

The engine side (servers becoming ACTIVE) is covered in tests/engine; here
every request stops at the rows and workflow the API writes.
"""

import base64
import json

import pytest
import sqlalchemy as sa

from mogan.db import models
from tests.conftest import ADMIN, MEMBER, OTHER, READER
from tests.factories import make_flavor


def fault(resp) -> str:
    """The faultstring inside a v1 error body."""
    return str(json.loads(resp.json()["error_message"])["faultstring"])


@pytest.fixture
def refs(client) -> dict[str, str]:
    """A flavor, a whole-disk and a partition image, and a network."""
    flavor = make_flavor(client, name="bm.s")
    disabled = make_flavor(client, name="bm.off", disabled=True)
    whole = client.post(
        "/v1/images",
        json={"name": "whole", "url": "http://i.test/w.raw", "disk_format": "raw"},
        headers=ADMIN.headers,
    ).json()
    kernel = client.post(
        "/v1/images",
        json={"name": "k", "url": "http://i.test/k", "disk_format": "aki"},
        headers=ADMIN.headers,
    )
    kernel_id = kernel.json()["uuid"] if kernel.status_code == 201 else None
    partition = None
    if kernel_id:
        partition = client.post(
            "/v1/images",
            json={
                "name": "part",
                "url": "http://i.test/p.qcow2",
                "disk_format": "qcow2",
                "kernel_id": kernel_id,
                "ramdisk_id": kernel_id,
                "min_disk": 20,
            },
            headers=ADMIN.headers,
        ).json()["uuid"]
    net = client.post(
        "/v1/networks", json={"name": "n", "cidr": "10.1.0.0/24"}, headers=ADMIN.headers
    ).json()
    return {
        "flavor": flavor["uuid"],
        "disabled": disabled["uuid"],
        "image": whole["uuid"],
        "partition_image": partition or "",
        "net": net["uuid"],
    }


def body(refs, **server) -> dict:
    """A create body with ``server`` fields overriding the defaults."""
    base = {
        "name": "s",
        "flavor_uuid": refs["flavor"],
        "image_uuid": refs["image"],
        "networks": [{"net_id": refs["net"]}],
    }
    base.update(server)
    return {"server": base}


class TestCreate:
    def test_create_writes_building_servers_and_one_workflow(
        self, client, refs, database
    ):
        """max_count servers start building, named -1..-N, with one workflow."""
        resp = client.post(
            "/v1/servers",
            json=body(refs, name="web", max_count=3),
            headers=MEMBER.headers,
        )
        assert resp.status_code == 201
        assert resp.json()["status"] == "building"
        assert resp.json()["locked"] is False
        listed = client.get("/v1/servers?sort_key=name", headers=MEMBER.headers).json()
        assert [s["name"] for s in listed["servers"]] == ["web-1", "web-2", "web-3"]
        with database.transaction() as session:
            kinds = session.scalars(sa.select(models.Workflow.kind)).all()
        assert kinds == ["schedule"]

    def test_non_admin_view_has_no_admin_fields(self, client, refs):
        """Members never see node, affinity_zone or system_metadata."""
        created = client.post(
            "/v1/servers", json=body(refs), headers=MEMBER.headers
        ).json()
        assert not {"node", "affinity_zone", "system_metadata"} & set(created)
        admin_view = client.get(f"/v1/servers/{created['uuid']}", headers=ADMIN.headers)
        assert {"node", "affinity_zone", "system_metadata"} <= set(admin_view.json())

    @pytest.mark.parametrize(
        ("override", "status", "needle"),
        [
            ({"flavor_uuid": "00000000-0000-0000-0000-000000000001"}, 404, "Flavor"),
            ({"image_uuid": "00000000-0000-0000-0000-000000000002"}, 404, "Image"),
            (
                {"networks": [{"net_id": "00000000-0000-0000-0000-000000000003"}]},
                404,
                "Network",
            ),
            ({"key_name": "nope"}, 404, "Keypair"),
            ({"min_count": 3, "max_count": 2}, 400, "min_count"),
            ({"user_data": "not base64!"}, 400, "user_data"),
            (
                {"user_data": base64.b64encode(b"x" * 60000).decode()},
                400,
                "user_data",
            ),
            ({"partitions": {"root_gb": 10}}, 400, "partitions"),
            ({"availability_zone": "nowhere"}, 404, "nowhere"),
            ({"networks": []}, 400, "networks"),
            ({"networks": [{"net_id": "x", "port_id": "y"}]}, 400, "networks"),
            ({"name": "x" * 256}, 400, "name"),
            ({"bogus": 1}, 400, "bogus"),
        ],
    )
    def test_bad_requests_are_clear_4xx(self, client, refs, override, status, needle):
        """Unknown references and invalid fields are refused, saying which."""
        resp = client.post(
            "/v1/servers", json=body(refs, **override), headers=MEMBER.headers
        )
        assert resp.status_code == status, resp.text
        assert needle in fault(resp)

    def test_disabled_flavor_is_400_for_admin_and_404_for_members(self, client, refs):
        """Members cannot see a disabled flavor; admins are told it is disabled."""
        member = client.post(
            "/v1/servers",
            json=body(refs, flavor_uuid=refs["disabled"]),
            headers=MEMBER.headers,
        )
        admin = client.post(
            "/v1/servers",
            json=body(refs, flavor_uuid=refs["disabled"]),
            headers=ADMIN.headers,
        )
        assert (member.status_code, admin.status_code) == (404, 400)
        assert "disabled" in fault(admin)

    def test_unknown_server_group_is_400(self, client, refs):
        """A scheduler hint naming an unknown group is refused, naming the field."""
        resp = client.post(
            "/v1/servers",
            json={
                **body(refs),
                "scheduler_hints": {"group": "00000000-0000-0000-0000-00000000000a"},
            },
            headers=MEMBER.headers,
        )
        assert resp.status_code == 400
        assert "scheduler_hints.group" in resp.json()["error_message"]

    def test_partition_image_needs_room_for_min_disk(self, client, refs):
        """Partitions smaller than the image's min_disk are refused."""
        if not refs["partition_image"]:
            pytest.skip("image catalogue refused the kernel image format")
        resp = client.post(
            "/v1/servers",
            json=body(
                refs, image_uuid=refs["partition_image"], partitions={"root_gb": 5}
            ),
            headers=MEMBER.headers,
        )
        assert resp.status_code == 400
        assert "root_gb" in fault(resp)

    def test_user_data_within_limit_is_accepted(self, client, refs):
        """Valid base64 user data under 64 KiB is fine."""
        data = base64.b64encode(b"#!/bin/sh\necho hi\n").decode()
        resp = client.post(
            "/v1/servers", json=body(refs, user_data=data), headers=MEMBER.headers
        )
        assert resp.status_code == 201


class TestListing:
    def test_projects_see_only_their_servers(self, client, refs):
        """Listings are per project; all_tenants works only for admins."""
        client.post("/v1/servers", json=body(refs, name="a"), headers=MEMBER.headers)
        client.post("/v1/servers", json=body(refs, name="b"), headers=OTHER.headers)
        mine = client.get("/v1/servers", headers=MEMBER.headers).json()["servers"]
        sneaky = client.get(
            "/v1/servers?all_tenants=true", headers=MEMBER.headers
        ).json()
        everyone = client.get("/v1/servers?all_tenants=1", headers=ADMIN.headers).json()
        assert [s["name"] for s in mine] == ["a"]
        assert [s["name"] for s in sneaky["servers"]] == ["a"]
        assert sorted(s["name"] for s in everyone["servers"]) == ["a", "b"]

    def test_filters_and_pagination(self, client, refs):
        """The name filter is a prefix; limit and marker page through in order."""
        for name in ("alpha", "beta", "alps"):
            client.post(
                "/v1/servers", json=body(refs, name=name), headers=MEMBER.headers
            )
        al = client.get(
            "/v1/servers?name=al&sort_key=name", headers=MEMBER.headers
        ).json()
        assert [s["name"] for s in al["servers"]] == ["alpha", "alps"]
        page = client.get(
            "/v1/servers?limit=2&sort_key=name", headers=MEMBER.headers
        ).json()
        marker = page["servers"][-1]["uuid"]
        rest = client.get(
            f"/v1/servers?sort_key=name&marker={marker}", headers=MEMBER.headers
        ).json()
        assert [s["name"] for s in page["servers"] + rest["servers"]] == [
            "alpha",
            "alps",
            "beta",
        ]

    @pytest.mark.parametrize("status", ["ACTIVE", "active", "Active", " active "])
    @pytest.mark.parametrize("path", ["/v1/servers", "/v1/servers/detail"])
    def test_status_filter_ignores_case(self, client, refs, database, status, path):
        """``--status ACTIVE`` (Nova's habit) finds active servers."""
        for name in ("up", "building"):
            client.post(
                "/v1/servers", json=body(refs, name=name), headers=MEMBER.headers
            )
        with database.transaction() as session:
            session.execute(
                sa.update(models.Server)
                .where(models.Server.name == "up")
                .values(status="active")
            )
        resp = client.get(path, params={"status": status}, headers=MEMBER.headers)
        assert resp.status_code == 200, resp.text
        assert [s["name"] for s in resp.json()["servers"]] == ["up"]

    def test_unknown_status_is_400_listing_the_valid_ones(self, client):
        """``--status bogus`` is refused rather than answered with nothing."""
        resp = client.get("/v1/servers?status=bogus", headers=MEMBER.headers)
        assert resp.status_code == 400
        message = fault(resp)
        assert "'status'" in message
        assert "bogus" in message
        for status in ("active", "building", "error", "stopped"):
            assert status in message

    @pytest.mark.parametrize(
        "query",
        ["sort_key=bogus", "sort_dir=up", "limit=-1", "marker=nope", "color=red"],
    )
    def test_bad_queries_are_400(self, client, query):
        """Bad sort keys, directions, limits, markers and unknown parameters are 400."""
        assert (
            client.get(f"/v1/servers?{query}", headers=MEMBER.headers).status_code
            == 400
        )


class TestPatchAndLock:
    def test_patch_name_and_metadata_only(self, client, refs):
        """Name, description and metadata change; other fields are internal."""
        uuid = client.post(
            "/v1/servers", json=body(refs), headers=MEMBER.headers
        ).json()["uuid"]
        ok = client.patch(
            f"/v1/servers/{uuid}",
            json=[
                {"op": "replace", "path": "/name", "value": "renamed"},
                {"op": "add", "path": "/metadata/role", "value": "db"},
            ],
            headers=MEMBER.headers,
        )
        assert ok.status_code == 200
        assert (ok.json()["name"], ok.json()["metadata"]) == ("renamed", {"role": "db"})
        bad = client.patch(
            f"/v1/servers/{uuid}",
            json=[{"op": "replace", "path": "/status", "value": "active"}],
            headers=MEMBER.headers,
        )
        assert bad.status_code == 400
        assert "internal attribute" in fault(bad)

    def test_admin_lock_cannot_be_lifted_by_owner_but_admin_can(self, client, refs):
        """Owner locks are the owner's; an admin's lock only an admin lifts."""
        uuid = client.post(
            "/v1/servers", json=body(refs), headers=MEMBER.headers
        ).json()["uuid"]
        url = f"/v1/servers/{uuid}/states/lock"
        assert (
            client.put(url, json={"target": True}, headers=MEMBER.headers).status_code
            == 202
        )
        assert (
            client.put(url, json={"target": False}, headers=MEMBER.headers).status_code
            == 202
        )
        assert (
            client.put(url, json={"target": True}, headers=ADMIN.headers).status_code
            == 202
        )
        assert (
            client.put(url, json={"target": False}, headers=MEMBER.headers).status_code
            == 403
        )
        assert (
            client.put(url, json={"target": False}, headers=ADMIN.headers).status_code
            == 202
        )
        assert (
            client.get(f"/v1/servers/{uuid}", headers=MEMBER.headers).json()["locked"]
            is False
        )

    def test_reader_cannot_change_anything(self, client, refs):
        """A reader of the project can look but not touch."""
        uuid = client.post(
            "/v1/servers", json=body(refs), headers=MEMBER.headers
        ).json()["uuid"]
        assert (
            client.get(f"/v1/servers/{uuid}", headers=READER.headers).status_code == 200
        )
        assert (
            client.delete(f"/v1/servers/{uuid}", headers=READER.headers).status_code
            == 403
        )

    def test_power_on_building_server_is_invalid_state(self, client, refs):
        """Actions outside the state machine are 400 naming the state."""
        uuid = client.post(
            "/v1/servers", json=body(refs), headers=MEMBER.headers
        ).json()["uuid"]
        resp = client.put(
            f"/v1/servers/{uuid}/states/power",
            json={"target": "on"},
            headers=MEMBER.headers,
        )
        assert resp.status_code == 400
        assert "building" in fault(resp)


class TestFlavorInUse:
    def test_flavor_used_by_a_server_cannot_be_deleted(self, client, refs):
        """Deleting a flavor that servers use is a 409; disabling it still works."""
        client.post("/v1/servers", json=body(refs), headers=MEMBER.headers)
        resp = client.delete(f"/v1/flavors/{refs['flavor']}", headers=ADMIN.headers)
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.flavor.in_use"
        disabled = client.patch(
            f"/v1/flavors/{refs['flavor']}",
            json=[{"op": "replace", "path": "/disabled", "value": True}],
            headers=ADMIN.headers,
        )
        assert disabled.status_code == 200
