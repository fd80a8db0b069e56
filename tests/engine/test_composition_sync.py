"""Composition services kept in Mogan and mirrored into Placement, for real.

The engine's ``CompositionServices`` over a migrated SQLite database, the
embedded Placement, and the ``redfish`` driver reading the team's
sushy-tools emulator's CompositionService (``tests/redfish``): a pool of
two zones with compute and GPU blocks becomes two zone providers with the
blocks nested under them, and follows the pool as it changes. Blocks the
scheduler claimed, or Mogan composed, are never reserved.
"""

import logging
import uuid

import pytest
import sqlalchemy as sa

from mogan import crypto, exception
from mogan.db import models
from mogan.db.api import block_candidates
from mogan.db.api import composition as composition_db
from mogan.drivers import base as driver_base
from mogan.drivers import hardware, redfish
from mogan.engine import composition_removal, composition_sync, composition_tree
from mogan.placement import client as placement_client
from mogan.scheduler import blocks, candidates, claims
from mogan.scheduler.request import SelectRequest
from tests.redfish import specs
from tests.redfish.fixtures import redfish_fixture  # noqa: F401 - fixture

pytestmark = pytest.mark.services

ZONES = ("zone-a", "zone-b")


@pytest.fixture
def rf_driver(econf):
    """The redfish driver, fast retries."""
    redfish.RedfishDriver.register_opts(econf)
    econf.set_override("server_side_retries", 1, "redfish")
    econf.set_override("server_side_retries_delay", 0.1, "redfish")
    driver = redfish.RedfishDriver.from_conf(econf)
    yield driver
    driver.close()


@pytest.fixture
def services(database, rf_driver, placement_client_):
    """The engine's composition services on the redfish driver."""
    sealer = crypto.Sealer([crypto.generate_key().encode()])
    return composition_sync.CompositionServices(
        database, rf_driver, placement_client_, sealer
    )


def _access(emulator, password=None) -> driver_base.BmcAccess:
    return driver_base.BmcAccess(
        address=emulator.url,
        username=emulator.username,
        password=password or emulator.password,
        verify_tls=False,
    )


def _blocks(database, service_uuid) -> dict[str, models.ResourceBlock]:
    with database.transaction(readonly=True) as session:
        rows = session.scalars(
            sa.select(models.ResourceBlock).where(
                models.ResourceBlock.service_uuid == service_uuid
            )
        ).all()
        return {row.block_id: row for row in rows}


