"""A build with a hardware request: the engine's scheduling step carries it.

``BuildArgs.hardware`` comes with another change; until then the request is
written into the workflow's ``build_args`` as the API will write it, and the
real engine, scheduler and Placement place the servers.
"""

import sqlalchemy as sa

from mogan import states
from mogan.db import models
from mogan.drivers import base
from mogan.drivers import hardware as hw
from mogan.engine import node_sync
from mogan.scheduler import hardware as hardware_rules
from tests.engine.conftest import wait_for

RAID_1_0 = hardware_rules.dump_request(
    hw.HardwareRequest(
        raid=(hw.LogicalDisk("1+0", disk_type="ssd", number_of_physical_disks=4),)
    )
)


def _ssd_node(count: int) -> base.Inventory:
    return base.Inventory(
        disks=tuple(
            base.Disk(f"/dev/sd{chr(97 + i)}", 900, base.DiskType.SSD)
            for i in range(count)
        ),
        raid_controllers=(
            base.RaidController("software", ("0", "1", "1+0"), software=True),
        ),
    )


def _fleet(world, fit: int, misfit: int) -> set[str]:
    """Nodes with 4 SSDs (``fit``) and with 2 (``misfit``); the fitting uuids."""
    nodes = world.enroll(fit + misfit)
    for i, node_uuid in enumerate(nodes):
        world.driver.set_inventory(node_uuid, _ssd_node(4 if i < fit else 2))
        node_sync.sync_node(world.db, world.driver, world.placement, node_uuid)
    return set(nodes[:fit])


def _ask(world, wf_uuid: str, hardware: dict) -> None:
    """Put ``hardware`` in the workflow's build arguments, as the API will."""
    with world.db.transaction() as session:
        row = session.scalars(
            sa.select(models.Workflow).where(models.Workflow.uuid == wf_uuid)
        ).one()
        row.args = {
            **row.args,
            "build_args": {**row.args["build_args"], "hardware": hardware},
        }


def _status(world, server_uuid):
    server = world.server(server_uuid)
    return server.status if server else None


class TestBuildWithHardware:
    def test_servers_land_only_on_nodes_that_can_take_it(self, world, engine_factory):
        """Two servers asking RAID 1+0 on 4 SSDs go to the two 4-SSD nodes of six."""
        fitting = _fleet(world, fit=2, misfit=4)
        servers, wf_uuid = world.create(count=2)
        _ask(world, wf_uuid, RAID_1_0)
        engine_factory().wake()
        for server_uuid in servers:
            wait_for(lambda s=server_uuid: _status(world, s) == states.ACTIVE)
        assert fitting == {world.server(s).node_uuid for s in servers}

    def test_no_node_that_can_take_it_is_a_fault_with_the_reasons(
        self, world, engine_factory
    ):
        """With only 2-SSD nodes the server errors, its fault counting the reason."""
        _fleet(world, fit=0, misfit=3)
        (server_uuid,), wf_uuid = world.create()
        _ask(world, wf_uuid, RAID_1_0)
        engine_factory().wake()
        wait_for(lambda: _status(world, server_uuid) == states.ERROR)
        (fault, *_) = world.faults(server_uuid)
        assert "3 nodes: 3 too few ssd disks for RAID 1+0 (4 needed)" in fault.message
