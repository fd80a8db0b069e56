"""A server's networks, floating IPs and interfaces (v1 paths) with a real engine.

The server is built by the real scheduler and engine on a fake node with
two ports, on the embedded network backend; floating IPs come from an
external network's pool. Interface attach and detach run as engine
workflows through the fake driver, which records the VIFs it plugs, so the
tests read back what was done from the driver and the database.
"""

import uuid

import pytest

from mogan import states
from mogan.db import models
from mogan.db.api import engine_host as engine_host_db
from mogan.drivers import base as driver_base
from tests.conftest import ADMIN, MEMBER, OTHER, READER
from tests.functional.api import engine_support
from tests.functional.api import server_network_support as sn
from tests.functional.api.engine_support import RequiredOnly, show, wait_for

globals().update(engine_support.FIXTURES)
server = sn.server
V18 = sn.V18


class TestNetworks:
    def test_lists_the_nics_with_v1_keys(self, api, world, server):
        """One NIC on the flat network: port, network, MAC, fixed IP, no floating IP."""
        [nic] = sn.networks(api, server["uuid"])
        assert set(nic) == {
            "port_id",
            "network_id",
            "mac_address",
            "fixed_ips",
            "floating_ip",
        }
        assert nic["network_id"] == world.network_uuid
        assert nic["fixed_ips"] == [{"subnet_id": None, "ip_address": "10.20.0.2"}]
        assert nic["floating_ip"] is None
        [port] = sn.rows(world, models.Port)
        assert nic["port_id"] == port.uuid
        assert nic["mac_address"] == port.mac_address

    def test_readers_list_another_project_does_not_see(self, api, server):
        """Readers of the project list it; another project gets 404."""
        assert len(sn.networks(api, server["uuid"], READER)) == 1
        other = api.get(f"/v1/servers/{server['uuid']}/networks", headers=OTHER.headers)
        assert other.status_code == 404
        assert other.json()["code"] == "mogan.server.not_found"