class TestCompositionSync:
    def test_register_mirrors_zones_and_blocks(
        self, redfish, services, database, placement_client_, caplog
    ):
        """Two zones become two root providers, each block a child of its zone."""
        caplog.set_level(logging.DEBUG)
        redfish.set_pool(specs.simple_pool(ZONES, compute=2, gpu=1))
        service = services.register("pool-1", _access(redfish))

        with database.transaction(readonly=True) as session:
            row = session.scalars(sa.select(models.CompositionService)).one()
            assert row.password is not None
            assert row.password.startswith(crypto.PREFIX)
            assert redfish.password not in row.password
        assert redfish.password not in caplog.text

        blocks = _blocks(database, service)
        assert sorted(blocks) == sorted(
            f"{z}-{kind}-{i}"
            for z in ZONES
            for kind, n in (("compute", 2), ("gpu", 1))
            for i in range(n)
        )
        for zone in ZONES:
            root = composition_tree.zone_provider(service, zone)
            tree = placement_client_.tree(root)
            assert tree[root]["name"] == f"pool-1:{zone}"
            assert tree[root]["parent_provider_uuid"] is None
            children = {
                u: rp for u, rp in tree.items() if rp["parent_provider_uuid"] == root
            }
            assert {rp["name"] for rp in children.values()} == {
                f"pool-1:{b}" for b, r in blocks.items() if r.zone == zone
            }
            assert placement_client_.get_inventory(root) == {}

        compute = blocks["zone-a-compute-0"]
        inv = placement_client_.get_inventory(compute.provider_uuid)
        assert inv["VCPU"]["total"] == inv["VCPU"]["max_unit"] == compute.cores == 16
        # NOTE: whole blocks only: Placement refuses part of one.
        assert inv["VCPU"]["min_unit"] == 16
        with pytest.raises(
            (placement_client.PlacementError, placement_client.ClaimConflict)
        ):
            placement_client_.claim(
                {str(uuid.uuid4()): {compute.provider_uuid: {"VCPU": 8}}},
                project_id="p",
                user_id="u",
            )
        assert placement_client_.provider_allocations(compute.provider_uuid) == {}
        assert inv["MEMORY_MB"]["total"] == 64 * 1024
        assert inv["VCPU"]["reserved"] == 0
        assert placement_client_.get_traits(compute.provider_uuid) == [
            "CUSTOM_BLOCK_COMPUTE"
        ]
        gpu = blocks["zone-b-gpu-0"]
        inv = placement_client_.get_inventory(gpu.provider_uuid)
        assert inv == {
            "CUSTOM_ACCEL_NVIDIA_A100": {
                "total": 1,
                "max_unit": 1,
                "min_unit": 1,
                "step_size": 1,
                "reserved": 0,
                "allocation_ratio": 1.0,
            }
        }
        assert placement_client_.get_traits(gpu.provider_uuid) == [
            "CUSTOM_BLOCK_PROCESSOR"
        ]
        assert gpu.zone == "zone-b"
        assert placement_client_.get_provider(gpu.provider_uuid)[
            "parent_provider_uuid"
        ] == composition_tree.zone_provider(service, "zone-b")

    def test_pool_changes_follow(
        self, redfish, rf_driver, services, database, placement_client_
    ):
        """A removed block loses its provider; one composed elsewhere is reserved."""
        pool = specs.simple_pool(ZONES, compute=2, gpu=1)
        redfish.set_pool(pool)
        service = services.register("pool-2", _access(redfish))
        before = _blocks(database, service)

        smaller = specs.pool(
            [b for b in pool["blocks"] if b["id"] != "zone-a-compute-1"], zones=ZONES
        )
        redfish.set_pool(smaller)
        rf_driver.start_compose(
            _access(redfish),
            hardware.ComposeRequest(
                name="behind-the-back",
                resource_class="composed",
                blocks=("zone-b-compute-0",),
            ),
        )
        result = services.sync(service)
        assert result.removed == 1
        assert result.reserved == 1

        after = _blocks(database, service)
        assert "zone-a-compute-1" not in after
        gone = before["zone-a-compute-1"].provider_uuid
        assert placement_client_.get_provider(gone) is None
        taken = after["zone-b-compute-0"]
        assert taken.system is not None
        inv = placement_client_.get_inventory(taken.provider_uuid)
        assert all(v["reserved"] == v["total"] for v in inv.values()), inv
        # NOTE: the scheduler never sees it: no candidate asks more than free.
        free = placement_client_.list_providers({"VCPU": 16})
        assert taken.provider_uuid not in free
        assert after["zone-a-compute-0"].provider_uuid in free

    def test_a_block_moved_to_another_zone_is_reparented(
        self, redfish, services, database, placement_client_
    ):
        """A block the service now lists in another zone hangs under that zone."""
        redfish.set_pool(
            specs.pool(
                [
                    specs.compute_block("b-0", "zone-a"),
                    specs.compute_block("b-1", "zone-b"),
                ],
                zones=ZONES,
            )
        )
        service = services.register("pool-6", _access(redfish))
        redfish.set_pool(
            specs.pool(
                [
                    specs.compute_block("b-0", "zone-b"),
                    specs.compute_block("b-1", "zone-b"),
                ],
                zones=ZONES,
            )
        )
        services.sync(service)
        moved = _blocks(database, service)["b-0"]
        assert moved.zone == "zone-b"
        assert placement_client_.get_provider(moved.provider_uuid)[
            "parent_provider_uuid"
        ] == composition_tree.zone_provider(service, "zone-b")

    def test_chassis_are_kept_and_follow_the_service(self, redfish, services, database):
        """Each block's chassis ids as the service links them; changes follow."""
        redfish.set_pool(
            specs.pool(
                [
                    specs.compute_block("cpu-0", "zone-a", chassis="blade-1"),
                    specs.compute_block("cpu-1", "zone-a", chassis=("blade-2", "r1")),
                    specs.storage_block("disk-0", "zone-a"),
                ]
            )
        )
        service = services.register("pool-chassis", _access(redfish))
        rows = _blocks(database, service)
        assert {b: r.chassis for b, r in rows.items()} == {
            "cpu-0": ["blade-1"],
            "cpu-1": ["blade-2", "r1"],
            "disk-0": [],
        }
        redfish.set_pool(
            specs.pool(
                [
                    specs.compute_block("cpu-0", "zone-a", chassis="blade-3"),
                    specs.compute_block("cpu-1", "zone-a"),
                    specs.storage_block("disk-0", "zone-a", chassis="jbof-1"),
                ]
            )
        )
        services.sync(service)
        rows = _blocks(database, service)
        assert {b: r.chassis for b, r in rows.items()} == {
            "cpu-0": ["blade-3"],
            "cpu-1": [],
            "disk-0": ["jbof-1"],
        }

    def test_claimed_block_blocks_removal(
        self, redfish, services, database, placement_client_
    ):
        """A claimed block keeps the service; once released it goes, providers too."""
        redfish.set_pool(specs.simple_pool(ZONES, compute=1, gpu=0))
        service = services.register("pool-3", _access(redfish))
        block = _blocks(database, service)["zone-a-compute-0"]
        consumer = "6f1d2c1e-0000-4000-8000-000000000001"
        resp = placement_client_.http.put(
            f"/allocations/{consumer}",
            json={
                "allocations": {block.provider_uuid: {"resources": {"VCPU": 16}}},
                "project_id": "p",
                "user_id": "u",
                "consumer_generation": None,
            },
            headers={"OpenStack-API-Version": "placement 1.37"},
        )
        assert resp.status_code == 204, resp.text
        with pytest.raises(exception.CompositionServiceInUse):
            composition_removal.remove(database, placement_client_, service)
        assert placement_client_.get_provider(block.provider_uuid) is not None
        # NOTE: the refused removal took its tombstone back: still synced.
        assert services.sync_all()[service].blocks == len(ZONES)

        placement_client_.release(consumer)
        composition_removal.remove(database, placement_client_, service)
        for zone in ZONES:
            assert (
                placement_client_.get_provider(
                    composition_tree.zone_provider(service, zone)
                )
                is None
            )
        assert placement_client_.get_provider(block.provider_uuid) is None
        assert _blocks(database, service) == {}

    def test_wrong_password_is_refused(self, redfish, services, database):
        """A service refusing the credentials is not stored."""
        redfish.set_pool(specs.simple_pool(ZONES))
        with pytest.raises(driver_base.BmcRefused):
            services.register("pool-4", _access(redfish, password="wrong"))
        with database.transaction(readonly=True) as session:
            assert session.scalars(sa.select(models.CompositionService)).all() == []

    def test_driver_without_composition(
        self, redfish, database, driver, placement_client_
    ):
        """The fake driver cannot compose: registering is a conflict."""
        services = composition_sync.CompositionServices(
            database,
            driver,
            placement_client_,
            crypto.Sealer([crypto.generate_key().encode()]),
        )
        with pytest.raises(exception.DriverCannot, match="cannot compose"):
            services.register("pool-5", _access(redfish))

    def test_a_failing_service_does_not_starve_the_others(
        self, redfish, services, monkeypatch
    ):
        """One service per run: after one fails, the next run takes another."""
        redfish.set_pool(specs.simple_pool(ZONES))
        broken = services.register("pool-broken", _access(redfish))
        healthy = services.register("pool-healthy", _access(redfish))
        # NOTE: its BMC now refuses the stored credentials.
        services.change(broken, None, _access(redfish, password="wrong"))
        monkeypatch.setattr(composition_sync, "SERVICES_PER_RUN", 1)
        assert services.sync_all() == {}
        assert set(services.sync_all()) == {healthy}


