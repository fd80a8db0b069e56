"""Aggregates through the real app: CRUD, membership, zones and domains.

Placement mirroring and concurrent changes are in ``test_aggregate_mirror``.
"""

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from oslo_config import cfg

from mogan.db import models
from mogan.db.api import aggregate as aggregate_db
from tests.conftest import ADMIN
from tests.functional.api.support import (
    add_node,
    fault,
    make_aggregate,
    make_node,
    show_node,
)


@pytest.fixture
def nodes(database) -> dict[str, str]:
    """Nodes n1, n2, n3: name -> uuid."""
    return {name: make_node(database, name) for name in ("n1", "n2", "n3")}


@pytest.fixture
def levels(conf: cfg.ConfigOpts) -> cfg.ConfigOpts:
    """Failure-domain levels room > row > rack, and power on its own."""
    conf.set_override("failure_domain_hierarchy", ["room", "row", "rack"], "scheduler")
    conf.set_override("failure_domain_orthogonal", ["power"], "scheduler")
    return conf


def patch(client: httpx.Client, aggregate: dict[str, Any], *ops: dict[str, Any]):
    """``PATCH /v1/aggregates/{uuid}`` as admin."""
    return client.patch(
        f"/v1/aggregates/{aggregate['uuid']}", json=list(ops), headers=ADMIN.headers
    )


def domain_rows(database, node_uuid: str) -> dict[str, str]:
    """The node's node_domains rows as {level: domain}."""
    with database.transaction(readonly=True) as session:
        rows = session.scalars(
            sa.select(models.NodeDomain).where(models.NodeDomain.node_uuid == node_uuid)
        ).all()
        return {row.level: row.domain for row in rows}


class TestCreate:
    def test_create_returns_201_location_and_body(self, client):
        """Creating an aggregate answers 201 with Location and its metadata."""
        resp = client.post(
            "/v1/aggregates",
            json={"name": "rack-1", "metadata": {"availability_zone": "az1"}},
            headers=ADMIN.headers,
        )
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert resp.headers["Location"] == (
            f"http://mogan.test/v1/aggregates/{body['uuid']}"
        )
        assert body["name"] == "rack-1"
        assert body["metadata"] == {"availability_zone": "az1"}
        assert body["links"][0]["rel"] == "self"
        assert body["created_at"]
        assert body["updated_at"] is None

    def test_metadata_is_optional(self, client):
        """Without metadata the aggregate has none."""
        assert make_aggregate(client, "plain")["metadata"] == {}

    def test_duplicate_name_is_409(self, client):
        """A second aggregate with the same name is refused."""
        make_aggregate(client, "dup")
        resp = client.post(
            "/v1/aggregates", json={"name": "dup"}, headers=ADMIN.headers
        )
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.aggregate.exists"
        assert fault(resp) == "Aggregate dup already exists."

    @pytest.mark.parametrize("key", ["availability_zone", "affinity_zone", "rack"])
    def test_empty_zone_value_is_400(self, client, levels, key):
        """A zone or configured level key with an empty value is refused."""
        del levels
        resp = client.post(
            "/v1/aggregates",
            json={"name": "a", "metadata": {key: ""}},
            headers=ADMIN.headers,
        )
        assert resp.status_code == 400
        assert fault(resp) == f"Aggregate a does not support empty named {key}"

    def test_empty_value_of_another_key_is_fine(self, client):
        """Only zone keys need a value."""
        assert make_aggregate(client, "a", note="")["metadata"] == {"note": ""}

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "name"),
            ({"name": ""}, "name"),
            ({"name": "x" * 256}, "name"),
            ({"name": "a", "bogus": 1}, "bogus"),
            ({"name": "a", "metadata": {"k": 1}}, "metadata.k"),
            ({"name": "a", "metadata": {"bad/key": "v"}}, "metadata"),
            ({"name": "a", "metadata": {"k": "v" * 256}}, "metadata.k"),
        ],
    )
    def test_bad_bodies_are_400_naming_the_field(self, client, body, field):
        """Invalid bodies are refused with the offending field named."""
        resp = client.post("/v1/aggregates", json=body, headers=ADMIN.headers)
        assert resp.status_code == 400
        assert f"'{field}" in fault(resp)


