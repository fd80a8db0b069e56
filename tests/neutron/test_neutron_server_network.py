"""Floating IPs and interfaces (v1 paths) on real Neutron ports.

A project member with a Keystone token builds a server through Mogan's
real app and engine (fake driver, NICs cabled on ``physnet1``) on a
Neutron network routed to the process's external network; floating IPs
are the member's own, made in Neutron. What Mogan did is read back from
Neutron as its admin (ports, their bindings, floating IP mappings, counted
before and after), from the fake driver's VIFs and from Mogan's API.
"""

import logging
import uuid
from typing import Any

import pytest

from mogan import context as mogan_context
from mogan import exception, states
from mogan import network as mogan_network
from mogan.drivers import base as driver_base
from mogan.network import base as network_base
from tests.neutron import fixtures, l3
from tests.neutron.fixtures import DEVICE_OWNER, V18, cable, switch_port

pytestmark = pytest.mark.services

globals().update(fixtures.FIXTURES)

wait_for = fixtures.engine_support.wait_for


def _fault(resp) -> str:
    return str(resp.json().get("error_message") or resp.text)


def _networks(api, headers, server: str) -> list[dict[str, Any]]:
    resp = api.get(f"/v1/servers/{server}/networks", headers=headers)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["nics"])


def _fip_call(api, tenant, server: str, method: str, address: str = "", **body):
    path = f"/v1/servers/{server}/networks/floatingips"
    if method == "DELETE":
        return api.delete(f"{path}/{address}", headers=tenant.headers)
    return api.post(path, json={"address": address, **body}, headers=tenant.headers)


def _attach(api, tenant, server: str, **body):
    return api.post(
        f"/v1/servers/{server}/networks/interfaces", json=body, headers=tenant.headers
    )


def _detach(api, tenant, server: str, port_id: str):
    return api.delete(
        f"/v1/servers/{server}/networks/interfaces/{port_id}", headers=tenant.headers
    )


def _build(api, world, tenant, ports: int = 2) -> dict[str, Any]:
    """An active server of the tenant on its network; node cabled with ``ports``."""
    (node,) = world.enroll(1, ports=ports)
    macs = cable(world, node)
    resp = api.post(
        "/v1/servers",
        json={
            "server": {
                "name": f"srv-{uuid.uuid4().hex[:6]}",
                "flavor_uuid": world.flavor_uuid,
                "image_uuid": world.image_uuid,
                "networks": [{"net_id": tenant.network_id}],
            }
        },
        headers=tenant.headers,
    )
    assert resp.status_code == 201, resp.text
    server = resp.json()["uuid"]

    def status() -> str:
        return str(
            api.get(f"/v1/servers/{server}", headers=tenant.headers).json()["status"]
        )

    wait_for(lambda: status() in {states.ACTIVE, states.ERROR}, timeout=60)
    assert status() == states.ACTIVE, world.faults(server)
    return {"uuid": server, "node": node, "macs": macs}


def _delete(api, tenant, server: str) -> None:
    assert (
        api.delete(f"/v1/servers/{server}", headers=tenant.headers).status_code == 204
    )
    wait_for(
        lambda: (
            api.get(f"/v1/servers/{server}", headers=tenant.headers).status_code == 404
        ),
        timeout=60,
    )