def _claim_one(database, placement_client_) -> str:
    """One composed server claimed on the pool by the scheduler's loop; its uuid."""
    request = candidates.Request.from_request(
        SelectRequest(
            server_uuids=(str(uuid.uuid4()),),
            resources={"VCPU": 16, "MEMORY_MB": 64 * 1024},
            project_id="p",
            user_id="u",
            composable=True,
        )
    )
    placed = claims.select_and_claim(
        database,
        placement_client_,
        request,
        retries=3,
        extra=1,
        target=blocks.Blocks(request, weigher=candidates.Weigher()),
    )
    ((server, _node),) = placed.items()
    return server


def _reserved(placement_client_, provider) -> bool:
    inventory = placement_client_.get_inventory(provider)
    assert inventory
    return all(v["reserved"] == v["total"] for v in inventory.values())


class TestMoganBlocks:
    def test_claimed_and_composed_blocks_stay_unreserved(
        self, redfish, rf_driver, services, database, placement_client_
    ):
        """Blocks Mogan claimed or composed are held by their claim, not reserved.

        One is claimed and composed before its system is recorded (known by
        its consumer), one composed with its system recorded (known by the
        system), one composed behind Mogan's back (reserved).
        """
        redfish.set_pool(specs.simple_pool(("zone-a",), compute=3))
        service = services.register("pool-7", _access(redfish))
        first, second = (_claim_one(database, placement_client_) for _ in "ab")
        with database.transaction(readonly=True) as session:
            rows = {
                s: (composition_db.composed_of(session, s).blocks[0])
                for s in (first, second)
            }
        paths = {
            s: rf_driver.start_compose(
                _access(redfish),
                hardware.ComposeRequest(
                    name=f"mogan-{s}", resource_class="composed", blocks=(block,)
                ),
            )
            for s, block in rows.items()
        }
        with database.transaction() as session:
            composition_db.set_system(session, second, paths[second])
            # NOTE: the second's consumer is gone from the view (as between a
            # release and the row's removal); its system still marks it ours.
            block_candidates.mark_released(session, second)
        (other,) = {f"zone-a-compute-{i}" for i in range(3)} - set(rows.values())
        rf_driver.start_compose(
            _access(redfish),
            hardware.ComposeRequest(
                name="behind-the-back", resource_class="composed", blocks=(other,)
            ),
        )

        result = services.sync(service)

        after = _blocks(database, service)
        assert result.reserved == 1
        assert _reserved(placement_client_, after[other].provider_uuid)
        for server, block in rows.items():
            assert after[block].system is not None
            assert not _reserved(placement_client_, after[block].provider_uuid)
            assert placement_client_.allocations_of(server)
        assert after[rows[first]].consumer_uuid == first

    def test_a_claim_released_behind_the_view_is_forgotten(
        self, redfish, services, database, placement_client_
    ):
        """The view's consumer of a block whose claim is gone is cleared by the sync."""
        redfish.set_pool(specs.simple_pool(("zone-a",), compute=2))
        service = services.register("pool-8", _access(redfish))
        kept = _claim_one(database, placement_client_)
        gone = _claim_one(database, placement_client_)
        placement_client_.release(gone)

        services.sync(service)

        consumers = {b.consumer_uuid for b in _blocks(database, service).values()}
        assert consumers == {kept, None}


