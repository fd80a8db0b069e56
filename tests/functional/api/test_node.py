"""Nodes through the real app: v1 names, 1.2 objects, filters, paging, why_not."""

import uuid

import pytest

from tests.conftest import ADMIN
from tests.functional.api.support import (
    DETAILS,
    add_node,
    fault,
    make_aggregate,
    make_node,
    show_node,
)

V12 = {**ADMIN.headers, **DETAILS}


@pytest.fixture
def fleet(database) -> dict[str, str]:
    """Five nodes: two classes, one in maintenance, one in use; name -> uuid."""
    return {
        "n3": make_node(database, "n3", resource_class="silver"),
        "n1": make_node(database, "n1"),
        "n2": make_node(database, "n2"),
        "broken": make_node(
            database,
            "broken",
            maintenance=True,
            consumable=False,
            why_not="in maintenance: fan failure",
        ),
        "busy": make_node(
            database, "busy", consumable=False, server_uuid=str(uuid.uuid4())
        ),
    }


def names(resp) -> list[str]:
    """Names of a 1.2 node list."""
    assert resp.status_code == 200, resp.text
    return [n["name"] for n in resp.json()["nodes"]]


class TestList:
    @pytest.mark.usefixtures("fleet")
    def test_below_1_2_lists_names(self, client):
        """v1: a sorted list of node names."""
        resp = client.get("/v1/nodes", headers=ADMIN.headers)
        assert resp.json() == {"nodes": ["broken", "busy", "n1", "n2", "n3"]}
        v11 = client.get(
            "/v1/nodes",
            headers={**ADMIN.headers, "OpenStack-API-Version": "baremetal-compute 1.1"},
        )
        assert v11.json() == resp.json()

    def test_at_1_2_lists_node_objects(self, client, fleet):
        """1.2: node objects with scheduling fields."""
        agg = make_aggregate(client, "a", availability_zone="az1", affinity_zone="r1")
        assert add_node(client, agg, "n1").status_code == 204
        resp = client.get("/v1/nodes", headers=V12)
        assert resp.headers["OpenStack-API-Version"] == "baremetal-compute 1.2"
        first = resp.json()["nodes"][2]
        assert first == {
            "uuid": fleet["n1"],
            "name": "n1",
            "driver": "fake",
            "resource_class": "gold",
            "traits": ["CUSTOM_RAID"],
            "aggregates": [{"uuid": agg["uuid"], "name": "a"}],
            "availability_zone": "az1",
            "affinity_zone": "r1",
            "failure_domains": {"affinity_zone": "r1"},
            "power_state": "power off",
            "maintenance": False,
            "consumable": True,
            "why_not": None,
            "allocated": False,
            "server_uuid": None,
            "links": [
                {"href": f"http://mogan.test/v1/nodes/{fleet['n1']}", "rel": "self"},
                {"href": f"http://mogan.test/nodes/{fleet['n1']}", "rel": "bookmark"},
            ],
            "created_at": first["created_at"],
            "updated_at": first["updated_at"],
        }
        # NOTE: joining the aggregate rewrote the node's zone columns.
        assert first["created_at"] < first["updated_at"]

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("resource_class=silver", ["n3"]),
            ("resource_class=CUSTOM_SILVER", ["n3"]),
            ("resource_class=CUSTOM_GOLD&consumable=true", ["n1", "n2"]),
            ("consumable=true", ["n1", "n2", "n3"]),
            ("consumable=false", ["broken", "busy"]),
            ("maintenance=True", ["broken"]),
            ("maintenance=0&resource_class=gold", ["busy", "n1", "n2"]),
            ("availability_zone=az1", ["n2"]),
            ("availability_zone=nowhere", []),
        ],
    )
    @pytest.mark.usefixtures("fleet")
    def test_filters(self, client, query, expected):
        """Exact-match filters, combinable."""
        agg = make_aggregate(client, "a", availability_zone="az1")
        add_node(client, agg, "n2")
        assert names(client.get(f"/v1/nodes?{query}", headers=V12)) == expected

    @pytest.mark.parametrize(
        "spelling",
        ["baremetal-silver", "CUSTOM_BAREMETAL_SILVER", "Baremetal_Silver"],
    )
    def test_resource_class_in_either_spelling(self, client, database, spelling):
        """Nodes say ``baremetal-silver``, Placement and flavors the CUSTOM_ name."""
        make_node(database, "silver-1", resource_class="baremetal-silver")
        make_node(database, "gold-1", resource_class="baremetal-gold")
        resp = client.get("/v1/nodes", params={"resource_class": spelling}, headers=V12)
        assert names(resp) == ["silver-1"]

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("consumable=maybe", "consumable"),
            ("limit=-1", "limit"),
            ("bogus=1", "bogus"),
            ("resource_class=", "resource_class"),
        ],
    )
    def test_bad_queries_are_400(self, client, query, field):
        """Bad filters are refused naming the parameter."""
        resp = client.get(f"/v1/nodes?{query}", headers=V12)
        assert resp.status_code == 400
        assert f"'{field}'" in fault(resp)

    def test_limit_and_marker_page_by_name(self, client, fleet):
        """Pages follow the name order; the marker is the last node's uuid."""
        first = client.get("/v1/nodes?limit=2", headers=V12)
        assert names(first) == ["broken", "busy"]
        marker = first.json()["nodes"][-1]["uuid"]
        assert marker == fleet["busy"]
        second = client.get(f"/v1/nodes?limit=2&marker={marker}", headers=V12)
        assert names(second) == ["n1", "n2"]
        last = client.get(f"/v1/nodes?marker={fleet['n2']}", headers=V12)
        assert names(last) == ["n3"]
        v1 = client.get(f"/v1/nodes?limit=1&marker={marker}", headers=ADMIN.headers)
        assert v1.json() == {"nodes": ["n1"]}

    def test_unknown_marker_is_404(self, client):
        """A marker naming no node is a 404."""
        resp = client.get(f"/v1/nodes?marker={uuid.uuid4()}", headers=V12)
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.node.not_found"


class TestShow:
    def test_by_uuid_or_name_at_every_version(self, client, fleet):
        """A node object whichever identifier and microversion."""
        by_uuid = client.get(f"/v1/nodes/{fleet['n1']}", headers=ADMIN.headers)
        by_name = client.get("/v1/nodes/n1", headers=V12)
        assert by_uuid.status_code == 200
        assert by_uuid.json() == by_name.json()
        assert by_uuid.json()["uuid"] == fleet["n1"]

    def test_unknown_is_404(self, client):
        """An unknown node is a 404 with v1's message."""
        resp = client.get("/v1/nodes/nope", headers=ADMIN.headers)
        assert resp.status_code == 404
        assert fault(resp) == "Node nope could not be found."


class TestWhyNot:
    def test_reasons(self, client, fleet, database):
        """The driver's reason first, else maintenance, a server or a claim."""
        assert show_node(client, "n1")["why_not"] is None
        assert show_node(client, "broken")["why_not"] == "in maintenance: fan failure"
        busy = show_node(client, "busy")
        assert busy["why_not"] == f"in use by server {busy['server_uuid']}"
        consumer = str(uuid.uuid4())
        make_node(database, "claimed", allocated=True, consumer_uuid=consumer)
        claimed = show_node(client, "claimed")
        assert claimed["allocated"] is True
        assert claimed["why_not"] == f"allocated in Placement by {consumer}"
        make_node(database, "maint", maintenance=True)
        assert show_node(client, "maint")["why_not"] == "in maintenance"
        make_node(database, "off", consumable=False)
        assert show_node(client, "off")["why_not"] == "not consumable"
        del fleet
