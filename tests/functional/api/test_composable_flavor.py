"""Composable flavors through the real app (microversion 1.8), and their servers.

A composable flavor's resources are amounts built from resource blocks:
shown and accepted from 1.8, checked (VCPU needed, Placement classes,
no traits or aggregates), never changed; its servers are ``composed`` and
take no availability zone.
"""

import json

import pytest
import sqlalchemy as sa

from mogan.db import models
from tests.conftest import ADMIN, MEMBER
from tests.factories import make_flavor

V18 = {"OpenStack-API-Version": "baremetal-compute 1.8"}
V17 = {"OpenStack-API-Version": "baremetal-compute 1.7"}
AMOUNTS = {"VCPU": 16, "MEMORY_MB": 65536, "CUSTOM_ACCEL_NVIDIA_A100": 1}


def fault(resp) -> str:
    """The faultstring inside a v1 error body."""
    return str(json.loads(resp.json()["error_message"])["faultstring"])


def create(client, headers=V18, **body):
    """POST a flavor as admin at ``headers``' version."""
    return client.post(
        "/v1/flavors",
        json={"name": "composed", "resources": AMOUNTS, **body},
        headers={**ADMIN.headers, **headers},
    )


class TestComposableFlavor:
    def test_created_and_shown_at_1_8(self, client, database):
        """A composable flavor is stored and shown back with the amounts."""
        resp = create(client, composable=True)
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert body["composable"] is True
        assert body["resources"] == AMOUNTS
        shown = client.get(
            f"/v1/flavors/{body['uuid']}", headers={**ADMIN.headers, **V18}
        ).json()
        assert (shown["composable"], shown["resources"]) == (True, AMOUNTS)
        member = client.get(
            f"/v1/flavors/{body['uuid']}", headers={**MEMBER.headers, **V18}
        ).json()
        assert member["composable"] is True
        with database.transaction() as session:
            row = session.scalars(
                sa.select(models.Flavor).where(models.Flavor.uuid == body["uuid"])
            ).one()
            assert row.composable is True

    def test_a_node_flavor_is_not_composable(self, client):
        """Without the field a flavor is a node flavor: composable false at 1.8."""
        resp = client.post(
            "/v1/flavors",
            json={"name": "nodes", "resources": {"CUSTOM_GOLD": 1}},
            headers={**ADMIN.headers, **V18},
        )
        assert resp.json()["composable"] is False

    def test_hidden_and_refused_below_1_8(self, client):
        """Below 1.8 the field is not shown, and sending it is a 400 naming it."""
        flavor = create(client, composable=True).json()
        for headers in ({}, V17):
            shown = client.get(
                f"/v1/flavors/{flavor['uuid']}", headers={**ADMIN.headers, **headers}
            ).json()
            assert "composable" not in shown
            listed = client.get(
                "/v1/flavors", headers={**ADMIN.headers, **headers}
            ).json()
            assert all("composable" not in f for f in listed["flavors"])
        resp = create(client, headers=V17, name="old", composable=True)
        assert resp.status_code == 400
        assert "'composable'" in fault(resp)

    def test_immutable(self, client):
        """The composable flag cannot be patched either way."""
        flavor = create(client, composable=True).json()
        for value in (False, True):
            resp = client.patch(
                f"/v1/flavors/{flavor['uuid']}",
                json=[{"op": "replace", "path": "/composable", "value": value}],
                headers={**ADMIN.headers, **V18},
            )
            assert resp.status_code == 400, resp.text
            assert "/composable" in fault(resp)
        shown = client.get(
            f"/v1/flavors/{flavor['uuid']}", headers={**ADMIN.headers, **V18}
        ).json()
        assert shown["composable"] is True

    @pytest.mark.parametrize(
        ("body", "field", "needle"),
        [
            ({"resources": {"MEMORY_MB": 1024}}, "resources", "VCPU"),
            (
                {"resources": {"VCPU": 4, "baremetal-gold": 1}},
                "resources",
                "baremetal-gold",
            ),
            ({"resources": {"VCPU": 4, "SRIOV_NET_VF": 1}}, "resources", "SRIOV"),
            (
                {"resource_traits": {"CUSTOM_FAST": "required"}},
                "resource_traits",
                "composable",
            ),
            (
                {"resource_aggregates": {"rack": "r1"}},
                "resource_aggregates",
                "composable",
            ),
            ({"resources": {"VCPU": 0}}, "resources.VCPU", ""),
            ({"resources": {"VCPU": 2**31}}, "resources.VCPU", ""),
            ({"composable": "perhaps"}, "composable", ""),
        ],
    )
    def test_bad_composable_flavors_are_400_naming_the_field(
        self, client, body, field, needle
    ):
        """What blocks cannot give, or what a composed server cannot use, is 400."""
        resp = create(client, **{"composable": True, **body})
        assert resp.status_code == 400, resp.text
        assert f"'{field}'" in fault(resp)
        assert needle in fault(resp)
        listed = client.get("/v1/flavors", headers=ADMIN.headers).json()
        assert listed["flavors"] == []

    def test_hardware_profiles_are_400_naming_the_field(self, client):
        """A composable flavor takes no hardware profile, at create or patch."""
        profile = client.post(
            "/v1/hardware_profiles",
            json={"name": "bios-only", "bios": {"settings": {"NumLock": True}}},
            headers={**ADMIN.headers, **V18},
        )
        assert profile.status_code == 201, profile.text
        for field, value in (
            ("default_hardware_profile", "bios-only"),
            ("allowed_hardware_profiles", ["bios-only"]),
        ):
            resp = create(client, composable=True, **{field: value})
            assert resp.status_code == 400, resp.text
            assert f"'{field}'" in fault(resp)
            assert "not supported for composed servers" in fault(resp)
        flavor = create(client, composable=True).json()
        resp = client.patch(
            f"/v1/flavors/{flavor['uuid']}",
            json=[
                {
                    "op": "replace",
                    "path": "/default_hardware_profile",
                    "value": "bios-only",
                }
            ],
            headers={**ADMIN.headers, **V18},
        )
        assert resp.status_code == 400, resp.text
        assert "'default_hardware_profile'" in fault(resp)
        shown = client.get(
            f"/v1/flavors/{flavor['uuid']}", headers={**ADMIN.headers, **V18}
        ).json()
        assert shown["default_hardware_profile"] is None
        # NOTE: the same profile on a node flavor is fine.
        node = create(
            client,
            name="nodes",
            resources={"baremetal-gold": 1},
            default_hardware_profile="bios-only",
        )
        assert node.status_code == 201, node.text

    @pytest.mark.parametrize("composable", [False, True])
    def test_a_bare_custom_class_is_400(self, client, composable):
        """``CUSTOM_`` alone names no class (what a composed node's ``""`` maps to)."""
        resources = {"CUSTOM_": 1, "VCPU": 1} if composable else {"CUSTOM_": 1}
        resp = create(client, composable=composable, resources=resources)
        assert resp.status_code == 400, resp.text
        assert "'resources'" in fault(resp)
        assert "CUSTOM_" in fault(resp)
        listed = client.get("/v1/flavors", headers=ADMIN.headers).json()
        assert listed["flavors"] == []


