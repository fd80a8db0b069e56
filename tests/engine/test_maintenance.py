"""Maintenance sync: a server follows its node into maintenance and back."""

from mogan import states
from tests.conftest import ADMIN
from tests.engine.conftest import wait_for
from tests.engine.test_api_e2e import _body, _show


class TestMaintenanceSync:
    def test_server_follows_its_node_and_refuses_power_meanwhile(
        self, world, engine_factory, api, driver
    ):
        """Node in maintenance -> server maintenance (power refused) -> back."""
        (node,) = world.enroll(1)
        engine = engine_factory()
        uuid = api.post(
            "/v1/servers", json=_body(world, "m"), headers=ADMIN.headers
        ).json()["uuid"]
        wait_for(lambda: _show(api, uuid)["status"] == states.ACTIVE)
        driver.set_maintenance(node, True, reason="fan failure")
        engine.sync_nodes()
        assert _show(api, uuid)["status"] == states.MAINTENANCE
        refused = api.put(
            f"/v1/servers/{uuid}/states/power",
            json={"target": "off"},
            headers=ADMIN.headers,
        )
        assert refused.status_code in {400, 409}, refused.text
        assert "maintenance" in refused.text
        driver.set_maintenance(node, False)
        engine.sync_nodes()
        shown = _show(api, uuid)
        assert shown["status"] == states.ACTIVE
        assert shown["power_state"] == states.POWER_ON

    def test_a_node_powered_off_meanwhile_comes_back_stopped(
        self, world, engine_factory, api, driver
    ):
        """Leaving maintenance follows the node's power state, not always active."""
        (node,) = world.enroll(1)
        engine = engine_factory()
        uuid = api.post(
            "/v1/servers", json=_body(world, "m"), headers=ADMIN.headers
        ).json()["uuid"]
        wait_for(lambda: _show(api, uuid)["status"] == states.ACTIVE)
        driver.set_maintenance(node, True)
        engine.sync_nodes()
        driver.set_power_out_of_band(node, states.POWER_OFF)
        driver.set_maintenance(node, False)
        engine.sync_nodes()
        shown = _show(api, uuid)
        assert (shown["status"], shown["power_state"]) == (
            states.STOPPED,
            states.POWER_OFF,
        )
