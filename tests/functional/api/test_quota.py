"""Quotas and request bounds through the API.

Limits per project (servers, each resource class, server groups, members per
group, metadata items) and per user (keypairs); ``GET /v1/limits`` and the
admin's ``/v1/quotas/{project_id}`` (microversion 1.3); the ``[api]`` bounds
on one request. Counting under a lock across threads and databases is in
``test_concurrency.py``.
"""

import base64
import json

import pytest
import sqlalchemy as sa

from mogan.db import models
from tests.conftest import ADMIN, MEMBER, OTHER, READER
from tests.factories import make_flavor

V13 = {"OpenStack-API-Version": "baremetal-compute 1.3"}
V12 = {"OpenStack-API-Version": "baremetal-compute 1.2"}
GOLD = "CUSTOM_BAREMETAL_GOLD"
SILVER = "CUSTOM_BAREMETAL_SILVER"


def fault(resp) -> str:
    """The faultstring inside a v1 error body."""
    return str(json.loads(resp.json()["error_message"])["faultstring"])


def h(persona, version=V13) -> dict[str, str]:
    """A persona's headers at a microversion."""
    return {**persona.headers, **version}


@pytest.fixture
def refs(client) -> dict[str, str]:
    """Gold and silver flavors, an image and a network."""
    gold = make_flavor(client, name="bm.gold", resources={GOLD: 1})
    silver = make_flavor(client, name="bm.silver", resources={"baremetal-silver": 1})
    image = client.post(
        "/v1/images",
        json={"name": "img", "url": "http://i.test/w.raw", "disk_format": "raw"},
        headers=ADMIN.headers,
    ).json()
    net = client.post(
        "/v1/networks", json={"name": "n", "cidr": "10.1.0.0/16"}, headers=ADMIN.headers
    ).json()
    return {
        "gold": gold["uuid"],
        "silver": silver["uuid"],
        "image": image["uuid"],
        "net": net["uuid"],
    }


def create(client, refs, persona=MEMBER, flavor="gold", **server):
    """POST /v1/servers with defaults for what ``server`` does not say."""
    body = {
        "name": "s",
        "flavor_uuid": refs[flavor],
        "image_uuid": refs["image"],
        "networks": [{"net_id": refs["net"]}],
        **server,
    }
    scheduler_hints = body.pop("scheduler_hints", None)
    payload = {"server": body}
    if scheduler_hints:
        payload["scheduler_hints"] = scheduler_hints
    return client.post("/v1/servers", json=payload, headers=persona.headers)


def servers_of(database, project_id: str) -> int:
    """How many server rows the project has."""
    with database.transaction() as session:
        return int(
            session.scalar(
                sa.select(sa.func.count()).where(models.Server.project_id == project_id)
            )
        )


def set_quota(client, project: str, **limits) -> dict:
    """PUT the project's quota as admin; the effective quota."""
    resp = client.put(f"/v1/quotas/{project}", json={"quota": limits}, headers=h(ADMIN))
    assert resp.status_code == 200, resp.text
    return dict(resp.json()["quota"])