class TestReadAndDelete:
    def test_list_is_sorted_by_name(self, client):
        """GET /v1/aggregates lists every aggregate by name."""
        for name in ("b", "a", "c"):
            make_aggregate(client, name)
        resp = client.get("/v1/aggregates", headers=ADMIN.headers)
        assert [a["name"] for a in resp.json()["aggregates"]] == ["a", "b", "c"]

    def test_show_and_unknown(self, client):
        """An aggregate is shown by uuid; an unknown uuid is 404."""
        agg = make_aggregate(client, "a", availability_zone="az1")
        shown = client.get(f"/v1/aggregates/{agg['uuid']}", headers=ADMIN.headers)
        assert shown.json() == agg
        missing = "00000000-0000-0000-0000-000000000001"
        resp = client.get(f"/v1/aggregates/{missing}", headers=ADMIN.headers)
        assert resp.status_code == 404
        assert fault(resp) == f"Aggregate {missing} could not be found."
        bad = client.get("/v1/aggregates/not-a-uuid", headers=ADMIN.headers)
        assert bad.status_code == 400
        assert "'aggregate_uuid'" in fault(bad)

    def test_delete_with_nodes_is_409_and_changes_nothing(self, client, nodes):
        """An aggregate with nodes is not deleted: its nodes keep their zones."""
        del nodes
        agg = make_aggregate(client, "a", availability_zone="az1")
        assert add_node(client, agg, "n1").status_code == 204
        assert add_node(client, agg, "n2").status_code == 204
        resp = client.delete(f"/v1/aggregates/{agg['uuid']}", headers=ADMIN.headers)
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.aggregate.not_empty"
        assert fault(resp) == (
            f"Aggregate a ({agg['uuid']}) still has 2 node(s) (n1, n2): remove "
            "them before deleting it."
        )
        assert show_node(client, "n1")["availability_zone"] == "az1"
        shown = client.get(f"/v1/aggregates/{agg['uuid']}/nodes", headers=ADMIN.headers)
        assert shown.json() == {"nodes": ["n1", "n2"]}

    def test_delete_once_empty(self, client, nodes, database):
        """Removing the nodes first lets the aggregate go."""
        del nodes
        agg = make_aggregate(client, "a", availability_zone="az1")
        assert add_node(client, agg, "n1").status_code == 204
        url = f"/v1/aggregates/{agg['uuid']}"
        assert (
            client.delete(f"{url}/nodes/n1", headers=ADMIN.headers).status_code == 204
        )
        assert show_node(client, "n1")["availability_zone"] is None
        assert client.delete(url, headers=ADMIN.headers).status_code == 204
        assert client.get(url, headers=ADMIN.headers).status_code == 404
        with database.transaction(readonly=True) as session:
            assert (
                session.scalar(sa.select(sa.func.count(models.AggregateNode.id))) == 0
            )

    def test_member_whose_node_is_gone_still_counts(self, client, nodes, database):
        """A membership outliving its node row blocks the delete, shown by uuid."""
        agg = make_aggregate(client, "a", availability_zone="az1")
        assert add_node(client, agg, "n1").status_code == 204
        with database.transaction() as session:
            session.execute(sa.delete(models.Node).where(models.Node.name == "n1"))
        resp = client.delete(f"/v1/aggregates/{agg['uuid']}", headers=ADMIN.headers)
        assert resp.status_code == 409
        assert f"({nodes['n1']})" in fault(resp)
        url = f"/v1/aggregates/{agg['uuid']}"
        gone = client.delete(f"{url}/nodes/{nodes['n1']}", headers=ADMIN.headers)
        assert gone.status_code == 204
        assert client.delete(url, headers=ADMIN.headers).status_code == 204


