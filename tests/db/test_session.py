"""The transaction boundary on SQLite, PostgreSQL and MariaDB."""

import uuid

import pytest
import sqlalchemy as sa

from mogan.db import models
from mogan.db import session as db_session
from mogan.db.api import flavor as flavor_db


@pytest.fixture
def database_on(migrated_db_url):
    """A Database on a shared migrated database, emptied of flavors after."""
    database = db_session.Database.from_url(migrated_db_url)
    yield database
    with database.transaction() as session:
        session.execute(sa.delete(models.Flavor))
    database.dispose()


def flavor_names(database: db_session.Database) -> list[str]:
    """Names of every flavor committed to ``database``."""
    with database.transaction() as session:
        return [f.name for f in flavor_db.get_all(session)]


class TestTransaction:
    def test_commits_on_success(self, database_on):
        """A block that ends normally commits what it wrote."""
        with database_on.transaction() as session:
            flavor_db.create(session, {"uuid": str(uuid.uuid4()), "name": "kept"})
        assert flavor_names(database_on) == ["kept"]

    def test_rolls_back_work_done_inside_savepoints(self, database_on):
        """An error undoes rows a query function wrote inside its own SAVEPOINT."""

        def create_then_fail() -> None:
            with database_on.transaction() as session:
                flavor_db.create(session, {"uuid": str(uuid.uuid4()), "name": "undone"})
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError, match="boom"):
            create_then_fail()
        assert flavor_names(database_on) == []

    def test_foreign_keys_are_enforced(self, database_on):
        """An access row for a missing flavor is refused on every backend."""

        def add_orphan() -> None:
            with database_on.transaction() as session:
                session.add(models.FlavorProject(flavor_id=999_999, project_id="p"))

        with pytest.raises(sa.exc.IntegrityError):
            add_orphan()


class TestNestedWrites:
    def test_a_write_inside_a_write_raises_at_once(self, database):
        """The guard refuses a second write transaction in the same thread."""
        with (
            database.transaction(),
            pytest.raises(db_session.NestedWriteTransaction),
            database.transaction(),
        ):
            pass  # pragma: no cover - never entered

    def test_the_guard_spans_every_handle_on_the_database(self, database):
        """Two handles on one SQLite file share its lock, and the guard."""
        other = db_session.Database(database.engine)
        with (
            database.transaction(),
            pytest.raises(db_session.NestedWriteTransaction),
            other.transaction(),
        ):
            pass  # pragma: no cover - never entered

    def test_reads_nest_and_writes_follow_each_other(self, database):
        """A read inside a write is fine, and so is a write after a write."""
        with database.transaction() as session:
            flavor_db.create(session, {"uuid": str(uuid.uuid4()), "name": "a"})
            with database.transaction(readonly=True) as reader:
                assert flavor_db.get_all(reader) == []
        with database.transaction() as session:
            flavor_db.create(session, {"uuid": str(uuid.uuid4()), "name": "b"})
        assert sorted(flavor_names(database)) == ["a", "b"]

    def test_a_failed_block_releases_the_guard(self, database):
        """After an error inside a write, the thread may write again."""
        with pytest.raises(RuntimeError), database.transaction():
            raise RuntimeError("boom")
        with database.transaction() as session:
            flavor_db.create(session, {"uuid": str(uuid.uuid4()), "name": "c"})
        assert flavor_names(database) == ["c"]

    def test_other_threads_are_not_refused(self, database):
        """The guard is per thread: another thread's write only waits its turn."""
        import threading  # noqa: PLC0415 - only this test needs threads

        done = []

        def write() -> None:
            with database.transaction() as session:
                flavor_db.create(session, {"uuid": str(uuid.uuid4()), "name": "t"})
            done.append(True)

        with database.transaction():
            thread = threading.Thread(target=write)
            thread.start()
        thread.join(timeout=30)
        assert done == [True]
