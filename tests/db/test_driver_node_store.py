"""``DbNodeStore`` against SQLite, PostgreSQL and MariaDB.

The store is the engine's: each call is its own transaction on a real
database, so these tests use a ``Database`` on the session's migrated
database (each backend in turn) and remove their rows afterwards, rather
than the rolled-back ``db`` session of the other tests here.
"""

import threading
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from mogan import crypto
from mogan.db import models
from mogan.db import session as db_session
from mogan.drivers import base as driver_base
from mogan.drivers import errors as driver_errors
from mogan.engine import node_store

PASSWORD = "s3cret-bmc-pass"


@pytest.fixture
def database(migrated_db_url: str) -> Iterator[db_session.Database]:
    """The migrated database of each backend, this test's rows removed after."""
    database = db_session.Database.from_url(migrated_db_url)
    yield database
    with database.transaction() as session:
        session.execute(
            sa.delete(models.DriverNode).where(models.DriverNode.driver.like("test-%"))
        )
    database.dispose()


@pytest.fixture
def key() -> str:
    """A fresh secret key."""
    return crypto.generate_key()


@pytest.fixture
def store(database, key) -> node_store.DbNodeStore:
    """A store of a driver of its own (so tests never see each other's nodes)."""
    driver = f"test-{uuid.uuid4().hex[:8]}"
    return node_store.DbNodeStore(database, driver, crypto.Sealer([key.encode()]))


def _spec(name: str | None = None, **kw) -> driver_base.NodeSpec:
    node_uuid = str(uuid.uuid4())
    return driver_base.NodeSpec(
        uuid=node_uuid,
        name=name or f"node-{node_uuid[:8]}",
        resource_class="baremetal-gold",
        traits=("CUSTOM_A", "HW_CPU_X86_AVX2"),
        properties={"cpus": 8, "nested": {"k": [1, 2]}},
        ports=("52:54:00:00:00:01",),
        **kw,
    )


def _bmc(password: str | None = PASSWORD) -> driver_base.BmcAccess:
    return driver_base.BmcAccess(
        address="https://bmc.example/redfish/v1/Systems/1",
        username="admin",
        password=password,
        verify_tls=False,
    )