class TestInterfaces:
    def test_attach_and_detach_a_network(self, api, world, server):
        """A second NIC on the node's free port, plugged by the driver, then gone."""
        second_net = sn.network(world, "second", "10.30.0.0/24")
        resp = sn.attach(api, server["uuid"], net_id=second_net)
        assert resp.status_code == 204, resp.text
        nics = sn.networks(api, server["uuid"])
        assert len(nics) == 2
        [new] = [n for n in nics if n["network_id"] == second_net]
        assert new["fixed_ips"] == [{"subnet_id": None, "ip_address": "10.30.0.2"}]
        vifs = world.driver.vifs(server["node"])
        assert {v.port_id for v in vifs} == {n["port_id"] for n in nics}
        node_ports = {p.lower() for p in world.driver.get_node(server["node"]).ports}
        assert {v.mac for v in vifs} == node_ports
        addresses = show(api, server["uuid"]).json()["addresses"]
        assert addresses[second_net] == [{"addr": "10.30.0.2", "type": "fixed"}]
        actions = api.get(
            f"/v1/servers/{server['uuid']}/actions",
            headers={**MEMBER.headers, **V18},
        ).json()["actions"]
        assert actions[0]["action"] == "attach_interface"

        [first] = [n for n in nics if n is not new]
        resp = sn.detach(api, server["uuid"], new["port_id"])
        assert resp.status_code == 204, resp.text
        assert sn.networks(api, server["uuid"]) == [first]
        assert [v.port_id for v in world.driver.vifs(server["node"])] == [
            first["port_id"]
        ]
        assert [p.uuid for p in sn.rows(world, models.Port)] == [first["port_id"]]

    def test_node_without_a_free_port_refuses(self, api, world, engine_factory):
        """One port, one NIC: 409 saying so, and nothing is left behind."""
        engine_factory()
        made = sn.build(api, world, "tight", ports=1)
        second_net = sn.network(world, "second", "10.30.0.0/24")
        resp = sn.attach(api, made["uuid"], net_id=second_net)
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.interface.attach_failed"
        assert "no free port" in sn.fault(resp)
        assert len(sn.networks(api, made["uuid"])) == 1
        assert len(sn.rows(world, models.Port)) == 1
        assert len(world.driver.vifs(made["node"])) == 1

    def test_driver_refusal_is_undone(self, api, world, server):
        """The driver refuses the VIF: 409, the new port is deleted again."""
        second_net = sn.network(world, "second", "10.30.0.0/24")
        plugged = {v.mac for v in world.driver.vifs(server["node"])}
        [free] = [
            mac
            for mac in world.driver.get_node(server["node"]).ports
            if mac.lower() not in plugged
        ]
        # NOTE: a VIF plugged out of band on the free port: the plug is refused.
        world.driver.attach_vif(
            server["node"],
            driver_base.Nic(mac=free, port_id="stray", network_id="elsewhere"),
        )
        resp = sn.attach(api, server["uuid"], net_id=second_net)
        assert resp.status_code == 409
        assert "already has VIF stray" in sn.fault(resp)
        assert len(sn.networks(api, server["uuid"])) == 1
        assert len(sn.rows(world, models.Port)) == 1

    def test_driver_without_vifs_refuses_and_leaves_nothing(
        self, api, world, engine_factory
    ):
        """A driver with the required interfaces only: 409 naming it, no port kept."""
        engine_factory(with_driver=RequiredOnly(world.driver))
        made = sn.build(api, world, "plain")
        resp = sn.attach(
            api, made["uuid"], net_id=sn.network(world, "n2", "10.30.0.0/24")
        )
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.driver.unsupported"
        assert sn.fault(resp) == "driver fake cannot attach or detach interfaces"
        assert len(sn.rows(world, models.Port)) == 1
        assert len(sn.networks(api, made["uuid"])) == 1

    def test_an_engine_too_slow_is_a_409_and_the_attach_goes_on(
        self, api, world, econf, engine_factory
    ):
        """Past [api] interface_timeout: 409, and the workflow ends later."""
        engine = engine_factory()
        made = sn.build(api, world, "slow")
        engine.stop()
        # NOTE: an engine that heart-beats but takes no work (busy, or
        # about to die): the request cannot know.
        with world.db.transaction() as session:
            engine_host_db.heartbeat(session, "busy-engine")
        econf.set_override("interface_timeout", 0.3, "api")
        second_net = sn.network(world, "second", "10.30.0.0/24")
        resp = sn.attach(api, made["uuid"], net_id=second_net)
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.engine.unavailable"
        assert "it goes on" in sn.fault(resp)
        assert len(sn.networks(api, made["uuid"])) == 1
        engine_factory(host="engine-b")
        wait_for(lambda: len(sn.networks(api, made["uuid"])) == 2)
        assert len(world.driver.vifs(made["node"])) == 2

    def test_detach_of_a_port_not_on_the_server_is_404(self, api, server):
        """v1's 404 wording."""
        port = str(uuid.uuid4())
        resp = sn.detach(api, server["uuid"], port)
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.interface.not_found"
        assert (
            sn.fault(resp) == f"Interface {port} not found for server {server['uuid']}."
        )

    def test_embedded_ports_cannot_be_brought(self, api, world, server):
        """port_id: 400 naming it (embedded has no free ports); its own: 409."""
        second = sn.build(api, world, "db")
        [theirs] = sn.networks(api, second["uuid"])
        resp = sn.attach(api, server["uuid"], port_id=theirs["port_id"])
        assert resp.status_code == 400
        assert "'port_id'" in sn.fault(resp)
        [own] = sn.networks(api, server["uuid"])
        resp = sn.attach(api, server["uuid"], port_id=own["port_id"])
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.port.in_use"

    def test_external_network_takes_no_interface(self, api, server):
        """An external network holds floating IPs only: 400 naming it."""
        network = sn.external_network(api)
        resp = sn.attach(api, server["uuid"], net_id=network)
        assert resp.status_code == 400
        assert resp.json()["code"] == "mogan.network.not_usable"

    def test_locked_server_refuses_members_not_admins(self, api, world, server):
        """v1's lock check: 400 for the owner, an admin goes ahead."""
        second_net = sn.network(world, "second", "10.30.0.0/24")
        locked = api.put(
            f"/v1/servers/{server['uuid']}/states/lock",
            json={"target": True},
            headers=ADMIN.headers,
        )
        assert locked.status_code == 202
        resp = sn.attach(api, server["uuid"], net_id=second_net)
        assert resp.status_code == 400
        assert resp.json()["code"] == "mogan.server.locked"
        assert (
            sn.attach(api, server["uuid"], ADMIN, net_id=second_net).status_code == 204
        )

    def test_server_in_transition_refuses(self, api, world, server):
        """Neither active nor stopped (powering off): 400 naming the state."""
        world.driver.set_behaviour(server["node"], power_seconds=30)
        resp = api.put(
            f"/v1/servers/{server['uuid']}/states/power",
            json={"target": "off"},
            headers=MEMBER.headers,
        )
        assert resp.status_code == 202
        resp = sn.attach(
            api, server["uuid"], net_id=sn.network(world, "n2", "10.30.0.0/24")
        )
        assert resp.status_code == 400
        assert resp.json()["code"] == "mogan.invalid_state"
        assert "powering-off" in sn.fault(resp)

    def test_stopped_server_takes_an_interface(self, api, world, server):
        """A powered-off server's node takes a VIF too."""
        resp = api.put(
            f"/v1/servers/{server['uuid']}/states/power",
            json={"target": "off"},
            headers=MEMBER.headers,
        )
        assert resp.status_code == 202
        wait_for(lambda: show(api, server["uuid"]).json()["status"] == states.STOPPED)
        second_net = sn.network(world, "second", "10.30.0.0/24")
        assert sn.attach(api, server["uuid"], net_id=second_net).status_code == 204
        assert len(world.driver.vifs(server["node"])) == 2

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "net_id"),
            ({"net_id": str(uuid.uuid4()), "port_id": str(uuid.uuid4())}, "net_id"),
            ({"net_id": "x" * 46}, "net_id"),
            ({"port_id": "nope"}, "port_id"),
            ({"net": "x"}, "net"),
        ],
    )
    def test_bad_bodies_are_400_naming_the_field(self, api, server, body, field):
        """Exactly one of two bounded uuids."""
        resp = sn.attach(api, server["uuid"], **body)
        assert resp.status_code == 400
        assert f"'{field}'" in sn.fault(resp)

    def test_bad_port_in_path_is_400(self, api, server):
        """The path's port id is a uuid."""
        resp = sn.detach(api, server["uuid"], "x" * 46)
        assert resp.status_code == 400
        assert "'port_id'" in sn.fault(resp)

    def test_delete_cleans_attached_interfaces_and_floating_ips(
        self, api, world, server
    ):
        """Deleting the server frees every port and unmaps its floating IP."""
        second_net = sn.network(world, "second", "10.30.0.0/24")
        assert sn.attach(api, server["uuid"], net_id=second_net).status_code == 204
        fip = sn.allocate(api, sn.external_network(api))
        resp = sn.associate(
            api, server["uuid"], fip["address"], fixed_address="10.30.0.2"
        )
        assert resp.status_code == 204
        assert (
            api.delete(
                f"/v1/servers/{server['uuid']}", headers=MEMBER.headers
            ).status_code
            == 204
        )
        wait_for(lambda: show(api, server["uuid"]).status_code == 404)
        assert sn.rows(world, models.Port) == []
        assert sn.rows(world, models.ServerNic) == []
        [row] = sn.rows(world, models.FloatingIp)
        assert row.port_uuid is None
        assert world.driver.vifs(server["node"]) == []