class TestLimitsAndQuotaApi:
    def test_limits_show_the_defaults_and_what_the_project_uses(self, client, refs):
        """A reader sees each limit of their project and the servers it holds."""
        assert create(client, refs).status_code == 201
        resp = client.get("/v1/limits", headers=h(READER))
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["project_id"] == "project-a"
        limits = body["limits"]
        assert limits["servers"] == {"limit": 10, "in_use": 1}
        assert limits["server_groups"] == {"limit": 10, "in_use": 0}
        assert limits["server_group_members"] == {"limit": 10, "in_use": None}
        assert limits["metadata_items"] == {"limit": 128, "in_use": None}
        assert limits["keypairs"]["limit"] == 100
        assert limits[GOLD] == {"limit": -1, "in_use": 1}

    def test_below_microversion_1_3_the_paths_do_not_exist(self, client):
        """Older clients get 404 naming the microversion needed."""
        for path in ("/v1/limits", "/v1/quotas/project-a"):
            resp = client.get(path, headers=h(ADMIN, V12))
            assert resp.status_code == 404
            assert "1.3" in fault(resp)

    @pytest.mark.usefixtures("refs")
    def test_admin_sets_shows_and_deletes_a_project_quota(self, client):
        """PUT changes only what it names; DELETE restores the defaults."""
        quota = set_quota(client, "project-a", servers=3, **{GOLD: 2})
        assert quota["servers"] == 3
        assert quota[GOLD] == 2
        assert quota["server_groups"] == 10
        shown = client.get("/v1/quotas/project-a", headers=h(ADMIN)).json()
        assert shown == {"quota": quota}
        other = client.get("/v1/quotas/project-b", headers=h(ADMIN)).json()
        assert other["quota"]["servers"] == 10
        assert GOLD not in other["quota"]
        resp = client.delete("/v1/quotas/project-a", headers=h(ADMIN))
        assert resp.status_code == 204
        again = client.get("/v1/quotas/project-a", headers=h(ADMIN)).json()
        assert again["quota"]["servers"] == 10
        assert GOLD not in again["quota"]

    @pytest.mark.usefixtures("refs")
    def test_a_class_named_the_node_way_is_stored_the_placement_way(self, client):
        """``baremetal-gold`` and ``CUSTOM_BAREMETAL_GOLD`` are one limit."""
        quota = set_quota(client, "project-a", **{"baremetal-gold": 4})
        assert quota[GOLD] == 4
        assert "baremetal-gold" not in quota

    def test_members_cannot_read_or_change_quotas(self, client):
        """Quotas are the admin's; a member reads limits instead."""
        assert client.get("/v1/quotas/project-a", headers=h(MEMBER)).status_code == 403
        resp = client.put(
            "/v1/quotas/project-a", json={"quota": {"servers": 99}}, headers=h(MEMBER)
        )
        assert resp.status_code == 403
        resp = client.delete("/v1/quotas/project-a", headers=h(MEMBER))
        assert resp.status_code == 403

    def test_a_member_cannot_read_another_projects_limits(self, client):
        """``project_id`` names another project only for admins."""
        resp = client.get("/v1/limits?project_id=project-b", headers=h(MEMBER))
        assert resp.status_code == 403
        resp = client.get("/v1/limits?project_id=project-b", headers=h(ADMIN))
        assert resp.status_code == 200
        assert resp.json()["project_id"] == "project-b"

    @pytest.mark.parametrize(
        ("quota", "field"),
        [
            ({"servers": -2}, "quota.servers"),
            ({"servers": 2**31}, "quota.servers"),
            ({"servers": "10"}, "quota.servers"),
            ({"bogus": 1}, "quota.bogus"),
            ({"CUSTOM_NOBODY_HAS_IT": 1}, "quota.CUSTOM_NOBODY_HAS_IT"),
            ({"no spaces": 1}, "quota.no spaces"),
            ({}, "quota"),
            ({f"CUSTOM_C{i}": 1 for i in range(200)}, "quota"),
        ],
    )
    def test_bad_quotas_are_400_naming_the_field(self, client, quota, field):
        """Values out of range, unknown names and oversized bodies are refused."""
        resp = client.put(
            "/v1/quotas/project-a", json={"quota": quota}, headers=h(ADMIN)
        )
        assert resp.status_code == 400, resp.text
        assert field in fault(resp)


