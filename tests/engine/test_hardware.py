"""Deploy-time hardware configuration through the real engine and fake fleet.

Servers are created the way the API does (their build arguments carry the
hardware request and the bonded network); what was applied is read back
from the fake driver's simulated node, and the per-section results from
``servers.hardware_result``.
"""

import dataclasses
import uuid

import pytest
import sqlalchemy as sa

from mogan import exception, states
from mogan.db import models
from mogan.db.api import server_action as action_db
from mogan.drivers import base, fake, fake_inventory
from mogan.engine import hardware as engine_hw
from mogan.engine import node_sync, workflow
from mogan.services import workflow_args
from tests.engine.conftest import wait_for

HARDWARE = base.HardwareRequest(
    raid=(
        base.LogicalDisk(
            "1",
            size_gb=100,
            is_root_volume=True,
            disk_type="ssd",
            number_of_physical_disks=2,
        ),
    ),
    bios=(base.BiosSetting("SriovGlobalEnable", "Enabled"),),
)
BOND = {"mode": "802.3ad", "links": 2, "miimon": 100, "lacp_rate": "fast"}


def inventory(ports, bios: bool = True) -> base.Inventory:
    """2 SSDs on a RAID-1 card and the node's 4 ports, 2 per physical network."""
    made = fake_inventory.generate("engine-hw", ports)
    registry = dict(made.bios)
    if not bios:
        registry.pop("SriovGlobalEnable")
    return dataclasses.replace(
        made,
        disks=tuple(
            base.Disk(f"/dev/sd{c}", 894, base.DiskType.SSD, controller="RAID.1")
            for c in "ab"
        ),
        raid_controllers=(base.RaidController("RAID.1", ("0", "1")),),
        nics=tuple(
            base.InventoryNic(mac, physical_network=f"physnet{1 + i // 2}")
            for i, mac in enumerate(ports)
        ),
        bios=registry,
    )


def enroll(world, count: int = 1, bios: bool = True) -> list[str]:
    """Nodes with 4 ports and the test inventory, synced."""
    nodes = world.enroll(count, ports=4)
    for node_uuid in nodes:
        ports = world.driver.get_node(node_uuid).ports
        world.driver.set_inventory(node_uuid, inventory(ports, bios))
        # NOTE: the scheduler filters on the inventory node sync stored:
        # re-read the scripted one, as a sync after a teardown does.
        node_sync.sync_node(world.db, world.driver, world.placement, node_uuid)
    return nodes


def create(world, hardware=HARDWARE, bond=True) -> str:
    """A server whose build asks for ``hardware`` and a bonded network."""
    network = {"net_id": world.network_uuid}
    if bond:
        network["bond"] = BOND
    (server_uuid,), _ = world.create(
        networks=[network], hardware=workflow_args.hardware_json(hardware)
    )
    return server_uuid


def open_create_action(world, server_uuid) -> None:
    """The ``create`` action the API records with the server."""
    with world.db.transaction() as session:
        action_db.create(
            session,
            {
                "server_uuid": server_uuid,
                "action": action_db.CREATE,
                "request_id": f"req-{uuid.uuid4()}",
                "project_id": "project-a",
                "user_id": "alice",
            },
            keep=100,
        )


def events(world, server_uuid) -> dict[str, tuple[str, str | None]]:
    """The server's hardware action events: name to (result, details)."""
    with world.db.transaction() as session:
        rows = session.execute(
            sa.select(models.ServerActionEvent)
            .join(models.ServerAction)
            .where(models.ServerAction.server_uuid == server_uuid)
            .where(models.ServerActionEvent.event.startswith("hardware_"))
        ).scalars()
        return {row.event: (row.result, row.details) for row in rows}


def status(world, server_uuid):
    """The server's status (None once deleted)."""
    server = world.server(server_uuid)
    return server.status if server else None


def result(world, server_uuid):
    """The server's ``hardware_result``."""
    server = world.server(server_uuid)
    return server.hardware_result if server else None


