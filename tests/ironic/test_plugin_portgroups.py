"""What a real Ironic allows for port groups and their member ports, by node state.

No Mogan code here: these pin down the rules a driver that bonds NICs must
follow. Ironic refuses to change a port's connectivity attributes
(``portgroup_uuid``, ``pxe_enabled``, ``physical_network``,
``local_link_connection``) unless the node is ``enroll``, ``inspecting``,
``inspect wait`` or ``manageable``, or in maintenance; port groups
themselves may be created, changed and (when empty) deleted in any state;
a port group with ports cannot be deleted.
"""

import uuid

import pytest

from tests.ironic import hardware

CONFLICT = 409
BAD_REQUEST = 400


def mac() -> str:
    """A random MAC address (Ironic's are unique per Ironic)."""
    octets = uuid.uuid4().hex[:8]
    return "52:54:" + ":".join(octets[i : i + 2] for i in range(0, 8, 2))


def new_portgroup(ironic, node: str, **fields) -> str:
    """A port group on the node; its uuid."""
    body = {
        "node_uuid": node,
        "name": f"bond-{uuid.uuid4().hex[:8]}",
        "mode": "802.3ad",
    }
    return ironic.call("POST", "/v1/portgroups", {**body, **fields}, ok=201)["uuid"]


def join(ironic, port: str, group: str | None):
    """PATCH the port into ``group`` (out of any when None); the response."""
    op = (
        {"op": "replace", "path": "/portgroup_uuid", "value": group}
        if group
        else {"op": "remove", "path": "/portgroup_uuid"}
    )
    return ironic.http.patch(f"/v1/ports/{port}", json=[op])


def maintenance(ironic, node: str, on: bool) -> None:
    """Set or clear the node's maintenance mode."""
    if on:
        ironic.call(
            "PUT", f"/v1/nodes/{node}/maintenance", {"reason": "bonding"}, ok=202
        )
    else:
        ironic.call("DELETE", f"/v1/nodes/{node}/maintenance", ok=202)


@pytest.fixture(name="bonded")
def bonded_fixture(ironic):
    """An available node with two ports and an empty port group."""
    node = ironic.enroll(driver=hardware.MOGAN_FAKE, ports=(mac(), mac()))
    ports = [p["uuid"] for p in ironic.ports(node)]
    return node, ports, new_portgroup(ironic, node, properties={"miimon": "100"})


class TestMembership:
    def test_available_node_refuses_membership_changes(self, ironic, bonded):
        """Joining a port group while available: 409 naming the allowed states."""
        node, ports, group = bonded
        resp = join(ironic, ports[0], group)
        assert resp.status_code == CONFLICT
        assert "can not have any connectivity attributes" in resp.text
        assert "enroll, inspecting, inspect wait, manageable state" in resp.text
        assert "or in maintenance mode. The current state is available." in resp.text
        assert all(p["portgroup_uuid"] is None for p in ironic.ports(node))

    def test_manageable_node_allows_membership_changes(self, ironic, bonded):
        """In manageable the ports join; back to available they stay members."""
        node, ports, group = bonded
        ironic.provision(node, "manage", "manageable")
        for port in ports:
            assert join(ironic, port, group).status_code == 200
        ironic.provision(node, "provide", "available")
        assert {p["portgroup_uuid"] for p in ironic.ports(node)} == {group}
        assert join(ironic, ports[0], None).status_code == CONFLICT

    def test_maintenance_allows_membership_changes(self, ironic, bonded):
        """Available or active, maintenance mode lets the ports move."""
        node, ports, group = bonded
        maintenance(ironic, node, on=True)
        assert join(ironic, ports[0], group).status_code == 200
        maintenance(ironic, node, on=False)
        ironic.provision(node, "active", "active")
        assert join(ironic, ports[0], None).status_code == CONFLICT
        assert join(ironic, ports[1], group).status_code == CONFLICT
        maintenance(ironic, node, on=True)
        assert join(ironic, ports[0], None).status_code == 200
        assert join(ironic, ports[1], group).status_code == 200
        maintenance(ironic, node, on=False)
        assert [p["portgroup_uuid"] for p in ironic.ports(node)].count(group) == 1

    def test_new_port_may_be_created_in_a_group(self, ironic, bonded):
        """A port POSTed with portgroup_uuid joins it, even on an active node."""
        node, _, group = bonded
        ironic.call(
            "POST",
            "/v1/ports",
            {"node_uuid": node, "address": mac(), "portgroup_uuid": group},
            ok=201,
        )
        ironic.provision(node, "active", "active")
        ironic.call(
            "POST",
            "/v1/ports",
            {"node_uuid": node, "address": mac(), "portgroup_uuid": group},
            ok=201,
        )
        assert [p["portgroup_uuid"] for p in ironic.ports(node)].count(group) == 2


class TestPortGroups:
    def test_groups_change_in_any_state_but_not_when_holding_ports(
        self, ironic, bonded
    ):
        """Create, patch, delete (empty) on available and active; 400 with members."""
        node, _, group = bonded
        ironic.call(
            "POST",
            "/v1/ports",
            {"node_uuid": node, "address": mac(), "portgroup_uuid": group},
            ok=201,
        )
        resp = ironic.http.delete(f"/v1/portgroups/{group}")
        assert resp.status_code == BAD_REQUEST
        assert "contains ports" in resp.text
        for state in ("available", "active"):
            if state == "active":
                ironic.provision(node, "active", "active")
            other = new_portgroup(ironic, node, mode="balance-rr")
            ironic.call(
                "PATCH",
                f"/v1/portgroups/{other}",
                [{"op": "replace", "path": "/mode", "value": "active-backup"}],
            )
            assert (
                ironic.call("GET", f"/v1/portgroups/{other}")["mode"] == "active-backup"
            )
            ironic.call("DELETE", f"/v1/portgroups/{other}", ok=204)
        assert [g["uuid"] for g in ironic.portgroups(node)] == [group]

    def test_mode_is_free_text(self, ironic, bonded):
        """Ironic takes any bond mode: the driver must check it."""
        node, _, _ = bonded
        group = new_portgroup(ironic, node, mode="not-a-mode")
        assert ironic.call("GET", f"/v1/portgroups/{group}")["mode"] == "not-a-mode"
