"""Issue 12's first "done when" for Redfish nodes: the all-in-one on BMCs.

``mogan-all-in-one`` runs as its own process with ``[engine] driver =
redfish`` against the team's sushy-tools emulator: two nodes are enrolled
through ``POST /v1/nodes`` (the BMC password never shown), a server with a
BIOS setting is deployed on one by virtual media (the image ISO from a
file server, the config drive ISO served by Mogan's own
``/v1/deploy_media``), powered off and on, and deleted; what happened is
read from the emulator, not from Mogan's answers.
"""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mogan import states
from tests.integration import conftest as it
from tests.redfish import files, specs, support
from tests.redfish.fixtures import running

pytestmark = pytest.mark.services

TIMEOUT = 90.0
V15 = {"OpenStack-API-Version": "baremetal-compute 1.5"}
V16 = {"OpenStack-API-Version": "baremetal-compute 1.6"}
RC = "bm-redfish"


@pytest.fixture(scope="module")
def emulator() -> support.Emulator:
    """The emulator with two systems of this module's own."""
    found = running()
    found.reset(
        systems=(
            specs.system(f"rf-e2e-{uuid.uuid4().hex[:6]}"),
            specs.system(f"rf-e2e-{uuid.uuid4().hex[:6]}"),
        )
    )
    return found


@pytest.fixture(scope="module")
def image_server() -> Iterator[files.FileServer]:
    """Serves the image ISO the BMCs download."""
    server = files.FileServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def aio(tmp_path_factory, emulator) -> Iterator[tuple[Any, Any]]:
    """``mogan-all-in-one`` on the redfish driver; its client and processes."""
    tmp = tmp_path_factory.mktemp("mogan-redfish")
    sections = {
        "DEFAULT": {"host": "e2e-redfish"},
        "engine": {"driver": "redfish", **it.QUICK_ENGINE},
        "redfish": {"server_side_retries": 1, "server_side_retries_delay": 0.1},
    }
    with it.all_in_one(tmp, sections) as (client, _, processes):
        yield client, processes


def _wait(aio, predicate, what: str) -> Any:
    return it.wait_for(predicate, what, TIMEOUT, aio[1])


def _enroll(client, emulator, system: support.System) -> dict[str, Any]:
    resp = client.post(
        "/v1/nodes",
        json={
            "name": system.name,
            "driver": "redfish",
            "driver_info": {
                "address": emulator.url,
                "system_id": system.path,
                "username": emulator.username,
                "password": emulator.password,
                "verify_ca": False,
            },
            "resource_class": RC,
        },
        headers=V16,
    )
    assert resp.status_code == 201, resp.text
    assert emulator.password not in resp.text
    return dict(resp.json())


def test_server_on_a_redfish_node(aio, emulator, image_server):
    """Enrol, deploy by virtual media with a BIOS setting, power off/on, delete."""
    client, _ = aio
    systems = emulator.systems()
    nodes = {_enroll(client, emulator, s)["uuid"]: s for s in systems}
    listed = client.get("/v1/nodes", headers=V16)
    assert listed.status_code == 200
    assert emulator.password not in listed.text
    for node in nodes:
        shown = client.get(f"/v1/nodes/{node}", headers=V16)
        assert emulator.password not in shown.text
        assert shown.json()["driver_info"]["username"] == emulator.username

    made = {}
    for kind, path, body in (
        (
            "flavor",
            "/v1/flavors",
            {"name": "bm.rf", "resources": {it.placement_class(RC): 1}},
        ),
        (
            "image",
            "/v1/images",
            {
                "name": "live-iso",
                "url": image_server.add_iso("images/live.iso"),
                "disk_format": "iso",
            },
        ),
        ("network", "/v1/networks", {"name": "rf-net", "cidr": "10.40.0.0/24"}),
    ):
        resp = client.post(path, json=body)
        assert resp.status_code == 201, resp.text
        made[kind] = resp.json()["uuid"]

    resp = client.post(
        "/v1/servers",
        json={
            "server": {
                "name": "rf-1",
                "flavor_uuid": made["flavor"],
                "image_uuid": made["image"],
                "networks": [{"net_id": made["network"]}],
                "hardware": {"bios": {"settings": {"SriovGlobalEnable": "Enabled"}}},
            }
        },
        headers=V15,
    )
    assert resp.status_code == 201, resp.text
    server = resp.json()["uuid"]

    def show() -> dict[str, Any]:
        return dict(client.get(f"/v1/servers/{server}", headers=V15).json())

    shown = _wait(
        aio,
        lambda: (s := show())["status"] in {states.ACTIVE, states.ERROR} and s,
        "the server to deploy",
    )
    assert shown["status"] == states.ACTIVE, shown.get("fault")
    assert shown["hardware"]["result"]["bios"]["status"] == "applied"
    # NOTE: admins see the node by name.
    node = next(u for u, sys in nodes.items() if sys.name == shown["node"])
    system = emulator.system(nodes[node].uuid)
    # NOTE: what the BMC did: booted the image from virtual media, with
    # Mogan's config drive as the second medium and the BIOS value set.
    assert system["power_state"] == "On"
    assert system["media"]["Cd"]["image"].endswith("/images/live.iso")
    assert "/deploy_media/" in system["media"]["Floppy"]["image"]
    assert system["bios"]["SriovGlobalEnable"] == "Enabled"

    for target, status, power in (
        ("off", states.STOPPED, "Off"),
        ("on", states.ACTIVE, "On"),
    ):
        resp = client.put(f"/v1/servers/{server}/states/power", json={"target": target})
        assert resp.status_code == 202, resp.text
        _wait(aio, lambda s=status: show()["status"] == s, f"the server {status}")
        assert emulator.system(nodes[node].uuid)["power_state"] == power

    assert client.delete(f"/v1/servers/{server}").status_code == 204
    _wait(
        aio,
        lambda: client.get(f"/v1/servers/{server}").status_code == 404,
        "the server deleted",
    )
    system = emulator.system(nodes[node].uuid)
    assert system["power_state"] == "Off"
    assert not system["media"]["Cd"]["inserted"]
    assert not system["media"]["Floppy"]["inserted"]
    assert system["bios"]["SriovGlobalEnable"] == "Disabled"
    _wait(
        aio,
        lambda: client.get(f"/v1/nodes/{node}", headers=V16).json()["consumable"],
        "the node consumable again",
    )
