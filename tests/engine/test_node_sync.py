"""Node sync: fake driver nodes into the nodes table and the real embedded Placement."""

import uuid

import pytest

from mogan.db import models
from mogan.db.api import node as node_db
from mogan.drivers import base, fake
from mogan.engine import node_sync
from mogan.placement import client as placement_client
from tests.placement import support


@pytest.fixture
def placement_api(tmp_path_factory):
    """A client on the process's embedded Placement."""
    api = support.client(str(tmp_path_factory.getbasetemp()))
    yield api
    api.close()


@pytest.fixture
def driver(tmp_path):
    """An empty fake fleet."""
    return fake.FakeDriver(str(tmp_path))


@pytest.fixture
def node_rc() -> str:
    """A node resource class of this test's own."""
    return support.node_class()


def rows(database) -> dict:
    """The nodes table by uuid."""
    with database.transaction() as session:
        return {n.uuid: n for n in node_db.get_all(session)}


def inventory(api, node_uuid: str) -> dict:
    """The node's single inventory record."""
    (record,) = api.get_inventory(node_uuid).values()
    return record


class TestFirstSync:
    def test_every_node_becomes_a_row_and_a_provider(
        self, database, driver, placement_api, node_rc
    ):
        """Each node gets a row and a provider with one unit of its class and traits."""
        (gold,) = support.enroll(driver, 1, node_rc, traits=("CUSTOM_RAID",))
        result = node_sync.sync(database, driver, placement_api, "host-1")
        assert result.created == 1
        row = rows(database)[gold]
        assert row.provider_synced
        assert row.consumable
        assert row.driver == "fake"
        rc = placement_client.resource_class_name(node_rc)
        assert placement_api.get_provider(gold)["name"] == f"node-{gold}"
        assert placement_api.get_inventory(gold) == {
            rc: {
                "total": 1,
                "reserved": 0,
                "min_unit": 1,
                "max_unit": 1,
                "step_size": 1,
                "allocation_ratio": 1.0,
            }
        }
        assert placement_api.get_traits(gold) == ["CUSTOM_RAID"]
        assert placement_api.allocation_candidates({rc: 1}) == [gold]

    def test_non_consumable_node_is_reserved(
        self, database, driver, placement_api, node_rc
    ):
        """A node in maintenance gets reserved=1, so it is no candidate."""
        (node,) = support.enroll(driver, 1, node_rc, maintenance=True)
        node_sync.sync(database, driver, placement_api, "host-1")
        assert inventory(placement_api, node)["reserved"] == 1
        assert rows(database)[node].maintenance
        rc = placement_client.resource_class_name(node_rc)
        assert placement_api.allocation_candidates({rc: 1}) == []

    def test_existing_provider_is_adopted_not_owned(
        self, database, driver, placement_api, node_rc
    ):
        """A provider that existed before is updated but never marked as Mogan's."""
        (node,) = support.enroll(driver, 1, node_rc)
        placement_api.create_provider(node, f"node-{node}")
        node_sync.sync(database, driver, placement_api, "host-1")
        assert not rows(database)[node].provider_synced
        assert inventory(placement_api, node)["total"] == 1


