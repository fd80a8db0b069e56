"""Server groups in the scheduler: policies over failure domains, the group token."""

import concurrent.futures
import threading
import uuid

import pytest

from mogan import exception
from mogan.db import models
from mogan.placement import client as placement_client
from mogan.scheduler import candidates, claims, groups
from tests.placement import support
from tests.scheduler.test_select_and_claim import place, request


def zoned_fleet(
    driver, sync, database, node_rc, zones, per_zone=2, level="affinity_zone"
):
    """``per_zone`` nodes in each of ``zones`` (domains at ``level``)."""
    layout = {}
    for zone in zones:
        layout[zone] = support.enroll(driver, per_zone, node_rc)
    sync()
    with database.transaction() as session:
        for zone, nodes in layout.items():
            for node in nodes:
                session.add(models.NodeDomain(node_uuid=node, level=level, domain=zone))
    return layout


def make_group(database, policy, **rules):
    """A server group row; returns its uuid."""
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


def member_request(database, node_rc, group_uuid, count=1):
    """A request for ``count`` new members of the group (membership written first)."""
    req = request(node_rc, count, group_uuid=group_uuid)
    with database.transaction() as session:
        group = session.query(models.ServerGroup).filter_by(uuid=group_uuid).one()
        for server in req["server_uuids"]:
            session.add(models.ServerGroupMember(group_id=group.id, server_uuid=server))
    return req


def zone_of(layout, node):
    """The zone ``node`` was put in by ``zoned_fleet``."""
    return next(zone for zone, nodes in layout.items() if node in nodes)


class TestAntiAffinity:
    def test_three_members_over_three_zones_then_a_fourth_fails(
        self, scheduler, driver, sync, database, node_rc
    ):
        """Hard anti-affinity: one member per zone; the 4th fails, saying why."""
        layout = zoned_fleet(driver, sync, database, node_rc, ["z1", "z2", "z3"])
        group = make_group(database, groups.ANTI_AFFINITY)
        zones = set()
        for _ in range(3):
            placed = place(scheduler, member_request(database, node_rc, group))
            zones.add(zone_of(layout, next(iter(placed.values()))))
        assert zones == {"z1", "z2", "z3"}
        with pytest.raises(exception.NoValidNode) as err:
            place(scheduler, member_request(database, node_rc, group))
        assert "3 failure domain exhausted" in err.value.message
        assert "anti-affinity over affinity_zone" in err.value.message

    def test_soft_anti_affinity_places_the_fourth(
        self, scheduler, driver, sync, database, node_rc
    ):
        """Soft anti-affinity spreads while it can, then still places."""
        layout = zoned_fleet(driver, sync, database, node_rc, ["z1", "z2", "z3"])
        group = make_group(database, groups.SOFT_ANTI_AFFINITY)
        landed = [
            zone_of(
                layout,
                next(
                    iter(
                        place(
                            scheduler, member_request(database, node_rc, group)
                        ).values()
                    )
                ),
            )
            for _ in range(4)
        ]
        assert set(landed[:3]) == {"z1", "z2", "z3"}
        assert landed[3] in {"z1", "z2", "z3"}

    def test_one_request_of_three_members_spreads(
        self, scheduler, driver, sync, database, node_rc
    ):
        """A multi-create into an anti-affinity group lands in three zones at once."""
        layout = zoned_fleet(driver, sync, database, node_rc, ["z1", "z2", "z3"])
        group = make_group(database, groups.ANTI_AFFINITY)
        placed = place(scheduler, member_request(database, node_rc, group, count=3))
        assert {zone_of(layout, n) for n in placed.values()} == {"z1", "z2", "z3"}

    def test_max_per_domain_at_a_hierarchy_level(
        self, scheduler, driver, sync, database, node_rc
    ):
        """max_per_domain 2 over racks: two per rack, then refused."""
        layout = zoned_fleet(
            driver,
            sync,
            database,
            node_rc,
            ["room-a/rack-1", "room-a/rack-2"],
            per_zone=3,
            level="rack",
        )
        group = make_group(
            database, groups.ANTI_AFFINITY, scope="rack", max_per_domain=2
        )
        placed = place(scheduler, member_request(database, node_rc, group, count=4))
        racks = [zone_of(layout, n) for n in placed.values()]
        assert sorted(racks) == ["room-a/rack-1"] * 2 + ["room-a/rack-2"] * 2
        with pytest.raises(exception.NoValidNode) as err:
            place(scheduler, member_request(database, node_rc, group))
        assert "at most 2 per domain" in err.value.message

    def test_nodes_without_a_domain_never_take_hard_members(
        self, scheduler, driver, sync, database, node_rc
    ):
        """A node in no affinity zone is not a candidate under a hard policy."""
        support.enroll(driver, 2, node_rc)
        sync()
        group = make_group(database, groups.ANTI_AFFINITY)
        with pytest.raises(exception.NoValidNode):
            place(scheduler, member_request(database, node_rc, group))


