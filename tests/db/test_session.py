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
