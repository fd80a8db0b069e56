"""A server's networks, floating IPs and interfaces (v1 paths) with a real engine.

The server is built by the real scheduler and engine on a fake node with
two ports, on the embedded network backend; floating IPs come from an
external network's pool. Interface attach and detach run as engine
workflows through the fake driver, which records the VIFs it plugs, so the
tests read back what was done from the driver and the database.
"""

import ipaddress
import json
import uuid

import pytest
import sqlalchemy as sa

from mogan import states
from mogan.db import models
from mogan.db.api import engine_host as engine_host_db
from mogan.db.api import server_nic as nic_db
from mogan.drivers import base as driver_base
from tests.conftest import ADMIN, MEMBER, OTHER, READER
from tests.functional.api import engine_support
from tests.functional.api.engine_support import RequiredOnly, show, wait_for

globals().update(engine_support.FIXTURES)

V18 = {"OpenStack-API-Version": "baremetal-compute 1.8"}


def _fault(resp) -> str:
    return str(json.loads(resp.json()["error_message"])["faultstring"])


def external_network(api, cidr: str = "172.24.4.0/24", name: str = "public") -> str:
    """An external network (admin, 1.8); its uuid."""
    resp = api.post(
        "/v1/networks",
        json={"name": name, "cidr": cidr, "external": True},
        headers={**ADMIN.headers, **V18},
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["uuid"])


def allocate(api, network: str, persona=MEMBER) -> dict:
    """A floating IP of ``network`` for the persona's project."""
    resp = api.post(
        f"/v1/networks/{network}/floating_ips", headers={**persona.headers, **V18}
    )
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def associate(api, server: str, address: str, persona=MEMBER, **extra):
    """``POST .../networks/floatingips``."""
    return api.post(
        f"/v1/servers/{server}/networks/floatingips",
        json={"address": address, **extra},
        headers=persona.headers,
    )


def disassociate(api, server: str, address: str, persona=MEMBER):
    """``DELETE .../networks/floatingips/{address}``."""
    return api.delete(
        f"/v1/servers/{server}/networks/floatingips/{address}",
        headers=persona.headers,
    )


def networks(api, server: str, persona=MEMBER) -> list[dict]:
    """The server's NICs (``GET .../networks``)."""
    resp = api.get(f"/v1/servers/{server}/networks", headers=persona.headers)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["nics"])


def attach(api, server: str, persona=MEMBER, **body):
    """``POST .../networks/interfaces``."""
    return api.post(
        f"/v1/servers/{server}/networks/interfaces", json=body, headers=persona.headers
    )


def detach(api, server: str, port_id: str, persona=MEMBER):
    """``DELETE .../networks/interfaces/{port_id}``."""
    return api.delete(
        f"/v1/servers/{server}/networks/interfaces/{port_id}", headers=persona.headers
    )


def build(api, world, name: str = "web", persona=MEMBER, ports: int = 2) -> dict:
    """An active server of the persona's project on a node with ``ports`` NICs."""
    [node] = world.enroll(1, ports=ports)
    resp = api.post(
        "/v1/servers",
        json={
            "server": {
                "name": name,
                "flavor_uuid": world.flavor_uuid,
                "image_uuid": world.image_uuid,
                "networks": [{"net_id": world.network_uuid}],
            }
        },
        headers=persona.headers,
    )
    assert resp.status_code == 201, resp.text
    server = resp.json()["uuid"]
    wait_for(lambda: show(api, server).json()["status"] == states.ACTIVE)
    return {"uuid": server, "node": node}


@pytest.fixture
def server(world, engine_factory, api) -> dict:
    """An active server of project-a, with its node, and a running engine."""
    engine_factory()
    return build(api, world)


def _rows(world, model) -> list:
    with world.db.transaction() as session:
        return list(session.scalars(sa.select(model)))


class TestNetworks:
    def test_lists_the_nics_with_v1_keys(self, api, world, server):
        """One NIC on the flat network: port, network, MAC, fixed IP, no floating IP."""
        [nic] = networks(api, server["uuid"])
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
        [port] = _rows(world, models.Port)
        assert nic["port_id"] == port.uuid
        assert nic["mac_address"] == port.mac_address

    def test_readers_list_another_project_does_not_see(self, api, server):
        """Readers of the project list it; another project gets 404."""
        assert len(networks(api, server["uuid"], READER)) == 1
        other = api.get(f"/v1/servers/{server['uuid']}/networks", headers=OTHER.headers)
        assert other.status_code == 404
        assert other.json()["code"] == "mogan.server.not_found"


