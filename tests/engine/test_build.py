import json

from mogan import states
from mogan.drivers import fake
from mogan.engine import rpcapi as engine_rpcapi
from tests.engine.conftest import wait_for


class RecordingDriver(fake.FakeDriver):
    """The fake driver, keeping the deploy requests it was handed."""

    def __init__(self, path):
        """Share the fleet in ``path``."""
        super().__init__(path)
        self.requests = []

    def start_deploy(self, node_uuid, request):
        """Record, then deploy."""
        self.requests.append(request)
        super().start_deploy(node_uuid, request)


def _status(world, server_uuid):
    server = world.server(server_uuid)
    return server.status if server else None


class TestCreate:
    def test_server_becomes_active_on_a_locked_node(self, world, engine_factory, notes):
        """A created server ends active on its node, with NIC, claim and events."""
        world.enroll(2)
        engine = engine_factory()
        (server_uuid,), _ = world.create()
        engine.wake()
        wait_for(lambda: _status(world, server_uuid) == states.ACTIVE)
        server = world.server(server_uuid)
        assert server.node_uuid in world.nodes
        assert server.power_state == states.POWER_ON
        assert server.launched_at is not None
        node = world.node(server.node_uuid)
        assert node.server_uuid == server_uuid
        assert node.reservation is None
        assert world.allocations(server_uuid) == {
            server.node_uuid: {world.placement_rc: 1}
        }
        wait_for(lambda: "server.create.end" in notes.types(server_uuid))
        assert notes.types(server_uuid) == ["server.create.start", "server.create.end"]
        end = notes.of(server_uuid)[-1]
        assert end["publisher_id"] == "mogan-engine:engine-a"
        assert end["payload"]["mogan_object.namespace"] == "mogan"
        data = end["payload"]["mogan_object.data"]
        assert data["status"] == states.ACTIVE
        assert data["addresses"][0]["mogan_object.data"]["fixed_ips"][0][
            "ip_address"
        ].startswith("10.20.0.")

    def test_config_drive_reaches_the_driver(self, world, engine_factory, tmp_path):
        """The deploy carries meta_data, user_data and network_data for the NIC."""
        world.enroll(1)
        recording = RecordingDriver(str(tmp_path))
        engine = engine_factory(with_driver=recording)
        (server_uuid,), _ = world.create()
        engine.wake()
        wait_for(lambda: _status(world, server_uuid) == states.ACTIVE)
        recording.close()
        log = world.driver.console_log(world.nodes[0])
        assert "config drive with" in log
        (request,) = recording.requests
        drive = request.config_drive
        meta = json.loads(drive["openstack/latest/meta_data.json"])
        assert meta["uuid"] == server_uuid
        assert meta["hostname"] == "server-0"
        assert meta["public_keys"] == {"mykey": "ssh-ed25519 AAAA test"}
        assert meta["admin_pass"] == "s3cret"
        assert drive["openstack/latest/user_data"] == "#!/bin/sh\necho hi\n"
        net = json.loads(drive["openstack/latest/network_data.json"])
        assert net["networks"][0]["ip_address"].startswith("10.20.0.")
        assert net["networks"][0]["netmask"] == "255.255.255.0"
        assert (
            net["links"][0]["ethernet_mac_address"]
            == world.node(world.nodes[0]).ports[0]
        )

    def test_nics_reach_the_driver_in_port_order(self, world, engine_factory):
        """The deploy request carries each NIC (VIF, network, MAC) by node port.

        Four NICs: rows come back by port id, so only a sort by the node's
        ports gives this order (by chance once in 24).
        """
        world.enroll(1, ports=4)
        engine = engine_factory()
        (server_uuid,), _ = world.create(networks=4)
        engine.wake()
        wait_for(lambda: _status(world, server_uuid) == states.ACTIVE)
        ports = world.node(world.nodes[0]).ports
        with world.db.transaction() as session:
            from mogan.db.api import server_nic  # noqa: PLC0415

            by_mac = {
                nic.mac_address: (nic.port_id, nic.network_id)
                for nic in server_nic.get_all(session, server_uuid)
            }
        assert sorted(by_mac) == sorted(ports)
        plugged = [
            line.split("fake-agent: ", 1)[1]
            for line in world.driver.console_log(world.nodes[0]).splitlines()
            if "plugged on" in line
        ]
        assert plugged == [
            f"VIF {by_mac[mac][0]} of network {by_mac[mac][1]} plugged on {mac}"
            for mac in ports
        ]

    def test_nudge_over_rpc_wakes_the_engine(self, world, engine_factory, econf):
        """A nudge cast starts a due workflow long before the next poll."""
        econf.set_override("poll_interval", 30, group="engine")
        world.enroll(1)
        engine_factory()
        (server_uuid,), wf_uuid = world.create()
        engine_rpcapi.EngineAPI(econf).nudge({}, wf_uuid)
        wait_for(lambda: _status(world, server_uuid) == states.ACTIVE, timeout=10)

    def test_many_servers_land_on_distinct_nodes(self, world, engine_factory):
        """Eight servers of one request on eight nodes: all active, no node twice."""
        world.enroll(8)
        engine_factory()
        uuids, _ = world.create(count=8)
        wait_for(
            lambda: all(_status(world, u) == states.ACTIVE for u in uuids), timeout=30
        )
        nodes = [world.server(u).node_uuid for u in uuids]
        assert sorted(nodes) == sorted(world.nodes)
        for node_uuid, server_uuid in zip(nodes, uuids, strict=True):
            assert world.node(node_uuid).server_uuid == server_uuid
