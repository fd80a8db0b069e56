"""The Placement client against the real embedded Placement (no mocks)."""

import socket
import uuid

import httpx
import pytest

from mogan.placement import client as placement_client


def provider(api, rc: str, traits=(), aggregates=()) -> str:
    """A provider with one unit of ``rc``, ``traits`` and ``aggregates``."""
    rp = str(uuid.uuid4())
    api.ensure_resource_class(rc)
    generation = api.create_provider(rp, f"rp-{rp}")["generation"]
    generation = api.set_inventory(rp, generation, {rc: {"total": 1, "max_unit": 1}})
    generation = api.set_traits(rp, generation, list(traits))
    api.set_aggregates(rp, generation, list(aggregates))
    return rp


class TestResourceClassName:
    @pytest.mark.parametrize(
        ("node_rc", "expected"),
        [
            ("baremetal-gold", "CUSTOM_BAREMETAL_GOLD"),
            ("Gold", "CUSTOM_GOLD"),
            ("bm.large--x", "CUSTOM_BM_LARGE_X"),
        ],
    )
    def test_maps_node_class_to_custom_class(self, node_rc, expected):
        """Node classes become upper-case CUSTOM_ names with runs of others as _."""
        assert expected == placement_client.resource_class_name(node_rc)


class TestProviders:
    def test_create_inventory_traits_aggregates_round_trip(self, placement_api, rc):
        """A provider keeps the inventory, traits and aggregates it was given."""
        agg = str(uuid.uuid4())
        rp = provider(placement_api, rc, traits=["CUSTOM_FAST"], aggregates=[agg])
        assert placement_api.get_provider(rp)["name"] == f"rp-{rp}"
        assert placement_api.get_inventory(rp)[rc]["total"] == 1
        assert placement_api.get_traits(rp) == ["CUSTOM_FAST"]
        assert [agg] == placement_api.get_aggregates(rp)
        assert rp in placement_api.list_providers()

    def test_stale_generation_is_a_conflict(self, placement_api, rc):
        """Writing with an old generation raises ClaimConflict and changes nothing."""
        rp = provider(placement_api, rc)
        with pytest.raises(placement_client.ClaimConflict):
            placement_api.set_traits(rp, 0, ["CUSTOM_STALE"])
        assert placement_api.get_traits(rp) == []

    def test_rename_and_delete(self, placement_api, rc):
        """A provider can be renamed, then deleted; deleting again is fine."""
        rp = provider(placement_api, rc)
        placement_api.rename_provider(rp, f"renamed-{rp}")
        assert placement_api.get_provider(rp)["name"] == f"renamed-{rp}"
        placement_api.delete_provider(rp)
        placement_api.delete_provider(rp)
        assert placement_api.get_provider(rp) is None

    def test_duplicate_provider_is_a_conflict(self, placement_api, rc):
        """Creating a provider whose uuid exists raises ClaimConflict."""
        rp = provider(placement_api, rc)
        with pytest.raises(placement_client.ClaimConflict):
            placement_api.create_provider(rp, f"other-{rp}")

    def test_free_providers_filter_by_capacity(self, placement_api, rc):
        """Listing by resources returns only providers with free capacity."""
        free, used = provider(placement_api, rc), provider(placement_api, rc)
        placement_api.claim({str(uuid.uuid4()): {used: {rc: 1}}}, "p", "u")
        found = placement_api.list_providers(resources={rc: 1})
        assert free in found
        assert used not in found


class TestClaims:
    def test_claim_of_several_consumers_is_one_write(self, placement_api, rc):
        """Several consumers are claimed together and each holds its node."""
        rps = [provider(placement_api, rc) for _ in range(3)]
        consumers = [str(uuid.uuid4()) for _ in rps]
        placement_api.claim(
            {c: {rp: {rc: 1}} for c, rp in zip(consumers, rps, strict=True)},
            "project",
            "user",
        )
        for c, rp in zip(consumers, rps, strict=True):
            assert {rp: {rc: 1}} == placement_api.allocations_of(c)
        assert placement_api.allocation_candidates({rc: 1}) == []

    def test_conflicting_claim_writes_nothing(self, placement_api, rc):
        """A claim with one taken node is refused whole: no consumer gets anything."""
        free, taken = provider(placement_api, rc), provider(placement_api, rc)
        placement_api.claim({str(uuid.uuid4()): {taken: {rc: 1}}}, "p", "u")
        first, second = str(uuid.uuid4()), str(uuid.uuid4())
        with pytest.raises(placement_client.ClaimConflict):
            placement_api.claim(
                {first: {free: {rc: 1}}, second: {taken: {rc: 1}}}, "p", "u"
            )
        assert placement_api.allocations_of(first) == {}
        assert placement_api.allocations_of(second) == {}
        assert [free] == placement_api.allocation_candidates({rc: 1})

    def test_release_frees_the_node(self, placement_api, rc):
        """Releasing a consumer frees its node; releasing again is fine."""
        rp = provider(placement_api, rc)
        consumer = str(uuid.uuid4())
        placement_api.claim({consumer: {rp: {rc: 1}}}, "p", "u")
        assert {consumer: {rc: 1}} == placement_api.provider_allocations(rp)
        placement_api.release(consumer)
        placement_api.release(consumer)
        assert placement_api.provider_allocations(rp) == {}
        assert [rp] == placement_api.allocation_candidates({rc: 1})


class TestCandidates:
    def test_required_and_forbidden_traits(self, placement_api, rc):
        """Candidates have every required trait and none of the forbidden ones."""
        plain = provider(placement_api, rc)
        fast = provider(placement_api, rc, traits=["CUSTOM_FAST"])
        both = provider(placement_api, rc, traits=["CUSTOM_FAST", "CUSTOM_GPU"])
        assert {plain, fast, both} == set(placement_api.allocation_candidates({rc: 1}))
        assert {fast, both} == set(
            placement_api.allocation_candidates({rc: 1}, required=["CUSTOM_FAST"])
        )
        assert [fast] == placement_api.allocation_candidates(
            {rc: 1}, required=["CUSTOM_FAST"], forbidden=["CUSTOM_GPU"]
        )

    def test_member_of_any_of_the_aggregates(self, placement_api, rc):
        """member_of keeps providers in any of the given aggregates."""
        agg_a, agg_b = str(uuid.uuid4()), str(uuid.uuid4())
        in_a = provider(placement_api, rc, aggregates=[agg_a])
        in_b = provider(placement_api, rc, aggregates=[agg_b])
        provider(placement_api, rc)
        assert [in_a] == placement_api.allocation_candidates({rc: 1}, member_of=[agg_a])
        assert {in_a, in_b} == set(
            placement_api.allocation_candidates({rc: 1}, member_of=[agg_a, agg_b])
        )

    def test_limit_bounds_the_answer(self, placement_api, rc):
        """The limit parameter caps the number of candidates."""
        for _ in range(4):
            provider(placement_api, rc)
        assert len(placement_api.allocation_candidates({rc: 1}, limit=2)) == 2


class TestUnreachable:
    def test_no_answer_is_a_placement_error(self):
        """A Placement nobody answers for is PlacementError, not httpx's error."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # NOTE: the port was free a moment ago and nothing listens on it.
        http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=2)
        api = placement_client.PlacementClient(http)
        with pytest.raises(placement_client.PlacementError, match="no answer"):
            api.get_provider(str(uuid.uuid4()))
        api.close()