class TestFloatingIps:
    def test_associate_then_disassociate_ipv4(self, api, world, server):
        """204 both ways; the NIC, addresses and the pool row follow."""
        fip = allocate(api, external_network(api))
        assert fip["address"] == "172.24.4.2"
        resp = associate(api, server["uuid"], fip["address"])
        assert resp.status_code == 204, resp.text
        [nic] = networks(api, server["uuid"])
        assert nic["floating_ip"] == "172.24.4.2"
        addresses = show(api, server["uuid"]).json()["addresses"]
        assert addresses[world.network_uuid] == [
            {"addr": "10.20.0.2", "type": "fixed"},
            {"addr": "172.24.4.2", "type": "floating"},
        ]
        [row] = _rows(world, models.FloatingIp)
        assert (row.port_uuid, row.fixed_address) == (nic["port_id"], "10.20.0.2")
        shown = api.get(
            f"/v1/floating_ips/{fip['uuid']}", headers={**MEMBER.headers, **V18}
        )
        assert shown.json()["server_uuid"] == server["uuid"]

        resp = disassociate(api, server["uuid"], "172.24.4.2")
        assert resp.status_code == 204, resp.text
        assert networks(api, server["uuid"])[0]["floating_ip"] is None
        [row] = _rows(world, models.FloatingIp)
        assert (row.port_uuid, row.fixed_address) == (None, None)
        assert row.project_id == "project-a"

    def test_forgetting_an_address_never_erases_a_newer_one(self, api, world, server):
        """The NIC's record is cleared only while it still holds that address."""
        fip = allocate(api, external_network(api))
        assert associate(api, server["uuid"], fip["address"]).status_code == 204
        [nic] = networks(api, server["uuid"])
        with world.db.transaction() as session:
            # NOTE: a disassociate of an older address landing late.
            nic_db.clear_floating_ip(
                session, server["uuid"], nic["port_id"], "172.24.4.99"
            )
        assert networks(api, server["uuid"])[0]["floating_ip"] == fip["address"]
        with world.db.transaction() as session:
            nic_db.clear_floating_ip(
                session, server["uuid"], nic["port_id"], fip["address"]
            )
        assert networks(api, server["uuid"])[0]["floating_ip"] is None

    def test_ipv6_floating_ip_is_associated_and_removed(
        self, api, world, engine_factory
    ):
        """v1 could not remove an IPv6 floating IP; here it goes both ways."""
        engine_factory()
        world.network_uuid = _network(world, "v6", "2001:db8:10::/64")
        made = build(api, world, "six")
        fip = allocate(api, external_network(api, "2001:db8:99::/64", "public6"))
        assert fip["address"] == "2001:db8:99::2"
        assert associate(api, made["uuid"], fip["address"]).status_code == 204
        [nic] = networks(api, made["uuid"])
        assert nic["floating_ip"] == "2001:db8:99::2"
        # NOTE: another spelling of the same address in the path.
        resp = disassociate(api, made["uuid"], "2001:DB8:99:0::2")
        assert resp.status_code == 204, resp.text
        assert networks(api, made["uuid"])[0]["floating_ip"] is None

    def test_fixed_address_null_means_not_given(self, api, server):
        """python-moganclient sends null when no fixed address is asked (v1 #28)."""
        fip = allocate(api, external_network(api))
        resp = associate(api, server["uuid"], fip["address"], fixed_address=None)
        assert resp.status_code == 204, resp.text

    def test_already_associated_elsewhere_is_409(self, api, world, server):
        """A floating IP on another server's NIC stays there: 409."""
        second = build(api, world, "db")
        fip = allocate(api, external_network(api))
        assert associate(api, server["uuid"], fip["address"]).status_code == 204
        resp = associate(api, second["uuid"], fip["address"])
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.floating_ip.in_use"
        assert "another server" in _fault(resp)
        # NOTE: the same request again on the same server is a no-op.
        assert associate(api, server["uuid"], fip["address"]).status_code == 204

    def test_nic_with_a_floating_ip_takes_no_second(self, api, server):
        """fixed_address naming a NIC that has one: 409 (v1); without: 400."""
        network = external_network(api)
        first, second = allocate(api, network), allocate(api, network)
        assert associate(api, server["uuid"], first["address"]).status_code == 204
        resp = associate(
            api, server["uuid"], second["address"], fixed_address="10.20.0.2"
        )
        assert resp.status_code == 409
        assert "already has floating IP" in _fault(resp)
        resp = associate(api, server["uuid"], second["address"])
        assert resp.status_code == 400
        assert resp.json()["code"] == "mogan.invalid_parameter"

    def test_fixed_address_not_the_servers_is_400(self, api, server):
        """v1's 400, naming the field."""
        fip = allocate(api, external_network(api))
        resp = associate(api, server["uuid"], fip["address"], fixed_address="10.9.9.9")
        assert resp.status_code == 400
        assert "'fixed_address'" in _fault(resp)

    def test_disassociating_one_not_on_the_server_is_400(self, api, world, server):
        """Not associated with this server (free, or another's): v1's 400."""
        second = build(api, world, "db")
        fip = allocate(api, external_network(api))
        resp = disassociate(api, server["uuid"], fip["address"])
        assert resp.status_code == 400
        assert resp.json()["code"] == "mogan.floating_ip.not_associated"
        assert _fault(resp) == (
            f"Floating IP {fip['address']} is not associated with server "
            f"{server['uuid']}."
        )
        assert associate(api, second["uuid"], fip["address"]).status_code == 204
        assert disassociate(api, server["uuid"], fip["address"]).status_code == 400
        assert networks(api, second["uuid"])[0]["floating_ip"] == fip["address"]

    def test_another_projects_floating_ip_or_server_is_404(self, api, server):
        """Project b's floating IP is not found for a; a's server not for b."""
        network = external_network(api)
        theirs = allocate(api, network, OTHER)
        resp = associate(api, server["uuid"], theirs["address"])
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.floating_ip.not_found"
        ours = allocate(api, network)
        resp = associate(api, server["uuid"], ours["address"], OTHER)
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.server.not_found"
        assert (
            disassociate(api, server["uuid"], ours["address"], OTHER).status_code == 404
        )

    def test_admin_cannot_map_another_projects_floating_ip(self, api, server):
        """An admin sees every floating IP, but not one of another project: 400."""
        theirs = allocate(api, external_network(api), OTHER)
        resp = associate(api, server["uuid"], theirs["address"], ADMIN)
        assert resp.status_code == 400
        assert "belongs to project project-b" in _fault(resp)

    def test_same_address_on_two_networks_is_409(self, api, server):
        """Two external networks with one CIDR: the address is ambiguous (v1)."""
        first = allocate(api, external_network(api, name="a"))
        second = allocate(api, external_network(api, name="b"))
        assert first["address"] == second["address"]
        resp = associate(api, server["uuid"], first["address"])
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.floating_ip.ambiguous"

    def test_associated_floating_ip_is_not_released(self, api, server):
        """Release waits for the disassociation: 409 naming the server."""
        fip = allocate(api, external_network(api))
        assert associate(api, server["uuid"], fip["address"]).status_code == 204
        url = f"/v1/floating_ips/{fip['uuid']}"
        resp = api.delete(url, headers={**MEMBER.headers, **V18})
        assert resp.status_code == 409
        assert server["uuid"] in _fault(resp)
        assert disassociate(api, server["uuid"], fip["address"]).status_code == 204
        assert api.delete(url, headers={**MEMBER.headers, **V18}).status_code == 204

    def test_server_on_an_external_network_is_refused(self, api, world, server):
        """Servers are not bound to a floating IP pool: 400 at create."""
        network = external_network(api)
        resp = api.post(
            "/v1/servers",
            json={
                "server": {
                    "name": "bad",
                    "flavor_uuid": world.flavor_uuid,
                    "image_uuid": world.image_uuid,
                    "networks": [{"net_id": network}],
                }
            },
            headers=MEMBER.headers,
        )
        assert resp.status_code == 400
        assert resp.json()["code"] == "mogan.network.not_usable"
        del server

    def test_reader_may_not_associate(self, api, server):
        """Readers read; changing floating IPs is for members: 403."""
        fip = allocate(api, external_network(api))
        resp = associate(api, server["uuid"], fip["address"], READER)
        assert resp.status_code == 403

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"address": "1" * 65}, "address"),
            ({"address": "not-an-ip"}, "address"),
            ({"address": "fe80::1%eth0"}, "address"),
            ({"address": "10.0.0.1", "fixed_address": "x" * 65}, "fixed_address"),
            ({"address": "10.0.0.1", "port": "x"}, "port"),
            ({}, "address"),
        ],
    )
    def test_bad_bodies_are_400_naming_the_field(self, api, server, body, field):
        """Every field is bounded and checked; the 400 names it."""
        resp = api.post(
            f"/v1/servers/{server['uuid']}/networks/floatingips",
            json=body,
            headers=MEMBER.headers,
        )
        assert resp.status_code == 400
        assert f"'{field}'" in _fault(resp)

    def test_bad_path_address_is_400(self, api, server):
        """The path's address is an IP too (and bounded)."""
        for bad in ("nope", "9" * 65):
            resp = disassociate(api, server["uuid"], bad)
            assert resp.status_code == 400
            assert "'address'" in _fault(resp)


