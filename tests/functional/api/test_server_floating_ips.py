"""A server's floating IPs (v1 paths) with a real engine.

The server is built by the real scheduler and engine on a fake node with
two ports, on the embedded network backend; floating IPs come from an
external network's pool. Interface attach and detach run as engine
workflows through the fake driver, which records the VIFs it plugs, so the
tests read back what was done from the driver and the database.
"""

import pytest

from mogan.db import models
from mogan.db.api import server_nic as nic_db
from tests.conftest import ADMIN, MEMBER, OTHER, READER
from tests.functional.api import engine_support
from tests.functional.api import server_network_support as sn
from tests.functional.api.engine_support import show

globals().update(engine_support.FIXTURES)
server = sn.server
V18 = sn.V18


class TestFloatingIps:
    def test_associate_then_disassociate_ipv4(self, api, world, server):
        """204 both ways; the NIC, addresses and the pool row follow."""
        fip = sn.allocate(api, sn.external_network(api))
        assert fip["address"] == "172.24.4.2"
        resp = sn.associate(api, server["uuid"], fip["address"])
        assert resp.status_code == 204, resp.text
        [nic] = sn.networks(api, server["uuid"])
        assert nic["floating_ip"] == "172.24.4.2"
        addresses = show(api, server["uuid"]).json()["addresses"]
        assert addresses[world.network_uuid] == [
            {"addr": "10.20.0.2", "type": "fixed"},
            {"addr": "172.24.4.2", "type": "floating"},
        ]
        [row] = sn.rows(world, models.FloatingIp)
        assert (row.port_uuid, row.fixed_address) == (nic["port_id"], "10.20.0.2")
        shown = api.get(
            f"/v1/floating_ips/{fip['uuid']}", headers={**MEMBER.headers, **V18}
        )
        assert shown.json()["server_uuid"] == server["uuid"]

        resp = sn.disassociate(api, server["uuid"], "172.24.4.2")
        assert resp.status_code == 204, resp.text
        assert sn.networks(api, server["uuid"])[0]["floating_ip"] is None
        [row] = sn.rows(world, models.FloatingIp)
        assert (row.port_uuid, row.fixed_address) == (None, None)
        assert row.project_id == "project-a"

    def test_forgetting_an_address_never_erases_a_newer_one(self, api, world, server):
        """The NIC's record is cleared only while it still holds that address."""
        fip = sn.allocate(api, sn.external_network(api))
        assert sn.associate(api, server["uuid"], fip["address"]).status_code == 204
        [nic] = sn.networks(api, server["uuid"])
        with world.db.transaction() as session:
            # NOTE: a disassociate of an older address landing late.
            nic_db.clear_floating_ip(
                session, server["uuid"], nic["port_id"], "172.24.4.99"
            )
        assert sn.networks(api, server["uuid"])[0]["floating_ip"] == fip["address"]
        with world.db.transaction() as session:
            nic_db.clear_floating_ip(
                session, server["uuid"], nic["port_id"], fip["address"]
            )
        assert sn.networks(api, server["uuid"])[0]["floating_ip"] is None

    def test_ipv6_floating_ip_is_associated_and_removed(
        self, api, world, engine_factory
    ):
        """v1 could not remove an IPv6 floating IP; here it goes both ways."""
        engine_factory()
        world.network_uuid = sn.network(world, "v6", "2001:db8:10::/64")
        made = sn.build(api, world, "six")
        fip = sn.allocate(api, sn.external_network(api, "2001:db8:99::/64", "public6"))
        assert fip["address"] == "2001:db8:99::2"
        assert sn.associate(api, made["uuid"], fip["address"]).status_code == 204
        [nic] = sn.networks(api, made["uuid"])
        assert nic["floating_ip"] == "2001:db8:99::2"
        # NOTE: another spelling of the same address in the path.
        resp = sn.disassociate(api, made["uuid"], "2001:DB8:99:0::2")
        assert resp.status_code == 204, resp.text
        assert sn.networks(api, made["uuid"])[0]["floating_ip"] is None

    def test_fixed_address_null_means_not_given(self, api, server):
        """python-moganclient sends null when no fixed address is asked (v1 #28)."""
        fip = sn.allocate(api, sn.external_network(api))
        resp = sn.associate(api, server["uuid"], fip["address"], fixed_address=None)
        assert resp.status_code == 204, resp.text

    def test_already_associated_elsewhere_is_409(self, api, world, server):
        """A floating IP on another server's NIC stays there: 409."""
        second = sn.build(api, world, "db")
        fip = sn.allocate(api, sn.external_network(api))
        assert sn.associate(api, server["uuid"], fip["address"]).status_code == 204
        resp = sn.associate(api, second["uuid"], fip["address"])
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.floating_ip.in_use"
        assert "another server" in sn.fault(resp)
        # NOTE: the same request again on the same server is a no-op.
        assert sn.associate(api, server["uuid"], fip["address"]).status_code == 204

    def test_nic_with_a_floating_ip_takes_no_second(self, api, server):
        """fixed_address naming a NIC that has one: 409 (v1); without: 400."""
        network = sn.external_network(api)
        first, second = sn.allocate(api, network), sn.allocate(api, network)
        assert sn.associate(api, server["uuid"], first["address"]).status_code == 204
        resp = sn.associate(
            api, server["uuid"], second["address"], fixed_address="10.20.0.2"
        )
        assert resp.status_code == 409
        assert "already has floating IP" in sn.fault(resp)
        resp = sn.associate(api, server["uuid"], second["address"])
        assert resp.status_code == 400
        assert resp.json()["code"] == "mogan.invalid_parameter"

    def test_fixed_address_not_the_servers_is_400(self, api, server):
        """v1's 400, naming the field."""
        fip = sn.allocate(api, sn.external_network(api))
        resp = sn.associate(
            api, server["uuid"], fip["address"], fixed_address="10.9.9.9"
        )
        assert resp.status_code == 400
        assert "'fixed_address'" in sn.fault(resp)

    def test_disassociating_one_not_on_the_server_is_400(self, api, world, server):
        """Not associated with this server (free, or another's): v1's 400."""
        second = sn.build(api, world, "db")
        fip = sn.allocate(api, sn.external_network(api))
        resp = sn.disassociate(api, server["uuid"], fip["address"])
        assert resp.status_code == 400
        assert resp.json()["code"] == "mogan.floating_ip.not_associated"
        assert sn.fault(resp) == (
            f"Floating IP {fip['address']} is not associated with server "
            f"{server['uuid']}."
        )
        assert sn.associate(api, second["uuid"], fip["address"]).status_code == 204
        assert sn.disassociate(api, server["uuid"], fip["address"]).status_code == 400
        assert sn.networks(api, second["uuid"])[0]["floating_ip"] == fip["address"]

    def test_another_projects_floating_ip_or_server_is_404(self, api, server):
        """Project b's floating IP is not found for a; a's server not for b."""
        network = sn.external_network(api)
        theirs = sn.allocate(api, network, OTHER)
        resp = sn.associate(api, server["uuid"], theirs["address"])
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.floating_ip.not_found"
        ours = sn.allocate(api, network)
        resp = sn.associate(api, server["uuid"], ours["address"], OTHER)
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.server.not_found"
        assert (
            sn.disassociate(api, server["uuid"], ours["address"], OTHER).status_code
            == 404
        )

    def test_admin_cannot_map_another_projects_floating_ip(self, api, server):
        """An admin sees every floating IP, but not one of another project: 400."""
        theirs = sn.allocate(api, sn.external_network(api), OTHER)
        resp = sn.associate(api, server["uuid"], theirs["address"], ADMIN)
        assert resp.status_code == 400
        assert "belongs to project project-b" in sn.fault(resp)

    def test_same_address_on_two_networks_is_409(self, api, server):
        """Two external networks with one CIDR: the address is ambiguous (v1)."""
        first = sn.allocate(api, sn.external_network(api, name="a"))
        second = sn.allocate(api, sn.external_network(api, name="b"))
        assert first["address"] == second["address"]
        resp = sn.associate(api, server["uuid"], first["address"])
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.floating_ip.ambiguous"

    def test_associated_floating_ip_is_not_released(self, api, server):
        """Release waits for the disassociation: 409 naming the server."""
        fip = sn.allocate(api, sn.external_network(api))
        assert sn.associate(api, server["uuid"], fip["address"]).status_code == 204
        url = f"/v1/floating_ips/{fip['uuid']}"
        resp = api.delete(url, headers={**MEMBER.headers, **V18})
        assert resp.status_code == 409
        assert server["uuid"] in sn.fault(resp)
        assert sn.disassociate(api, server["uuid"], fip["address"]).status_code == 204
        assert api.delete(url, headers={**MEMBER.headers, **V18}).status_code == 204

    def test_server_on_an_external_network_is_refused(self, api, world, server):
        """Servers are not bound to a floating IP pool: 400 at create."""
        network = sn.external_network(api)
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
        fip = sn.allocate(api, sn.external_network(api))
        resp = sn.associate(api, server["uuid"], fip["address"], READER)
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
        assert f"'{field}'" in sn.fault(resp)

    def test_bad_path_address_is_400(self, api, server):
        """The path's address is an IP too (and bounded)."""
        for bad in ("nope", "9" * 65):
            resp = sn.disassociate(api, server["uuid"], bad)
            assert resp.status_code == 400
            assert "'address'" in sn.fault(resp)