class TestFloatingIps:
    def test_associate_disassociate_and_delete_leaves_it_free(
        self, world, api, engine_factory, tenant, neutron
    ):
        """Neutron maps the member's FIP onto the port; GET networks shows it."""
        engine_factory()
        made = _build(api, world, tenant)
        server = made["uuid"]
        (port,) = tenant.ports(device_id=server)
        fixed = port["fixed_ips"][0]["ip_address"]
        fip = l3.floating_ip(neutron, tenant.member.token)
        address = fip["floating_ip_address"]

        # NOTE: no router yet: Neutron refuses, v1's 400 naming the field.
        resp = _fip_call(api, tenant, server, "POST", address=address)
        assert resp.status_code == 400, resp.text
        assert "'address'" in _fault(resp)
        assert "not reachable" in _fault(resp)
        l3.route(neutron, tenant.member.token, tenant.subnet_id)

        resp = _fip_call(
            api, tenant, server, "POST", address=address, fixed_address="10.9.9.9"
        )
        assert resp.status_code == 400, resp.text
        assert "fixed_address" in _fault(resp)
        assert l3.show(neutron, fip["id"])["port_id"] is None

        resp = _fip_call(api, tenant, server, "POST", address=address)
        assert resp.status_code == 204, resp.text
        mapped = l3.show(neutron, fip["id"])
        assert (mapped["port_id"], mapped["fixed_ip_address"]) == (port["id"], fixed)
        (nic,) = _networks(api, tenant.headers, server)
        assert nic == {
            "port_id": port["id"],
            "network_id": tenant.network_id,
            "mac_address": made["macs"][0],
            "fixed_ips": [{"subnet_id": tenant.subnet_id, "ip_address": fixed}],
            "floating_ip": address,
        }
        shown = api.get(f"/v1/servers/{server}", headers=tenant.headers).json()
        assert shown["addresses"][tenant.network_id] == [
            {"addr": fixed, "type": "fixed"},
            {"addr": address, "type": "floating"},
        ]
        # NOTE: a retried request is a no-op; a second FIP on the NIC is 409.
        again = _fip_call(api, tenant, server, "POST", address=address)
        assert again.status_code == 204, again.text
        other = l3.floating_ip(neutron, tenant.member.token)
        busy = _fip_call(
            api,
            tenant,
            server,
            "POST",
            address=other["floating_ip_address"],
            fixed_address=fixed,
        )
        assert busy.status_code == 409, busy.text

        resp = _fip_call(api, tenant, server, "DELETE", address=address)
        assert resp.status_code == 204, resp.text
        assert l3.show(neutron, fip["id"])["port_id"] is None
        assert _networks(api, tenant.headers, server)[0]["floating_ip"] is None
        resp = _fip_call(api, tenant, server, "DELETE", address=address)
        assert resp.status_code == 400, resp.text
        assert "is not associated" in _fault(resp)

        # NOTE: deleting the server deletes its port: Neutron unmaps the FIP,
        # which stays the project's.
        assert _fip_call(api, tenant, server, "POST", address=address).status_code == (
            204
        )
        _delete(api, tenant, server)
        assert tenant.ports(device_id=server) == []
        freed = l3.show(neutron, fip["id"])
        assert (freed["port_id"], freed["fixed_ip_address"]) == (None, None)
        assert freed["project_id"] == tenant.project_id

    def test_unknown_and_another_projects_addresses_are_not_found(
        self, world, api, engine_factory, tenant, neutron
    ):
        """404 for an address nobody holds and for another project's FIP."""
        engine_factory()
        server = _build(api, world, tenant, ports=1)["uuid"]
        l3.route(neutron, tenant.member.token, tenant.subnet_id)
        stranger = neutron.keystone.project_persona("member")
        theirs = l3.floating_ip(neutron, stranger.token)
        for address in ("203.0.113.77", theirs["floating_ip_address"]):
            resp = _fip_call(api, tenant, server, "POST", address=address)
            assert resp.status_code == 404, resp.text
            assert resp.json()["code"] == "mogan.floating_ip.not_found"
            assert address in _fault(resp)
        assert l3.show(neutron, theirs["id"])["port_id"] is None
        # NOTE: the stranger cannot reach the server to use their FIP on it.
        resp = api.post(
            f"/v1/servers/{server}/networks/floatingips",
            json={"address": theirs["floating_ip_address"]},
            headers={**stranger.headers, **V18},
        )
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.server.not_found"

    def test_unmapped_in_neutron_directly_is_cleared_by_the_delete(
        self, world, api, engine_factory, tenant, neutron
    ):
        """Unset behind Mogan's back: the NIC still says so until a DELETE, 204."""
        engine_factory()
        server = _build(api, world, tenant, ports=1)["uuid"]
        l3.route(neutron, tenant.member.token, tenant.subnet_id)
        fip = l3.floating_ip(neutron, tenant.member.token)
        address = fip["floating_ip_address"]
        resp = _fip_call(api, tenant, server, "POST", address=address)
        assert resp.status_code == 204, resp.text
        neutron.call(
            "PUT",
            f"/floatingips/{fip['id']}",
            {"floatingip": {"port_id": None}},
            token=tenant.member.token,
        )
        # NOTE: as v1, the NIC shows what Mogan recorded.
        assert _networks(api, tenant.headers, server)[0]["floating_ip"] == address
        resp = _fip_call(api, tenant, server, "DELETE", address=address)
        assert resp.status_code == 204, resp.text
        assert _networks(api, tenant.headers, server)[0]["floating_ip"] is None
        resp = _fip_call(api, tenant, server, "DELETE", address=address)
        assert resp.status_code == 400, resp.text
        resp = _fip_call(api, tenant, server, "POST", address=address)
        assert resp.status_code == 204, resp.text
        assert l3.show(neutron, fip["id"])["port_id"] is not None


