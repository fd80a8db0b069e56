import datetime
import threading
import time

import sqlalchemy as sa

from mogan import states
from mogan.db import models
from mogan.db import session as db_session
from mogan.db.api import workflow as workflow_db
from mogan.engine import lifecycle, runner, workflow
from tests.engine.conftest import make_deps, wait_for


class Probe(workflow.Step):
    """A step that detects being run by two engines at once."""

    def __init__(self, name, log, active, lock):
        """Record runs in ``log``; ``active`` holds workflows mid-step."""
        self.name = name
        self.log = log
        self.active = active
        self.lock = lock

    def do(self, ctx):
        """Fail if the workflow is already mid-step elsewhere, then log the run."""
        key = ctx.workflow.uuid
        with self.lock:
            assert key not in self.active, f"{key} run twice at once"
            self.active.add(key)
        time.sleep(0.002)
        with self.lock:
            self.active.discard(key)
            self.log.append((key, self.name, ctx.deps.host))
        return workflow.DONE


class ProbeFlow(workflow.Flow):
    kind = "probe"

    def __init__(self, log, active, lock):
        """Three probe steps."""
        self.steps = tuple(Probe(f"p{i}", log, active, lock) for i in range(3))


def _expire(db, wf_uuid):
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    with db.transaction() as session:
        session.execute(
            sa.update(models.Workflow)
            .where(models.Workflow.uuid == wf_uuid)
            .values(lease_until=past)
        )


class TestTwoRunners:
    def test_two_runners_on_one_database_never_run_a_workflow_twice(
        self, econf, database, driver, placement_client_
    ):
        """Two engines (own connections) share the work; no step runs twice."""
        log, active, lock = [], set(), threading.Lock()
        flows = {"probe": ProbeFlow(log, active, lock)}
        url = database.engine.url.render_as_string(hide_password=False)
        runners = []
        for host in ("engine-a", "engine-b"):
            db = db_session.Database.from_url(url)
            deps = make_deps(econf, db, driver, placement_client_, host)
            runners.append(runner.Runner(deps, flows))
        with database.transaction() as session:
            uuids = [
                workflow_db.create(
                    session, kind="probe", server_uuid=None, args={}
                ).uuid
                for _ in range(40)
            ]
        stop = threading.Event()

        def spin(r):
            while not stop.is_set():
                r.tick()
                time.sleep(0.001)

        threads = [threading.Thread(target=spin, args=(r,)) for r in runners]
        for thread in threads:
            thread.start()

        def all_done():
            with database.transaction() as session:
                return all(
                    workflow_db.get(session, u).status == workflow_db.DONE
                    for u in uuids
                )

        try:
            wait_for(all_done, timeout=30)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
            for r in runners:
                r.stop()
        runs = [(key, name) for key, name, _ in log]
        assert len(runs) == len(set(runs)) == 40 * 3
        assert {host for _, _, host in log} == {"engine-a", "engine-b"}

    def test_a_taken_workflow_cannot_be_taken_again(self, database):
        """The conditional take lets one engine in; a live lease keeps others out."""
        with database.transaction() as session:
            wf = workflow_db.create(session, kind="probe", server_uuid=None, args={})
        with database.transaction() as session:
            assert workflow_db.take(session, wf.uuid, "engine-a", 30)
        with database.transaction() as session:
            assert not workflow_db.take(session, wf.uuid, "engine-b", 30)
        _expire(database, wf.uuid)
        with database.transaction() as session:
            assert workflow_db.take(session, wf.uuid, "engine-b", 30)
            assert workflow_db.get(session, wf.uuid).attempts == 2


class TestResume:
    def test_another_engine_finishes_a_build_abandoned_mid_step(
        self, world, econf, database, driver, placement_client_, engine_factory
    ):
        """An engine dying mid-deploy loses nothing: another engine finishes it."""
        (node_uuid,) = world.enroll(1)
        driver.set_behaviour(node_uuid, deploy_seconds=0.5)
        dead = runner.Runner(
            make_deps(econf, database, driver, placement_client_, "engine-dead"),
            lifecycle.all_flows(),
        )
        (server_uuid,), schedule_uuid = world.create()
        with database.transaction() as session:
            assert workflow_db.take(session, schedule_uuid, "engine-dead", 30)
        dead.run(schedule_uuid)
        with database.transaction() as session:
            build = session.scalars(
                sa.select(models.Workflow).where(models.Workflow.kind == "build")
            ).one()
            assert workflow_db.take(session, build.uuid, "engine-dead", 30)
        dead.run(build.uuid)  # runs up to the deploy wait, then hands back
        row = world.workflow(build.uuid)
        assert (row.status, row.step) == (workflow_db.PENDING, "wait_deploy")
        assert world.node(node_uuid).reservation == "engine-dead"
        # NOTE: the engine takes the workflow again and dies holding it.
        time.sleep(0.05)
        with database.transaction() as session:
            assert workflow_db.take(session, build.uuid, "engine-dead", 30)
        dead.stop()
        _expire(database, build.uuid)
        engine_factory("engine-b")
        wait_for(lambda: world.server(server_uuid).status == states.ACTIVE)
        row = world.workflow(build.uuid)
        assert (row.status, row.owner) == (workflow_db.DONE, None)
        node = world.node(node_uuid)
        assert (node.server_uuid, node.reservation) == (server_uuid, None)

    def test_restarted_engine_resumes_its_own_work_at_once(
        self, world, econf, database, engine_factory
    ):
        """An engine restarting under its host name takes back its leases now."""
        econf.set_override("lease_seconds", 3600, group="engine")
        world.enroll(1)
        (server_uuid,), schedule_uuid = world.create()
        with database.transaction() as session:
            assert workflow_db.take(session, schedule_uuid, "engine-a", 3600)
            node = session.scalars(sa.select(models.Node)).first()
            node.reservation = "engine-a"
        engine_factory("engine-a")
        wait_for(lambda: world.server(server_uuid).status == states.ACTIVE)
        assert world.node(world.nodes[0]).reservation is None


class TestStepFailure:
    def test_unexpected_error_records_a_traceback(self, world, engine_factory):
        """An unexpected exception becomes a 500 fault with the traceback."""
        world.enroll(1)
        world.driver.start_deploy = None  # NOTE: a driver bug: not callable
        engine_factory()
        econf = world.conf
        econf.set_override("build_attempts", 1, group="engine")
        (server_uuid,), _ = world.create()
        wait_for(lambda: world.server(server_uuid).status == states.ERROR)
        (fault,) = world.faults(server_uuid)
        assert fault.code == 500
        assert "TypeError" in fault.message
        assert "Traceback" in fault.detail
        assert world.allocations(server_uuid) == {}
