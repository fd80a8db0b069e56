"""Composed servers scheduled on resource blocks, claimed in the real Placement.

Pools are served by the team's Redfish emulator and synced by the engine's
``CompositionServices`` (``tests/scheduler/pools.py``); the scheduler runs
behind its RPC server (or its claiming loop is called directly where a test
needs two schedulers) on the embedded Placement. Every outcome is read
back: allocations from Placement, consumers and composed_systems rows from
the database.
"""

import concurrent.futures
import threading
import uuid

import pytest

from mogan import exception
from mogan.db import models
from mogan.db.api import composition as composition_db
from mogan.scheduler import blocks, candidates, claims, groups
from mogan.scheduler.request import SelectRequest
from tests.placement import support
from tests.redfish import specs
from tests.redfish.fixtures import redfish_fixture  # noqa: F401 - fixture
from tests.scheduler import pools

pytestmark = pytest.mark.services

GIB = 1024
ONE = {"VCPU": 16, "MEMORY_MB": 64 * GIB}
GPU = "CUSTOM_ACCEL_NVIDIA_A100"


@pytest.fixture
def svc(sched_conf, database, placement_api):
    """The engine's composition services on the redfish driver."""
    with pools.redfish_driver(sched_conf) as driver:
        yield pools.services(database, driver, placement_api)


def request(count=1, resources=None, **extra) -> SelectRequest:
    """A composable request for ``count`` new servers."""
    return SelectRequest(
        server_uuids=tuple(str(uuid.uuid4()) for _ in range(count)),
        min_count=extra.pop("min_count", count),
        resources=resources or ONE,
        project_id="project-a",
        user_id="alice",
        composable=True,
        **extra,
    )


def place(scheduler, req: SelectRequest) -> dict[str, str]:
    """``select_and_claim`` over the bus."""
    return scheduler.select_and_claim({}, req)


def claim_directly(database, placement_api, req, in_flight, retries=10):
    """The claiming loop of one scheduler process (its own in-flight set)."""
    typed = candidates.Request.from_request(req)
    return claims.select_and_claim(
        database,
        placement_api,
        typed,
        retries=retries,
        extra=5,
        in_flight=in_flight,
        target=blocks.Blocks(typed, weigher=candidates.Weigher()),
    )


class TakeInTurn(claims.InFlight):
    """One process's in-flight set that makes two requests overlap (a test hook).

    The first ``take`` of each of the threads named ``first`` and
    ``second`` waits until both have chosen (so both chose from the same
    view); ``first`` takes, then ``second``; ``first`` releases its
    providers only once ``second`` has taken. Later calls are plain.
    """

    WAIT = 30.0

    def __init__(self) -> None:
        """Nobody has chosen yet."""
        super().__init__()
        self._both_chose = threading.Barrier(2)
        self._first_took = threading.Event()
        self._second_took = threading.Event()
        self._local = threading.local()

    def run_as(self, name, call, *args):
        """``call(*args)`` as the request ``name`` (``first`` or ``second``)."""
        self._local.name = name
        self._local.staged = False
        return call(*args)

    def take(self, candidates, count):
        """The first take of each request in turn; then as ``InFlight``."""
        name = getattr(self._local, "name", None)
        if name is None or self._local.staged:
            return super().take(candidates, count)
        self._local.staged = True
        self._both_chose.wait(self.WAIT)
        if name == "first":
            taken = super().take(candidates, count)
            self._first_took.set()
            return taken
        assert self._first_took.wait(self.WAIT)
        taken = super().take(candidates, count)
        self._second_took.set()
        return taken

    def release(self, providers):
        """``first`` keeps its providers in flight until ``second`` took."""
        if getattr(self._local, "name", None) == "first":
            self._second_took.wait(self.WAIT)
        super().release(providers)


def by_provider(database) -> dict[str, models.ResourceBlock]:
    """Block rows by their provider uuid."""
    return {b.provider_uuid: b for b in pools.blocks(database).values()}


def assert_no_block_shared(placement_api, database):
    """Placement holds every block for at most one consumer."""
    for provider, row in by_provider(database).items():
        holders = placement_api.provider_allocations(provider)
        assert len(holders) <= 1, (row.block_id, holders)