class TestResync:
    def test_unchanged_fleet_writes_nothing(
        self, database, driver, placement_api, node_rc
    ):
        """A second sync with nothing changed makes two fleet-wide reads only.

        The provider list, and the free providers of the one class.
        """
        support.enroll(driver, 30, node_rc)
        node_sync.sync(database, driver, placement_api, "host-1")
        seen = support.count_requests(placement_api)
        result = node_sync.sync(database, driver, placement_api, "host-1")
        assert result == node_sync.SyncResult(unchanged=30)
        assert all(r.startswith("GET /resource_providers") for r in seen)
        assert len(seen) == 2

    def test_allocated_flags_follow_placement(
        self, database, driver, placement_api, node_rc
    ):
        """A claim made outside Mogan, and its release, reach the view in one sync."""
        nodes = support.enroll(driver, 2, node_rc)
        node_sync.sync(database, driver, placement_api, "host-1")
        consumer = str(uuid.uuid4())
        rc = placement_client.resource_class_name(node_rc)
        placement_api.claim({consumer: {nodes[0]: {rc: 1}}}, "p", "u")
        assert not rows(database)[nodes[0]].allocated
        node_sync.sync(database, driver, placement_api, "host-1")
        assert rows(database)[nodes[0]].allocated
        assert not rows(database)[nodes[1]].allocated
        placement_api.release(consumer)
        node_sync.sync(database, driver, placement_api, "host-1")
        assert not rows(database)[nodes[0]].allocated

    def test_a_stale_reserved_unit_on_a_free_node_is_taken_back(
        self, database, driver, placement_api, node_rc
    ):
        """A reserved unit left on a claimable, unclaimed node is removed by the sync.

        (A run that read the driver before a teardown ended can write it.)
        """
        (node,) = support.enroll(driver, 1, node_rc)
        node_sync.sync(database, driver, placement_api, "host-1")
        rc = placement_client.resource_class_name(node_rc)
        generation = placement_api.get_provider(node)["generation"]
        placement_api.set_inventory(
            node, generation, {rc: {"total": 1, "reserved": 1, "max_unit": 1}}
        )
        node_sync.sync(database, driver, placement_api, "host-1")
        assert inventory(placement_api, node)["reserved"] == 0
        node_sync.sync(database, driver, placement_api, "host-1")
        assert not rows(database)[node].allocated

    def test_a_claim_recorded_after_the_read_is_kept(
        self, database, driver, placement_api, node_rc
    ):
        """The sync keeps a flag the scheduler set after it read Placement."""
        (node,) = support.enroll(driver, 1, node_rc)
        node_sync.sync(database, driver, placement_api, "host-1")
        read_at = models.utcnow()
        with database.transaction() as session:
            node_db.mark_allocated(session, {node: "server-1"})
            assert not node_db.reconcile_allocated(
                session, node, allocated=False, read_at=read_at
            )
        assert rows(database)[node].consumer_uuid == "server-1"

    def test_a_node_inserted_meanwhile_does_not_undo_the_run(
        self, database, driver, placement_api, node_rc, tmp_path
    ):
        """An enrolment syncing its node while a full run works is no conflict.

        The full run read no row for either node; the single-node sync of
        an enrolment inserts one of them before the run writes: the run
        still writes both (it updated the one, it did not fail).
        """
        first, second = support.enroll(driver, 2, node_rc)

        class Racing(type(driver)):
            # NOTE: the run reads the nodes' inventories after its rows.
            def get_inventory(self, node_uuid):
                if node_uuid == first:
                    node_sync.sync_node(database, driver, placement_api, second)
                return super().get_inventory(node_uuid)

        racing = Racing(str(tmp_path))
        result = node_sync.sync(database, racing, placement_api, "host-1")
        assert result.failed == 0
        assert set(rows(database)) >= {first, second}
        assert rows(database)[first].provider_synced

    def test_a_single_node_sync_racing_the_full_run_is_no_conflict(
        self, database, driver, placement_api, node_rc, tmp_path
    ):
        """The other way round: the full run inserts the node an enrolment syncs.

        The single-node sync read no row; a full run inserts it before the
        single sync writes: the single sync updates it, it does not fail
        (a composed server's enrolment failed so under load).
        """
        (node,) = support.enroll(driver, 1, node_rc)

        class Racing(type(driver)):
            # NOTE: the single sync reads the inventory after its row.
            def get_inventory(self, node_uuid):
                node_sync.sync(database, driver, placement_api, "host-2")
                return super().get_inventory(node_uuid)

        racing = Racing(str(tmp_path))
        node_sync.sync_node(database, racing, placement_api, node)
        assert rows(database)[node].provider_synced

    def test_maintenance_toggles_reserved(
        self, database, driver, placement_api, node_rc
    ):
        """Maintenance reserves the node; leaving it frees the node again."""
        (node,) = support.enroll(driver, 1, node_rc)
        node_sync.sync(database, driver, placement_api, "host-1")
        driver.set_maintenance(node, True, "disk")
        assert node_sync.sync(database, driver, placement_api, "h").updated == 1
        assert inventory(placement_api, node)["reserved"] == 1
        assert "disk" in rows(database)[node].why_not
        driver.set_maintenance(node, False)
        node_sync.sync(database, driver, placement_api, "host-1")
        assert inventory(placement_api, node)["reserved"] == 0

    def test_allocated_node_stays_unreserved_until_released(
        self, database, driver, placement_api, node_rc
    ):
        """An allocated busy node keeps reserved=0, and gets reserved=1 once freed."""
        (node,) = support.enroll(driver, 1, node_rc)
        node_sync.sync(database, driver, placement_api, "host-1")
        rc = placement_client.resource_class_name(node_rc)
        server = str(uuid.uuid4())
        placement_api.claim({server: {node: {rc: 1}}}, "p", "u")
        driver.start_deploy(node, base.DeployRequest(server, "http://image"))
        node_sync.sync(database, driver, placement_api, "host-1")
        assert not rows(database)[node].consumable
        assert inventory(placement_api, node)["reserved"] == 0
        placement_api.release(server)
        node_sync.sync(database, driver, placement_api, "host-1")
        assert inventory(placement_api, node)["reserved"] == 1
        assert placement_api.allocation_candidates({rc: 1}) == []

    def test_lost_provider_is_recreated(self, database, driver, placement_api, node_rc):
        """A provider deleted behind Mogan's back comes back on the next sync."""
        (node,) = support.enroll(driver, 1, node_rc)
        node_sync.sync(database, driver, placement_api, "host-1")
        placement_api.delete_provider(node)
        node_sync.sync(database, driver, placement_api, "host-1")
        assert inventory(placement_api, node)["total"] == 1


