"""Alembic revisions against the models on SQLite, PostgreSQL and MariaDB."""

import pathlib
import subprocess
import sys

import pytest
import sqlalchemy as sa

from mogan.db import migration, models
from mogan.db import session as db_session

MOGAN_TABLES = set(models.Base.metadata.tables)
DBSYNC = pathlib.Path(sys.executable).with_name("mogan-dbsync")


@pytest.fixture
def engine(any_db_url):
    """An engine on an empty database, each backend in turn."""
    engine = db_session.make_engine(any_db_url)
    yield engine
    engine.dispose()


def tables(engine: sa.Engine) -> set[str]:
    """Names of the tables now in the database."""
    return set(sa.inspect(engine).get_table_names())


class TestUpgradeDowngrade:
    def test_head_matches_the_models(self, engine):
        """After upgrading to head the schema and the models agree exactly."""
        migration.upgrade(engine)
        assert migration.version(engine) == migration.head()
        assert migration.drift(engine) == []

    def test_downgrade_to_base_then_upgrade_again(self, engine):
        """Downgrading to base drops every Mogan table; upgrading rebuilds them."""
        migration.upgrade(engine)
        assert tables(engine) >= MOGAN_TABLES
        migration.downgrade(engine, "base")
        assert tables(engine) & MOGAN_TABLES == set()
        assert migration.version(engine) is None
        migration.upgrade(engine)
        assert migration.drift(engine) == []

    def test_drift_reports_a_column_the_models_lack(self, engine):
        """A column added behind the models' back shows up as drift."""
        migration.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE flavors ADD COLUMN stray INTEGER"))
        diffs = [str(d) for d in migration.drift(engine)]
        assert len(diffs) == 1
        assert "stray" in diffs[0]


@pytest.mark.services
class TestDriftOnMariaDB:
    @pytest.mark.parametrize(
        ("column", "ddl"),
        [
            ("created_at", "DATETIME NOT NULL"),
            ("name", "VARCHAR(255) NOT NULL"),
        ],
    )
    def test_lost_precision_or_collation_is_drift(self, mysql_url, column, ddl):
        """Second-precision datetimes or case-blind names count as drift."""
        engine = db_session.make_engine(mysql_url)
        try:
            migration.upgrade(engine)
            with engine.begin() as conn:
                conn.execute(sa.text(f"ALTER TABLE flavors MODIFY {column} {ddl}"))
            diffs = migration.drift(engine)
        finally:
            engine.dispose()
        assert [d[0][2:4] for d in diffs] == [("flavors", column)]


class TestDbsync:
    def run(self, config: pathlib.Path, *args: str) -> str:
        """Run ``mogan-dbsync`` with ``config`` and return what it printed."""
        done = subprocess.run(
            [str(DBSYNC), "--config-file", str(config), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def test_upgrade_then_version(self, any_db_url, tmp_path):
        """``upgrade`` migrates the configured database and ``version`` says so."""
        config = tmp_path / "mogan.conf"
        config.write_text(f"[database]\nconnection = {any_db_url}\n")
        assert (
            self.run(config, "upgrade") == f"Database at revision {migration.head()}\n"
        )
        assert self.run(config, "version") == f"{migration.head()}\n"
        engine = db_session.make_engine(any_db_url)
        try:
            assert tables(engine) >= MOGAN_TABLES
        finally:
            engine.dispose()

    def test_version_of_an_empty_database(self, tmp_path):
        """``version`` on a database never migrated says so and changes nothing."""
        path = tmp_path / "empty.sqlite"
        config = tmp_path / "mogan.conf"
        config.write_text(f"[database]\nconnection = sqlite:///{path}\n")
        assert self.run(config, "version") == "none (not migrated)\n"
