"""Conformance tests of the composition interface (systems from resource blocks).

Collected only for drivers with ``CompositionInterface``. The service comes
from the ``make_composition_service(driver, pool)`` hook: a composition
service (its address and credentials) whose pool has the ``Pool`` asked
for, every block free. The tests know blocks only through the driver's
listing (kinds by ``ResourceBlockType``: ``Compute``, ``Processor``,
``Storage``), never by the backend's names, and check: the listing and its
capacities; two compositions from disjoint blocks; a taken block refused
as ``BlockTaken`` with the pool unchanged; a system found by its name;
ten concurrent compositions over blocks for six (six made, four
``BlockTaken``, no block in two systems); decomposition freeing the
blocks; blocks of two zones refused; and a composed system enrolled,
deployed, torn down, unenrolled, decomposed.

What must not live here: hooks of the other interfaces (``harness``).
"""

import concurrent.futures
import dataclasses
import time
import uuid
from collections.abc import Callable

import pytest

from mogan.drivers import base
from mogan.drivers.testing import harness

DONE = harness.DONE
COMPUTE = "Compute"
ZONES = ("zone-a", "zone-b")
# NOTE: the race: ten requests over six Compute blocks, four wanted twice.
RACERS = 10
RACE_BLOCKS = 6


@dataclasses.dataclass(frozen=True)
class Pool:
    """The blocks a test wants, in each of ``zones``.

    Attributes:
        zones: the zones' names (the service may name them otherwise).
        compute: Compute blocks (CPUs, memory and a NIC) per zone.
        gpu: Processor blocks of GPUs per zone.
        storage: Storage blocks (drives) per zone.
    """

    zones: tuple[str, ...] = ("zone-a",)
    compute: int = 2
    gpu: int = 0
    storage: int = 0


def _kind(block: base.ResourceBlock) -> str:
    return block.block_types[0] if block.block_types else ""


