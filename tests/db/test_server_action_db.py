"""Server action rows on SQLite, PostgreSQL and MariaDB: bounds and clipping."""

import datetime
import uuid

from mogan.db.api import server_action as action_db

T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def _action(db, server_uuid: str, keep: int = 100, finished: bool = True):
    row = action_db.create(
        db,
        {
            "server_uuid": server_uuid,
            "action": "lock",
            "request_id": f"req-{uuid.uuid4()}",
            "project_id": "project-a",
            "user_id": "alice",
            "started_at": T0,
        },
        keep=keep,
    )
    if finished:
        action_db.finish(db, row, result=action_db.SUCCESS, at=T0)
    db.flush()
    return row


class TestBounds:
    def test_oldest_finished_actions_go_past_keep(self, db):
        """Past the newest ``keep`` actions, finished ones go; unfinished stay."""
        server = str(uuid.uuid4())
        unfinished = _action(db, server, finished=False)
        rows = [_action(db, server, keep=3) for _ in range(4)]
        listed = action_db.get_all(db, server, limit=10)
        assert [r.id for r in rows[-3:][::-1]] + [unfinished.id] == [
            r.id for r in listed
        ]

    def test_events_past_keep_keep_the_first_and_the_newest(self, db):
        """An action's first event stays; the oldest of the rest go."""
        action = _action(db, str(uuid.uuid4()), finished=False)
        for index in range(6):
            action_db.end_event(
                db,
                action,
                f"step-{index}",
                result=action_db.SUCCESS,
                at=T0,
                keep=3,
            )
        db.flush()
        db.expire_all()
        got = action_db.get(db, action.server_uuid, action.request_id)
        assert [e.event for e in got.events] == ["step-0", "step-4", "step-5"]


class TestOrder:
    def test_events_are_listed_attempt_by_attempt(self, db):
        """A failed attempt's reschedule, written late, still precedes the next one."""
        action = _action(db, str(uuid.uuid4()), finished=False)
        second = datetime.timedelta(seconds=1)
        for event, attempt, at in (
            ("deploy", 1, T0),
            ("reschedule", 1, T0 + second),
            # NOTE: the next attempt began before the failed one's
            # reschedule was written, with an earlier start.
            ("schedule", 3, T0 + 2 * second),
            ("reschedule", 2, T0 + 3 * second),
        ):
            action_db.end_event(
                db,
                action,
                event,
                result=action_db.SUCCESS,
                at=at,
                attempt=attempt,
                max_attempts=3,
                keep=10,
            )
        db.flush()
        db.expire_all()
        got = action_db.get(db, action.server_uuid, action.request_id)
        assert [(e.event, e.attempt) for e in got.events] == [
            ("deploy", 1),
            ("reschedule", 1),
            ("reschedule", 2),
            ("schedule", 3),
        ]


class TestClipping:
    def test_long_messages_are_cut(self, db):
        """A message past 255 characters and a traceback past its bound are cut."""
        action = _action(db, str(uuid.uuid4()), finished=False)
        event = action_db.end_event(
            db,
            action,
            "deploy",
            result=action_db.ERROR,
            at=T0,
            details="d" * 1000,
            traceback="t" * (action_db.TRACEBACK_LENGTH * 2),
            keep=10,
        )
        action_db.finish(db, action, result=action_db.ERROR, message="m" * 1000)
        db.flush()
        assert len(event.details or "") == action_db.MESSAGE_LENGTH
        assert (event.details or "").endswith("...")
        assert len(event.traceback or "") == action_db.TRACEBACK_LENGTH
        assert len(action.message or "") == action_db.MESSAGE_LENGTH

    def test_owners_read_only_errors_they_can_act_on(self):
        """A 409 (no valid node) reads as is; a driver failure only says what failed."""
        assert action_db.public_error(
            {"code": 409, "message": "No valid node was found"}, "schedule"
        ) == ("No valid node was found")
        assert (
            action_db.public_error(
                {"code": 500, "message": "deploy failed: BMC 10.0.0.5 timed out"},
                "deploy",
            )
            == "deploy failed"
        )
