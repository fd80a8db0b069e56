"""Servers on real Neutron ports: Mogan's API and engine, Keystone, Neutron 29.

A project member with a Keystone token creates servers through Mogan's real
app; the engine (fake driver, real scheduler, embedded Placement) binds
each NIC as a Neutron port. What was done is read back from Neutron (as its
admin) and from what the team's test ML2 mechanism driver saw when Neutron
asked it to bind: ports created for the tenant and bound as bare metal on
the node with its cabling, a bond's group, the tenant's own port used and
given back, fixed IPs and security groups, the port quota, another
project's private network, and no port left behind by deletes and failed
builds.
"""

import ipaddress
import uuid
from typing import Any

import pytest

from mogan import context as mogan_context
from mogan import network as mogan_network
from mogan import states
from mogan.network import base as network_base
from tests.neutron import fixtures
from tests.neutron.fixtures import DEVICE_OWNER, V18, cable, switch_port

pytestmark = pytest.mark.services

globals().update(fixtures.FIXTURES)

wait_for = fixtures.engine_support.wait_for


def _body(world, networks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "server": {
            "name": f"srv-{uuid.uuid4().hex[:6]}",
            "flavor_uuid": world.flavor_uuid,
            "image_uuid": world.image_uuid,
            "networks": networks,
            **extra,
        }
    }


def _create(api, world, tenant, networks, **extra):
    return api.post(
        "/v1/servers", json=_body(world, networks, **extra), headers=tenant.headers
    )


def _show(api, tenant, server_uuid: str) -> dict[str, Any]:
    resp = api.get(f"/v1/servers/{server_uuid}", headers=tenant.headers)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def _active(api, tenant, server_uuid: str) -> dict[str, Any]:
    wait_for(
        lambda: (
            _show(api, tenant, server_uuid)["status"] in {states.ACTIVE, states.ERROR}
        ),
        timeout=60,
    )
    shown = _show(api, tenant, server_uuid)
    assert shown["status"] == states.ACTIVE, shown
    return shown


def _delete(api, tenant, server_uuid: str) -> None:
    resp = api.delete(f"/v1/servers/{server_uuid}", headers=tenant.headers)
    assert resp.status_code == 204, resp.text
    wait_for(
        lambda: (
            api.get(f"/v1/servers/{server_uuid}", headers=tenant.headers).status_code
            == 404
        ),
        timeout=60,
    )


def _node_of(world, server_uuid: str) -> str:
    server = world.server(server_uuid)
    assert server is not None
    return str(server.node_uuid)


def _fault(resp) -> str:
    return str(resp.json().get("error_message") or resp.text)


