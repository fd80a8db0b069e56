"""The engine's schedule step for composed servers, and releasing their claims.

The real ``SelectAndClaim`` step, with real engine dependencies, asks the
session's scheduler over the bus to place servers of a composable flavor on
a pool the team's Redfish emulator serves (synced by the engine's
``CompositionServices``). What it did is read back: the servers point at
the node uuids their systems will be enrolled under and landed in the
composition zone; Placement holds their blocks; ``steps.release_claim``
frees them in Placement and in the view.
"""

import copy
import uuid

import pytest
import sqlalchemy as sa

from mogan.db import models
from mogan.db.api import composition as composition_db
from mogan.db.api import workflow as workflow_db
from mogan.engine import build, steps, workflow
from mogan.scheduler.request import SelectRequest
from mogan.services import workflow_args
from tests.engine.conftest import make_deps
from tests.redfish import specs
from tests.redfish.fixtures import redfish_fixture  # noqa: F401 - fixture
from tests.scheduler import pools

pytestmark = pytest.mark.services

AMOUNTS = {"VCPU": 16, "MEMORY_MB": 65536, "CUSTOM_ACCEL_NVIDIA_A100": 1}


@pytest.fixture
def svc(econf, database, placement_client_):
    """The engine's composition services on the redfish driver."""
    with pools.redfish_driver(econf) as driver:
        yield pools.services(database, driver, placement_client_)


@pytest.fixture
def composable(world):
    """The world's flavor made composable, asking for a Compute and a GPU block."""
    with world.db.transaction() as session:
        flavor = session.scalars(
            sa.select(models.Flavor).where(models.Flavor.uuid == world.flavor_uuid)
        ).one()
        flavor.composable = True
        flavor.resources = dict(AMOUNTS)
    return world


def step_context(world, wf_uuid: str) -> workflow.StepContext:
    """The schedule workflow as a runner would hand it to its step."""
    with world.db.transaction(readonly=True) as session:
        row = workflow_db.get(session, wf_uuid)
        assert row is not None
        snap = workflow.Snapshot(
            id=row.id,
            uuid=row.uuid,
            kind=row.kind,
            server_uuid=row.server_uuid,
            step=row.step,
            flow_version=row.flow_version,
            reverting=row.reverting,
            attempts=1,
            args=copy.deepcopy(row.args),
            state=copy.deepcopy(row.state),
            last_error=row.last_error,
            context=dict(row.context or {}),
        )
    deps = make_deps(world.conf, world.db, world.driver, world.placement)
    return workflow.StepContext(deps, snap)


def builds(world) -> dict[str, str]:
    """``{server: status}`` of the build workflows started."""
    with world.db.transaction(readonly=True) as session:
        rows = session.scalars(
            sa.select(models.Workflow).where(
                models.Workflow.kind == workflow_args.Kind.BUILD.value
            )
        ).all()
        return {str(r.server_uuid): r.status for r in rows}


