"""Server groups over the chassis of composed servers, claimed in the real Placement.

A group scoped to ``chassis`` places composed members by the chassis of
their Compute block (``Links.Chassis`` of the block, as the team's Redfish
emulator serves it and the sync keeps it). Pools are synced into the
embedded Placement (``tests/scheduler/pools.py``); the scheduler runs
behind its RPC server, or its claiming loop is called directly where a
test needs two schedulers. Where each member landed is read back from the
database (its composed_systems row and its Compute block's chassis) and
from Placement (its allocations).
"""

import concurrent.futures
import uuid

import pytest

from mogan import exception, states
from mogan.db import models
from mogan.scheduler import claims, groups
from tests.redfish import specs
from tests.redfish.fixtures import redfish_fixture  # noqa: F401 - fixture
from tests.scheduler import pools
from tests.scheduler.test_blocks import (
    ONE,
    claim_directly,
    make_group,
    members,
    place,
)

pytestmark = pytest.mark.services

CHASSIS = {"scope": groups.CHASSIS_SCOPE}


@pytest.fixture
def svc(sched_conf, database, placement_api):
    """The engine's composition services on the redfish driver."""
    with pools.redfish_driver(sched_conf) as driver:
        yield pools.services(database, driver, placement_api)


def landed(database, placement_api, placed) -> list[str]:
    """The chassis of each placed server's Compute block, checked against Placement.

    The server's Placement allocations are exactly its composed_systems
    row's blocks, so the chassis read is the one of what it holds.
    """
    rows = pools.composed(database)
    blocks = pools.blocks(database)
    out = []
    for server in placed:
        row = rows[server]
        assert set(placement_api.allocations_of(server)) == {
            blocks[b].provider_uuid for b in row.blocks
        }
        (compute,) = [b for b in row.blocks if "Compute" in blocks[b].block_types]
        out.append(blocks[compute].chassis[0] if blocks[compute].chassis else None)
    return out


def two_chassis(compute: int = 4) -> dict:
    """One zone, ``compute`` Compute blocks round-robin over two chassis."""
    return specs.simple_pool(("zone-a",), compute=compute, chassis=2)


def refused(scheduler, req) -> str:
    """The reason a request is refused; nothing of it is claimed."""
    with pytest.raises(exception.NoValidNode) as err:
        place(scheduler, req)
    return err.value.message