class CompositionTests(harness.Harness):
    """The composition interface against a service the hook prepares."""

    compose_timeout = 60.0

    def make_composition_service(
        self, driver: base.Driver, pool: Pool
    ) -> base.BmcAccess:
        """A composition service holding ``pool``, all blocks free.

        The default skips the composition tests.
        """
        del driver, pool
        pytest.skip(f"{type(self).__name__} gives no composition service")

    # ------------------------------------------------------------ helpers

    def composer(self, driver: base.Driver) -> base.CompositionInterface:
        """``driver`` as the composition interface."""
        return self.need(driver, base.CompositionInterface)

    def blocks(
        self, composer: base.CompositionInterface, service: base.BmcAccess
    ) -> dict[str, base.ResourceBlock]:
        """The service's blocks by id."""
        return {b.id: b for b in composer.list_resource_blocks(service)}

    def of_kind(
        self,
        blocks: dict[str, base.ResourceBlock],
        kind: str,
        zone: str | None = None,
    ) -> list[str]:
        """Ids of the blocks of a kind (in a zone), sorted."""
        return sorted(
            b.id
            for b in blocks.values()
            if _kind(b) == kind and (zone is None or zone in b.zones)
        )

    def settle(
        self,
        poll: Callable[[base.BmcAccess, str], base.Status],
        service: base.BmcAccess,
        path: str,
    ) -> base.Status:
        """Poll a composition or decomposition until it is no longer in progress."""
        deadline = time.monotonic() + self.compose_timeout
        while (status := poll(service, path)).progress is base.Progress.IN_PROGRESS:
            if time.monotonic() > deadline:
                pytest.fail(f"{poll.__name__} still in progress on {path}")
            time.sleep(self.poll_interval)
        return status

    def compose(
        self,
        composer: base.CompositionInterface,
        service: base.BmcAccess,
        blocks: list[str],
    ) -> str:
        """Compose a system of ``blocks`` and wait; its path."""
        name = f"contract-{uuid.uuid4().hex[:8]}"
        path = composer.start_compose(
            service, base.ComposeRequest(name, self.resource_class, tuple(blocks))
        )
        assert self.settle(composer.poll_compose, service, path) == DONE
        return path

    def decompose(
        self, composer: base.CompositionInterface, service: base.BmcAccess, path: str
    ) -> None:
        """Decompose and wait."""
        composer.start_decompose(service, path)
        assert self.settle(composer.poll_decompose, service, path) == DONE

    # ------------------------------------------------------------ tests

    @harness.needs(base.CompositionInterface)
    def test_lists_zones_and_blocks_with_capacities(self, driver: base.Driver) -> None:
        """Each zone lists its blocks; blocks carry their kind's capacities."""
        composer = self.composer(driver)
        service = self.make_composition_service(
            driver, Pool(ZONES, compute=2, gpu=1, storage=1)
        )
        zones = composer.list_resource_zones(service)
        blocks = self.blocks(composer, service)
        per_zone = 2 + 1 + 1
        assert len(zones) == len(ZONES)
        assert len(blocks) == per_zone * len(ZONES)
        for zone in zones:
            assert len(zone.blocks) == per_zone
            assert all(zone.id in blocks[b].zones for b in zone.blocks)
            assert all(v >= 0 for v in zone.limits.values())
        assert sorted(b for z in zones for b in z.blocks) == sorted(blocks)
        for block in blocks.values():
            assert block.free
            assert (block.composition_state, block.system) == ("Unused", None)
        compute = [blocks[b] for b in self.of_kind(blocks, COMPUTE)]
        gpus = [blocks[b] for b in self.of_kind(blocks, "Processor")]
        drives = [blocks[b] for b in self.of_kind(blocks, "Storage")]
        assert (len(compute), len(gpus), len(drives)) == (4, 2, 2)
        for block in compute:
            assert block.cpus >= block.cores > 0
            assert block.memory_mb > 0
            assert block.macs
        assert len({mac for b in compute for mac in b.macs}) >= len(compute)
        for block in gpus:
            assert sum(block.accelerators.values()) >= 1
            assert block.cpus == 0
        for block in drives:
            assert block.storage_gb > 0

    @harness.needs(base.CompositionInterface)
    def test_composes_two_systems_from_disjoint_blocks(
        self, driver: base.Driver
    ) -> None:
        """Two systems, each Composed of its own blocks."""
        composer = self.composer(driver)
        service = self.make_composition_service(
            driver, Pool(compute=2, gpu=1, storage=1)
        )
        blocks = self.blocks(composer, service)
        first = [self.of_kind(blocks, COMPUTE)[0], *self.of_kind(blocks, "Processor")]
        second = [self.of_kind(blocks, COMPUTE)[1], *self.of_kind(blocks, "Storage")]
        one = self.compose(composer, service, first)
        two = self.compose(composer, service, second)
        assert one != two
        after = self.blocks(composer, service)
        for path, chosen in ((one, first), (two, second)):
            for block_id in chosen:
                assert after[block_id].system == path
                assert after[block_id].composition_state in {
                    "Composed",
                    "ComposedAndAvailable",
                }
                assert not after[block_id].free

    @harness.needs(base.CompositionInterface)
    def test_a_taken_block_is_refused_and_the_pool_unchanged(
        self, driver: base.Driver
    ) -> None:
        """Composing a block in use: ``BlockTaken`` naming it, nothing allocated."""
        composer = self.composer(driver)
        service = self.make_composition_service(driver, Pool(compute=2, gpu=1))
        blocks = self.blocks(composer, service)
        first, second = self.of_kind(blocks, COMPUTE)
        self.compose(composer, service, [first])
        before = self.blocks(composer, service)
        [gpu] = self.of_kind(blocks, "Processor")
        with pytest.raises(base.BlockTaken) as raised:
            composer.start_compose(
                service, base.ComposeRequest("taken", self.resource_class, (gpu, first))
            )
        assert raised.value.block == first
        assert first in raised.value.message
        assert self.blocks(composer, service) == before
        assert before[second].free
        assert before[gpu].free

    @harness.needs(base.CompositionInterface)
    def test_concurrent_composes_share_no_block(self, driver: base.Driver) -> None:
        """Ten at once over blocks for six: six made, four ``BlockTaken``."""
        composer = self.composer(driver)
        service = self.make_composition_service(driver, Pool(compute=RACE_BLOCKS))
        compute = self.of_kind(self.blocks(composer, service), COMPUTE)
        assert len(compute) == RACE_BLOCKS

        def attempt(index: int) -> str | base.DriverError:
            # NOTE: the first four blocks are wanted twice.
            wanted = (compute[index % len(compute)],)
            request = base.ComposeRequest(f"race-{index}", self.resource_class, wanted)
            try:
                return composer.start_compose(service, request)
            except base.DriverError as err:
                return err

        with concurrent.futures.ThreadPoolExecutor(max_workers=RACERS) as pool:
            results = list(pool.map(attempt, range(RACERS)))
        made = [r for r in results if isinstance(r, str)]
        refused = [r for r in results if not isinstance(r, str)]
        assert len(made) == RACE_BLOCKS, refused
        assert len(set(made)) == RACE_BLOCKS
        assert all(isinstance(r, base.BlockTaken) for r in refused), refused
        assert sorted(
            str(r.block) for r in refused if isinstance(r, base.BlockTaken)
        ) == sorted(compute[: RACERS - RACE_BLOCKS])
        for path in made:
            assert self.settle(composer.poll_compose, service, path) == DONE
        owners = [b.system for b in self.blocks(composer, service).values()]
        assert sorted(o for o in owners if o) == sorted(made)

    @harness.needs(base.CompositionInterface)
    def test_a_system_is_found_by_its_name(self, driver: base.Driver) -> None:
        """``find_system``: by name, among its blocks' systems too; None once gone."""
        composer = self.composer(driver)
        service = self.make_composition_service(driver, Pool(compute=2))
        first, second = self.of_kind(self.blocks(composer, service), COMPUTE)
        name = f"contract-{uuid.uuid4().hex[:8]}"
        path = composer.start_compose(
            service, base.ComposeRequest(name, self.resource_class, (first,))
        )
        assert self.settle(composer.poll_compose, service, path) == DONE
        assert composer.find_system(service, name) == path
        assert composer.find_system(service, name, (first,)) == path
        # NOTE: given blocks, only their systems are looked at.
        assert composer.find_system(service, name, (second,)) is None
        assert composer.find_system(service, f"{name}-none") is None
        self.decompose(composer, service, path)
        assert composer.find_system(service, name) is None
        assert composer.find_system(service, name, (first,)) is None

    @harness.needs(base.CompositionInterface)
    def test_decompose_frees_the_blocks(self, driver: base.Driver) -> None:
        """Decomposed: blocks Unused again, composable again; again is a no-op."""
        composer = self.composer(driver)
        service = self.make_composition_service(driver, Pool(compute=1, gpu=1))
        chosen = sorted(self.blocks(composer, service))
        path = self.compose(composer, service, chosen)
        self.decompose(composer, service, path)
        assert all(b.free for b in self.blocks(composer, service).values())
        composer.start_decompose(service, path)
        assert composer.poll_decompose(service, path) == DONE
        again = self.compose(composer, service, chosen)
        self.decompose(composer, service, again)

    @harness.needs(base.CompositionInterface)
    def test_blocks_of_two_zones_are_refused(self, driver: base.Driver) -> None:
        """A Compute block of one zone and a GPU of another: refused, not taken."""
        composer = self.composer(driver)
        service = self.make_composition_service(driver, Pool(ZONES, compute=1, gpu=1))
        blocks = self.blocks(composer, service)
        zone_of = {z.id: z for z in composer.list_resource_zones(service)}
        first, other = sorted(zone_of)
        chosen = (
            self.of_kind(blocks, COMPUTE, first)[0],
            self.of_kind(blocks, "Processor", other)[0],
        )
        with pytest.raises(base.DriverError) as raised:
            composer.start_compose(
                service, base.ComposeRequest("across", self.resource_class, chosen)
            )
        assert not isinstance(raised.value, base.BlockTaken)
        assert all(b.free for b in self.blocks(composer, service).values())

    @harness.needs(base.CompositionInterface)
    def test_a_composed_system_is_a_node_like_any(
        self, driver: base.Driver, server_uuid: str
    ) -> None:
        """Compose, enrol, deploy, tear down, unenrol, decompose: blocks free."""
        composer = self.composer(driver)
        enroller = self.need(driver, base.EnrollInterface, "enrol composed systems")
        service = self.make_composition_service(driver, Pool(compute=1, storage=1))
        chosen = sorted(self.blocks(composer, service))
        path = self.compose(composer, service, chosen)
        node_uuid = str(uuid.uuid4())
        spec = base.NodeSpec(
            uuid=node_uuid, name=f"composed-{node_uuid[:8]}", resource_class="composed"
        )
        assert enroller.enroll(spec, composer.composed_bmc(service, path)) is True
        node = driver.get_node(node_uuid)
        assert node.consumable
        inventory = driver.get_inventory(node_uuid)
        blocks = self.blocks(composer, service)
        assert inventory.memory_mb == sum(blocks[b].memory_mb for b in chosen)
        driver.start_deploy(node_uuid, self.request(server_uuid))
        assert self.wait(driver.poll_deploy, node_uuid) == DONE
        assert driver.get_power_state(node_uuid) == "power on"
        driver.start_teardown(node_uuid)
        assert self.wait(driver.poll_teardown, node_uuid) == DONE
        enroller.unenroll(node_uuid)
        assert node_uuid not in [n.uuid for n in driver.list_nodes()]
        self.decompose(composer, service, path)
        assert all(b.free for b in self.blocks(composer, service).values())
