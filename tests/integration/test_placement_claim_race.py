"""Concurrent claims on one node, embedded Placement on PostgreSQL (services tier).

Placement retries a claim that met a provider generation conflict inside
the request's own transaction, where the usage it checks still counts the
first try: on PostgreSQL two claims on one free node could both succeed.
Mogan's embedded Placement retries once only, so the loser gets a 409.

Placement's database layer is configured once per process, so the race
runs in a fresh Python process of its own.
"""

import concurrent.futures
import json
import subprocess
import sys
import tempfile
import uuid

import httpx
import pytest

from mogan.placement import client as placement_client
from mogan.placement import embedded

RC = "CUSTOM_RACE"
ROUNDS = 20
CLAIMERS = 8


def race(placement_url: str) -> list[tuple[int, int]]:
    """``ROUNDS`` times, ``CLAIMERS`` concurrent claims on one fresh free node.

    Returns:
        Per round: how many claims succeeded, and how many allocations the
        node holds afterwards.
    """
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
    outcome = []
    for _ in range(ROUNDS):
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

        with concurrent.futures.ThreadPoolExecutor(CLAIMERS) as pool:
            won = sum(pool.map(claim, range(CLAIMERS)))
        outcome.append((won, len(admin.provider_allocations(node))))
    return outcome


@pytest.mark.services
class TestClaimRace:
    def test_one_of_eight_concurrent_claims_wins_every_time(self, placement_url):
        """Eight claims for one free node, twenty times: one winner, one allocation."""
        code = (
            "import json, sys\n"
            "from tests.integration import test_placement_claim_race as t\n"
            "print(json.dumps(t.race(sys.argv[1])))\n"
        )
        done = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", code, placement_url],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        outcome = json.loads(done.stdout.strip().splitlines()[-1])
        assert outcome == [[1, 1]] * ROUNDS