class TestApplied:
    def test_raid_bios_and_bond_are_applied_and_recorded(self, world, engine_factory):
        """Active; the node has them; pending while deploying, then applied."""
        (node_uuid,) = enroll(world)
        world.driver.set_behaviour(node_uuid, hardware_seconds=0.4)
        engine_factory()
        server_uuid = create(world)
        wait_for(lambda: (result(world, server_uuid) or {}).get("raid"))
        pending = result(world, server_uuid)
        assert {s: r["status"] for s, r in pending.items()} == {
            "raid": "pending",
            "bios": "pending",
            "bonds": "pending",
        }
        wait_for(lambda: status(world, server_uuid) == states.ACTIVE)
        ports = world.driver.get_node(node_uuid).ports
        state = world.driver.hardware_state(node_uuid)
        (volume,) = state["raid"]
        assert volume["raid_level"] == "1"
        assert volume["physical_disks"] == ["/dev/sda", "/dev/sdb"]
        assert state["bios"]["SriovGlobalEnable"] == "Enabled"
        (bond,) = state["bonds"]
        assert bond["mode"] == "802.3ad"
        assert bond["links"] == list(ports[:2])
        assert bond["lacp_rate"] == "fast"
        done = result(world, server_uuid)
        assert {s: r["status"] for s, r in done.items()} == {
            "raid": "applied",
            "bios": "applied",
            "bonds": "applied",
        }
        assert done["bios"]["applied"] == {"settings": {"SriovGlobalEnable": "Enabled"}}
        assert done["raid"]["applied"]["logical_disks"][0]["size_gb"] == 100
        # NOTE: one VIF, on the bond's first member port.
        with world.db.transaction() as session:
            macs = session.scalars(
                sa.select(models.ServerNic.mac_address).where(
                    models.ServerNic.server_uuid == server_uuid
                )
            ).all()
        assert list(macs) == [ports[0]]

    def test_delete_restores_the_node(self, world, engine_factory):
        """After delete: RAID and bond gone, BIOS back, node consumable."""
        (node_uuid,) = enroll(world)
        engine_factory()
        server_uuid = create(world)
        wait_for(lambda: status(world, server_uuid) == states.ACTIVE)
        world.act(server_uuid, states.DELETE, "delete")
        wait_for(lambda: world.server(server_uuid) is None)
        state = world.driver.hardware_state(node_uuid)
        assert state["raid"] == []
        assert state["bonds"] == []
        assert state["bios"]["SriovGlobalEnable"] == "Disabled"
        assert world.driver.get_node(node_uuid).consumable

    def test_failed_restore_puts_the_node_in_maintenance(self, world, engine_factory):
        """Delete with a failing restore: server gone, node in maintenance, why."""
        (node_uuid,) = enroll(world)
        engine_factory()
        server_uuid = create(world)
        wait_for(lambda: status(world, server_uuid) == states.ACTIVE)
        world.driver.set_behaviour(node_uuid, fail_restore=1)
        world.act(server_uuid, states.DELETE, "delete")
        wait_for(lambda: world.server(server_uuid) is None)
        node = world.node(node_uuid)
        assert node.maintenance
        assert "restoring hardware failed" in node.why_not
        assert node.server_uuid is None
        spec = world.driver.get_node(node_uuid)
        assert spec.maintenance
        assert "restoring hardware failed" in spec.why_not

    def test_rebuild_keeps_the_configuration(self, world, engine_factory, tmp_path):
        """The rebuild asks for no hardware; its NICs still name the bond."""
        (node_uuid,) = enroll(world)
        recording = RecordingRebuilds(str(tmp_path))
        engine_factory(with_driver=recording)
        server_uuid = create(world)
        wait_for(lambda: status(world, server_uuid) == states.ACTIVE)
        world.act(
            server_uuid,
            states.REBUILD,
            "rebuild",
            image_uuid=world.image_uuid,
            preserve_ephemeral=False,
        )
        wait_for(lambda: "rebuild" in world.driver.console_log(node_uuid))
        wait_for(lambda: status(world, server_uuid) == states.ACTIVE)
        recording.close()
        (request,) = recording.rebuilds
        assert not request.hardware
        ports = world.driver.get_node(node_uuid).ports
        assert [(n.mac, n.bond) for n in request.nics] == [
            (ports[0], "bond0"),
            (ports[1], "bond0"),
        ]
        state = world.driver.hardware_state(node_uuid)
        assert len(state["raid"]) == 1
        assert state["bios"]["SriovGlobalEnable"] == "Enabled"
        assert len(state["bonds"]) == 1
        assert result(world, server_uuid)["raid"]["status"] == "applied"