class TestAffinity:
    def test_members_share_one_zone(self, scheduler, driver, sync, database, node_rc):
        """Affinity: the first member picks a zone, later members follow it."""
        layout = zoned_fleet(driver, sync, database, node_rc, ["z1", "z2"], per_zone=3)
        group = make_group(database, groups.AFFINITY)
        first = place(scheduler, member_request(database, node_rc, group, count=2))
        zones = {zone_of(layout, n) for n in first.values()}
        assert len(zones) == 1
        second = place(scheduler, member_request(database, node_rc, group))
        assert {zone_of(layout, n) for n in second.values()} == zones
        with pytest.raises(exception.NoValidNode):
            place(scheduler, member_request(database, node_rc, group))

    def test_a_request_larger_than_any_zone_fails_whole(
        self, scheduler, driver, sync, database, placement_api, node_rc
    ):
        """Three members need a zone with three free nodes; none has one: no claim."""
        zoned_fleet(driver, sync, database, node_rc, ["z1", "z2"], per_zone=2)
        group = make_group(database, groups.AFFINITY)
        req = member_request(database, node_rc, group, count=3)
        with pytest.raises(exception.NoValidNode):
            place(scheduler, req)
        for server in req["server_uuids"]:
            assert placement_api.allocations_of(server) == {}


class _ClaimsMeet:
    """The real Placement client, but the first claims of two requests meet first.

    Both requests have chosen their nodes before either claims: the race
    the group token exists for, made certain instead of likely.
    """

    def __init__(self, real):
        self._real = real
        self._barrier = threading.Barrier(2, timeout=10)
        self._met = threading.local()

    def claim(self, *args, **kwargs):
        if not getattr(self._met, "done", False):
            self._met.done = True
            self._barrier.wait()
        return self._real.claim(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._real, name)


class _Signalling(claims.InFlight):
    """Mogan's in-flight set that also says when a request first took nodes."""

    def __init__(self):
        super().__init__()
        self.took = threading.Event()

    def take(self, candidates, count):
        chosen = super().take(candidates, count)
        self.took.set()
        return chosen


class TestGroupToken:
    def test_racing_members_never_share_a_zone(
        self, driver, sync, database, placement_api, node_rc
    ):
        """Two members claimed at the same instant still land in different zones.

        Both pick the emptiest zone (z1), on different nodes; Placement lets
        one claim through, the other fails on the group token's generation,
        re-reads the group and goes to z2.
        """
        layout = zoned_fleet(driver, sync, database, node_rc, ["z1", "z2"], per_zone=3)
        group = make_group(database, groups.ANTI_AFFINITY)
        requests = [member_request(database, node_rc, group) for _ in range(2)]
        placement = _ClaimsMeet(placement_api)
        in_flight = _Signalling()

        def place(req):
            return claims.select_and_claim(
                database,
                placement,
                candidates.Request.from_dict(req),
                retries=5,
                extra=5,
                in_flight=in_flight,
            )

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            first = pool.submit(place, requests[0])
            # NOTE: the second request chooses once the first holds its node,
            # so it picks another node of the same zone.
            assert in_flight.took.wait(10)
            second = pool.submit(place, requests[1])
            placed = [first.result(), second.result()]
        zones = [zone_of(layout, next(iter(p.values()))) for p in placed]
        assert sorted(zones) == ["z1", "z2"]

    def test_the_token_is_one_unit_on_the_ledger(
        self, scheduler, driver, sync, database, placement_api, node_rc
    ):
        """A group claim also holds the group's token on Mogan's ledger provider."""
        zoned_fleet(driver, sync, database, node_rc, ["z1"])
        group = make_group(database, groups.ANTI_AFFINITY)
        place(scheduler, member_request(database, node_rc, group))
        assert placement_api.allocations_of(group) == {
            groups.LEDGER_UUID: {groups.GROUP_RC: 1}
        }
        assert placement_client.resource_class_name("MOGAN_SERVER_GROUP") == (
            groups.GROUP_RC
        )


class TestWeighers:
    @pytest.mark.parametrize(("mode", "same_zone"), [("spread", False), ("pack", True)])
    def test_spread_and_pack_over_affinity_zones(
        self, driver, sync, database, placement_api, node_rc, mode, same_zone
    ):
        """Spread puts the next server in the emptier zone; pack in the fuller one."""
        layout = zoned_fleet(driver, sync, database, node_rc, ["z1", "z2"], per_zone=3)

        def place(weigher):
            placed = claims.select_and_claim(
                database,
                placement_api,
                candidates.Request.from_dict(request(node_rc)),
                retries=0,
                extra=10,
                weigher=weigher,
            )
            return zone_of(layout, next(iter(placed.values())))

        first = place(candidates.Weigher(mode=mode))
        second = place(candidates.Weigher(mode=mode))
        assert (first == second) is same_zone

    def test_ties_go_to_the_lowest_node_uuid(self, database, driver, sync, node_rc):
        """With nothing to tell candidates apart, the lowest uuid wins."""
        nodes = support.enroll(driver, 4, node_rc)
        sync()
        with database.transaction() as session:
            chosen = candidates.weigh(
                session, sorted(nodes, reverse=True), 2, candidates.Weigher()
            )
        assert chosen == sorted(nodes)[:2]