def _registered(redfish, services, database, name) -> tuple[str, list[str]]:
    """A new service of two zones with compute and GPU blocks; its block ids."""
    redfish.set_pool(specs.simple_pool(ZONES, compute=2, gpu=1))
    service = services.register(name, _access(redfish))
    return service, sorted(_blocks(database, service))


def _assert_gone(placement_client_, database, service, block_ids) -> None:
    """Neither a provider nor a row of the service is left."""
    wanted = [composition_tree.zone_provider(service, z) for z in ZONES] + [
        composition_tree.block_provider(service, b) for b in block_ids
    ]
    left = {u for u in wanted if placement_client_.get_provider(u) is not None}
    assert left == set()
    assert _blocks(database, service) == {}


class TestRemovalRacesSync:
    """A service delete and a sync of the same service on another engine."""

    def test_a_sync_during_the_removal_recreates_nothing(
        self, redfish, services, database, placement_client_, monkeypatch
    ):
        """A sync starting while the providers are deleted writes none back."""
        service, block_ids = _registered(redfish, services, database, "pool-race-1")
        delete = placement_client_.delete_provider
        outcome: list[object] = []

        def delete_then_sync(uuid):
            delete(uuid)
            if not outcome:
                # NOTE: the other engine's periodic sync runs now, after the
                # removal deleted its first provider.
                try:
                    outcome.append(services.sync(service))
                except exception.CompositionServiceNotFound as err:
                    outcome.append(err)

        monkeypatch.setattr(placement_client_, "delete_provider", delete_then_sync)
        composition_removal.remove(database, placement_client_, service)

        assert isinstance(outcome[0], exception.CompositionServiceNotFound)
        _assert_gone(placement_client_, database, service, block_ids)

    @pytest.mark.parametrize(
        ("at_call", "error"),
        [
            # NOTE: before its first provider: the sync writes them all.
            (1, exception.CompositionServiceNotFound),
            # NOTE: after its first zone: a block's parent zone is gone.
            (2, placement_client.PlacementError),
        ],
    )
    def test_a_removal_during_the_sync_has_it_withdraw_its_providers(
        self,
        redfish,
        services,
        database,
        placement_client_,
        monkeypatch,
        at_call,
        error,
    ):
        """A sync that wrote providers while the service went takes them back."""
        service, block_ids = _registered(redfish, services, database, "pool-race-2")
        get_provider = placement_client_.get_provider
        calls: list[str] = []

        def remove_while_syncing(uuid):
            calls.append(uuid)
            if len(calls) == at_call:
                # NOTE: another engine removes the service after this sync
                # checked it was live.
                composition_removal.remove(database, placement_client_, service)
            return get_provider(uuid)

        monkeypatch.setattr(placement_client_, "get_provider", remove_while_syncing)
        with pytest.raises(error):
            services.sync(service)
        monkeypatch.setattr(placement_client_, "get_provider", get_provider)

        _assert_gone(placement_client_, database, service, block_ids)

    def test_a_removal_cut_short_is_not_synced_and_is_finished_by_a_delete(
        self, redfish, services, database, placement_client_
    ):
        """A service left marked as being removed is skipped until deleted."""
        service, block_ids = _registered(redfish, services, database, "pool-race-3")
        with database.transaction() as session:
            assert composition_db.set_removing(session, service, True)

        assert services.sync_all() == {}
        with pytest.raises(exception.CompositionServiceNotFound):
            services.sync(service)
        composition_removal.remove(database, placement_client_, service)

        _assert_gone(placement_client_, database, service, block_ids)
        with database.transaction(readonly=True) as session:
            assert composition_db.find(session, service) is None
