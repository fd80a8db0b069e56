import pytest

from mogan import states
from tests.engine.conftest import wait_for


def _status(world, server_uuid):
    server = world.server(server_uuid)
    return server.status if server else None


@pytest.fixture
def active(world, engine_factory):
    """One active server on a one-node fleet, and its engine."""
    world.enroll(1)
    engine = engine_factory()
    (server_uuid,), _ = world.create()
    wait_for(lambda: _status(world, server_uuid) == states.ACTIVE)
    return server_uuid, engine


class TestDelete:
    def test_delete_frees_node_ports_and_claim(self, world, active, notes):
        """Deleting an active server tears the node down and leaves nothing held."""
        server_uuid, _ = active
        node_uuid = world.nodes[0]
        world.act(server_uuid, states.DELETE, "delete")
        wait_for(lambda: world.server(server_uuid) is None)
        node = world.node(node_uuid)
        assert (node.server_uuid, node.reservation) == (None, None)
        assert world.driver.provision_state(node_uuid) == "available"
        assert world.allocations(server_uuid) == {}
        assert world.ports(server_uuid) == 0
        wait_for(lambda: "server.delete.end" in notes.types(server_uuid))
        assert notes.types(server_uuid)[-2:] == [
            "server.delete.start",
            "server.delete.end",
        ]

    def test_delete_during_build_stops_the_build(self, world, engine_factory, notes):
        """A server deleted mid-deploy is torn down and removed, with no fault left."""
        (node_uuid,) = world.enroll(1)
        world.driver.set_behaviour(node_uuid, deploy_seconds=30)
        engine_factory()
        (server_uuid,), _ = world.create()
        wait_for(lambda: world.driver.provision_state(node_uuid) == "deploying")
        world.act(server_uuid, states.DELETE, "delete")
        wait_for(lambda: world.server(server_uuid) is None)
        assert world.allocations(server_uuid) == {}
        assert world.ports(server_uuid) == 0
        node = world.node(node_uuid)
        assert (node.server_uuid, node.reservation) == (None, None)
        assert world.driver.provision_state(node_uuid) == "available"
        types = notes.types(server_uuid)
        assert "server.create.end" not in types
        assert "server.create.error" not in types

    def test_failed_cleaning_puts_the_node_in_maintenance(self, world, active):
        """A node that fails cleaning goes to maintenance; the server is gone anyway."""
        server_uuid, _ = active
        node_uuid = world.nodes[0]
        world.driver.set_behaviour(node_uuid, fail_clean=1)
        world.act(server_uuid, states.DELETE, "delete")
        wait_for(lambda: world.server(server_uuid) is None)
        node = world.node(node_uuid)
        assert node.maintenance
        assert "clean" in node.why_not
        assert node.server_uuid is None
        assert world.allocations(server_uuid) == {}


class TestPower:
    @pytest.mark.parametrize(
        ("target", "event", "status", "power"),
        [
            ("off", states.STOP, states.STOPPED, states.POWER_OFF),
            ("soft_off", states.SOFT_STOP, states.STOPPED, states.POWER_OFF),
            ("reboot", states.REBOOT, states.ACTIVE, states.POWER_ON),
        ],
    )
    def test_power_action_reaches_its_stable_state(
        self, world, active, notes, target, event, status, power
    ):
        """A power action ends in the FSM's done state with the node's power."""
        server_uuid, _ = active
        world.act(server_uuid, event, "power", target=target)
        wait_for(lambda: _status(world, server_uuid) == status)
        assert world.server(server_uuid).power_state == power
        assert world.node(world.nodes[0]).reservation is None
        action = {"off": "power_off", "soft_off": "soft_off", "reboot": "reboot"}
        wait_for(lambda: f"server.{action[target]}.end" in notes.types(server_uuid))
        assert f"server.{action[target]}.start" in notes.types(server_uuid)

    def test_off_then_on(self, world, active):
        """A stopped server powers on back to active."""
        server_uuid, _ = active
        world.act(server_uuid, states.STOP, "power", target="off")
        wait_for(lambda: _status(world, server_uuid) == states.STOPPED)
        world.act(server_uuid, states.START, "power", target="on")
        wait_for(lambda: _status(world, server_uuid) == states.ACTIVE)
        assert world.server(server_uuid).power_state == states.POWER_ON

    def test_failed_power_off_returns_to_active_with_a_fault(
        self, world, active, notes
    ):
        """A failing power off goes back to active, with a fault and an error event."""
        server_uuid, _ = active
        world.driver.set_behaviour(world.nodes[0], fail_power=1)
        world.act(server_uuid, states.STOP, "power", target="off")
        wait_for(lambda: world.faults(server_uuid))
        wait_for(lambda: _status(world, server_uuid) == states.ACTIVE)
        assert "simulated power failure" in world.faults(server_uuid)[0].message
        wait_for(lambda: "server.power_off.error" in notes.types(server_uuid))

    def test_failed_reboot_of_a_powered_off_node_is_an_error(self, world, active):
        """A reboot that fails and leaves the node off puts the server in error."""
        server_uuid, _ = active
        world.driver.set_power_out_of_band(world.nodes[0], states.POWER_OFF)
        world.driver.set_behaviour(world.nodes[0], fail_power=1)
        world.act(server_uuid, states.REBOOT, "power", target="reboot")
        wait_for(lambda: _status(world, server_uuid) == states.ERROR)
        assert world.server(server_uuid).power_state == states.POWER_OFF

    def test_power_sync_copies_out_of_band_changes(self, world, active):
        """The power-state sync records a change made behind Mogan's back."""
        server_uuid, engine = active
        world.driver.set_power_out_of_band(world.nodes[0], states.POWER_OFF)
        assert engine.sync_power_states() == 1
        server = world.server(server_uuid)
        assert (server.status, server.power_state) == (states.ACTIVE, states.POWER_OFF)
        assert engine.sync_power_states() == 0


class TestRebuild:
    def test_rebuild_deploys_the_new_image(self, world, active, notes):
        """A rebuild re-deploys the node and ends active on the new image."""
        server_uuid, _ = active
        world.act(
            server_uuid,
            states.REBUILD,
            "rebuild",
            image_uuid=world.image_uuid,
            preserve_ephemeral=False,
        )
        wait_for(lambda: _status(world, server_uuid) == states.ACTIVE)
        wait_for(lambda: "server.rebuild.end" in notes.types(server_uuid))
        assert "server.rebuild.start" in notes.types(server_uuid)
        assert "fake-agent: rebuild" in world.driver.console_log(world.nodes[0])

    def test_failed_rebuild_is_an_error_with_a_fault(self, world, active, notes):
        """A failing rebuild leaves the server in error with a fault."""
        server_uuid, _ = active
        world.driver.set_behaviour(world.nodes[0], fail_deploy=1)
        world.act(
            server_uuid,
            states.REBUILD,
            "rebuild",
            image_uuid=world.image_uuid,
            preserve_ephemeral=True,
        )
        wait_for(lambda: _status(world, server_uuid) == states.ERROR)
        (fault,) = world.faults(server_uuid)
        assert fault.message.startswith("rebuild failed: simulated")
        wait_for(lambda: "server.rebuild.error" in notes.types(server_uuid))
