"""A server's serial console output (``GET /v1/servers/{uuid}/console_log``, 1.4).

The output comes from the fake driver through the engine's RPC server (the
API loads no driver): the boot and cloud-init lines the fake node printed
while the real scheduler and engine built the server.
"""

import json

import pytest
import sqlalchemy as sa

from mogan import states
from mogan.db import models
from tests.conftest import ADMIN, MEMBER, OTHER, READER
from tests.functional.api import engine_support
from tests.functional.api.engine_support import RequiredOnly, show, wait_for

globals().update(engine_support.FIXTURES)

V14 = {"OpenStack-API-Version": "baremetal-compute 1.4"}


def _fault(resp) -> str:
    return str(json.loads(resp.json()["error_message"])["faultstring"])


def _log(api, server_uuid: str, persona=MEMBER, **params):
    return api.get(
        f"/v1/servers/{server_uuid}/console_log",
        params=params,
        headers={**persona.headers, **V14},
    )


def _create(world, api, name: str = "web") -> str:
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
        headers=MEMBER.headers,
    )
    assert resp.status_code == 201, resp.text
    uuid = str(resp.json()["uuid"])
    wait_for(lambda: show(api, uuid).json()["status"] == states.ACTIVE)
    return uuid


@pytest.fixture
def server(world, engine_factory, api) -> dict:
    """An active server of project-a built by the engine, and its node."""
    [node] = world.enroll(1)
    engine = engine_factory()
    return {"uuid": _create(world, api), "node": node, "engine": engine}


class TestConsoleLog:
    def test_owner_reads_the_boot_and_cloud_init_lines(self, api, world, server):
        """The fake node's deploy, boot and cloud-init lines, as the driver has them."""
        resp = _log(api, server["uuid"])
        assert resp.status_code == 200, resp.text
        output = resp.json()["output"]
        assert world.driver.console_log(server["node"]) == output
        assert "writing image" in output
        assert f"running 'init' for instance {server['uuid']}" in output
        assert output.rstrip("\n").endswith("login:")

    def test_length_gives_the_last_lines(self, api, world, server):
        """``length=N``: the newest N lines of the driver's output."""
        full = world.driver.console_log(server["node"]).splitlines()
        resp = _log(api, server["uuid"], length=2)
        assert resp.status_code == 200, resp.text
        assert full[-2:] == resp.json()["output"].splitlines()

    @pytest.mark.parametrize("length", ["0", "10001", "-1", "many"])
    def test_length_out_of_bounds_is_a_400(self, api, server, length):
        """``length`` is 1..10000: anything else is a 400 naming the field."""
        resp = _log(api, server["uuid"], length=length)
        assert resp.status_code == 400, resp.text
        assert resp.json()["code"] == "mogan.invalid_parameter"
        assert "length" in _fault(resp)

    def test_admin_reads_any_log_readers_and_others_do_not(self, api, server):
        """Admins: yes; readers: 403 (output may hold secrets); others: 404."""
        assert _log(api, server["uuid"], ADMIN).status_code == 200
        assert _log(api, server["uuid"], READER).status_code == 403
        other = _log(api, server["uuid"], OTHER)
        assert other.status_code == 404
        assert other.json()["code"] == "mogan.server.not_found"

    def test_older_microversion_has_no_console_log(self, api, server):
        """Before 1.4 the route does not exist: 404 naming the version."""
        resp = api.get(
            f"/v1/servers/{server['uuid']}/console_log", headers=MEMBER.headers
        )
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.not_available_at_version"

    def test_no_engine_is_a_409_not_a_timeout(self, api, world, server):
        """The log comes from the engine: with none alive, a quick, clear 409."""
        server["engine"].stop()
        with world.db.transaction() as session:
            session.execute(sa.delete(models.Engine))
        resp = _log(api, server["uuid"])
        assert resp.status_code == 409, resp.text
        assert resp.json()["code"] == "mogan.engine.unavailable"


class TestDriverWithoutConsoleLog:
    def test_console_log_is_a_409_naming_the_driver(self, world, engine_factory, api):
        """An engine whose driver has no console interface: 409, never a 500."""
        world.enroll(1)
        engine_factory(with_driver=RequiredOnly(world.driver))
        uuid = _create(world, api, "plain")
        refused = _log(api, uuid)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "mogan.driver.unsupported"
        assert _fault(refused) == "driver fake cannot show a console log"

    def test_server_without_node_is_a_409(self, world, engine_factory, api):
        """A server that never got a node has no output: 409 saying so."""
        engine_factory()
        resp = api.post(
            "/v1/servers",
            json={
                "server": {
                    "name": "nowhere",
                    "flavor_uuid": world.flavor_uuid,
                    "image_uuid": world.image_uuid,
                    "networks": [{"net_id": world.network_uuid}],
                }
            },
            headers=MEMBER.headers,
        )
        uuid = resp.json()["uuid"]
        wait_for(lambda: show(api, uuid).json()["status"] == states.ERROR)
        refused = _log(api, uuid)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "mogan.console.unavailable"
        assert "the server has no node" in _fault(refused)
