"""The engine hands a driver that keeps its nodes in Mogan a ``DbNodeStore``.

``build_deps`` is where ``mogan-engine``, the all-in-one and an RPC manager
served alone build their driver; a driver declaring ``needs_store`` leaves
it with a store over Mogan's database (and no media store yet).
"""

import uuid

from mogan.drivers import base as driver_base
from mogan.drivers import fake
from mogan.engine import deps as engine_deps
from mogan.engine import node_store, service


class StoredFake(fake.FakeDriver):
    """The fake fleet, declaring that it keeps its nodes in Mogan."""

    needs_store = True


class TestWiring:
    def test_build_deps_attaches_a_db_node_store(self, econf, database, tmp_path):
        """A needs_store driver gets a DbNodeStore on the engine's database."""
        driver = StoredFake(str(tmp_path))
        deps = engine_deps.build_deps(econf, database, driver)
        assert isinstance(deps.driver.node_store, node_store.DbNodeStore)
        assert deps.driver.media_store is None
        spec = driver_base.NodeSpec(
            uuid=str(uuid.uuid4()), name="stored", resource_class="gold"
        )
        bmc = driver_base.BmcAccess("https://bmc", "root", "pw")
        assert deps.driver.node_store.add(spec, bmc, {}) is True
        assert deps.driver.node_store.get(spec.uuid).bmc.password == "pw"

    def test_other_drivers_get_none(self, econf, database, driver):
        """A driver with a registry of its own is left without a store."""
        deps = engine_deps.build_deps(econf, database, driver)
        assert getattr(deps.driver, "node_store", None) is None


class Media:
    """A media store that serves nothing (only its identity matters here)."""

    def publish(self, name: str, data: bytes, ttl: float) -> str:
        """A URL that is never fetched."""
        del data, ttl
        return f"http://media.test/{name}"

    def reissue(self, name: str) -> str | None:
        """The same URL."""
        return f"http://media.test/{name}"

    def withdraw(self, name: str) -> None:
        """Nothing to withdraw."""
        del name


class TestMedia:
    def test_the_engine_service_hands_its_media_to_the_driver(
        self, econf, database, tmp_path
    ):
        """Deploy media given to the engine reach a needs_store driver."""
        media = Media()
        deps = engine_deps.build_deps(econf, database, StoredFake(str(tmp_path)))
        assert deps.driver.media_store is None
        service.EngineService(econf, database, deps, serve_rpc=False, media=media)
        assert deps.driver.media_store is media
        assert isinstance(deps.driver.node_store, node_store.DbNodeStore)
