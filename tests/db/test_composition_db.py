"""Composition service and resource block queries on SQLite, PostgreSQL, MariaDB.

Each call runs in its own transaction on the session's migrated database
(each backend in turn), as the engine's sync does; the test's rows are
removed afterwards.
"""

import datetime
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from mogan import exception
from mogan.db import models
from mogan.db import session as db_session
from mogan.db.api import composition as composition_db


@pytest.fixture
def database(migrated_db_url: str) -> Iterator[db_session.Database]:
    """The migrated database of each backend, this test's services removed after."""
    database = db_session.Database.from_url(migrated_db_url)
    yield database
    with database.transaction() as session:
        for row in composition_db.get_all(session):
            if row.name.startswith("test-"):
                composition_db.destroy(session, row.uuid)
    database.dispose()


def _service(database, name=None) -> str:
    service_uuid = str(uuid.uuid4())
    with database.transaction() as session:
        composition_db.create(
            session,
            {
                "uuid": service_uuid,
                "name": name or f"test-{service_uuid[:8]}",
                "address": "https://composer",
                "username": "root",
                "password": "fernet:sealed",
                "verify_tls": True,
            },
        )
    return service_uuid


def _block(block_id: str, zone: str, **kw) -> dict:
    return {
        "block_id": block_id,
        "block_types": ["Compute"],
        "zones": [zone],
        "zone": zone,
        "composition_state": "Unused",
        "reserved": False,
        "system": None,
        "cpus": 32,
        "cores": 16,
        "memory_mb": 65536,
        "storage_gb": 0,
        "accelerators": {},
        "provider_uuid": str(uuid.uuid4()),
    } | kw


class TestCompositionDb:
    def test_names_are_unique_case_sensitively(self, database):
        """A second service of the same name is refused; another case is not."""
        name = f"test-{uuid.uuid4().hex[:8]}"
        _service(database, name)
        with pytest.raises(sa_exc.IntegrityError):
            _service(database, name)
        _service(database, name.upper().replace("TEST-", "test-X"))

    def test_put_block_replaces_and_counts_follow(self, database):
        """put_block inserts, then updates in place; counts see zones and blocks."""
        service = _service(database)
        with database.transaction() as session:
            composition_db.put_block(session, service, _block("b0", "za"))
            composition_db.put_block(session, service, _block("b1", "zb"))
        with database.transaction() as session:
            composition_db.put_block(
                session,
                service,
                _block("b0", "za", composition_state="Composed", system="/s/1"),
            )
        with database.transaction(readonly=True) as session:
            rows = composition_db.blocks_of(session, service)
            assert [(r.block_id, r.composition_state) for r in rows] == [
                ("b0", "Composed"),
                ("b1", "Unused"),
            ]
            assert rows[0].updated_at is not None
            assert composition_db.counts(session)[service] == (2, 2)
            page = composition_db.block_page(session, service, 1, "b0")
            assert [r.block_id for r in page] == ["b1"]
            with pytest.raises(exception.InvalidParameter):
                composition_db.block_page(session, service, 1, "nope")

    def test_block_ids_are_unique_per_service_only(self, database):
        """Two services may both have a block b0; one service may not twice."""
        first, second = _service(database), _service(database)
        with database.transaction() as session:
            composition_db.put_block(session, first, _block("b0", "za"))
            composition_db.put_block(session, second, _block("b0", "za"))
        with pytest.raises(sa_exc.IntegrityError), database.transaction() as session:
            session.add(models.ResourceBlock(service_uuid=first, **_block("b0", "zc")))

    def test_destroy_takes_the_blocks(self, database):
        """Destroying a service removes its blocks with it."""
        service = _service(database)
        with database.transaction() as session:
            composition_db.put_block(session, service, _block("b0", "za"))
        with database.transaction() as session:
            assert composition_db.destroy(session, service)
        with database.transaction(readonly=True) as session:
            left = session.scalar(
                sa.select(sa.func.count()).where(
                    models.ResourceBlock.service_uuid == service
                )
            )
        assert left == 0

    def test_least_recently_synced_first(self, database):
        """Never-synced services first, then the oldest sync."""
        old, new, never = _service(database), _service(database), _service(database)
        now = datetime.datetime.now(datetime.UTC)
        with database.transaction() as session:
            composition_db.update(
                session, old, {"synced_at": now - datetime.timedelta(hours=1)}
            )
            composition_db.update(session, new, {"synced_at": now})
        with database.transaction(readonly=True) as session:
            order = composition_db.least_recently_synced(session, 1000)
        mine = [u for u in order if u in {old, new, never}]
        assert mine == [never, old, new]

    def test_sealed_passwords_and_reseal_write(self, database):
        """A sealed password is listed and replaced only if unchanged."""
        service = _service(database)
        with database.transaction() as session:
            assert (service, "fernet:sealed") in composition_db.sealed_passwords(
                session
            )
            assert not composition_db.set_sealed_password(
                session, service, "fernet:new", "fernet:other"
            )
            assert composition_db.set_sealed_password(
                session, service, "fernet:new", "fernet:sealed"
            )
