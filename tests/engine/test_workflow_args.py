"""The typed workflow contracts against the rows real workflows leave.

Every workflow a create, a failed deploy (reschedule), a power action and a
delete write must read back through its kind's argument and state models:
the models name every key the engine stores, and the arguments round-trip
unchanged.
"""

import sqlalchemy as sa

from mogan import states
from mogan.db import models
from mogan.engine import steps
from mogan.scheduler import request as select_request
from mogan.services import workflow_args
from tests.engine.conftest import wait_for


def _status(world, server_uuid):
    server = world.server(server_uuid)
    return server.status if server else None


def _same_but_scrubbed(dumped: dict, row: dict) -> None:
    """``row`` holds what the model dumps, less the keys scrubbed at the end."""
    for key, value in dumped.items():
        if key not in row:
            assert key in steps.CONFIG_DRIVE_ARGS, key
        elif isinstance(value, dict) and isinstance(row[key], dict):
            _same_but_scrubbed(value, row[key])
        else:
            assert row[key] == value, key
    assert set(row) <= set(dumped)


def _rows(world) -> list[models.Workflow]:
    with world.db.transaction() as session:
        return list(
            session.scalars(sa.select(models.Workflow).order_by(models.Workflow.id))
        )


class TestRowsReadBack:
    def test_every_row_validates_against_its_kind(self, world, engine_factory):
        """Schedule, two builds (one rescheduled), power: typed args and state."""
        (bad,) = world.enroll(1, ports=1)
        world.driver.set_behaviour(bad, fail_deploy=1, deploy_seconds=0.3)
        engine = engine_factory()
        (server_uuid,), _ = world.create()
        engine.wake()
        wait_for(lambda: world.server(server_uuid).node_uuid == bad)
        (good,) = world.enroll(1)
        wait_for(lambda: _status(world, server_uuid) == states.ACTIVE)
        world.act(server_uuid, states.STOP, "power", target="off")
        wait_for(lambda: _status(world, server_uuid) == states.STOPPED)
        rows = _rows(world)
        kinds = [row.kind for row in rows]
        assert kinds == ["schedule", "build", "schedule", "build", "power"]
        for row in rows:
            kind = workflow_args.Kind(row.kind)
            args = workflow_args.ARGS[kind].model_validate(row.args)
            _same_but_scrubbed(args.to_json(), row.args)
            workflow_args.STATES[kind].model_validate(row.state)
        first, retry = (
            workflow_args.BuildArgs.model_validate(row.args)
            for row in rows
            if row.kind == "build"
        )
        assert (first.attempt, first.excluded_nodes) == (1, [])
        assert (retry.attempt, retry.excluded_nodes) == (2, [bad])
        rescheduled = workflow_args.ScheduleArgs.model_validate(rows[2].args)
        assert rescheduled.server_uuids == [server_uuid]
        assert rescheduled.build_args == retry
        power = workflow_args.PowerArgs.model_validate(rows[4].args)
        assert power.target is states.PowerTarget.OFF
        assert world.server(server_uuid).node_uuid == good


class TestModels:
    def test_next_attempt_excludes_the_failed_node_once(self):
        """Attempts count up; a node is excluded once, and no node adds none."""
        build = workflow_args.BuildArgs(image_uuid="img")
        one = [{"attempt": 1, "node_uuid": "n1", "error": "boom"}]
        second = build.next_attempt("n1", one)
        third = second.next_attempt("n1", one * 2).next_attempt(None, one * 3)
        assert (second.attempt, second.excluded_nodes) == (2, ["n1"])
        assert (third.attempt, third.excluded_nodes) == (4, ["n1"])
        assert (second.history, third.history) == (one, one * 3)
        assert (build.attempt, build.history) == (1, [])

    def test_next_attempt_adds_the_failed_blocks_once(self):
        """A composed server's failed blocks add up over attempts, each once."""
        build = workflow_args.BuildArgs(image_uuid="img")
        second = build.next_attempt(None, [], ["b1", "b2"])
        third = second.next_attempt(None, [], ["b2", "b3"]).next_attempt(None, [])
        assert second.excluded_blocks == ["b1", "b2"]
        assert third.excluded_blocks == ["b1", "b2", "b3"]
        assert build.excluded_blocks == []

    def test_unknown_keys_are_ignored_for_rolling_upgrades(self):
        """A newer release's extra argument does not stop an older engine."""
        args = workflow_args.RebuildArgs.model_validate(
            {"image_uuid": "img", "from_the_future": 1}
        )
        assert args.to_json() == {"image_uuid": "img", "preserve_ephemeral": False}
        request = select_request.SelectRequest.model_validate(
            {"server_uuids": ["s"], "resources": {"CUSTOM_X": 1}, "later": True}
        )
        assert request.model_dump(mode="json")["server_uuids"] == ["s"]

    def test_every_kind_has_args_and_state(self):
        """No kind is left untyped."""
        assert set(workflow_args.ARGS) == set(workflow_args.Kind)
        assert set(workflow_args.STATES) == set(workflow_args.Kind)


class TestEnums:
    def test_status_enum_is_the_state_machine(self):
        """Every status of the FSM is a Status member, and back."""
        assert {s.value for s in states.Status} == states.ALL
        assert {t.value for t in states.PowerTarget} == set(states.POWER_EVENTS)

    def test_adopting_ends_active_or_stopped(self):
        """An adoption's done events, and error/delete like any transition."""
        assert states.next_state(states.ADOPTING, states.DONE) == states.ACTIVE
        assert states.next_state(states.ADOPTING, states.DONE_OFF) == states.STOPPED
        assert states.next_state(states.ADOPTING, states.ERROR_EVENT) == states.ERROR
        assert states.next_state(states.ADOPTING, states.DELETE) == states.DELETING