class TestFailures:
    def test_failing_section_faults_naming_it_and_restores(
        self, world, engine_factory, econf
    ):
        """Bonds fail: fault names the section, node freed, RAID and BIOS undone."""
        econf.set_override("build_attempts", 1, group="engine")
        (node_uuid,) = enroll(world)
        world.driver.set_behaviour(node_uuid, fail_hardware="bonds")
        server_uuid = create(world)
        open_create_action(world, server_uuid)
        engine_factory()
        wait_for(lambda: status(world, server_uuid) == states.ERROR)
        # NOTE: the sections' events are written as the failed build ends,
        # after the server's status: wait for them too.
        recorded_events = wait_for(
            lambda: (
                (e := events(world, server_uuid)).keys()
                >= {"hardware_raid", "hardware_bios", "hardware_bonds"}
                and e
            )
        )
        assert recorded_events["hardware_raid"] == (action_db.SUCCESS, None)
        assert recorded_events["hardware_bios"][0] == action_db.SUCCESS
        result_, details = recorded_events["hardware_bonds"]
        assert result_ == action_db.ERROR
        assert "hardware section bonds failed" in details
        (fault,) = world.faults(server_uuid)
        assert "hardware section bonds failed" in fault.message
        recorded = result(world, server_uuid)
        assert recorded["raid"]["status"] == "applied"
        assert recorded["bonds"]["status"] == "failed"
        assert "bonds" in recorded["bonds"]["message"]
        node = world.node(node_uuid)
        assert (node.server_uuid, node.reservation) == (None, None)
        spec = world.driver.get_node(node_uuid)
        assert spec.consumable
        state = world.driver.hardware_state(node_uuid)
        assert state["raid"] == []
        assert state["bios"]["SriovGlobalEnable"] == "Disabled"

    def test_rejected_node_is_left_for_one_that_can(self, world, engine_factory):
        """A node lacking the BIOS attribute is filtered out or refuses."""
        (bad,) = enroll(world, bios=False)
        (good,) = enroll(world)
        engine_factory()
        server_uuid = create(world, bond=False)
        wait_for(lambda: status(world, server_uuid) == states.ACTIVE)
        assert world.server(server_uuid).node_uuid == good
        for fault in world.faults(server_uuid):
            assert "cannot take the bios request" in fault.message
        assert world.driver.hardware_state(bad)["raid"] == []
        assert world.driver.get_node(bad).consumable

    def test_rejection_is_rescheduled_and_deploys_nothing(
        self, world, engine_factory, econf
    ):
        """The only node refuses: retried elsewhere (none left), node untouched."""
        econf.set_override("build_attempts", 2, group="engine")
        (bad,) = enroll(world)
        # NOTE: the node lost the attribute after its last sync: the scheduler
        # (stored inventory) lets it through, the driver refuses.
        ports = world.driver.get_node(bad).ports
        world.driver.set_inventory(bad, inventory(ports, bios=False))
        engine_factory()
        server_uuid = create(world, bond=False)
        wait_for(lambda: status(world, server_uuid) == states.ERROR)
        messages = [fault.message for fault in world.faults(server_uuid)]
        assert "cannot take the bios request" in messages[0]
        assert "no other node to retry on after 1 attempt" in messages[-1]
        assert "SriovGlobalEnable unknown" in messages[0]
        recorded = result(world, server_uuid)
        assert recorded["bios"]["status"] == "failed"
        assert "SriovGlobalEnable unknown" in recorded["bios"]["message"]
        assert world.driver.provision_state(bad) == "available"
        assert world.driver.hardware_state(bad)["raid"] == []
        assert "deploy" not in world.driver.console_log(bad)

    def test_driver_without_the_interface_fails_at_once(self, world, engine_factory):
        """409 'cannot configure hardware', not retried on another node."""
        enroll(world, 2)
        plain = NoHardware(world.driver)
        engine_factory(with_driver=plain)
        server_uuid = create(world, bond=False)
        wait_for(lambda: status(world, server_uuid) == states.ERROR)
        (fault,) = world.faults(server_uuid)
        assert fault.code == 409
        assert "driver fake cannot configure hardware" in fault.message
        assert result(world, server_uuid)["raid"]["status"] == "failed"
        for node_uuid in world.nodes:
            assert world.driver.provision_state(node_uuid) == "available"