class TestDbNodeStore:
    def test_added_node_reads_back_with_its_password_opened(self, store):
        """A stored node comes back as added, its password opened, version 1."""
        spec = _spec()
        assert store.add(spec, _bmc(), {"reserved_for": None}) is True
        got = store.get(spec.uuid)
        assert got.spec == spec
        assert got.bmc == _bmc()
        assert got.bmc.password == PASSWORD
        assert got.state == {"reserved_for": None}
        assert got.version == 1
        assert [n.spec.uuid for n in store.list()] == [spec.uuid]

    def test_password_rests_sealed(self, store, database):
        """No column of the table holds the password in plaintext."""
        spec = _spec()
        store.add(spec, _bmc(), {})
        with database.transaction(readonly=True) as session:
            row = session.execute(
                sa.select(models.DriverNode.__table__).where(
                    models.DriverNode.uuid == spec.uuid
                )
            ).one()
        assert PASSWORD not in repr(tuple(row))
        assert str(row.bmc_password).startswith(crypto.PREFIX)

    def test_add_is_idempotent_by_uuid_and_names_are_unique(self, store):
        """Adding a uuid again changes nothing; another node's name is refused."""
        spec = _spec()
        assert store.add(spec, _bmc(), {"a": 1}) is True
        renamed = driver_base.NodeSpec(uuid=spec.uuid, name="other", resource_class="x")
        assert store.add(renamed, _bmc(), {}) is False
        assert store.get(spec.uuid).spec == spec
        with pytest.raises(driver_errors.DriverError, match="already taken"):
            store.add(_spec(name=spec.name), _bmc(), {})

    def test_save_state_is_compare_and_set(self, store):
        """A write with the current version wins and bumps it; a stale one loses."""
        spec = _spec()
        store.add(spec, _bmc(), {})
        assert store.save_state(spec.uuid, {"op": "deploy"}, 1) is True
        assert store.save_state(spec.uuid, {"op": "stale"}, 1) is False
        got = store.get(spec.uuid)
        assert (got.state, got.version) == ({"op": "deploy"}, 2)
        with pytest.raises(driver_errors.NodeNotFound):
            store.save_state(str(uuid.uuid4()), {}, 1)

    def test_concurrent_compare_and_set_has_one_winner(self, database, key):
        """Two threads writing from the same read: exactly one wins."""
        driver = f"test-{uuid.uuid4().hex[:8]}"
        sealer = crypto.Sealer([key.encode()])
        spec = _spec()
        node_store.DbNodeStore(database, driver, sealer).add(spec, _bmc(), {})
        barrier = threading.Barrier(2)
        results: dict[str, bool] = {}

        def reserve(server: str) -> None:
            # NOTE: a store per thread, as two engines would have.
            mine = node_store.DbNodeStore(database, driver, sealer)
            read = mine.get(spec.uuid)
            barrier.wait(timeout=10)
            results[server] = mine.save_state(
                spec.uuid, {"reserved_for": server}, read.version
            )

        threads = [threading.Thread(target=reserve, args=(s,)) for s in "ab"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(results.values()) == [False, True]
        winner = next(s for s, won in results.items() if won)
        got = node_store.DbNodeStore(database, driver, sealer).get(spec.uuid)
        assert got.state == {"reserved_for": winner}
        assert got.version == 2

    def test_update_replaces_spec_and_bmc_and_keeps_state(self, store):
        """Updating changes spec and BMC, bumps the version, keeps the state."""
        spec = _spec()
        store.add(spec, _bmc(), {"keep": True})
        other = _spec()
        store.add(other, _bmc(), {})
        new_spec = driver_base.NodeSpec(
            uuid=spec.uuid, name="renamed", resource_class="silver", traits=("T",)
        )
        store.update(spec.uuid, spec=new_spec)
        store.update(spec.uuid, bmc=_bmc(password="rotated-pass"))
        got = store.get(spec.uuid)
        assert got.spec == new_spec
        assert got.bmc.password == "rotated-pass"
        assert (got.state, got.version) == ({"keep": True}, 3)
        with pytest.raises(driver_errors.DriverError, match="already taken"):
            store.update(
                spec.uuid,
                spec=driver_base.NodeSpec(
                    uuid=spec.uuid, name=other.name, resource_class="x"
                ),
            )
        with pytest.raises(driver_errors.NodeNotFound):
            store.update(str(uuid.uuid4()), bmc=_bmc())

    def test_remove_forgets_and_a_gone_node_is_a_no_op(self, store):
        """Removing forgets the node; removing it again does nothing."""
        spec = _spec()
        store.add(spec, _bmc(), {})
        store.remove(spec.uuid)
        store.remove(spec.uuid)
        with pytest.raises(driver_errors.NodeNotFound):
            store.get(spec.uuid)
        assert store.list() == []

    def test_stores_of_two_drivers_do_not_see_each_other(self, store, database, key):
        """A node of one driver is not found through another driver's store."""
        spec = _spec()
        store.add(spec, _bmc(), {})
        other = node_store.DbNodeStore(
            database, "test-other", crypto.Sealer([key.encode()])
        )
        with pytest.raises(driver_errors.NodeNotFound):
            other.get(spec.uuid)
        assert other.list() == []

    def test_a_password_no_key_opens_is_a_driver_error(self, store, database):
        """A node sealed under a lost key reads as a DriverError naming it."""
        spec = _spec()
        store.add(spec, _bmc(), {})
        driver = store._driver
        stranger = node_store.DbNodeStore(
            database, driver, crypto.Sealer([crypto.generate_key().encode()])
        )
        with pytest.raises(driver_errors.DriverError, match="BMC password"):
            stranger.get(spec.uuid)