class TestPatch:
    def test_rename_and_change_metadata(self, client):
        """JSON patch renames, sets, replaces and removes metadata keys."""
        agg = make_aggregate(client, "a", k1="v1", k2="v2")
        resp = patch(
            client,
            agg,
            {"op": "replace", "path": "/name", "value": "b"},
            {"op": "add", "path": "/metadata/k3", "value": "v3"},
            {"op": "replace", "path": "/metadata/k1", "value": "new"},
            {"op": "remove", "path": "/metadata/k2"},
        )
        assert resp.status_code == 200, resp.text
        assert resp.json()["name"] == "b"
        assert resp.json()["metadata"] == {"k1": "new", "k3": "v3"}
        assert resp.json()["updated_at"]
        shown = client.get(f"/v1/aggregates/{agg['uuid']}", headers=ADMIN.headers)
        assert shown.json()["metadata"] == {"k1": "new", "k3": "v3"}

    def test_replace_whole_metadata(self, client):
        """/metadata itself can be replaced."""
        agg = make_aggregate(client, "a", k1="v1")
        resp = patch(
            client, agg, {"op": "replace", "path": "/metadata", "value": {"k": "v"}}
        )
        assert resp.json()["metadata"] == {"k": "v"}

    def test_rename_to_taken_name_is_409(self, client):
        """Names stay unique on update."""
        make_aggregate(client, "taken")
        agg = make_aggregate(client, "a")
        resp = patch(client, agg, {"op": "replace", "path": "/name", "value": "taken"})
        assert resp.status_code == 409

    @pytest.mark.parametrize(
        ("op", "needle"),
        [
            ({"op": "replace", "path": "/uuid", "value": "x"}, "internal"),
            ({"op": "replace", "path": "/bogus", "value": "x"}, "/bogus"),
            ({"op": "remove", "path": "/metadata/nope"}, "does not exist"),
            ({"op": "replace", "path": "/name", "value": ""}, "'name'"),
            ({"op": "add", "path": "/metadata/k", "value": 5}, "'metadata.k'"),
        ],
    )
    def test_bad_patches_are_400(self, client, op, needle):
        """Patches on fixed or unknown attributes, or with bad values, are 400."""
        agg = make_aggregate(client, "a")
        resp = patch(client, agg, op)
        assert resp.status_code == 400
        assert needle in fault(resp)

    def test_empty_zone_value_is_400(self, client):
        """Setting availability_zone to an empty value is refused."""
        agg = make_aggregate(client, "a")
        resp = patch(
            client,
            agg,
            {"op": "add", "path": "/metadata/availability_zone", "value": ""},
        )
        assert resp.status_code == 400
        assert (
            fault(resp) == "Aggregate a does not support empty named availability_zone"
        )

    def test_zone_clash_with_members_other_aggregates_is_400(self, client, nodes):
        """A member already in another zone of the key blocks the change."""
        del nodes
        a = make_aggregate(client, "a", availability_zone="az1")
        b = make_aggregate(client, "b")
        assert add_node(client, a, "n1").status_code == 204
        assert add_node(client, b, "n1").status_code == 204
        resp = patch(
            client,
            b,
            {"op": "add", "path": "/metadata/availability_zone", "value": "az2"},
        )
        assert resp.status_code == 400
        assert (
            fault(resp)
            == "One or more nodes already in different availability_zone(s) [az1]"
        )
        assert resp.json()["code"] == "mogan.aggregate.nodes_in_other_zone"
        same = patch(
            client,
            b,
            {"op": "add", "path": "/metadata/availability_zone", "value": "az1"},
        )
        assert same.status_code == 200
        assert show_node(client, "n1")["availability_zone"] == "az1"

    def test_configured_level_clash_is_400(self, client, nodes, levels):
        """Configured failure-domain levels follow the same rule."""
        del nodes, levels
        a = make_aggregate(client, "a", rack="r1")
        b = make_aggregate(client, "b")
        add_node(client, a, "n1")
        add_node(client, b, "n1")
        resp = patch(client, b, {"op": "add", "path": "/metadata/rack", "value": "r2"})
        assert resp.status_code == 400
        assert "rack(s) [r1]" in fault(resp)

    def test_metadata_change_recomputes_members_zones(self, client, nodes, database):
        """Changing a zone key moves every member to the new zone."""
        agg = make_aggregate(client, "a", affinity_zone="rack-1")
        add_node(client, agg, "n1")
        add_node(client, agg, "n2")
        patch(
            client,
            agg,
            {"op": "replace", "path": "/metadata/affinity_zone", "value": "rack-2"},
        )
        for name in ("n1", "n2"):
            node = show_node(client, name)
            assert node["affinity_zone"] == "rack-2"
            assert node["failure_domains"] == {"affinity_zone": "rack-2"}
            assert domain_rows(database, nodes[name]) == {"affinity_zone": "rack-2"}
        patch(client, agg, {"op": "remove", "path": "/metadata/affinity_zone"})
        assert show_node(client, "n1")["failure_domains"] == {}
        assert domain_rows(database, nodes["n1"]) == {}


