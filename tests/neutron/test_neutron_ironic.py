"""A server on a real Ironic node with the ``neutron`` network interface.

Mogan's API and engine with the Ironic driver, on the team's standalone
Ironic (fake hardware) whose ``neutron`` network interface uses the test
Neutron (``tests.neutron.ironic``), and Keystone tokens. The port Mogan
creates is bound from the cabling Ironic's port records
(``local_link_connection``, ``physical_network``), attached to the node as
its VIF (Ironic checks it against Neutron), and on delete Ironic detaches
it and Mogan deletes it: Neutron and Ironic keep nothing of the server.

What the fake deploy interface does not do: bind the port again at deploy
(Ironic's agent deploys call ``configure_tenant_networks``). Ironic's VIF
attach takes the binding over (it clears the profile and gives the port a
new MAC while keeping the host), so the binding Mogan made is read from
what the test mechanism driver saw, not from the port afterwards.
"""

import uuid

import pytest

from mogan import states
from mogan.drivers import ironic as ironic_driver
from mogan.engine import node_sync
from tests.conftest import unavailable
from tests.ironic import support as ironic_support
from tests.neutron import fixtures
from tests.neutron import ironic as neutron_ironic

pytestmark = pytest.mark.services

globals().update(fixtures.FIXTURES)

wait_for = fixtures.engine_support.wait_for
LINK = {
    "switch_id": "a0:36:9f:00:00:07",
    "port_id": "Ethernet1/7",
    "switch_info": "leaf-7",
}


@pytest.fixture
def ironic(neutron) -> ironic_support.Ironic:
    """This process's Ironic with the ``neutron`` network interface."""
    try:
        return neutron_ironic.shared(neutron)
    except ironic_support.IronicUnavailable as err:
        unavailable("Ironic", err)
        raise  # pragma: no cover - unavailable() always raises


@pytest.fixture
def econf(tmp_path, neutron, ironic, placement_state):
    """Mogan on Keystone, Neutron and this Ironic (quick retries)."""
    del placement_state
    return fixtures.make_econf(
        tmp_path,
        neutron,
        {
            "ironic": {
                "auth_type": "none",
                "endpoint_override": ironic.url,
                "api_retry_interval": "0.05",
                "api_max_retries": "20",
            }
        },
    )


def _active_server(api, world, tenant, name: str) -> str:
    """A server of the tenant on its network, created and awaited ACTIVE."""
    resp = api.post(
        "/v1/servers",
        json={
            "server": {
                "name": name,
                "flavor_uuid": world.flavor_uuid,
                "image_uuid": world.image_uuid,
                "networks": [{"net_id": tenant.network_id}],
            }
        },
        headers=tenant.headers,
    )
    assert resp.status_code == 201, resp.text
    server = str(resp.json()["uuid"])

    def status() -> str:
        shown = api.get(f"/v1/servers/{server}", headers=tenant.headers)
        return str(shown.json()["status"])

    wait_for(lambda: status() in {states.ACTIVE, states.ERROR}, timeout=120)
    assert status() == states.ACTIVE, world.faults(server)
    return server


