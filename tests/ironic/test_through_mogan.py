"""Issue 5's acceptance: Mogan's API, the all-in-one, and a real Ironic.

``mogan-all-in-one`` runs as its own process with ``[engine] driver =
ironic`` pointed at this test process's real standalone Ironic (fake
hardware). Everything is driven over Mogan's HTTP API and checked on the
Ironic side through Ironic's API: a server through create, power off and
on, rebuild and delete (with its actions, and the 409 for a console log
Ironic does not keep); a deploy failure; maintenance; adoption; the serial
console URL.
"""

import uuid

import pytest

from mogan import states
from tests.integration import conftest as it
from tests.ironic import faults, mogan_aio, support
from tests.ironic.mogan_aio import V12, V14, enroll, mac, node_of

globals().update(mogan_aio.FIXTURES)

pytestmark = pytest.mark.services


class TestServerOnIronic:
    def test_create_power_rebuild_delete(self, ironic, mogan, made, rc):
        """Create -> active (instance, config drive) -> off/on -> rebuild -> delete."""
        enroll(ironic, mogan, rc)
        server = mogan.create(made, "e2e-1")
        shown = mogan.reaches(server, states.ACTIVE, states.ERROR)
        assert shown["status"] == states.ACTIVE, shown.get("fault")
        node = node_of(ironic, server)
        seen = ironic.node(node)
        assert seen["provision_state"] == "active"
        assert seen["instance_uuid"] == server
        assert ironic.stored_instance_info(node).get("configdrive")
        assert mogan.allocations()[server] == node

        for target, status, power in (
            ("off", states.STOPPED, "power off"),
            ("on", states.ACTIVE, "power on"),
        ):
            resp = mogan.client.put(
                f"/v1/servers/{server}/states/power", json={"target": target}
            )
            assert resp.status_code == 202, resp.text
            mogan.reaches(server, status)
            assert ironic.node(node)["power_state"] == power

        resp = mogan.client.put(
            f"/v1/servers/{server}/states/provision", json={"target": "rebuild"}
        )
        assert resp.status_code == 202, resp.text
        mogan.reaches(server, states.ACTIVE)
        assert ironic.node(node)["instance_uuid"] == server

        # NOTE: Ironic's fake console has no URL: a clear refusal, not a 500.
        console = mogan.client.post(
            f"/v1/servers/{server}/remote_consoles", json={"protocol": "serial"}
        )
        assert console.status_code == 409, console.text
        # NOTE: Ironic keeps no console output (it has no API for it).
        log = mogan.client.get(f"/v1/servers/{server}/console_log", headers=V14)
        assert log.status_code == 409, log.text
        assert log.json()["code"] == "mogan.driver.unsupported"
        assert "driver ironic cannot show a console log" in log.text
        actions = mogan.client.get(f"/v1/servers/{server}/actions", headers=V14)
        assert [a["action"] for a in actions.json()["actions"]] == [
            "rebuild",
            "power_on",
            "power_off",
            "create",
        ]

        assert mogan.client.delete(f"/v1/servers/{server}").status_code == 204
        mogan.wait(
            lambda: mogan.client.get(f"/v1/servers/{server}").status_code == 404,
            "the server to be deleted",
        )
        seen = ironic.node(node)
        assert seen["provision_state"] == "available"
        assert seen["instance_uuid"] is None
        assert server not in mogan.allocations()

    def test_a_failed_deploy_is_a_fault_and_frees_the_node(
        self, ironic, mogan, made, rc
    ):
        """Ironic's deploy failure ends in a fault naming it; the node is free."""
        node = enroll(ironic, mogan, rc)
        ironic.fail_next_deploy(node)
        # NOTE: a flavor asking for the node's failing trait lands the server
        # there (other nodes of the class are free too).
        trait = faults.FAIL_DEPLOY_TRAIT
        mogan.wait(
            lambda: (
                trait
                in mogan.client.get(f"/v1/nodes/{node}", headers=V12).json()["traits"]
            ),
            "the node's new trait in Mogan",
        )
        flavor = mogan.client.post(
            "/v1/flavors",
            json={
                "name": f"bm.fail-{uuid.uuid4().hex[:6]}",
                "resources": {it.placement_class(rc): 1},
                "resource_traits": {trait: "required"},
            },
            headers={"OpenStack-API-Version": "baremetal-compute 1.1"},
        )
        assert flavor.status_code == 201, flavor.text
        server = mogan.create({**made, "flavor": flavor.json()["uuid"]}, "e2e-fail")
        shown = mogan.reaches(server, states.ERROR, states.ACTIVE)
        assert shown["status"] == states.ERROR
        assert shown["fault"]["message"]
        mogan.wait(
            lambda: (
                ironic.node(node)["provision_state"] == "available"
                and ironic.node(node)["instance_uuid"] is None
            ),
            "the node to be free in Ironic",
        )
        assert server not in mogan.allocations()

    def test_maintenance_in_ironic_shows_in_mogan(self, ironic, mogan, made, rc):
        """A node put into maintenance in Ironic makes its server maintenance."""
        enroll(ironic, mogan, rc)
        server = mogan.create(made, "e2e-maint")
        assert mogan.reaches(server, states.ACTIVE, states.ERROR)["status"] == (
            states.ACTIVE
        )
        # NOTE: the node the server landed on (other nodes of the class are free).
        node = ironic.call("GET", f"/v1/nodes/detail?instance_uuid={server}")["nodes"][
            0
        ]["uuid"]
        ironic.call(
            "PUT",
            f"/v1/nodes/{node}/maintenance",
            {"reason": "fan failure"},
            ok=support.ACCEPTED,
        )
        mogan.reaches(server, states.MAINTENANCE)
        ironic.call("DELETE", f"/v1/nodes/{node}/maintenance", ok=support.ACCEPTED)
        mogan.reaches(server, states.ACTIVE)