class TestMembership:
    def test_add_by_name_or_uuid_and_list(self, client, nodes):
        """Nodes join by name or uuid; the listing holds sorted names."""
        agg = make_aggregate(client, "a")
        assert add_node(client, agg, "n2").status_code == 204
        assert add_node(client, agg, nodes["n1"]).status_code == 204
        assert add_node(client, agg, "n1").status_code == 204
        resp = client.get(f"/v1/aggregates/{agg['uuid']}/nodes", headers=ADMIN.headers)
        assert resp.json() == {"nodes": ["n1", "n2"]}
        assert show_node(client, "n1")["aggregates"] == [
            {"uuid": agg["uuid"], "name": "a"}
        ]

    def test_unknown_node_and_aggregate_are_404(self, client, nodes):
        """Unknown nodes and aggregates are 404 with v1's messages."""
        del nodes
        agg = make_aggregate(client, "a")
        resp = add_node(client, agg, "nope")
        assert resp.status_code == 404
        assert fault(resp) == "Node nope could not be found."
        assert resp.json()["code"] == "mogan.node.not_found"
        missing = {"uuid": "00000000-0000-0000-0000-000000000002"}
        assert add_node(client, missing, "n1").status_code == 404
        gone = client.delete(
            f"/v1/aggregates/{agg['uuid']}/nodes/nope", headers=ADMIN.headers
        )
        assert gone.status_code == 404

    @pytest.mark.parametrize(
        ("body", "field"),
        [({}, "node"), ({"node": ""}, "node"), ({"node": 1}, "node")],
    )
    def test_bad_add_bodies_are_400(self, client, body, field):
        """The add-node body needs a node name or uuid."""
        agg = make_aggregate(client, "a")
        resp = client.post(
            f"/v1/aggregates/{agg['uuid']}/nodes", json=body, headers=ADMIN.headers
        )
        assert resp.status_code == 400
        assert f"'{field}'" in fault(resp)

    @pytest.mark.parametrize("key", ["availability_zone", "affinity_zone", "row"])
    def test_node_in_another_zone_is_400(self, client, nodes, levels, key):
        """A node cannot be in two values of a zone key."""
        del nodes, levels
        a = make_aggregate(client, "a", **{key: "one"})
        b = make_aggregate(client, "b", **{key: "two"})
        same = make_aggregate(client, "same", **{key: "one"})
        assert add_node(client, a, "n1").status_code == 204
        resp = add_node(client, b, "n1")
        assert resp.status_code == 400
        assert fault(resp) == f"Node n1 is already in {key}(s) [one]"
        assert resp.json()["code"] == "mogan.aggregate.node_in_other_zone"
        assert add_node(client, same, "n1").status_code == 204

    def test_remove_node(self, client, nodes):
        """Removing a node by name or uuid; a non-member is a no-op."""
        agg = make_aggregate(client, "a", availability_zone="az1")
        add_node(client, agg, "n1")
        add_node(client, agg, "n2")
        url = f"/v1/aggregates/{agg['uuid']}/nodes"
        assert client.delete(f"{url}/n1", headers=ADMIN.headers).status_code == 204
        assert (
            client.delete(f"{url}/{nodes['n2']}", headers=ADMIN.headers).status_code
            == 204
        )
        assert client.delete(f"{url}/n3", headers=ADMIN.headers).status_code == 204
        assert client.get(url, headers=ADMIN.headers).json() == {"nodes": []}
        assert show_node(client, "n1")["availability_zone"] is None

    def test_member_whose_node_is_gone_is_listed_and_removable(
        self, client, nodes, database
    ):
        """A membership outlives its node row (re-enrolment) and can be removed."""
        agg = make_aggregate(client, "a")
        add_node(client, agg, "n1")
        with database.transaction() as session:
            session.execute(sa.delete(models.Node).where(models.Node.name == "n1"))
        url = f"/v1/aggregates/{agg['uuid']}/nodes"
        assert client.get(url, headers=ADMIN.headers).json() == {"nodes": [nodes["n1"]]}
        resp = client.delete(f"{url}/{nodes['n1']}", headers=ADMIN.headers)
        assert resp.status_code == 204
        assert client.get(url, headers=ADMIN.headers).json() == {"nodes": []}

    def test_duplicate_node_names_need_the_uuid(self, client, database):
        """Two nodes with one name: the name is ambiguous, the uuid is not."""
        first = make_node(database, "twin")
        make_node(database, "twin")
        agg = make_aggregate(client, "a")
        resp = add_node(client, agg, "twin")
        assert resp.status_code == 400
        assert "give its uuid" in fault(resp)
        assert add_node(client, agg, first).status_code == 204


