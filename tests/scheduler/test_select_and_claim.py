"""select_and_claim over the in-process bus on the real embedded Placement."""

import concurrent.futures
import uuid

import pytest

from mogan import exception
from mogan.db import models
from mogan.db.api import node as node_db
from mogan.placement import client as placement_client
from mogan.scheduler.request import SelectRequest
from tests.placement import support


def request(node_rc: str, count: int = 1, **extra) -> dict:
    """A request for ``count`` new servers on nodes of ``node_rc``."""
    return {
        "server_uuids": [str(uuid.uuid4()) for _ in range(count)],
        "min_count": extra.pop("min_count", count),
        "resources": {placement_client.resource_class_name(node_rc): 1},
        "project_id": "project-a",
        "user_id": "alice",
        **extra,
    }


def place(scheduler, req: dict) -> dict[str, str]:
    """``select_and_claim`` of ``req`` (the engine's typed request)."""
    return scheduler.select_and_claim({}, SelectRequest.model_validate(req))


class TestConcurrency:
    def test_twenty_one_concurrent_claims_on_twenty_nodes(
        self, scheduler, driver, sync, placement_api, node_rc
    ):
        """21 concurrent one-server requests: 20 land on distinct nodes, one fails."""
        nodes = support.enroll(driver, 20, node_rc)
        sync()
        requests = [request(node_rc) for _ in range(21)]
        with concurrent.futures.ThreadPoolExecutor(21) as pool:
            futures = [pool.submit(place, scheduler, r) for r in requests]
            outcomes = [f.exception() or f.result() for f in futures]
        placed = [o for o in outcomes if isinstance(o, dict)]
        failed = [o for o in outcomes if not isinstance(o, dict)]
        assert len(placed) == 20
        assert {n for p in placed for n in p.values()} == set(nodes)
        assert len(failed) == 1
        assert isinstance(failed[0], exception.NoValidNode)
        assert "20 nodes: 20 already allocated" in failed[0].message
        for result in placed:
            ((server, node),) = result.items()
            assert placement_api.allocations_of(server) == {
                node: {placement_client.resource_class_name(node_rc): 1}
            }

    def test_concurrent_requests_in_one_process_do_not_race(
        self, scheduler, sched_conf, driver, sync, node_rc
    ):
        """Requests served side by side pick different nodes: no retry needed."""
        sched_conf.set_override("claim_retries", 0, group="scheduler")
        nodes = support.enroll(driver, 40, node_rc)
        sync()
        requests = [request(node_rc, 5) for _ in range(8)]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda r: place(scheduler, r), requests))
        assert [len(r) for r in results] == [5] * 8
        assert {n for r in results for n in r.values()} == set(nodes)

    def test_a_lost_race_records_who_holds_the_node(
        self, scheduler, driver, sync, database, placement_api, node_rc
    ):
        """A node claimed behind the view's back: the conflict records its holder.

        So releasing that holder frees the node in the view again.
        """
        (node,) = support.enroll(driver, 1, node_rc)
        sync()
        outsider = str(uuid.uuid4())
        rc = placement_client.resource_class_name(node_rc)
        placement_api.claim({outsider: {node: {rc: 1}}}, "p", "u")
        with pytest.raises(exception.NoValidNode):
            place(scheduler, request(node_rc))
        with database.transaction() as session:
            row = node_db.get(session, node)
            assert (row.allocated, row.consumer_uuid) == (True, outsider)
        placement_api.release(outsider)
        with database.transaction() as session:
            assert node_db.mark_released(session, outsider) == [node]
        assert list(place(scheduler, request(node_rc)).values()) == [node]

    def test_a_resumed_request_that_fails_keeps_no_claim(
        self, scheduler, driver, sync, placement_api, node_rc
    ):
        """Claims kept from an earlier call are dropped when the request fails whole."""
        nodes = support.enroll(driver, 2, node_rc)
        sync()
        req = request(node_rc, 2)
        first, _ = req["server_uuids"]
        rc = placement_client.resource_class_name(node_rc)
        # NOTE: an earlier call claimed the first server, and the other node
        # went to someone else; neither reached Mogan's view.
        placement_api.claim({first: {nodes[0]: {rc: 1}}}, "project-a", "alice")
        placement_api.claim({str(uuid.uuid4()): {nodes[1]: {rc: 1}}}, "p", "u")
        with pytest.raises(exception.NoValidNode):
            place(scheduler, req)
        assert placement_api.allocations_of(first) == {}