class TestAdoption:
    def test_an_active_node_becomes_a_server_with_a_console(self, ironic, mogan, rc):
        """A node deployed outside Mogan is adopted; its serial console URL shows.

        The node is an ``ipmi`` one with Ironic's ``ipmitool-socat`` console
        (the fake hardware's console has no URL), adopted into ``active`` in
        Ironic first, as an operator would bring an existing machine in.
        """
        node, port = ironic.create_console_node()
        ironic.call(
            "PATCH",
            f"/v1/nodes/{node}",
            [
                {"op": "add", "path": "/resource_class", "value": rc},
                {
                    "op": "add",
                    "path": "/instance_info/image_source",
                    "value": "http://images.example.org/x.raw",
                },
            ],
        )
        ironic.call(
            "POST",
            "/v1/ports",
            {"node_uuid": node, "address": mac()},
            ok=support.CREATED,
        )
        ironic.provision(node, "manage", "manageable")
        ironic.provision(node, "adopt", "active")

        def listed() -> bool:
            nodes = mogan.client.get("/v1/manageable_servers").json()
            return any(
                n.get("uuid") == node for n in nodes.get("manageable_servers", [])
            )

        mogan.wait(listed, "the node in manageable_servers")
        resp = mogan.client.post(
            "/v1/manageable_servers", json={"name": "adopted", "node_uuid": node}
        )
        assert resp.status_code == 201, resp.text
        server = resp.json()["uuid"]
        assert resp.json()["status"] == states.ADOPTING
        mogan.wait(
            lambda: mogan.show(server)["status"] != states.ADOPTING,
            "the adoption to finish",
        )
        assert mogan.show(server)["status"] == states.ACTIVE
        assert ironic.node(node)["instance_uuid"] == server
        assert mogan.allocations()[server] == node

        console = mogan.client.post(
            f"/v1/servers/{server}/remote_consoles", json={"protocol": "serial"}
        )
        assert console.status_code in {200, 201}, console.text
        assert console.json()["url"] == f"tcp://127.0.0.1:{port}"
