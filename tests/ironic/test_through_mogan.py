"""Issue 5's acceptance: Mogan's API, the all-in-one, and a real Ironic.

``mogan-all-in-one`` runs as its own process with ``[engine] driver =
ironic`` pointed at this test process's real standalone Ironic (fake
hardware). Everything is driven over Mogan's HTTP API and checked on the
Ironic side through Ironic's API: a server through create, power off and
on, rebuild and delete (with its actions, and the 409 for a console log
Ironic does not keep); a deploy failure; maintenance; adoption; the serial
console URL.
"""

import pathlib
import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mogan import states
from tests.integration import conftest as it
from tests.ironic import faults, support
from tests.ironic.fixtures import running

pytestmark = pytest.mark.services

TIMEOUT = 90.0
SYNC_INTERVAL = 2
V12 = {"OpenStack-API-Version": "baremetal-compute 1.2"}
V14 = {"OpenStack-API-Version": "baremetal-compute 1.4"}


class Mogan:
    """The all-in-one on a state directory, its HTTP client and its databases."""

    def __init__(self, client: httpx.Client, state: pathlib.Path, processes) -> None:
        """Talk to the all-in-one through ``client``; it keeps its data in ``state``."""
        self.client = client
        self.state = state
        self.processes = processes

    def wait(self, predicate, what: str) -> Any:
        """Poll ``predicate`` until truthy (the processes' logs on timeout)."""
        return it.wait_for(predicate, what, TIMEOUT, self.processes)

    def show(self, server: str) -> dict[str, Any]:
        """A server as an admin sees it."""
        return dict(self.client.get(f"/v1/servers/{server}", headers=V12).json())

    def reaches(self, server: str, *statuses: str) -> dict[str, Any]:
        """Wait until the server is in one of ``statuses``; it."""
        return dict(
            self.wait(
                lambda: (s := self.show(server))["status"] in statuses and s,
                f"server {server} {statuses}",
            )
        )

    def allocations(self) -> dict[str, str]:
        """The embedded Placement's allocations: consumer -> provider."""
        conn = sqlite3.connect(f"file:{self.state}/placement.sqlite?mode=ro", uri=True)
        try:
            rows = conn.execute(
                "SELECT a.consumer_id, rp.uuid FROM allocations a "
                "JOIN resource_providers rp ON rp.id = a.resource_provider_id"
            ).fetchall()
        finally:
            conn.close()
        return {str(c): str(p) for c, p in rows}

    def create(self, made: dict[str, str], name: str) -> str:
        """Create a server on the test's flavor, image and network."""
        return it.create_server(self.client, made, name)


@pytest.fixture(scope="module")
def ironic() -> support.Ironic:
    """This process's real Ironic."""
    return running()


@pytest.fixture(scope="module")
def rc() -> str:
    """A resource class of this module's own (the Ironic is shared)."""
    return f"bm-e2e-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def mogan(tmp_path_factory, ironic, rc) -> Iterator[Mogan]:
    """``mogan-all-in-one`` with the Ironic driver, and its API client."""
    tmp = tmp_path_factory.mktemp("mogan-ironic")
    state = tmp / "state"
    port = it.free_port()
    conf = it.write_conf(
        tmp / "mogan.conf",
        {
            "DEFAULT": {"host": "e2e-ironic"},
            "engine": {
                "driver": "ironic",
                "poll_interval": 0.1,
                "hardware_poll_interval": 0.2,
                "sync_nodes_interval": SYNC_INTERVAL,
                "sync_power_state_interval": SYNC_INTERVAL,
                "deploy_timeout": 60,
                "clean_timeout": 60,
            },
            "ironic": {
                "auth_type": "none",
                "endpoint_override": ironic.url,
                "api_retry_interval": 0.05,
                "api_max_retries": 5,
            },
        },
    )
    processes = it.Processes(tmp)
    proc = processes.start(
        "mogan-all-in-one",
        "--config-file",
        conf,
        "--state-dir",
        str(state),
        "--port",
        str(port),
    )
    try:
        with it.api_client(port) as client:
            it.wait_for_api(client, proc, processes)
            yield Mogan(client, state, processes)
    finally:
        processes.kill_all()


@pytest.fixture(scope="module")
def made(mogan, rc) -> dict[str, str]:
    """A flavor for ``rc``, an image and a network."""
    return it.seed(mogan.client, rc)


def _mac() -> str:
    """A MAC address of this run's own (Ironic refuses duplicates)."""
    return "52:54:" + ":".join(f"{b:02x}" for b in uuid.uuid4().bytes[:4])


def enroll(ironic: support.Ironic, mogan: Mogan, rc: str, **spec: Any) -> str:
    """An available Ironic node of ``rc`` with one port, once Mogan can use it."""
    node = ironic.enroll(resource_class=rc, ports=(_mac(),), **spec)
    mogan.wait(
        lambda: (
            mogan.client.get(f"/v1/nodes/{node}", headers=V12).json().get("consumable")
        ),
        f"node {node} consumable in Mogan",
    )
    return node


def node_of(ironic: support.Ironic, server: str) -> str:
    """The Ironic node a server landed on (other nodes of the class may be free)."""
    found = ironic.call("GET", f"/v1/nodes/detail?instance_uuid={server}")["nodes"]
    assert len(found) == 1, found
    return str(found[0]["uuid"])


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
            {"node_uuid": node, "address": _mac()},
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
