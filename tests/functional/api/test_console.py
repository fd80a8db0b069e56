"""Server consoles (``POST /v1/servers/{uuid}/remote_consoles``) with a real engine.

The console URL comes from the fake driver through the engine's RPC server,
as it would from Ironic; the server is built by the real scheduler and
engine (or adopted), so the node is really the server's.
"""

import json

import pytest

from mogan import states
from tests.conftest import ADMIN, MEMBER, OTHER, READER
from tests.functional.api import engine_support
from tests.functional.api.engine_support import (
    RequiredOnly,
    adopted,
    deployed_node,
    show,
    wait_for,
)

globals().update(engine_support.FIXTURES)

SERIAL = {"protocol": "serial"}


def _fault(resp) -> str:
    return str(json.loads(resp.json()["error_message"])["faultstring"])


def _console(api, server_uuid: str, body, persona=MEMBER):
    return api.post(
        f"/v1/servers/{server_uuid}/remote_consoles", json=body, headers=persona.headers
    )


@pytest.fixture
def server(world, engine_factory, api) -> dict:
    """An active server of project-a (built by the engine), its node and engine."""
    [node] = world.enroll(1)
    engine = engine_factory()
    resp = api.post(
        "/v1/servers",
        json={
            "server": {
                "name": "web",
                "flavor_uuid": world.flavor_uuid,
                "image_uuid": world.image_uuid,
                "networks": [{"net_id": world.network_uuid}],
            }
        },
        headers=MEMBER.headers,
    )
    assert resp.status_code == 201, resp.text
    uuid = resp.json()["uuid"]
    wait_for(lambda: show(api, uuid).json()["status"] == states.ACTIVE)
    return {"uuid": uuid, "node": node, "engine": engine}


class TestConsole:
    def test_owner_gets_the_serial_console_url(self, api, server):
        """v1's flat body: 201 with protocol, type and the driver's URL."""
        resp = _console(api, server["uuid"], SERIAL)
        assert resp.status_code == 201, resp.text
        assert resp.json() == {
            "protocol": "serial",
            "type": "serial",
            "url": f"fake://console/{server['node']}",
        }

    def test_wrapped_body_is_accepted(self, api, server):
        """Nova's spelling, ``remote_console``, asks for the same console."""
        body = {"remote_console": {"protocol": "serial", "type": "serial"}}
        resp = _console(api, server["uuid"], body)
        assert resp.status_code == 201, resp.text
        assert resp.json()["url"] == f"fake://console/{server['node']}"

    def test_admin_gets_any_console_others_do_not(self, api, server):
        """Admins: yes; readers: 403; another project: 404, as if absent."""
        assert _console(api, server["uuid"], SERIAL, ADMIN).status_code == 201
        reader = _console(api, server["uuid"], SERIAL, READER)
        assert reader.status_code == 403
        assert reader.json()["code"] == "mogan.forbidden"
        other = _console(api, server["uuid"], SERIAL, OTHER)
        assert other.status_code == 404
        assert other.json()["code"] == "mogan.server.not_found"

    def test_console_type_the_node_lacks_is_a_conflict(self, api, server):
        """The fake nodes' console is no socat console: 409 saying what it is."""
        resp = _console(api, server["uuid"], {"protocol": "serial", "type": "socat"})
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.console.unavailable"
        assert _fault(resp).startswith(f"Server web ({server['uuid']}) has no socat")
        assert "of type serial" in _fault(resp)

    def test_stopped_server_has_a_console(self, api, server):
        """A powered-off server's console can be watched while it boots."""
        resp = api.put(
            f"/v1/servers/{server['uuid']}/states/power",
            json={"target": "off"},
            headers=MEMBER.headers,
        )
        assert resp.status_code == 202
        wait_for(lambda: show(api, server["uuid"]).json()["status"] == states.STOPPED)
        assert _console(api, server["uuid"], SERIAL).status_code == 201

    def test_server_being_built_has_no_console_yet(self, world, engine_factory, api):
        """Neither active nor stopped: 400 naming the server's state."""
        [node] = world.enroll(1)
        world.driver.set_behaviour(node, deploy_seconds=60)
        engine_factory()
        resp = api.post(
            "/v1/servers",
            json={
                "server": {
                    "name": "slow",
                    "flavor_uuid": world.flavor_uuid,
                    "image_uuid": world.image_uuid,
                    "networks": [{"net_id": world.network_uuid}],
                }
            },
            headers=MEMBER.headers,
        )
        uuid = resp.json()["uuid"]
        refused = _console(api, uuid, SERIAL)
        assert refused.status_code == 400
        assert refused.json()["code"] == "mogan.invalid_state"
        assert "building" in _fault(refused)

    def test_adopted_server_has_a_console(self, world, engine_factory, api):
        """Adopted servers are servers like any other."""
        node = deployed_node(world)
        engine_factory()
        server = adopted(api, node["uuid"])
        resp = _console(api, server["uuid"], SERIAL, ADMIN)
        assert resp.status_code == 201, resp.text
        assert resp.json()["url"] == f"fake://console/{node['uuid']}"

    def test_without_a_running_engine_the_error_says_so(self, api, server):
        """The engine holds the driver: without one, a clear error at once."""
        server["engine"].stop()
        resp = _console(api, server["uuid"], SERIAL)
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.engine.unavailable"
        assert "no mogan-engine is running" in _fault(resp)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "protocol"),
        ({"protocol": "vnc"}, "protocol"),
        ({"protocol": "serial", "type": "spice"}, "type"),
        ({"protocol": "serial", "remote_console": SERIAL}, "not both"),
        ({"remote_console": {"type": "socat"}}, "protocol"),
        ({"protocol": "serial", "extra": 1}, "extra"),
    ],
)
def test_bad_bodies_name_the_field(api, body, field):
    """Schema errors are 400s naming the field, before any lookup."""
    resp = api.post(
        "/v1/servers/00000000-0000-0000-0000-000000000000/remote_consoles",
        json=body,
        headers=ADMIN.headers,
    )
    assert resp.status_code == 400, resp.text
    assert field in _fault(resp)


class TestDriverWithoutConsole:
    def test_console_is_a_409_naming_the_driver(self, world, engine_factory, api):
        """An engine whose driver has no console interface: 409, never a 500."""
        world.enroll(1)
        engine_factory(with_driver=RequiredOnly(world.driver))
        resp = api.post(
            "/v1/servers",
            json={
                "server": {
                    "name": "plain",
                    "flavor_uuid": world.flavor_uuid,
                    "image_uuid": world.image_uuid,
                    "networks": [{"net_id": world.network_uuid}],
                }
            },
            headers=MEMBER.headers,
        )
        assert resp.status_code == 201, resp.text
        uuid = resp.json()["uuid"]
        wait_for(lambda: show(api, uuid).json()["status"] == states.ACTIVE)
        refused = _console(api, uuid, SERIAL)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "mogan.driver.unsupported"
        assert _fault(refused) == "driver fake cannot open a serial console"
