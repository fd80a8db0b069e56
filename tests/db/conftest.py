"""The ``db`` fixture: a session on a migrated database, rolled back after.

Each backend's database is migrated once per session (``migrated_db_url``);
every test runs inside one outer transaction that is rolled back, so the
query functions' own SAVEPOINTs nest inside it and tests stay independent.
"""

from collections.abc import Iterator

import pytest
from sqlalchemy import orm

from mogan.db import session as db_session


@pytest.fixture
def db(migrated_db_url: str) -> Iterator[orm.Session]:
    """A session on a migrated database (each backend in turn), rolled back after."""
    engine = db_session.make_engine(migrated_db_url)
    try:
        with engine.connect() as conn:
            outer = conn.begin()
            session = orm.Session(
                bind=conn,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
            )
            try:
                yield session
            finally:
                session.close()
                outer.rollback()
    finally:
        engine.dispose()