@pytest.fixture
def refs(client) -> dict[str, str]:
    """A composable flavor, an image and a network."""
    flavor = create(client, composable=True).json()
    image = client.post(
        "/v1/images",
        json={"name": "whole", "url": "http://i.test/w.raw", "disk_format": "raw"},
        headers=ADMIN.headers,
    ).json()
    net = client.post(
        "/v1/networks", json={"name": "n", "cidr": "10.1.0.0/24"}, headers=ADMIN.headers
    ).json()
    node_flavor = make_flavor(client, name="bm.nodes")
    return {
        "flavor": flavor["uuid"],
        "node_flavor": node_flavor["uuid"],
        "image": image["uuid"],
        "net": net["uuid"],
    }


def server(refs, **fields) -> dict:
    """A create body for a server of the composable flavor."""
    return {
        "server": {
            "name": "c",
            "flavor_uuid": refs["flavor"],
            "image_uuid": refs["image"],
            "networks": [{"net_id": refs["net"]}],
            **fields,
        }
    }


class TestComposedServers:
    def test_servers_of_a_composable_flavor_are_composed(self, client, refs, database):
        """The server rows say composed; a node flavor's do not."""
        made = client.post(
            "/v1/servers",
            json=server(refs, max_count=2),
            headers={**MEMBER.headers, **V18},
        )
        assert made.status_code == 201, made.text
        plain = client.post(
            "/v1/servers",
            json=server(refs, name="n", flavor_uuid=refs["node_flavor"]),
            headers=MEMBER.headers,
        )
        assert plain.status_code == 201, plain.text
        with database.transaction() as session:
            rows = {
                str(row.name): row.composed
                for row in session.execute(
                    sa.select(models.Server.name, models.Server.composed)
                )
            }
        assert rows == {"c-1": True, "c-2": True, "n": False}

    def test_below_1_8_a_composable_flavor_still_builds(self, client, refs, database):
        """An older client gets a composed server of the flavor it was offered."""
        resp = client.post(
            "/v1/servers", json=server(refs), headers={**MEMBER.headers, **V17}
        )
        assert resp.status_code == 201, resp.text
        assert "composed" not in resp.json()
        with database.transaction() as session:
            assert session.scalars(sa.select(models.Server.composed)).all() == [True]

    def test_an_availability_zone_is_400(self, client, refs, database):
        """Availability zones are node aggregates: a composed server takes none."""
        resp = client.post(
            "/v1/servers",
            json=server(refs, availability_zone="az-1"),
            headers={**MEMBER.headers, **V18},
        )
        assert resp.status_code == 400, resp.text
        assert "'availability_zone'" in fault(resp)
        assert "composable" in fault(resp)
        with database.transaction() as session:
            assert session.scalars(sa.select(models.Server)).all() == []

    @pytest.mark.parametrize(
        "hardware",
        [
            {"raid": {"logical_disks": [{"size_gb": 100, "raid_level": "1"}]}},
            {"bios": {"settings": {"NumLock": True}}},
            {
                "firmware": {
                    "updates": [
                        {
                            "component": "bios",
                            "url": "http://fw.test/b.bin",
                            "checksum": "sha256:" + "a" * 64,
                        }
                    ]
                }
            },
            {
                "partitions": {
                    "root_gb": 10,
                    "layout": [{"mount": "/data", "size_gb": 5, "fs": "xfs"}],
                }
            },
            {"profile": "any-profile"},
        ],
        ids=["raid", "bios", "firmware", "partitions", "profile"],
    )
    def test_a_hardware_request_is_400(self, client, refs, database, hardware):
        """Composed servers take no hardware request: 400 naming hardware.

        Sent by an admin, whom every hardware section is allowed.
        """
        resp = client.post(
            "/v1/servers",
            json=server(refs, hardware=hardware),
            headers={**ADMIN.headers, **V18},
        )
        assert resp.status_code == 400, resp.text
        assert "'hardware'" in fault(resp)
        assert "not supported for composed servers" in fault(resp)
        with database.transaction() as session:
            assert session.scalars(sa.select(models.Server)).all() == []

    def test_a_bond_is_400(self, client, refs, database):
        """A bond is a hardware request too: 400 naming the network's bond."""
        body = server(refs)
        body["server"]["networks"] = [
            {"net_id": refs["net"], "bond": {"mode": "802.3ad", "miimon": 100}}
        ]
        resp = client.post("/v1/servers", json=body, headers={**MEMBER.headers, **V18})
        assert resp.status_code == 400, resp.text
        assert "'networks[0].bond'" in fault(resp)
        assert "not supported for composed servers" in fault(resp)
        with database.transaction() as session:
            assert session.scalars(sa.select(models.Server)).all() == []

    def test_a_profile_the_flavor_had_before_is_400(self, client, refs, database):
        """A composable flavor stored with a default profile (before it was refused).

        Its servers are refused naming the flavor, not built without it.
        """
        profile = client.post(
            "/v1/hardware_profiles",
            json={"name": "old-bios", "bios": {"settings": {"NumLock": True}}},
            headers={**ADMIN.headers, **V18},
        ).json()
        with database.transaction() as session:
            row = session.scalars(
                sa.select(models.Flavor).where(models.Flavor.uuid == refs["flavor"])
            ).one()
            row.default_hardware_profile = profile["uuid"]
        resp = client.post(
            "/v1/servers", json=server(refs), headers={**ADMIN.headers, **V18}
        )
        assert resp.status_code == 400, resp.text
        assert "'flavor_uuid'" in fault(resp)
        assert "not supported for composed servers" in fault(resp)
        with database.transaction() as session:
            assert session.scalars(sa.select(models.Server)).all() == []