class TestMultiServer:
    def test_all_servers_claimed_in_one_request(self, scheduler, driver, sync, node_rc):
        """A request for three servers on three free nodes gets all three."""
        support.enroll(driver, 3, node_rc)
        sync()
        req = request(node_rc, 3)
        placed = place(scheduler, req)
        assert set(placed) == set(req["server_uuids"])
        assert len(set(placed.values())) == 3

    def test_a_class_spelled_as_nodes_spell_it_is_placed(
        self, scheduler, driver, sync, node_rc
    ):
        """A flavor naming ``baremetal-x`` (not ``CUSTOM_BAREMETAL_X``) is placed."""
        support.enroll(driver, 1, node_rc)
        sync()
        req = request(node_rc, 1)
        req["resources"] = {node_rc: 1}
        placed = place(scheduler, req)
        assert set(placed) == set(req["server_uuids"])

    def test_as_many_as_fit_above_min_count(self, scheduler, driver, sync, node_rc):
        """Five servers with min_count 2 on three nodes: three are placed."""
        support.enroll(driver, 3, node_rc)
        sync()
        placed = place(scheduler, request(node_rc, 5, min_count=2))
        assert len(placed) == 3

    def test_below_min_count_claims_nothing(
        self, scheduler, driver, sync, placement_api, node_rc
    ):
        """Four servers, min_count 4, three nodes: NoValidNode, no allocation."""
        support.enroll(driver, 3, node_rc)
        sync()
        req = request(node_rc, 4)
        with pytest.raises(exception.NoValidNode) as err:
            place(scheduler, req)
        assert "3 free nodes for 4 servers" in err.value.message
        for server in req["server_uuids"]:
            assert placement_api.allocations_of(server) == {}
        rc = placement_client.resource_class_name(node_rc)
        assert len(placement_api.allocation_candidates({rc: 1})) == 3


class TestConstraints:
    def test_excluded_nodes_are_never_chosen(self, scheduler, driver, sync, node_rc):
        """Excluded nodes are skipped; excluding all of them fails."""
        nodes = support.enroll(driver, 3, node_rc)
        sync()
        placed = place(scheduler, request(node_rc, exclude_nodes=nodes[:2]))
        assert list(placed.values()) == [nodes[2]]
        with pytest.raises(exception.NoValidNode) as err:
            place(scheduler, request(node_rc, exclude_nodes=nodes[:2]))
        assert "2 excluded" in err.value.message
        assert "1 already allocated" in err.value.message

    def test_traits_select_nodes(self, scheduler, driver, sync, node_rc):
        """Required and forbidden traits pick the one matching node."""
        support.enroll(driver, 2, node_rc)
        (gpu,) = support.enroll(driver, 1, node_rc, traits=("CUSTOM_GPU",))
        (both,) = support.enroll(
            driver, 1, node_rc, traits=("CUSTOM_GPU", "CUSTOM_SLOW")
        )
        sync()
        placed = place(
            scheduler,
            request(
                node_rc,
                required_traits=["CUSTOM_GPU"],
                forbidden_traits=["CUSTOM_SLOW"],
            ),
        )
        assert list(placed.values()) == [gpu]
        assert both not in placed.values()

    def test_resource_aggregates_restrict_to_matching_aggregates(
        self, scheduler, driver, sync, database, node_rc
    ):
        """resource_aggregates keeps the claim inside aggregates with that metadata."""
        nodes = support.enroll(driver, 3, node_rc)
        sync()
        with database.transaction() as session:
            agg = models.Aggregate(uuid=str(uuid.uuid4()), name="ssd-racks")
            agg.metadata_items.append(models.AggregateMetadata(key="disk", value="ssd"))
            session.add(agg)
            session.flush()
            session.add(models.AggregateNode(aggregate_id=agg.id, node_uuid=nodes[1]))
        placed = place(scheduler, request(node_rc, resource_aggregates={"disk": "ssd"}))
        assert list(placed.values()) == [nodes[1]]
        with pytest.raises(exception.NoValidNode) as err:
            place(scheduler, request(node_rc, resource_aggregates={"disk": "ssd"}))
        assert "2 outside the requested aggregates" in err.value.message
        with pytest.raises(exception.NoValidNode):
            place(scheduler, request(node_rc, resource_aggregates={"disk": "nvme"}))

    def test_availability_zone_restricts_to_its_nodes(
        self, scheduler, driver, sync, database, node_rc
    ):
        """A request's availability zone only takes nodes of that zone."""
        nodes = support.enroll(driver, 3, node_rc)
        sync()
        with database.transaction() as session:
            node_db.update(session, nodes[2], {"availability_zone": "az-2"})
        placed = place(scheduler, request(node_rc, availability_zone="az-2"))
        assert list(placed.values()) == [nodes[2]]
        with pytest.raises(exception.NoValidNode) as err:
            place(scheduler, request(node_rc, availability_zone="az-2"))
        assert "2 outside the requested availability zone" in err.value.message


class TestExplanation:
    def test_counts_say_why_nodes_were_rejected(self, scheduler, driver, sync, node_rc):
        """8 nodes: 4 of another class, 2 in maintenance, 2 taken -> counts of each."""
        support.enroll(driver, 4, support.node_class())
        support.enroll(driver, 2, node_rc, maintenance=True)
        support.enroll(driver, 2, node_rc)
        sync()
        place(scheduler, request(node_rc, 2))
        with pytest.raises(exception.NoValidNode) as err:
            place(scheduler, request(node_rc))
        assert err.value.message.endswith(
            "8 nodes: 4 wrong resource class, 2 in maintenance, 2 already allocated"
        )