class TestPortsAreBareMetalPorts:
    def test_port_made_for_the_tenant_and_bound_on_the_node(
        self, world, api, engine_factory, tenant, neutron
    ):
        """One port per NIC: the tenant's, baremetal, on the node, with its cabling."""
        (node,) = world.enroll(1, ports=1)
        (mac,) = cable(world, node)
        engine_factory()
        resp = _create(api, world, tenant, [{"net_id": tenant.network_id}])
        assert resp.status_code == 201, resp.text
        server = resp.json()["uuid"]
        shown = _active(api, tenant, server)
        (port,) = tenant.ports(device_id=server)
        assert port["project_id"] == tenant.project_id
        assert port["device_owner"] == DEVICE_OWNER
        assert port["binding:vnic_type"] == "baremetal"
        assert port["binding:host_id"] == node == _node_of(world, server)
        assert port["mac_address"] == mac
        assert port["status"] == "ACTIVE"
        link = switch_port(0)
        profile = {
            "local_link_information": [
                {
                    "switch_id": link.switch_id,
                    "port_id": link.port_id,
                    "switch_info": link.switch_info,
                }
            ],
            "physical_network": "physnet1",
        }
        assert port["binding:profile"] == profile
        address = port["fixed_ips"][0]["ip_address"]
        assert ipaddress.ip_address(address) in ipaddress.ip_network(tenant.cidr)
        assert shown["addresses"] == {
            tenant.network_id: [{"addr": address, "type": "fixed"}]
        }
        seen = [b for b in neutron.bindings() if b["port_id"] == port["id"]]
        assert [(b["event"], b["host"], b["profile"]) for b in seen] == [
            ("bind", node, profile)
        ]
        assert seen[0]["vnic_type"] == "baremetal"
        # NOTE: the tenant sees its port with its own token.
        mine = neutron.call("GET", f"/ports/{port['id']}", token=tenant.member.token)
        assert mine["port"]["device_id"] == server
        _delete(api, tenant, server)
        assert tenant.ports(device_id=server) == []
        assert [b["event"] for b in neutron.bindings() if b["port_id"] == port["id"]][
            -1
        ] == "delete"

    def test_bond_sends_its_group_and_one_link_per_member(
        self, world, api, engine_factory, tenant, neutron
    ):
        """A 2-link 802.3ad bond: one port, both members' links, the bond's group."""
        (node,) = world.enroll(1, ports=2)
        macs = cable(world, node)
        engine_factory()
        bond = {
            "mode": "802.3ad",
            "links": 2,
            "miimon": 100,
            "xmit_hash_policy": "layer3+4",
        }
        resp = _create(
            api, world, tenant, [{"net_id": tenant.network_id, "bond": bond}]
        )
        assert resp.status_code == 201, resp.text
        server = resp.json()["uuid"]
        _active(api, tenant, server)
        (port,) = tenant.ports(device_id=server)
        profile = port["binding:profile"]
        assert [link["port_id"] for link in profile["local_link_information"]] == [
            switch_port(0).port_id,
            switch_port(1).port_id,
        ]
        group = profile["local_group_information"]
        assert (group["name"], group["bond_mode"]) == ("bond0", "802.3ad")
        assert group["bond_properties"] == {
            "bond_miimon": 100,
            "bond_xmit_hash_policy": "layer3+4",
        }
        assert group["id"]
        assert port["mac_address"] == macs[0]
        (seen,) = [b for b in neutron.bindings() if b["port_id"] == port["id"]]
        assert seen["profile"]["local_group_information"] == group
        _delete(api, tenant, server)
        assert tenant.ports(device_id=server) == []


class TestTenantPorts:
    def test_own_unbound_port_is_used_then_given_back(
        self, world, api, engine_factory, tenant
    ):
        """The tenant's port is bound to the server, and unbound (kept) on delete."""
        (node,) = world.enroll(1, ports=1)
        (mac,) = cable(world, node)
        engine_factory()
        own = tenant.own_port()
        resp = _create(api, world, tenant, [{"port_id": own["id"]}])
        assert resp.status_code == 201, resp.text
        server = resp.json()["uuid"]
        _active(api, tenant, server)
        bound = tenant.port(own["id"])
        assert bound["device_id"] == server
        assert bound["binding:host_id"] == node
        assert bound["mac_address"] == mac
        assert bound["binding:profile"]["local_link_information"]
        assert bound["fixed_ips"] == own["fixed_ips"]
        _delete(api, tenant, server)
        kept = tenant.port(own["id"])
        assert kept["device_id"] == ""
        assert kept["binding:host_id"] == ""
        assert kept["binding:profile"] == {}
        # NOTE: the node's MAC is free again for its next server.
        assert kept["mac_address"] != mac
        assert kept["fixed_ips"] == own["fixed_ips"]

    def test_bound_or_addressless_port_is_409_naming_it(
        self, world, api, engine_factory, tenant, neutron
    ):
        """A port with a device_id, or without an address, is refused up front."""
        world.enroll(1, ports=1)
        engine_factory()
        taken = neutron.call(
            "POST",
            "/ports",
            {"port": {"network_id": tenant.network_id, "device_id": "elsewhere"}},
            ok=201,
            token=tenant.member.token,
        )["port"]
        bare = neutron.call(
            "POST",
            "/ports",
            {"port": {"network_id": tenant.network_id, "fixed_ips": []}},
            ok=201,
            token=tenant.member.token,
        )["port"]
        for port, why in ((taken, "bound to device elsewhere"), (bare, "no IP")):
            resp = _create(api, world, tenant, [{"port_id": port["id"]}])
            assert resp.status_code == 409, resp.text
            assert port["id"] in _fault(resp)
            assert why in _fault(resp)
        assert tenant.port(bare["id"])["device_id"] == ""

    def test_another_projects_port_is_not_found(
        self, world, api, engine_factory, tenant, neutron
    ):
        """A port of another project is invisible to the caller: 404."""
        world.enroll(1, ports=1)
        engine_factory()
        stranger = neutron.keystone.project_persona("member")
        own = tenant.own_port()
        resp = api.post(
            "/v1/servers",
            json=_body(world, [{"port_id": own["id"]}]),
            headers={**stranger.headers, **V18},
        )
        assert resp.status_code == 404, resp.text
        assert own["id"] in _fault(resp)