class TestPortPlan:
    def test_bond_takes_ports_on_one_physical_network(self):
        """Bonds first, on one physnet; plain networks take the free ports in order."""
        ports = ["m0", "m1", "m2", "m3"]
        physnets = {"m0": "p1", "m1": "p2", "m2": "p2", "m3": "p1"}
        networks = [{"net_id": "a"}, {"net_id": "b", "bond": BOND}]
        plan = engine_hw.plan_ports(networks, ports, physnets)
        assert [(p.net_id, p.macs) for p in plan] == [
            ("a", ("m1",)),
            ("b", ("m0", "m3")),
        ]
        assert plan[1].bond.name == "bond0"
        assert plan[1].bond.links == ("m0", "m3")

    def test_too_few_ports_for_a_bond_fails_the_step(self):
        """A bond needing more ports than any physnet has is a step failure."""
        with pytest.raises(workflow.StepFailed) as caught:
            engine_hw.plan_ports(
                [{"net_id": "b", "bond": {**BOND, "links": 3}}],
                ["m0", "m1", "m2"],
                {"m0": "p1", "m1": "p1", "m2": "p2"},
            )
        assert "no 3 free ports on one physical network" in caught.value.message

    def test_hardware_json_round_trips(self):
        """BuildArgs.hardware holds the request's JSON; hardware_of reads it back."""
        args = workflow_args.BuildArgs(
            image_uuid=str(uuid.uuid4()), hardware=workflow_args.hardware_json(HARDWARE)
        )
        again = workflow_args.BuildArgs.model_validate(args.to_json())
        assert workflow_args.hardware_of(again) == HARDWARE
        assert (
            workflow_args.hardware_of(workflow_args.BuildArgs(image_uuid="x")) is None
        )

    def test_rejection_is_reschedulable_and_a_missing_interface_is_not(self):
        """Another node may take what one refuses; no node helps a driver."""
        rejected = base.HardwareRejected(node="n", section="raid", reason="no")
        cannot = exception.DriverCannot(driver="x", what="configure hardware")
        assert exception.is_reschedulable(rejected)
        assert not exception.is_reschedulable(cannot)


class RecordingRebuilds(fake.FakeDriver):
    """The fake driver, keeping the rebuild requests it was handed."""

    def __init__(self, path):
        """Share the fleet in ``path``."""
        super().__init__(path)
        self.rebuilds = []

    def start_rebuild(self, node_uuid, request):
        """Record, then rebuild."""
        self.rebuilds.append(request)
        super().start_rebuild(node_uuid, request)


class NoHardware(base.Driver):
    """The fake fleet through a driver without the hardware interface."""

    name = "fake"

    def __init__(self, inner: fake.FakeDriver) -> None:
        """Delegate to ``inner``."""
        self.inner = inner

    def list_nodes(self):
        """Delegated."""
        return self.inner.list_nodes()

    def get_node(self, node_uuid):
        """Delegated."""
        return self.inner.get_node(node_uuid)

    def get_inventory(self, node_uuid):
        """Delegated."""
        return self.inner.get_inventory(node_uuid)

    def get_power_state(self, node_uuid):
        """Delegated."""
        return self.inner.get_power_state(node_uuid)

    def start_power(self, node_uuid, target):
        """Delegated."""
        self.inner.start_power(node_uuid, target)

    def poll_power(self, node_uuid):
        """Delegated."""
        return self.inner.poll_power(node_uuid)

    def start_deploy(self, node_uuid, request):
        """Delegated."""
        self.inner.start_deploy(node_uuid, request)

    def poll_deploy(self, node_uuid):
        """Delegated."""
        return self.inner.poll_deploy(node_uuid)

    def start_rebuild(self, node_uuid, request):
        """Delegated."""
        self.inner.start_rebuild(node_uuid, request)

    def start_teardown(self, node_uuid):
        """Delegated."""
        self.inner.start_teardown(node_uuid)

    def poll_teardown(self, node_uuid):
        """Delegated."""
        return self.inner.poll_teardown(node_uuid)