@pytest.mark.usefixtures("scheduler_server")
class TestComposedSchedule:
    def test_servers_are_placed_in_a_composition_zone(self, composable, svc, redfish):
        """Two servers, each on a Compute and a GPU block of one zone; builds start."""
        world = composable
        pools.register(
            redfish,
            svc,
            specs.simple_pool(("zone-a", "zone-b"), compute=1, gpu=1),
            name="rack-pool",
        )
        servers, wf = world.create(2)
        ctx = step_context(world, wf)
        assert build.SelectAndClaim().do(ctx) is workflow.DONE

        rows = pools.composed(world.db)
        blocks = pools.blocks(world.db)
        assert set(rows) == set(servers)
        assert {rows[s].zone for s in servers} == {"zone-a", "zone-b"}
        for server_uuid in servers:
            row = rows[server_uuid]
            server = world.server(server_uuid)
            assert server is not None
            assert server.node_uuid == row.node_uuid
            zone = f"rack-pool:{row.zone}"
            assert server.affinity_zone == zone
            assert server.failure_domains == {"composition_zone": zone}
            assert sorted(row.blocks) == [
                f"{row.zone}-compute-0",
                f"{row.zone}-gpu-0",
            ]
            assert set(world.allocations(server_uuid)) == {
                blocks[b].provider_uuid for b in row.blocks
            }
        assert set(builds(world)) == set(servers)

    def test_failure_domains_name_the_chassis_of_the_compute_block(
        self, composable, svc, redfish
    ):
        """failure_domains: the composition zone, and the Compute block's chassis.

        The GPU block sits in another chassis (a GPU drawer): it does not
        count.
        """
        world = composable
        pool = specs.pool(
            [
                specs.compute_block("cpu-0", "zone-a", chassis=("blade-4", "rack-1")),
                specs.processor_block("gpu-0", "zone-a", chassis="gpu-drawer"),
            ]
        )
        name = f"chassis-pool-{uuid.uuid4().hex[:6]}"
        pools.register(redfish, svc, pool, name=name)
        (server_uuid,), wf = world.create(1)
        assert build.SelectAndClaim().do(step_context(world, wf)) is workflow.DONE
        server = world.server(server_uuid)
        assert server is not None
        assert server.failure_domains == {
            "composition_zone": f"{name}:zone-a",
            "chassis": f"{name}:blade-4",
        }

    def test_release_claim_frees_blocks_in_placement_and_the_view(
        self, composable, svc, redfish
    ):
        """release_claim drops the allocation, the consumers and the uncomposed row."""
        world = composable
        pools.register(redfish, svc, specs.simple_pool(("zone-a",), compute=1, gpu=1))
        (server,), wf = world.create(1)
        ctx = step_context(world, wf)
        build.SelectAndClaim().do(ctx)
        held = pools.blocks(world.db)
        assert {b.consumer_uuid for b in held.values()} == {server}

        steps.release_claim(ctx, server)

        assert world.allocations(server) == {}
        for block in pools.blocks(world.db).values():
            assert block.consumer_uuid is None
            assert world.placement.provider_allocations(block.provider_uuid) == {}
        # NOTE: no system was made of the blocks: nothing keeps the row.
        assert server not in pools.composed(world.db)

    def test_release_claim_keeps_the_row_of_a_composed_system(
        self, composable, svc, redfish
    ):
        """A row naming a system stays: the system must be decomposed first."""
        world = composable
        pools.register(redfish, svc, specs.simple_pool(("zone-a",), compute=1, gpu=1))
        (server,), wf = world.create(1)
        ctx = step_context(world, wf)
        build.SelectAndClaim().do(ctx)
        with world.db.transaction() as session:
            composition_db.set_system(session, server, "/redfish/v1/Systems/x")

        steps.release_claim(ctx, server)

        assert world.allocations(server) == {}
        assert pools.composed(world.db)[server].system == "/redfish/v1/Systems/x"

    def test_a_failed_schedule_leaves_no_row(self, composable, svc, redfish):
        """Claimed, then the schedule fails before placing: claim and row go.

        As when a server is deleted while it is being placed: the
        schedule flow's ``before_finish`` drops what an unplaced server
        holds.
        """
        world = composable
        pools.register(redfish, svc, specs.simple_pool(("zone-a",), compute=1, gpu=1))
        (server,), wf = world.create(1)
        ctx = step_context(world, wf)
        req = SelectRequest(
            server_uuids=(server,),
            resources=dict(AMOUNTS),
            project_id="project-a",
            user_id="alice",
            composable=True,
        )
        assert set(ctx.deps.scheduler.select_and_claim(ctx.rpc_context(), req)) == {
            server
        }
        assert server in pools.composed(world.db)

        build.ScheduleFlow().before_finish(ctx, ok=False)

        assert world.allocations(server) == {}
        assert pools.composed(world.db) == {}
        assert {b.consumer_uuid for b in pools.blocks(world.db).values()} == {None}

    def test_no_blocks_fail_the_servers_saying_why(self, composable, svc, redfish):
        """A pool without GPUs: the server fails with the scheduler's counts."""
        world = composable
        pools.register(redfish, svc, specs.simple_pool(("zone-a",), compute=2))
        (server,), wf = world.create(1)
        build.SelectAndClaim().do(step_context(world, wf))
        row = world.server(server)
        assert row is not None
        assert row.status == "error"
        (fault,) = world.faults(server)
        assert "1 zone: 1 short of CUSTOM_ACCEL_NVIDIA_A100 1" in fault.message
        assert world.allocations(server) == {}
