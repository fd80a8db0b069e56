"""Concurrent claims on one node, embedded Placement on PostgreSQL (services tier).

Placement retries a claim that met a provider generation conflict inside
the request's own transaction, where the usage it checks still counts the
first try: on PostgreSQL two claims on one free node could both succeed.
Mogan's embedded Placement retries once only, so the loser gets a 409.
"""

import concurrent.futures
import tempfile
import uuid

import httpx
import pytest

from mogan.placement import client as placement_client
from mogan.placement import embedded

RC = "CUSTOM_RACE"


@pytest.mark.services
class TestClaimRace:
    def test_one_of_eight_concurrent_claims_wins_every_time(self, placement_url):
        """Eight claims for one free node, twenty times: one winner, one allocation."""
        app = embedded.make_app(tempfile.mkdtemp(), placement_url)

        def client() -> placement_client.PlacementClient:
            return placement_client.PlacementClient(
                httpx.Client(
                    transport=httpx.WSGITransport(app=app),
                    base_url="http://placement",
                    headers={"X-Auth-Token": "admin"},
                )
            )

        admin = client()
        admin.ensure_resource_class(RC)
        for _ in range(20):
            node = str(uuid.uuid4())
            provider = admin.create_provider(node, f"node-{node}")
            admin.set_inventory(
                node, provider["generation"], {RC: {"total": 1, "max_unit": 1}}
            )

            def claim(_: int, node: str = node) -> bool:
                try:
                    client().claim({str(uuid.uuid4()): {node: {RC: 1}}}, "p", "u")
                except placement_client.ClaimConflict:
                    return False
                return True

            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                won = sum(pool.map(claim, range(8)))
            assert won == 1
            assert len(admin.provider_allocations(node)) == 1