class TestInterfaces:
    def test_attach_by_net_id_then_detach_deletes_the_port(
        self, world, api, engine_factory, tenant, neutron
    ):
        """A new port on the node's free NIC, bound and plugged; detach deletes it."""
        engine_factory()
        made = _build(api, world, tenant)
        server, node = made["uuid"], made["node"]
        second_net, second_subnet = tenant.network(
            f"10.{uuid.uuid4().int % 200 + 20}.{uuid.uuid4().int % 250}.0/24"
        )
        before = len(tenant.ports(project_id=tenant.project_id))
        resp = _attach(api, tenant, server, net_id=second_net)
        assert resp.status_code == 204, resp.text
        (first,) = tenant.ports(device_id=server, network_id=tenant.network_id)
        (port,) = tenant.ports(device_id=server, network_id=second_net)
        assert len(tenant.ports(project_id=tenant.project_id)) == before + 1
        assert port["project_id"] == tenant.project_id
        assert port["device_owner"] == DEVICE_OWNER
        assert port["binding:host_id"] == node
        assert port["binding:vnic_type"] == "baremetal"
        assert port["mac_address"] == made["macs"][1]
        assert port["binding:profile"]["local_link_information"] == [
            {
                "switch_id": switch_port(1).switch_id,
                "port_id": switch_port(1).port_id,
                "switch_info": switch_port(1).switch_info,
            }
        ]
        assert port["status"] == "ACTIVE"
        nics = _networks(api, tenant.headers, server)
        assert {n["port_id"] for n in nics} == {first["id"], port["id"]}
        (new,) = [n for n in nics if n["port_id"] == port["id"]]
        assert new["fixed_ips"] == [
            {
                "subnet_id": second_subnet,
                "ip_address": port["fixed_ips"][0]["ip_address"],
            }
        ]
        vifs = world.driver.vifs(node)
        assert {v.port_id for v in vifs} == {first["id"], port["id"]}

        resp = _detach(api, tenant, server, port["id"])
        assert resp.status_code == 204, resp.text
        assert neutron.call("GET", f"/ports?id={port['id']}")["ports"] == []
        assert len(tenant.ports(project_id=tenant.project_id)) == before
        assert [n["port_id"] for n in _networks(api, tenant.headers, server)] == [
            first["id"]
        ]
        assert [v.port_id for v in world.driver.vifs(node)] == [first["id"]]
        resp = _detach(api, tenant, server, port["id"])
        assert resp.status_code == 404, resp.text
        _delete(api, tenant, server)
        assert tenant.ports(device_id=server) == []
        assert len(tenant.ports(project_id=tenant.project_id)) == before - 1

    def test_attach_own_port_then_detach_keeps_it_unbound(
        self, world, api, engine_factory, tenant
    ):
        """The member's port is bound to the node, then unbound and kept."""
        engine_factory()
        made = _build(api, world, tenant)
        server, node = made["uuid"], made["node"]
        own = tenant.own_port()
        resp = _attach(api, tenant, server, port_id=own["id"])
        assert resp.status_code == 204, resp.text
        bound = tenant.port(own["id"])
        assert bound["device_id"] == server
        assert bound["device_owner"] == DEVICE_OWNER
        assert bound["binding:host_id"] == node
        assert bound["mac_address"] == made["macs"][1]
        assert bound["fixed_ips"] == own["fixed_ips"]
        # NOTE: attached already: 409 before anything is started.
        again = _attach(api, tenant, server, port_id=own["id"])
        assert again.status_code == 409, again.text
        assert own["id"] in _fault(again)

        resp = _detach(api, tenant, server, own["id"])
        assert resp.status_code == 204, resp.text
        kept = tenant.port(own["id"])
        assert (kept["device_id"], kept["device_owner"]) == ("", "")
        assert (kept["binding:host_id"], kept["binding:profile"]) == ("", {})
        assert kept["fixed_ips"] == own["fixed_ips"]
        assert len(_networks(api, tenant.headers, server)) == 1
        _delete(api, tenant, server)
        assert tenant.port(own["id"])["device_id"] == ""

    def test_refused_attaches_leave_nothing(
        self, world, api, engine_factory, tenant, neutron
    ):
        """A bound port is 409 up front; a VIF the driver refuses undoes the port."""
        engine_factory()
        made = _build(api, world, tenant)
        server, node = made["uuid"], made["node"]
        taken = neutron.call(
            "POST",
            "/ports",
            {"port": {"network_id": tenant.network_id, "device_id": "elsewhere"}},
            ok=201,
            token=tenant.member.token,
        )["port"]
        resp = _attach(api, tenant, server, port_id=taken["id"])
        assert resp.status_code == 409, resp.text
        assert resp.json()["code"] == "mogan.port.in_use"
        stranger = neutron.keystone.project_persona("member")
        # NOTE: another project's port (the admin put it on this network).
        theirs = neutron.call(
            "POST",
            "/ports",
            {
                "port": {
                    "network_id": tenant.network_id,
                    "project_id": stranger.project_id,
                }
            },
            ok=201,
        )["port"]
        # NOTE: the network's owner sees it, but it is not theirs to use.
        resp = _attach(api, tenant, server, port_id=theirs["id"])
        assert resp.status_code == 409, resp.text
        assert f"belongs to project {stranger.project_id}" in _fault(resp)
        assert tenant.port(theirs["id"])["device_id"] == ""
        before = {p["id"] for p in tenant.ports(network_id=tenant.network_id)}
        # NOTE: a VIF plugged out of band on the free NIC: the plug is refused.
        world.driver.attach_vif(
            node,
            driver_base.Nic(mac=made["macs"][1], port_id="stray", network_id="x"),
        )
        own = tenant.own_port()
        for body in ({"net_id": tenant.network_id}, {"port_id": own["id"]}):
            resp = _attach(api, tenant, server, **body)
            assert resp.status_code == 409, resp.text
            assert resp.json()["code"] == "mogan.interface.attach_failed"
        after = {p["id"] for p in tenant.ports(network_id=tenant.network_id)}
        assert after == before | {own["id"]}
        assert tenant.port(own["id"])["device_id"] == ""
        assert tenant.port(own["id"])["binding:host_id"] == ""
        assert len(tenant.ports(device_id=server)) == 1
        assert len(_networks(api, tenant.headers, server)) == 1


