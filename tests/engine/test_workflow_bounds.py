"""Workflows end, whatever goes wrong: bounded attempts, no lock held meanwhile.

A tenant once stalled every write of the cloud: a server group with
``max_per_domain`` 2^63 made scheduling fail unexpectedly; the failure hook
opened a second write transaction inside the finishing one, waited 30 s on
SQLite's write lock its own thread held, failed, and was retried every 2 s
for as long as the server existed.
"""

import time
import uuid

import sqlalchemy as sa

from mogan import context as mogan_context
from mogan import states
from mogan.db import models
from mogan.db.api import workflow as workflow_db
from mogan.engine import runner, workflow
from mogan.services import server_action as action_svc
from tests.engine.conftest import make_deps, wait_for


def _group(world, max_per_domain: int) -> str:
    group_uuid = str(uuid.uuid4())
    with world.db.transaction() as session:
        session.add(
            models.ServerGroup(
                uuid=group_uuid,
                name="stalling",
                project_id="project-a",
                user_id="alice",
                policy="anti-affinity",
                rules={"scope": "affinity_zone", "max_per_domain": max_per_domain},
            )
        )
    return group_uuid


def _join(world, group_uuid: str, server_uuid: str) -> None:
    with world.db.transaction() as session:
        group_id = session.scalar(
            sa.select(models.ServerGroup.id).where(
                models.ServerGroup.uuid == group_uuid
            )
        )
        session.add(
            models.ServerGroupMember(group_id=group_id, server_uuid=server_uuid)
        )


def _set_group(world, wf_uuid: str, group_uuid: str) -> None:
    with world.db.transaction() as session:
        row = workflow_db.get(session, wf_uuid)
        row.args = {**row.args, "group_uuid": group_uuid}


class TestSchedulingCrash:
    def test_a_group_the_scheduler_chokes_on_fails_the_server_not_the_cloud(
        self, world, engine_factory
    ):
        """An unexpected scheduler error ends in error + fault, and writes go on."""
        world.enroll(2)
        group_uuid = _group(world, 2**63)
        engine = engine_factory()
        engine.stop()
        (server_uuid,), wf_uuid = world.create()
        _join(world, group_uuid, server_uuid)
        _set_group(world, wf_uuid, group_uuid)
        engine = engine_factory()
        wait_for(lambda: world.server(server_uuid).status == states.ERROR)
        assert world.workflow(wf_uuid).status == workflow_db.FAILED
        (fault,) = world.faults(server_uuid)
        assert fault.code == 500
        assert world.allocations(server_uuid) == {}
        # NOTE: nothing keeps retrying: another tenant's write is prompt.
        started = time.monotonic()
        with world.db.transaction() as session:
            session.add(models.Flavor(uuid=str(uuid.uuid4()), name="other-tenant"))
        assert time.monotonic() - started < 5


class FailingFinish(workflow.Flow):
    """One step that succeeds, then an ``on_done`` that always raises."""

    kind = "failing_finish"

    class _Noop(workflow.Step):
        name = "noop"

        def do(self, ctx):
            """Nothing to do."""
            del ctx
            return workflow.DONE

    steps = (_Noop(),)

    def __init__(self):
        """Count the finishing attempts."""
        self.finishes = 0

    def on_done(self, ctx, session):
        """Always fail."""
        del ctx, session
        self.finishes += 1
        msg = "finishing is broken"
        raise RuntimeError(msg)


class TestFinishing:
    def test_finishing_that_keeps_failing_is_abandoned_with_a_fault(
        self, world, econf, placement_client_
    ):
        """After FINISH_ATTEMPTS the workflow fails and its server is error."""
        (node,) = world.enroll(1)
        (server_uuid,), _ = world.create()
        with world.db.transaction() as session:
            session.execute(
                sa.update(models.Server)
                .where(models.Server.uuid == server_uuid)
                .values(status=states.REBUILDING, node_uuid=node)
            )
            # NOTE: a rebuild, so the server's open rebuild action must end too.
            wf = workflow_db.create(
                session, kind="rebuild", server_uuid=server_uuid, args={}
            )
            server = session.scalars(
                sa.select(models.Server).where(models.Server.uuid == server_uuid)
            ).one()
            action = action_svc.start(
                session,
                mogan_context.RequestContext(user_id="u", project_id="p"),
                server,
                "rebuild",
            )
            action_id = action.id
        flow = FailingFinish()
        deps = make_deps(econf, world.db, world.driver, placement_client_)
        r = runner.Runner(deps, {"rebuild": flow})

        def finished():
            r.tick()
            return world.workflow(wf.uuid).status == workflow_db.FAILED

        try:
            wait_for(finished, timeout=30)
        finally:
            r.stop()
        assert flow.finishes == runner.FINISH_ATTEMPTS
        assert world.server(server_uuid).status == states.ERROR
        (fault,) = world.faults(server_uuid)
        assert fault.message == (
            "rebuild could not finish: RuntimeError: finishing is broken"
        )
        with world.db.transaction() as session:
            ended = session.get(models.ServerAction, action_id)
            assert (ended.result, ended.finished_at is not None) == ("Error", True)