class TestAddressesAndGroups:
    def test_fixed_ip_and_security_groups_reach_the_port(
        self, world, api, engine_factory, tenant, neutron
    ):
        """``fixed_ip`` is the port's address; ``security_groups`` its groups."""
        world.enroll(1, ports=1)
        engine_factory()
        group = neutron.call(
            "POST",
            "/security-groups",
            {"security_group": {"name": "web"}},
            ok=201,
            token=tenant.member.token,
        )["security_group"]["id"]
        wanted = str(ipaddress.ip_network(tenant.cidr)[50])
        nic = {
            "net_id": tenant.network_id,
            "fixed_ip": wanted,
            "security_groups": [group],
        }
        resp = _create(api, world, tenant, [nic])
        assert resp.status_code == 201, resp.text
        server = resp.json()["uuid"]
        shown = _active(api, tenant, server)
        (port,) = tenant.ports(device_id=server)
        assert [ip["ip_address"] for ip in port["fixed_ips"]] == [wanted]
        assert port["security_groups"] == [group]
        assert shown["addresses"][tenant.network_id][0]["addr"] == wanted
        _delete(api, tenant, server)

    def test_bad_addresses_and_groups_are_400_naming_the_field(
        self, world, api, engine_factory, tenant
    ):
        """Outside the network, unknown groups, before 1.8, more servers: 400s."""
        world.enroll(1, ports=1)
        engine_factory()
        net = tenant.network_id
        outside = str(ipaddress.ip_network("192.0.2.0/24")[7])
        inside = str(ipaddress.ip_network(tenant.cidr)[9])
        cases = [
            ([{"net_id": net, "fixed_ip": outside}], {}, "networks[0].fixed_ip"),
            (
                [{"net_id": net, "security_groups": [str(uuid.uuid4())]}],
                {},
                "networks[0].security_groups",
            ),
            ([{"net_id": net, "fixed_ip": inside}], {"max_count": 2}, "fixed_ip"),
            ([{"net_id": net, "fixed_ip": "10.0.0.300"}], {}, "fixed_ip"),
        ]
        for networks, extra, field in cases:
            resp = _create(api, world, tenant, networks, **extra)
            assert resp.status_code == 400, resp.text
            assert field in _fault(resp)
        old = api.post(
            "/v1/servers",
            json=_body(world, [{"net_id": net, "fixed_ip": inside}]),
            headers={**tenant.member.headers},
        )
        assert old.status_code == 400
        assert "networks[0].fixed_ip" in _fault(old)
        assert "1.8" in _fault(old)
        assert tenant.ports(network_id=net, device_owner=DEVICE_OWNER) == []


class TestVisibility:
    def test_another_projects_private_network_is_not_found(
        self, world, api, engine_factory, tenant, neutron
    ):
        """Neutron's visibility decides: a private network is 404 to others."""
        world.enroll(1, ports=1)
        engine_factory()
        stranger = neutron.keystone.project_persona("member")
        resp = api.post(
            "/v1/servers",
            json=_body(world, [{"net_id": tenant.network_id}]),
            headers={**stranger.headers, **V18},
        )
        assert resp.status_code == 404, resp.text
        assert tenant.network_id in _fault(resp)
        assert tenant.ports(network_id=tenant.network_id) == []

    def test_a_shared_network_serves_every_project(
        self, world, api, engine_factory, tenant, neutron
    ):
        """On a shared network another project's port is made for that project."""
        (node,) = world.enroll(1, ports=1)
        cable(world, node)
        engine_factory()
        admin_project = tenant.project_id
        shared_net, _ = tenant.network("10.250.1.0/24", shared=True)
        stranger = neutron.keystone.project_persona("member")
        resp = api.post(
            "/v1/servers",
            json=_body(world, [{"net_id": shared_net}]),
            headers={**stranger.headers, **V18},
        )
        assert resp.status_code == 201, resp.text
        server = resp.json()["uuid"]
        other = fixtures.Tenant(
            neutron, stranger.project_id, stranger, shared_net, "", ""
        )
        _active(api, other, server)
        (port,) = tenant.ports(device_id=server)
        assert port["project_id"] == stranger.project_id != admin_project
        _delete(api, other, server)
        assert tenant.ports(device_id=server) == []