class TestBackendDirectly:
    def test_a_stale_revision_is_retried_unless_mapped_elsewhere(
        self, econf, database, tenant, neutron, caplog
    ):
        """412 on a stale If-Match: retried while free, refused once it moved."""
        backend = mogan_network.get_backend(econf)
        ctx = mogan_context.RequestContext(
            user_id=tenant.member.user_id,
            project_id=tenant.project_id,
            roles=["member"],
            auth_token=tenant.member.token,
            db=database,
        )
        l3.route(neutron, tenant.member.token, tenant.subnet_id)
        first, second = tenant.own_port(), tenant.own_port()
        made = l3.floating_ip(neutron, tenant.member.token)
        fip = backend.find_floating_ip(ctx, made["floating_ip_address"])
        assert fip.revision == made["revision_number"]
        # NOTE: a change meanwhile (its description) moves the revision on.
        neutron.call(
            "PUT", f"/floatingips/{fip.id}", {"floatingip": {"description": "x"}}
        )
        fixed = first["fixed_ips"][0]["ip_address"]
        with caplog.at_level(logging.DEBUG, logger="mogan.network.neutron_client"):
            mapped = backend.associate_floating_ip(ctx, fip, first["id"], fixed)
        # NOTE: the first PUT carried the stale revision and got 412.
        assert any(
            f"PUT /v2.0/floatingips/{fip.id}: 412" in r.getMessage()
            for r in caplog.records
        ), [r.getMessage() for r in caplog.records]
        assert (mapped.port_id, mapped.fixed_address) == (first["id"], fixed)
        assert mapped.revision is not None
        assert mapped.revision > (fip.revision or 0) + 1
        # NOTE: the stale read says free; Neutron has it on ``first``: refused.
        other = second["fixed_ips"][0]["ip_address"]
        with pytest.raises(exception.FloatingIpInUse):
            backend.associate_floating_ip(ctx, fip, second["id"], other)
        assert l3.show(neutron, fip.id)["port_id"] == first["id"]
        # NOTE: moved to ``second`` since it was read on ``first``: the
        # unmapping from ``first`` leaves it where it is now.
        for port_id in (None, second["id"]):
            neutron.call(
                "PUT", f"/floatingips/{fip.id}", {"floatingip": {"port_id": port_id}}
            )
        backend.disassociate_floating_ip(ctx, mapped)
        assert l3.show(neutron, fip.id)["port_id"] == second["id"]
        now = backend.find_floating_ip(ctx, fip.address)
        backend.disassociate_floating_ip(ctx, now)
        assert l3.show(neutron, fip.id)["port_id"] is None
        backend.disassociate_floating_ip(ctx, now)
        assert l3.show(neutron, fip.id)["port_id"] is None

    def test_unbind_port_leaves_other_servers_ports_alone(
        self, econf, database, tenant
    ):
        """Only a port bound to the server is released; a gone one is no error."""
        backend = mogan_network.get_backend(econf)
        ctx = mogan_context.RequestContext(
            user_id="mogan-engine", roles=["admin"], db=database
        )
        server = str(uuid.uuid4())
        binding = network_base.PortBinding(
            host_id=str(uuid.uuid4()),
            links=(network_base.Link(mac="52:54:00:ab:cd:02", port_id="Eth2"),),
        )
        nic = backend.bind(
            ctx,
            server,
            network_base.PortRequest(network_id=tenant.network_id),
            binding,
            tenant.project_id,
        )
        backend.unbind_port(ctx, str(uuid.uuid4()), nic.port_id)
        assert tenant.port(nic.port_id)["device_id"] == server
        backend.unbind_port(ctx, server, nic.port_id)
        assert tenant.ports(device_id=server) == []
        backend.unbind_port(ctx, server, nic.port_id)