class TestServerQuota:
    def test_servers_past_the_limit_are_refused_with_403(self, client, refs, database):
        """At the servers limit, one more is 403 naming servers; nothing is written."""
        set_quota(client, "project-a", servers=2)
        assert create(client, refs).status_code == 201
        assert create(client, refs).status_code == 201
        resp = create(client, refs)
        assert resp.status_code == 403
        assert fault(resp) == "Quota exceeded for resources: servers."
        assert resp.json()["code"] == "mogan.over_quota"
        assert servers_of(database, "project-a") == 2
        # NOTE: another project is not affected.
        assert create(client, refs, persona=OTHER).status_code == 201

    def test_multi_create_takes_what_fits_above_min_count(self, client, refs, database):
        """v1's rule: all of max_count if it fits, else as many as fit >= min_count."""
        set_quota(client, "project-a", servers=5)
        resp = create(client, refs, min_count=1, max_count=3)
        assert resp.status_code == 201
        assert servers_of(database, "project-a") == 3
        resp = create(client, refs, min_count=1, max_count=4)
        assert resp.status_code == 201
        assert servers_of(database, "project-a") == 5
        resp = create(client, refs, min_count=1, max_count=2)
        assert resp.status_code == 403
        assert servers_of(database, "project-a") == 5

    def test_below_min_count_nothing_is_created(self, client, refs, database):
        """When fewer than min_count fit, the request fails whole."""
        set_quota(client, "project-a", servers=3)
        resp = create(client, refs, min_count=4, max_count=6)
        assert resp.status_code == 403
        assert servers_of(database, "project-a") == 0

    def test_names_follow_the_count_that_fits(self, client, refs):
        """One server fitting out of several keeps the plain name."""
        set_quota(client, "project-a", servers=1)
        resp = create(client, refs, name="web", min_count=1, max_count=3)
        assert resp.status_code == 201
        assert resp.json()["name"] == "web"

    def test_a_resource_class_limit_holds_and_leaves_other_classes(self, client, refs):
        """At most N gold nodes; silver still fits, and the 403 names the class."""
        set_quota(client, "project-a", servers=10, **{GOLD: 1})
        assert create(client, refs).status_code == 201
        resp = create(client, refs)
        assert resp.status_code == 403
        assert fault(resp) == f"Quota exceeded for resources: {GOLD}."
        assert create(client, refs, flavor="silver").status_code == 201
        limits = client.get("/v1/limits", headers=h(MEMBER)).json()["limits"]
        assert limits[GOLD] == {"limit": 1, "in_use": 1}
        assert limits[SILVER] == {"limit": -1, "in_use": 1}

    def test_a_class_limit_from_configuration(self, client, refs, conf):
        """``[quota] resource_class_hard_limits`` sets per-class defaults."""
        conf.set_override(
            "resource_class_hard_limits", {"baremetal-silver": "1"}, "quota"
        )
        assert create(client, refs, flavor="silver").status_code == 201
        resp = create(client, refs, flavor="silver")
        assert resp.status_code == 403
        assert SILVER in fault(resp)

    def test_both_short_resources_are_named(self, client, refs):
        """A request short on servers and on its class names both."""
        set_quota(client, "project-a", servers=1, **{GOLD: 1})
        assert create(client, refs).status_code == 201
        resp = create(client, refs)
        assert fault(resp) == f"Quota exceeded for resources: {GOLD}, servers."

    def test_unlimited_is_minus_one(self, client, refs, database):
        """A limit of -1 lets a project past the default."""
        set_quota(client, "project-a", servers=-1)
        resp = create(client, refs, min_count=12, max_count=12)
        assert resp.status_code == 201
        assert servers_of(database, "project-a") == 12


class TestGroupAndMetadataQuota:
    def test_server_groups_per_project(self, client):
        """Past server_groups, a new group is 403."""
        set_quota(client, "project-a", server_groups=1)
        body = {"name": "g", "policies": ["anti-affinity"]}
        assert (
            client.post(
                "/v1/server_groups", json=body, headers=MEMBER.headers
            ).status_code
            == 201
        )
        resp = client.post("/v1/server_groups", json=body, headers=MEMBER.headers)
        assert resp.status_code == 403
        assert fault(resp) == "Quota exceeded for resources: server_groups."

    def test_members_per_group(self, client, refs, database):
        """A group holds at most server_group_members servers."""
        set_quota(client, "project-a", server_group_members=2)
        group = client.post(
            "/v1/server_groups",
            json={"name": "g", "policies": ["anti-affinity"]},
            headers=MEMBER.headers,
        ).json()
        hints = {"group": group["uuid"]}
        assert create(client, refs, scheduler_hints=hints).status_code == 201
        resp = create(client, refs, scheduler_hints=hints, min_count=2, max_count=2)
        assert resp.status_code == 403
        assert fault(resp) == "Quota exceeded for resources: server_group_members."
        assert servers_of(database, "project-a") == 1

    def test_metadata_items_on_create_and_patch(self, client, refs):
        """Past metadata_items a create is 403, and so is a patch adding items."""
        set_quota(client, "project-a", metadata_items=2)
        resp = create(client, refs, metadata={"a": "1", "b": "2", "c": "3"})
        assert resp.status_code == 403
        assert fault(resp) == "Quota exceeded for resources: metadata_items."
        server = create(client, refs, metadata={"a": "1"}).json()
        patch = [
            {"op": "add", "path": "/metadata/b", "value": "2"},
            {"op": "add", "path": "/metadata/c", "value": "3"},
        ]
        resp = client.patch(
            f"/v1/servers/{server['uuid']}", json=patch, headers=MEMBER.headers
        )
        assert resp.status_code == 403
        ok = client.patch(
            f"/v1/servers/{server['uuid']}", json=patch[:1], headers=MEMBER.headers
        )
        assert ok.status_code == 200

    def test_keypairs_per_user_can_be_set_per_project(self, client):
        """The keypairs limit is per user; a project override changes it."""
        set_quota(client, "project-a", keypairs=1)
        key = (
            "ssh-ed25519 "
            "AAAAC3NzaC1lZDI1NTE5AAAAIMQMr7t1xAwwGpkttoK1nH5FLX4VOX/zmVKjypAy7k1n"
        )
        first = client.post(
            "/v1/keypairs",
            json={"name": "k1", "public_key": key},
            headers=MEMBER.headers,
        )
        assert first.status_code == 201
        second = client.post(
            "/v1/keypairs",
            json={"name": "k2", "public_key": key},
            headers=MEMBER.headers,
        )
        assert second.status_code == 403
        assert fault(second) == "Quota exceeded for resources: keypairs."