class TestInterfaces:
    def test_attach_and_detach_a_network(self, api, world, server):
        """A second NIC on the node's free port, plugged by the driver, then gone."""
        second_net = _network(world, "second", "10.30.0.0/24")
        resp = attach(api, server["uuid"], net_id=second_net)
        assert resp.status_code == 204, resp.text
        nics = networks(api, server["uuid"])
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
        resp = detach(api, server["uuid"], new["port_id"])
        assert resp.status_code == 204, resp.text
        assert networks(api, server["uuid"]) == [first]
        assert [v.port_id for v in world.driver.vifs(server["node"])] == [
            first["port_id"]
        ]
        assert [p.uuid for p in _rows(world, models.Port)] == [first["port_id"]]

    def test_node_without_a_free_port_refuses(self, api, world, engine_factory):
        """One port, one NIC: 409 saying so, and nothing is left behind."""
        engine_factory()
        made = build(api, world, "tight", ports=1)
        second_net = _network(world, "second", "10.30.0.0/24")
        resp = attach(api, made["uuid"], net_id=second_net)
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.interface.attach_failed"
        assert "no free port" in _fault(resp)
        assert len(networks(api, made["uuid"])) == 1
        assert len(_rows(world, models.Port)) == 1
        assert len(world.driver.vifs(made["node"])) == 1

    def test_driver_refusal_is_undone(self, api, world, server):
        """The driver refuses the VIF: 409, the new port is deleted again."""
        second_net = _network(world, "second", "10.30.0.0/24")
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
        resp = attach(api, server["uuid"], net_id=second_net)
        assert resp.status_code == 409
        assert "already has VIF stray" in _fault(resp)
        assert len(networks(api, server["uuid"])) == 1
        assert len(_rows(world, models.Port)) == 1

    def test_driver_without_vifs_refuses_and_leaves_nothing(
        self, api, world, engine_factory
    ):
        """A driver with the required interfaces only: 409 naming it, no port kept."""
        engine_factory(with_driver=RequiredOnly(world.driver))
        made = build(api, world, "plain")
        resp = attach(api, made["uuid"], net_id=_network(world, "n2", "10.30.0.0/24"))
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.driver.unsupported"
        assert _fault(resp) == "driver fake cannot attach or detach interfaces"
        assert len(_rows(world, models.Port)) == 1
        assert len(networks(api, made["uuid"])) == 1

    def test_an_engine_too_slow_is_a_409_and_the_attach_goes_on(
        self, api, world, econf, engine_factory
    ):
        """Past [api] interface_timeout: 409, and the workflow ends later."""
        engine = engine_factory()
        made = build(api, world, "slow")
        engine.stop()
        # NOTE: an engine that heart-beats but takes no work (busy, or
        # about to die): the request cannot know.
        with world.db.transaction() as session:
            engine_host_db.heartbeat(session, "busy-engine")
        econf.set_override("interface_timeout", 0.3, "api")
        second_net = _network(world, "second", "10.30.0.0/24")
        resp = attach(api, made["uuid"], net_id=second_net)
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.engine.unavailable"
        assert "it goes on" in _fault(resp)
        assert len(networks(api, made["uuid"])) == 1
        engine_factory(host="engine-b")
        wait_for(lambda: len(networks(api, made["uuid"])) == 2)
        assert len(world.driver.vifs(made["node"])) == 2

    def test_detach_of_a_port_not_on_the_server_is_404(self, api, server):
        """v1's 404 wording."""
        port = str(uuid.uuid4())
        resp = detach(api, server["uuid"], port)
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.interface.not_found"
        assert (
            _fault(resp) == f"Interface {port} not found for server {server['uuid']}."
        )

    def test_embedded_ports_cannot_be_brought(self, api, world, server):
        """port_id: 400 naming it (embedded has no free ports); its own: 409."""
        second = build(api, world, "db")
        [theirs] = networks(api, second["uuid"])
        resp = attach(api, server["uuid"], port_id=theirs["port_id"])
        assert resp.status_code == 400
        assert "'port_id'" in _fault(resp)
        [own] = networks(api, server["uuid"])
        resp = attach(api, server["uuid"], port_id=own["port_id"])
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.port.in_use"

    def test_external_network_takes_no_interface(self, api, server):
        """An external network holds floating IPs only: 400 naming it."""
        network = external_network(api)
        resp = attach(api, server["uuid"], net_id=network)
        assert resp.status_code == 400
        assert resp.json()["code"] == "mogan.network.not_usable"

    def test_locked_server_refuses_members_not_admins(self, api, world, server):
        """v1's lock check: 400 for the owner, an admin goes ahead."""
        second_net = _network(world, "second", "10.30.0.0/24")
        locked = api.put(
            f"/v1/servers/{server['uuid']}/states/lock",
            json={"target": True},
            headers=ADMIN.headers,
        )
        assert locked.status_code == 202
        resp = attach(api, server["uuid"], net_id=second_net)
        assert resp.status_code == 400
        assert resp.json()["code"] == "mogan.server.locked"
        assert attach(api, server["uuid"], ADMIN, net_id=second_net).status_code == 204

    def test_server_in_transition_refuses(self, api, world, server):
        """Neither active nor stopped (powering off): 400 naming the state."""
        world.driver.set_behaviour(server["node"], power_seconds=30)
        resp = api.put(
            f"/v1/servers/{server['uuid']}/states/power",
            json={"target": "off"},
            headers=MEMBER.headers,
        )
        assert resp.status_code == 202
        resp = attach(api, server["uuid"], net_id=_network(world, "n2", "10.30.0.0/24"))
        assert resp.status_code == 400
        assert resp.json()["code"] == "mogan.invalid_state"
        assert "powering-off" in _fault(resp)

    def test_stopped_server_takes_an_interface(self, api, world, server):
        """A powered-off server's node takes a VIF too."""
        resp = api.put(
            f"/v1/servers/{server['uuid']}/states/power",
            json={"target": "off"},
            headers=MEMBER.headers,
        )
        assert resp.status_code == 202
        wait_for(lambda: show(api, server["uuid"]).json()["status"] == states.STOPPED)
        second_net = _network(world, "second", "10.30.0.0/24")
        assert attach(api, server["uuid"], net_id=second_net).status_code == 204
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
        resp = attach(api, server["uuid"], **body)
        assert resp.status_code == 400
        assert f"'{field}'" in _fault(resp)

    def test_bad_port_in_path_is_400(self, api, server):
        """The path's port id is a uuid."""
        resp = detach(api, server["uuid"], "x" * 46)
        assert resp.status_code == 400
        assert "'port_id'" in _fault(resp)

    def test_delete_cleans_attached_interfaces_and_floating_ips(
        self, api, world, server
    ):
        """Deleting the server frees every port and unmaps its floating IP."""
        second_net = _network(world, "second", "10.30.0.0/24")
        assert attach(api, server["uuid"], net_id=second_net).status_code == 204
        fip = allocate(api, external_network(api))
        resp = associate(api, server["uuid"], fip["address"], fixed_address="10.30.0.2")
        assert resp.status_code == 204
        assert (
            api.delete(
                f"/v1/servers/{server['uuid']}", headers=MEMBER.headers
            ).status_code
            == 204
        )
        wait_for(lambda: show(api, server["uuid"]).status_code == 404)
        assert _rows(world, models.Port) == []
        assert _rows(world, models.ServerNic) == []
        [row] = _rows(world, models.FloatingIp)
        assert row.port_uuid is None
        assert world.driver.vifs(server["node"]) == []


def _network(world, name: str, cidr: str) -> str:
    """A shared flat network made in the database (gateway: its first host)."""
    network = str(uuid.uuid4())
    gateway = str(next(ipaddress.ip_network(cidr).hosts()))
    with world.db.transaction() as session:
        session.add(models.Network(uuid=network, name=name, cidr=cidr, gateway=gateway))
    return network