class TestIronicNeutronInterface:
    def test_vif_attached_bound_from_ironic_ports_and_gone_after_delete(
        self, world, api, engine_factory, tenant, neutron, ironic, econf
    ):
        """Ironic's cabling binds the port, the node holds it; a delete frees both."""
        mac = "52:54:00:" + ":".join(f"{b:02x}" for b in uuid.uuid4().bytes[:3])
        node = neutron_ironic.enroll(
            ironic,
            world.resource_class,
            [
                {
                    "address": mac,
                    "physical_network": "physnet1",
                    "local_link_connection": LINK,
                }
            ],
        )
        driver = ironic_driver.IronicDriver(econf)
        world.placement.ensure_resource_class(world.placement_rc)
        node_sync.sync(world.db, driver, world.placement, econf.host)
        engine_factory(with_driver=driver)
        server = _active_server(api, world, tenant, "on-ironic")
        (port,) = tenant.ports(device_id=server)
        assert port["project_id"] == tenant.project_id
        assert port["binding:host_id"] == node
        vifs = ironic.call("GET", f"/v1/nodes/{node}/vifs")["vifs"]
        assert [v["id"] for v in vifs] == [port["id"]]
        assert ironic.node(node)["instance_uuid"] == server
        (bound,) = [
            b for b in neutron.bindings() if b["port_id"] == port["id"] and b["profile"]
        ]
        assert bound["host"] == node
        assert bound["profile"]["local_link_information"] == [LINK]
        assert bound["profile"]["physical_network"] == "physnet1"

        assert (
            api.delete(f"/v1/servers/{server}", headers=tenant.headers).status_code
            == 204
        )
        wait_for(
            lambda: (
                api.get(f"/v1/servers/{server}", headers=tenant.headers).status_code
                == 404
            ),
            timeout=120,
        )
        assert tenant.ports(device_id=server) == []
        assert neutron.call("GET", f"/ports?id={port['id']}")["ports"] == []
        assert ironic.call("GET", f"/v1/nodes/{node}/vifs")["vifs"] == []
        assert ironic.node(node)["instance_uuid"] is None

    def test_interface_attached_as_a_vif_and_detached(
        self, world, api, engine_factory, tenant, neutron, ironic, econf
    ):
        """A second network's port becomes the node's second VIF; detach frees both."""
        macs = [
            "52:54:00:" + ":".join(f"{b:02x}" for b in uuid.uuid4().bytes[:3])
            for _ in range(2)
        ]
        links = [{**LINK, "port_id": f"Ethernet1/{8 + i}"} for i in range(2)]
        node = neutron_ironic.enroll(
            ironic,
            world.resource_class,
            [
                {
                    "address": mac,
                    "physical_network": "physnet1",
                    "local_link_connection": link,
                }
                for mac, link in zip(macs, links, strict=True)
            ],
        )
        driver = ironic_driver.IronicDriver(econf)
        world.placement.ensure_resource_class(world.placement_rc)
        node_sync.sync(world.db, driver, world.placement, econf.host)
        engine_factory(with_driver=driver)
        second_net, _ = tenant.network(
            f"10.{uuid.uuid4().int % 200 + 20}.{uuid.uuid4().int % 250}.0/24"
        )
        server = _active_server(api, world, tenant, "two-nics")
        (first,) = tenant.ports(device_id=server)
        path = f"/v1/servers/{server}/networks/interfaces"
        resp = api.post(path, json={"net_id": second_net}, headers=tenant.headers)
        assert resp.status_code == 204, resp.text + ironic.log_tail(8000)
        (second,) = tenant.ports(device_id=server, network_id=second_net)
        assert second["binding:host_id"] == node
        vifs = ironic.call("GET", f"/v1/nodes/{node}/vifs")["vifs"]
        assert {v["id"] for v in vifs} == {first["id"], second["id"]}
        (bound,) = [
            b
            for b in neutron.bindings()
            if b["port_id"] == second["id"] and b["profile"]
        ][:1]
        assert bound["profile"]["local_link_information"] == [links[1]]

        resp = api.delete(f"{path}/{second['id']}", headers=tenant.headers)
        assert resp.status_code == 204, resp.text
        assert neutron.call("GET", f"/ports?id={second['id']}")["ports"] == []
        vifs = ironic.call("GET", f"/v1/nodes/{node}/vifs")["vifs"]
        assert [v["id"] for v in vifs] == [first["id"]]
        assert (
            api.delete(f"/v1/servers/{server}", headers=tenant.headers).status_code
            == 204
        )
        wait_for(
            lambda: (
                api.get(f"/v1/servers/{server}", headers=tenant.headers).status_code
                == 404
            ),
            timeout=120,
        )
        assert tenant.ports(device_id=server) == []
        assert ironic.call("GET", f"/v1/nodes/{node}/vifs")["vifs"] == []