class TestOneServer:
    def test_a_compute_block_and_what_covers_the_amounts(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """16 cores, 96 GiB and a GPU: Compute + the smallest memory block + GPU.

        All in one zone; each block's whole inventory is claimed for the
        server, and the view records the claim and the system to compose.
        """
        pool = specs.pool(
            [
                specs.compute_block("a-compute-0", "zone-a"),
                specs.memory_block("a-mem-big", "zone-a", gib=256),
                specs.memory_block("a-mem-small", "zone-a", gib=64),
                specs.processor_block("a-gpu-0", "zone-a"),
                specs.compute_block("b-compute-0", "zone-b"),
                specs.memory_block("b-mem-0", "zone-b", gib=64),
            ]
        )
        service = pools.register(redfish, svc, pool, name="pool-one")
        req = request(resources={"VCPU": 16, "MEMORY_MB": 96 * GIB, GPU: 1})
        placed = place(scheduler, req)

        ((server, node),) = placed.items()
        rows = pools.blocks(database)
        chosen = {"a-compute-0", "a-mem-small", "a-gpu-0"}
        assert placement_api.allocations_of(server) == {
            rows["a-compute-0"].provider_uuid: {"VCPU": 16, "MEMORY_MB": 64 * GIB},
            rows["a-mem-small"].provider_uuid: {"MEMORY_MB": 64 * GIB},
            rows["a-gpu-0"].provider_uuid: {GPU: 1},
        }
        assert {b for b, r in rows.items() if r.consumer_uuid == server} == chosen
        assert all(r.consumer_uuid is None for b, r in rows.items() if b not in chosen)
        row = pools.composed(database)[server]
        assert (row.node_uuid, row.service_uuid, row.zone) == (node, service, "zone-a")
        assert sorted(row.blocks) == sorted(chosen)
        assert row.system is None

    def test_amounts_no_zone_covers_are_refused_saying_why(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """Three zones: two without a Compute block free, one short of memory."""
        pool = specs.pool(
            [
                specs.compute_block("a-compute-0", "zone-a"),
                specs.memory_block("b-mem-0", "zone-b"),
                specs.storage_block("c-disk-0", "zone-c"),
            ]
        )
        pools.register(redfish, svc, pool)
        req = request(resources={"VCPU": 16, "MEMORY_MB": 128 * GIB})
        with pytest.raises(exception.NoValidNode) as err:
            place(scheduler, req)
        assert err.value.message.endswith(
            ": 0 free block sets for 1 servers (at least 1 needed); 3 zones: "
            "2 without a free Compute block, 1 short of MEMORY_MB 65536"
        )
        assert placement_api.allocations_of(req.server_uuids[0]) == {}
        assert pools.composed(database) == {}

    def test_a_service_being_removed_offers_nothing(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """Its removal tombstone set, its free blocks are no candidates."""
        service = pools.register(redfish, svc, specs.simple_pool(compute=1))
        with database.transaction() as session:
            assert composition_db.set_removing(session, service, True)
        req = request()
        with pytest.raises(exception.NoValidNode):
            place(scheduler, req)
        assert placement_api.allocations_of(req.server_uuids[0]) == {}
        with database.transaction() as session:
            composition_db.set_removing(session, service, False)
        assert set(place(scheduler, request()).values())


class TestExcluded:
    def test_blocks_an_earlier_attempt_failed_on_are_left_out(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """``exclude_blocks``: never chosen, and named when nothing else fits."""
        pools.register(redfish, svc, specs.simple_pool(("zone-a",), compute=2))
        rows = pools.blocks(database)
        first, second = (rows[f"zone-a-compute-{i}"].provider_uuid for i in range(2))
        placed = place(scheduler, request(exclude_blocks=(first,)))
        ((server, _),) = placed.items()
        assert set(placement_api.allocations_of(server)) == {second}

        req = request(exclude_blocks=(first,))
        with pytest.raises(exception.NoValidNode) as err:
            place(scheduler, req)
        assert err.value.message.endswith(
            "; 1 zone: 1 without a free Compute block; "
            "1 free block left out: earlier attempts failed on them"
        )
        assert placement_api.allocations_of(req.server_uuids[0]) == {}


class TestMultiCreate:
    def test_all_servers_in_one_post(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """Three servers, one POST /allocations, three disjoint block sets."""
        pools.register(redfish, svc, specs.simple_pool(("zone-a",), compute=3, gpu=3))
        seen = support.count_requests(placement_api)
        req = request(3, resources={**ONE, GPU: 1})
        placed = place(scheduler, req)
        assert set(placed) == set(req.server_uuids)
        assert seen.count("POST /allocations") == 1
        held = [set(placement_api.allocations_of(s)) for s in placed]
        assert all(len(h) == 2 for h in held)
        assert len(set().union(*held)) == 6
        assert len(set(placed.values())) == 3
        assert set(pools.composed(database)) == set(placed)

    def test_as_many_as_fit_above_min_count(self, scheduler, svc, redfish, database):
        """Five servers, min_count 2, three Compute blocks: three are placed."""
        pools.register(redfish, svc, specs.simple_pool(("zone-a",), compute=3))
        placed = place(scheduler, request(5, min_count=2))
        assert len(placed) == 3
        assert set(pools.composed(database)) == set(placed)

    def test_below_min_count_claims_nothing(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """Four servers, min_count 4, three Compute blocks: nothing claimed."""
        pools.register(redfish, svc, specs.simple_pool(("zone-a",), compute=3))
        req = request(4)
        with pytest.raises(exception.NoValidNode) as err:
            place(scheduler, req)
        assert "3 free block sets for 4 servers (at least 4 needed)" in (
            err.value.message
        )
        assert "1 zone: 1 room for 3 servers" in err.value.message
        for server in req.server_uuids:
            assert placement_api.allocations_of(server) == {}
        assert all(r.consumer_uuid is None for r in pools.blocks(database).values())
        assert pools.composed(database) == {}


class TestConcurrency:
    def test_ten_requests_over_blocks_for_six(
        self, svc, redfish, database, placement_api
    ):
        """Ten one-server requests, two schedulers, blocks for six.

        Six are placed, four refused with an explaining reason, and
        Placement holds no block for two servers.
        """
        pools.register(
            redfish, svc, specs.simple_pool(("zone-a", "zone-b"), compute=3, gpu=3)
        )
        flights = [claims.InFlight(), claims.InFlight()]
        reqs = [request(resources={**ONE, GPU: 1}) for _ in range(10)]
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            futures = [
                pool.submit(
                    claim_directly, database, placement_api, r, flights[i % 2], 20
                )
                for i, r in enumerate(reqs)
            ]
            outcomes = [f.exception() or f.result() for f in futures]
        placed = [o for o in outcomes if isinstance(o, dict)]
        failed = [o for o in outcomes if not isinstance(o, dict)]
        assert len(placed) == 6, failed
        assert len(failed) == 4
        for err in failed:
            assert isinstance(err, exception.NoValidNode), err
            assert err.message.endswith(
                ": 0 free block sets for 1 servers (at least 1 needed); "
                "2 zones: 2 without a free Compute block"
            )
        assert_no_block_shared(placement_api, database)
        held = [placement_api.allocations_of(s) for p in placed for s in p]
        providers = [rp for h in held for rp in h]
        assert len(providers) == len(set(providers)) == 12
        rows = by_provider(database)
        for servers in placed:
            ((server, _node),) = servers.items()
            assert {
                rows[rp].consumer_uuid for rp in placement_api.allocations_of(server)
            } == {server}
        for req in (r for r, o in zip(reqs, outcomes, strict=True) if o in failed):
            assert placement_api.allocations_of(req.server_uuids[0]) == {}

    def test_two_multi_creates_in_one_process_get_all_their_servers(
        self, svc, redfish, database, placement_api
    ):
        """Two requests choose from one view; the second's picks partly taken.

        Five Compute blocks, a request for two and one for three (each
        ``min_count`` 1), one scheduler process. Both choose before either
        takes (``TakeInTurn``), so both want blocks 0 and 1; the first
        takes them and keeps them in flight until the second has taken
        what was left of its picks. The second must not claim just block
        2: it chooses again and gets three servers, every block used once.
        """
        pools.register(redfish, svc, specs.simple_pool(("zone-a",), compute=5))
        in_flight = TakeInTurn()
        first, second = request(2, min_count=1), request(3, min_count=1)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            futures = [
                pool.submit(
                    in_flight.run_as,
                    name,
                    claim_directly,
                    database,
                    placement_api,
                    req,
                    in_flight,
                )
                for name, req in (("first", first), ("second", second))
            ]
            outcomes = [f.result(timeout=60) for f in futures]
        assert [len(o) for o in outcomes] == [2, 3]
        assert_no_block_shared(placement_api, database)
        held = [
            rp
            for o in outcomes
            for server in o
            for rp in placement_api.allocations_of(server)
        ]
        assert len(held) == len(set(held)) == 5
        assert set(pools.composed(database)) == set(outcomes[0]) | set(outcomes[1])

    def test_a_block_claimed_behind_the_view_is_learned(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """A block held by an outsider: the lost claim records it, then others win."""
        pools.register(redfish, svc, specs.simple_pool(("zone-a",), compute=2))
        rows = pools.blocks(database)
        first = rows["zone-a-compute-0"].provider_uuid
        outsider = str(uuid.uuid4())
        placement_api.claim({outsider: {first: ONE}}, "p", "u")
        placed = place(scheduler, request())
        ((server, _),) = placed.items()
        assert set(placement_api.allocations_of(server)) == {
            rows["zone-a-compute-1"].provider_uuid
        }
        assert pools.blocks(database)["zone-a-compute-0"].consumer_uuid == outsider


class TestRelease:
    def test_a_failed_resumed_request_frees_blocks_and_placement(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """A server claimed by an earlier call is released when the request fails whole.

        The earlier claim (its answer lost) is found on a consumer
        generation conflict and kept; the other block is an outsider's, so
        the request fails, and the kept claim goes from Placement, from
        the blocks' consumers and from composed_systems.
        """
        pools.register(redfish, svc, specs.simple_pool(("zone-a",), compute=2))
        rows = pools.blocks(database)
        blocks_ = [rows[f"zone-a-compute-{i}"].provider_uuid for i in range(2)]
        req = request(2)
        first, _second = req.server_uuids
        outsider = str(uuid.uuid4())
        placement_api.claim({first: {blocks_[0]: ONE}}, "project-a", "alice")
        placement_api.claim({outsider: {blocks_[1]: ONE}}, "p", "u")
        with pytest.raises(exception.NoValidNode):
            place(scheduler, req)
        assert placement_api.allocations_of(first) == {}
        # NOTE: the kept claim was recorded (a row for its system to be);
        # dropped, it leaves none.
        assert pools.composed(database) == {}
        after = pools.blocks(database)
        assert after["zone-a-compute-0"].consumer_uuid is None
        assert after["zone-a-compute-1"].consumer_uuid == outsider
        # NOTE: the block is free again for a new request.
        (node,) = place(scheduler, request()).values()
        assert node


def make_group(database, policy, **rules) -> str:
    """A server group row (with ``rules``); its uuid."""
    group_uuid = str(uuid.uuid4())
    with database.transaction() as session:
        session.add(
            models.ServerGroup(
                uuid=group_uuid,
                name=f"g-{policy}",
                project_id="project-a",
                user_id="alice",
                policy=policy,
                rules=rules,
            )
        )
    return group_uuid


def members(database, group_uuid, count=1, **extra) -> SelectRequest:
    """A request for ``count`` new members of the group (membership written first)."""
    req = request(count, group_uuid=group_uuid, **extra)
    with database.transaction() as session:
        group = session.query(models.ServerGroup).filter_by(uuid=group_uuid).one()
        for server in req.server_uuids:
            session.add(models.ServerGroupMember(group_id=group.id, server_uuid=server))
    return req


def zones(database, placed) -> list[str]:
    """The zone each placed server's blocks are in."""
    rows = pools.composed(database)
    return [rows[server].zone for server in placed]


class TestGroups:
    def test_anti_affinity_over_two_zones(self, scheduler, svc, redfish, database):
        """Two members in one request land in distinct zones; a third is refused."""
        pools.register(redfish, svc, specs.simple_pool(("zone-a", "zone-b"), compute=2))
        group = make_group(database, groups.ANTI_AFFINITY)
        placed = place(scheduler, members(database, group, 2))
        assert sorted(zones(database, placed)) == ["zone-a", "zone-b"]
        with pytest.raises(exception.NoValidNode) as err:
            place(scheduler, members(database, group))
        assert "2 ruled out by the server group's policy" in err.value.message
        assert "anti-affinity over composition_zone" in err.value.message

    def test_anti_affinity_refused_with_one_zone(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """Two members, one zone (with blocks for both): refused, nothing claimed."""
        pools.register(redfish, svc, specs.simple_pool(("zone-a",), compute=2))
        group = make_group(database, groups.ANTI_AFFINITY)
        req = members(database, group, 2)
        with pytest.raises(exception.NoValidNode) as err:
            place(scheduler, req)
        assert "1 free block sets for 2 servers" in err.value.message
        for server in req.server_uuids:
            assert placement_api.allocations_of(server) == {}
        assert pools.composed(database) == {}

    def test_affinity_keeps_members_in_one_zone(
        self, scheduler, svc, redfish, database
    ):
        """Members of an affinity group join the zone the first ones landed in."""
        pools.register(redfish, svc, specs.simple_pool(("zone-a", "zone-b"), compute=3))
        group = make_group(database, groups.AFFINITY)
        first = place(scheduler, members(database, group, 2))
        (home,) = set(zones(database, first))
        later = place(scheduler, members(database, group))
        assert zones(database, later) == [home]

    def test_spread_without_a_group(self, scheduler, svc, redfish, database):
        """The default weigher spreads servers over zones."""
        pools.register(redfish, svc, specs.simple_pool(("zone-a", "zone-b"), compute=2))
        placed = place(scheduler, request(2))
        assert sorted(zones(database, placed)) == ["zone-a", "zone-b"]