class TestRemoval:
    def test_removed_node_loses_its_provider_and_row(
        self, database, tmp_path, placement_api, node_rc
    ):
        """A node gone from the driver loses the provider Mogan created."""
        first = fake.FakeDriver(str(tmp_path / "a"))
        (node,) = support.enroll(first, 1, node_rc)
        node_sync.sync(database, first, placement_api, "host-1")
        empty = fake.FakeDriver(str(tmp_path / "b"))
        assert node_sync.sync(database, empty, placement_api, "h").removed == 1
        assert placement_api.get_provider(node) is None
        assert node not in rows(database)

    def test_adopted_provider_is_never_deleted(
        self, database, tmp_path, placement_api, node_rc
    ):
        """A node gone from the driver keeps a provider Mogan did not create."""
        first = fake.FakeDriver(str(tmp_path / "a"))
        (node,) = support.enroll(first, 1, node_rc)
        placement_api.create_provider(node, f"node-{node}")
        node_sync.sync(database, first, placement_api, "host-1")
        empty = fake.FakeDriver(str(tmp_path / "b"))
        node_sync.sync(database, empty, placement_api, "host-1")
        assert placement_api.get_provider(node) is not None
        assert node not in rows(database)

    def test_provider_with_allocation_is_kept_until_free(
        self, database, tmp_path, placement_api, node_rc
    ):
        """A removed node whose provider is allocated keeps row and provider."""
        first = fake.FakeDriver(str(tmp_path / "a"))
        (node,) = support.enroll(first, 1, node_rc)
        node_sync.sync(database, first, placement_api, "host-1")
        rc = placement_client.resource_class_name(node_rc)
        server = str(uuid.uuid4())
        placement_api.claim({server: {node: {rc: 1}}}, "p", "u")
        empty = fake.FakeDriver(str(tmp_path / "b"))
        assert node_sync.sync(database, empty, placement_api, "h").failed == 1
        assert node in rows(database)
        placement_api.release(server)
        assert node_sync.sync(database, empty, placement_api, "h").removed == 1
        assert placement_api.get_provider(node) is None


class TestNodesWithoutAResourceClass:
    def test_a_node_without_a_class_gets_a_row_and_breaks_nothing(
        self, database, driver, placement_api, node_rc
    ):
        """A node with no resource class is listed, never offered; others sync."""
        (good,) = support.enroll(driver, 1, node_rc)
        bare = str(uuid.uuid4())
        driver.enroll(
            base.NodeSpec(uuid=bare, name=f"bare-{bare[:8]}", resource_class="")
        )
        result = node_sync.sync(database, driver, placement_api, "host-1")
        assert result.failed == 0
        assert rows(database)[bare].resource_class == ""
        assert placement_api.get_provider(bare) is None
        assert placement_api.get_provider(good) is not None