class TestPortQuota:
    def test_max_count_shrinks_to_the_ports_that_fit_then_403(
        self, world, api, engine_factory, tenant, neutron
    ):
        """Port quota 3: five asked, three made; then none fit: 403."""
        nodes = world.enroll(4, ports=1)
        for node in nodes:
            cable(world, node)
        engine_factory()
        neutron.call(
            "PUT",
            f"/quotas/{tenant.project_id}",
            {"quota": {"port": 3}},
        )
        refused = _create(
            api, world, tenant, [{"net_id": tenant.network_id}], min_count=4
        )
        assert refused.status_code == 403, refused.text
        assert "ports" in _fault(refused)
        resp = _create(
            api,
            world,
            tenant,
            [{"net_id": tenant.network_id}],
            min_count=1,
            max_count=5,
        )
        assert resp.status_code == 201, resp.text
        listed = api.get("/v1/servers", headers=tenant.headers).json()["servers"]
        assert len(listed) == 3
        for server in listed:
            _active(api, tenant, server["uuid"])
        assert len(tenant.ports(project_id=tenant.project_id)) == 3
        full = _create(api, world, tenant, [{"net_id": tenant.network_id}])
        assert full.status_code == 403, full.text
        for server in listed:
            _delete(api, tenant, server["uuid"])
        assert tenant.ports(project_id=tenant.project_id) == []


class TestBackendDirectly:
    def test_bind_and_unbind_are_idempotent(self, econf, database, tenant):
        """A resumed bind gets its port back; unbinding twice is harmless."""
        backend = mogan_network.get_backend(econf)
        ctx = mogan_context.RequestContext(
            user_id="mogan-engine", roles=["admin"], db=database
        )
        server = str(uuid.uuid4())
        request = network_base.PortRequest(network_id=tenant.network_id)
        binding = network_base.PortBinding(
            host_id=str(uuid.uuid4()),
            links=(network_base.Link(mac="52:54:00:AB:CD:01", port_id="Eth1"),),
        )
        first = backend.bind(ctx, server, request, binding, tenant.project_id)
        again = backend.bind(ctx, server, request, binding, tenant.project_id)
        assert first == again
        assert first.mac_address == "52:54:00:ab:cd:01"
        assert [p["id"] for p in tenant.ports(device_id=server)] == [first.port_id]
        assert first.fixed_ips[0]["cidr"] == tenant.cidr
        backend.unbind_all(ctx, server)
        backend.unbind_all(ctx, server)
        assert tenant.ports(device_id=server) == []


class TestTokensOutsideKeystone:
    """Under noauth an X-Auth-Token is what the client sent: Neutron never sees it."""

    @pytest.fixture
    def econf(self, tmp_path, neutron, placement_state):
        """Mogan on Neutron, but with ``auth_strategy = noauth``."""
        del placement_state
        conf = fixtures.make_econf(tmp_path, neutron)
        conf.set_override("auth_strategy", "noauth", group="api")
        return conf

    def test_a_token_sent_along_lends_no_visibility(
        self, world, api, engine_factory, tenant
    ):
        """Another project's token does not open that project's private network."""
        world.enroll(1, ports=1)
        engine_factory()
        headers = {
            "X-User-Id": "intruder",
            "X-Project-Id": uuid.uuid4().hex,
            "X-Roles": "member",
            # NOTE: a real, valid token of the network's project.
            "X-Auth-Token": tenant.member.token,
            **V18,
        }
        resp = api.post(
            "/v1/servers",
            json=_body(world, [{"net_id": tenant.network_id}]),
            headers=headers,
        )
        assert resp.status_code == 404, resp.text
        assert tenant.network_id in _fault(resp)
        assert tenant.ports(network_id=tenant.network_id) == []
