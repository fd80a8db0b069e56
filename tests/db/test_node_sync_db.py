"""Node sync records on SQLite, PostgreSQL and MariaDB."""

import datetime

from mogan.db import models
from mogan.db.api import node_sync as node_sync_db

T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def _record(db, host: str, nodes: int, at: datetime.datetime) -> None:
    synced = node_sync_db.Synced(driver="fake", host=host, nodes=nodes)
    node_sync_db.record(db, synced, at=at)


class TestRecord:
    def test_nothing_loaded_before_the_first_record(self, db):
        """A fresh database has no node sync."""
        assert node_sync_db.loaded(db) is False

    def test_first_record_marks_loaded(self, db):
        """The first run inserts the driver's row."""
        _record(db, "engine-a", 3, T0)
        assert node_sync_db.loaded(db) is True
        (row,) = node_sync_db.get_all(db)
        assert (row.driver, row.host, row.nodes) == ("fake", "engine-a", 3)
        assert row.first_synced_at == row.last_synced_at == T0

    def test_later_runs_update_the_row_and_keep_the_first_time(self, db):
        """One row per driver: the latest run, and when the first one was."""
        _record(db, "engine-a", 3, T0)
        later = T0 + datetime.timedelta(minutes=1)
        _record(db, "engine-b", 4, later)
        db.expire_all()
        (row,) = node_sync_db.get_all(db)
        assert (row.host, row.nodes) == ("engine-b", 4)
        assert (row.first_synced_at, row.last_synced_at) == (T0, later)
        assert db.query(models.NodeSync).count() == 1
