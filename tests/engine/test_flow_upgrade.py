"""Workflows persisted by an older release resume at the right step.

The step is stored by name with the flow's version: a release whose flow
inserts a step before the one a workflow is waiting in resumes that
workflow at the same step, and a step the new flow does not know fails the
workflow without running any step (its undos run, then ``on_failed``).
The migration to 0006 turns the old step indexes into names.
"""

import sqlalchemy as sa

from mogan.db import migration, models
from mogan.db import session as db_session
from mogan.db.api import workflow as workflow_db
from mogan.engine import runner, workflow
from tests.engine.conftest import make_deps


class Recording(workflow.Step):
    """Logs do and undo; ``wait_once`` makes the first run of ``do`` wait."""

    def __init__(self, name, log, wait_once=False):
        """A step called ``name`` logging to ``log``."""
        self.name = name
        self.log = log
        self.wait_once = wait_once

    def do(self, ctx):
        """Log; wait on the first run when asked to."""
        self.log.append(("do", self.name))
        if self.wait_once and not ctx.state.get(f"waited-{self.name}"):
            ctx.state[f"waited-{self.name}"] = True
            return workflow.Wait(3600)
        return workflow.DONE

    def undo(self, ctx):  # noqa: ARG002 - the Step signature
        """Log."""
        self.log.append(("undo", self.name))
        return workflow.DONE


class Flow(workflow.Flow):
    kind = "upgrade-test"

    def __init__(self, version, steps, log):
        """A flow of ``steps`` at ``version``."""
        self.version = version
        self.steps = tuple(steps)
        self.log = log

    def on_done(self, ctx, session):  # noqa: ARG002 - the Flow signature
        """Log."""
        self.log.append(("done", self.version))

    def on_failed(self, ctx, session, error):  # noqa: ARG002 - the Flow signature
        """Log the error's exception name and message."""
        self.log.append(("failed", error.get("exception"), error.get("message")))


def _runner(econf, database, driver, placement_client_, flow):
    deps = make_deps(econf, database, driver, placement_client_)
    return runner.Runner(deps, {flow.kind: flow})


def _run(database, r, wf_uuid):
    """Take the workflow now (as the runner's loop would) and run it."""
    with database.transaction() as session:
        session.execute(
            sa.update(models.Workflow)
            .where(models.Workflow.uuid == wf_uuid)
            .values(next_run_at=models.utcnow())
        )
        assert workflow_db.take(session, wf_uuid, r.host, 30)
    r.run(wf_uuid)


class TestUpgradeResume:
    def test_workflow_of_the_old_flow_resumes_at_its_step_under_the_new_flow(
        self, econf, database, driver, placement_client_
    ):
        """Old flow (a, c) waiting in c; new flow (a, b, c) resumes c, never b."""
        old_log, new_log = [], []
        old = Flow(1, [Recording("a", old_log), Recording("c", old_log, True)], old_log)
        with database.transaction() as session:
            wf = workflow_db.create(
                session, kind="upgrade-test", server_uuid=None, args={}
            )
        r_old = _runner(econf, database, driver, placement_client_, old)
        _run(database, r_old, wf.uuid)
        r_old.stop()
        with database.transaction() as session:
            row = workflow_db.get(session, wf.uuid)
            assert (row.status, row.step, row.flow_version) == ("pending", "c", 1)
        assert old_log == [("do", "a"), ("do", "c")]
        new = Flow(
            2,
            [
                Recording("a", new_log),
                Recording("b", new_log),
                Recording("c", new_log),
            ],
            new_log,
        )
        r_new = _runner(econf, database, driver, placement_client_, new)
        _run(database, r_new, wf.uuid)
        r_new.stop()
        assert new_log == [("do", "c"), ("done", 2)]
        with database.transaction() as session:
            row = workflow_db.get(session, wf.uuid)
            assert (row.status, row.step, row.flow_version) == ("done", "__end__", 2)

    def test_unknown_step_fails_without_running_any_step(
        self, econf, database, driver, placement_client_
    ):
        """A step the new flow lacks: no do runs, every undo does, a clear fault."""
        log = []
        with database.transaction() as session:
            wf = workflow_db.create(
                session, kind="upgrade-test", server_uuid=None, args={}
            )
            session.execute(
                sa.update(models.Workflow)
                .where(models.Workflow.uuid == wf.uuid)
                .values(step="gone", flow_version=1)
            )
        new = Flow(2, [Recording("a", log), Recording("b", log)], log)
        r = _runner(econf, database, driver, placement_client_, new)
        _run(database, r, wf.uuid)
        r.stop()
        assert [entry for entry in log if entry[0] == "do"] == []
        assert log[:2] == [("undo", "b"), ("undo", "a")]
        (failed,) = [entry for entry in log if entry[0] == "failed"]
        assert failed[1] == "UnknownStep"
        assert "'gone'" in failed[2]
        assert "version 1" in failed[2]
        assert "version 2" in failed[2]
        with database.transaction() as session:
            row = workflow_db.get(session, wf.uuid)
            assert row.status == workflow_db.FAILED

    def test_renamed_step_resumes_under_its_new_name(
        self, econf, database, driver, placement_client_
    ):
        """A flow that renamed a step maps the old name to it."""
        log = []
        with database.transaction() as session:
            wf = workflow_db.create(
                session, kind="upgrade-test", server_uuid=None, args={}
            )
            session.execute(
                sa.update(models.Workflow)
                .where(models.Workflow.uuid == wf.uuid)
                .values(step="old-b")
            )
        new = Flow(2, [Recording("a", log), Recording("b", log)], log)
        new.renamed = {"old-b": "b"}
        r = _runner(econf, database, driver, placement_client_, new)
        _run(database, r, wf.uuid)
        r.stop()
        assert log == [("do", "b"), ("done", 2)]


class TestMigration:
    def test_0006_turns_step_indexes_into_names(self, any_db_url):
        """Rows at 0005 (step index) come out at 0006 with the step's name."""
        engine = db_session.make_engine(any_db_url)
        try:
            migration.upgrade(engine, "0005")
            now = models.utcnow().replace(tzinfo=None)
            rows = [
                ("w1", "build", 4, False),
                ("w2", "build", 0, False),
                ("w3", "delete", 6, False),
                ("w4", "power", -1, True),
                ("w5", "rebuild", 1, True),
            ]
            with engine.begin() as conn:
                for uuid, kind, step, reverting in rows:
                    conn.execute(
                        sa.text(
                            "INSERT INTO workflows (uuid, kind, status, reverting,"
                            " step, attempts, next_run_at, args, state, created_at)"
                            " VALUES (:u, :k, 'pending', :r, :s, 0, :n, '{}', '{}',"
                            " :n)"
                        ),
                        {"u": uuid, "k": kind, "r": reverting, "s": step, "n": now},
                    )
            migration.upgrade(engine, "0006")
            with engine.connect() as conn:
                got = dict(
                    conn.execute(sa.text("SELECT uuid, step FROM workflows")).all()
                )
            assert got == {
                "w1": "wait_deploy",
                "w2": "lock_node",
                "w3": "__end__",
                "w4": "__start__",
                "w5": "config_drive",
            }
            migration.downgrade(engine, "0005")
            with engine.connect() as conn:
                back = dict(
                    conn.execute(sa.text("SELECT uuid, step FROM workflows")).all()
                )
            assert back == {"w1": 4, "w2": 0, "w3": 6, "w4": -1, "w5": 1}
        finally:
            engine.dispose()