class TestAntiAffinity:
    def test_distinct_chassis_in_one_zone_and_a_third_refused(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """Two members in one request on two chassis; a third is refused.

        Both chassis still have a free Compute block: the policy, not the
        pool, refuses the third, and nothing of it is claimed.
        """
        pools.register(redfish, svc, two_chassis())
        group = make_group(database, groups.ANTI_AFFINITY, **CHASSIS)
        placed = place(scheduler, members(database, group, 2))
        assert sorted(landed(database, placement_api, placed)) == [
            "zone-a-chassis-0",
            "zone-a-chassis-1",
        ]
        assert {pools.composed(database)[s].zone for s in placed} == {"zone-a"}

        third = members(database, group)
        message = refused(scheduler, third)
        assert "1 zone: 1 ruled out by the server group's policy" in message
        assert "anti-affinity over chassis (at most 1 per domain)" in message
        assert placement_api.allocations_of(third.server_uuids[0]) == {}
        free = [b for b, r in pools.blocks(database).items() if r.consumer_uuid is None]
        assert len(free) == 2

    def test_one_request_at_a_time_up_to_max_per_domain(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """Members placed one by one: two per chassis at most, the fifth refused."""
        pools.register(redfish, svc, two_chassis(compute=6))
        group = make_group(database, groups.ANTI_AFFINITY, max_per_domain=2, **CHASSIS)
        placed = {}
        for _ in range(4):
            placed.update(place(scheduler, members(database, group)))
        chassis = landed(database, placement_api, placed)
        assert sorted(chassis) == [
            "zone-a-chassis-0",
            "zone-a-chassis-0",
            "zone-a-chassis-1",
            "zone-a-chassis-1",
        ]
        message = refused(scheduler, members(database, group))
        assert "ruled out by the server group's policy" in message

    def test_blocks_without_a_chassis_are_not_candidates(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """A hard policy uses only blocks with a chassis; a soft one uses any."""
        pool = specs.pool(
            [
                specs.compute_block("with-chassis", "zone-a", chassis="c-1"),
                specs.compute_block("bare-0", "zone-a"),
                specs.compute_block("bare-1", "zone-a"),
            ]
        )
        pools.register(redfish, svc, pool)
        hard = make_group(database, groups.ANTI_AFFINITY, **CHASSIS)
        (first,) = place(scheduler, members(database, hard))
        assert landed(database, placement_api, [first]) == ["c-1"]
        message = refused(scheduler, members(database, hard))
        assert "ruled out by the server group's policy" in message

        soft = make_group(database, groups.SOFT_ANTI_AFFINITY, **CHASSIS)
        placed = place(scheduler, members(database, soft, 2))
        assert landed(database, placement_api, placed) == [None, None]

    def test_racing_requests_through_two_schedulers(
        self, svc, redfish, database, placement_api
    ):
        """Four one-member requests at once, two chassis: two placed, apart.

        The group token makes the requests that read the same members lose
        their claim and read them again, so no chassis gets two members.
        """
        pools.register(redfish, svc, two_chassis())
        group = make_group(database, groups.ANTI_AFFINITY, **CHASSIS)
        flights = [claims.InFlight(), claims.InFlight()]
        reqs = [members(database, group) for _ in range(4)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            futures = [
                pool.submit(
                    claim_directly, database, placement_api, r, flights[i % 2], 20
                )
                for i, r in enumerate(reqs)
            ]
            outcomes = [f.exception() or f.result() for f in futures]
        placed = [s for o in outcomes if isinstance(o, dict) for s in o]
        failed = [o for o in outcomes if not isinstance(o, dict)]
        assert len(placed) == 2, failed
        assert all(isinstance(err, exception.NoValidNode) for err in failed), failed
        assert sorted(landed(database, placement_api, placed)) == [
            "zone-a-chassis-0",
            "zone-a-chassis-1",
        ]

    def test_a_member_being_placed_counts_from_its_claim(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """A building member whose claim is in Placement, not yet in the view.

        Its Compute block's chassis is full: the next member goes to the
        other chassis.
        """
        pools.register(redfish, svc, two_chassis(compute=2))
        group = make_group(database, groups.ANTI_AFFINITY, **CHASSIS)
        ahead = members(database, group)
        (server,) = ahead.server_uuids
        with database.transaction() as session:
            session.add(
                models.Server(
                    uuid=server,
                    name="ahead",
                    project_id="project-a",
                    user_id="alice",
                    status=states.BUILDING,
                    composed=True,
                    request_id=str(uuid.uuid4()),
                )
            )
        rows = pools.blocks(database)
        placement_api.claim(
            {server: {rows["zone-a-compute-0"].provider_uuid: ONE}},
            "project-a",
            "alice",
        )
        assert rows["zone-a-compute-0"].chassis == ["zone-a-chassis-0"]
        placed = place(scheduler, members(database, group))
        assert landed(database, placement_api, placed) == ["zone-a-chassis-1"]


class TestAffinity:
    def test_members_share_one_chassis(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """Members join the chassis the first landed in; when full, refused.

        The other chassis still has free Compute blocks.
        """
        pools.register(redfish, svc, two_chassis(compute=6))
        group = make_group(database, groups.AFFINITY, **CHASSIS)
        first = place(scheduler, members(database, group, 2))
        (home,) = set(landed(database, placement_api, first))
        later = place(scheduler, members(database, group))
        assert landed(database, placement_api, later) == [home]

        message = refused(scheduler, members(database, group))
        assert "ruled out by the server group's policy" in message
        assert "affinity over chassis" in message
        free = {
            r.chassis[0]
            for r in pools.blocks(database).values()
            if r.consumer_uuid is None
        }
        assert free == {"zone-a-chassis-0", "zone-a-chassis-1"} - {home}

    def test_soft_affinity_spills_over_to_another_chassis(
        self, scheduler, svc, redfish, database, placement_api
    ):
        """Three members, chassis of two blocks: two together, the third beside."""
        pools.register(redfish, svc, two_chassis())
        group = make_group(database, groups.SOFT_AFFINITY, **CHASSIS)
        placed = place(scheduler, members(database, group, 3))
        chassis = landed(database, placement_api, placed)
        assert sorted(chassis.count(c) for c in set(chassis)) == [1, 2]