class TestFailureDomains:
    def test_hierarchy_orthogonal_and_affinity_zone(
        self, client, nodes, levels, database
    ):
        """Domains are paths down the hierarchy, '-' for a missing outer level."""
        del levels
        room = make_aggregate(client, "room-a", room="A", rack="r7")
        power = make_aggregate(client, "pdu", power="p1", affinity_zone="az-x")
        add_node(client, room, "n1")
        add_node(client, power, "n1")
        expected = {
            "affinity_zone": "az-x",
            "room": "A",
            "rack": "A/-/r7",
            "power": "p1",
        }
        node = show_node(client, "n1")
        assert node["failure_domains"] == expected
        assert node["affinity_zone"] == "az-x"
        assert domain_rows(database, nodes["n1"]) == expected
        client.delete(f"/v1/aggregates/{room['uuid']}/nodes/n1", headers=ADMIN.headers)
        rest = {"affinity_zone": "az-x", "power": "p1"}
        assert show_node(client, "n1")["failure_domains"] == rest
        assert domain_rows(database, nodes["n1"]) == rest

    def test_missing_outermost_level(self, client, nodes, levels):
        """A rack with no room or row is '-/-/rack'."""
        del nodes, levels
        agg = make_aggregate(client, "r", rack="r1")
        add_node(client, agg, "n1")
        assert show_node(client, "n1")["failure_domains"] == {"rack": "-/-/r1"}

    def test_too_long_domain_path_is_refused(self, client, nodes, levels):
        """A path over 255 characters is a 400, not a truncated domain."""
        del nodes, levels
        agg = make_aggregate(client, "big", room="a" * 200, row="b" * 100)
        resp = add_node(client, agg, "n1")
        assert resp.status_code == 400
        assert "'metadata.row'" in fault(resp)
        assert show_node(client, "n1")["aggregates"] == []

    def test_compute_zones_is_pure(self):
        """The computation itself, without a database."""
        zones = aggregate_db.compute_zones(
            [{"room": "A", "availability_zone": "az1"}, {"row": "3", "x": "y"}],
            ["room", "row", "rack"],
            ["power"],
        )
        assert zones.availability_zone == "az1"
        assert zones.affinity_zone is None
        assert zones.failure_domains == {"room": "A", "row": "A/3"}


class TestAvailabilityZones:
    def test_zones_of_aggregates_with_nodes(self, client, nodes):
        """Only aggregates holding nodes make zones; the list is sorted."""
        del nodes
        b = make_aggregate(client, "b", availability_zone="zb")
        a = make_aggregate(client, "a", availability_zone="za")
        a2 = make_aggregate(client, "a2", availability_zone="za")
        make_aggregate(client, "empty", availability_zone="zempty")
        add_node(client, b, "n1")
        add_node(client, a, "n2")
        add_node(client, a2, "n3")
        resp = client.get("/v1/availability_zones", headers=ADMIN.headers)
        assert resp.json() == {"availability_zones": ["za", "zb"]}