class TestRequestBounds:
    """The ``[api]`` bounds: 400 naming the field, before anything is written."""

    def test_servers_per_request(self, client, refs, database, conf):
        """max_count past [api] max_servers_per_request is a 400 at once."""
        conf.set_override("max_servers_per_request", 5, "api")
        conf.set_override("servers_hard_limit", -1, "quota")
        resp = create(client, refs, min_count=1, max_count=6)
        assert resp.status_code == 400
        assert "max_count" in fault(resp)
        resp = create(client, refs, min_count=6, max_count=6)
        assert resp.status_code == 400
        assert "min_count" in fault(resp)
        assert servers_of(database, "project-a") == 0

    def test_a_hundred_thousand_servers_are_refused_quickly(
        self, client, refs, database
    ):
        """The hostile multi-create of the issue writes nothing."""
        resp = create(client, refs, min_count=100000, max_count=100000)
        assert resp.status_code == 400
        assert servers_of(database, "project-a") == 0

    def test_metadata_items_and_lengths(self, client, refs, conf):
        """Too many items, or keys or values too long, are 400 naming metadata."""
        conf.set_override("max_metadata_items", 2, "api")
        conf.set_override("max_metadata_value_length", 4, "api")
        resp = create(client, refs, metadata={"a": "1", "b": "2", "c": "3"})
        assert resp.status_code == 400
        assert "metadata" in fault(resp)
        resp = create(client, refs, metadata={"a": "12345"})
        assert resp.status_code == 400
        assert "metadata.a" in fault(resp)

    def test_metadata_bounds_apply_to_patches(self, client, refs, conf):
        """A patch cannot grow metadata past the bound either."""
        conf.set_override("max_metadata_items", 1, "api")
        server = create(client, refs, metadata={"a": "1"}).json()
        resp = client.patch(
            f"/v1/servers/{server['uuid']}",
            json=[{"op": "add", "path": "/metadata/b", "value": "2"}],
            headers=MEMBER.headers,
        )
        assert resp.status_code == 400
        assert "metadata" in fault(resp)

    def test_user_data_size(self, client, refs, conf):
        """user_data past [api] max_user_data_bytes is a 400."""
        conf.set_override("max_user_data_bytes", 8, "api")
        data = base64.b64encode(b"0123456789").decode()
        resp = create(client, refs, user_data=data)
        assert resp.status_code == 400
        assert "user_data" in fault(resp)

    def test_networks_per_server(self, client, refs, conf):
        """More networks than [api] max_networks_per_server is a 400."""
        conf.set_override("max_networks_per_server", 2, "api")
        resp = create(client, refs, networks=[{"net_id": refs["net"]}] * 3)
        assert resp.status_code == 400
        assert "networks" in fault(resp)

    def test_personality_files_and_sizes(self, client, refs, conf):
        """Too many files, or one too large, is a 400 naming it."""
        conf.set_override("max_personality_files", 1, "api")
        conf.set_override("max_personality_bytes", 8, "api")
        small = {"path": "/a", "contents": base64.b64encode(b"x").decode()}
        resp = create(client, refs, personality=[small, small])
        assert resp.status_code == 400
        assert "personality" in fault(resp)
        big = {"path": "/a", "contents": base64.b64encode(b"0123456789").decode()}
        resp = create(client, refs, personality=[big])
        assert resp.status_code == 400
        assert "personality[0].contents" in fault(resp)

    def test_members_per_group_bound(self, client, refs, conf, database):
        """A group cannot grow past [api] max_server_group_members."""
        conf.set_override("max_server_group_members", 1, "api")
        conf.set_override("server_group_members_hard_limit", -1, "quota")
        group = client.post(
            "/v1/server_groups",
            json={"name": "g", "policies": ["anti-affinity"]},
            headers=MEMBER.headers,
        ).json()
        hints = {"group": group["uuid"]}
        assert create(client, refs, scheduler_hints=hints).status_code == 201
        resp = create(client, refs, scheduler_hints=hints)
        assert resp.status_code == 400
        assert "scheduler_hints.group" in fault(resp)
        assert servers_of(database, "project-a") == 1
