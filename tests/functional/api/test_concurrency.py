"""Concurrent requests against one database: no 500s, no lost or extra rows.

Each test runs on SQLite, PostgreSQL and MariaDB (the latter two in the
services tier) with a freshly migrated database, and drives the real app
from several threads at once.
"""

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mogan.api import app as api_app
from mogan.db import migration
from mogan.db import session as db_session
from tests.conftest import ADMIN, MEMBER, mark_nodes_loaded

THREADS = 8

ED25519 = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMQMr7t1xAwwGpkttoK1nH5FLX4VOX/zmVKjypAy7k1n"
)


@pytest.fixture
def shared_app(conf, any_db_url: str) -> Iterator[Any]:
    """The app on a freshly migrated database of each backend."""
    database = db_session.Database.from_url(any_db_url)
    migration.upgrade(database.engine)
    mark_nodes_loaded(database)
    yield api_app.create_app(conf, database)
    database.dispose()


def _in_parallel(app: Any, work: Callable[[httpx.Client, int], int]) -> list[int]:
    """Run ``work(client, index)`` in THREADS threads released together."""
    barrier = threading.Barrier(THREADS)
    results: list[int] = [0] * THREADS

    def run(index: int) -> None:
        with httpx.Client(
            transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
        ) as client:
            barrier.wait()
            results[index] = work(client, index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


class TestConcurrentWrites:
    def test_parallel_keypair_imports_all_succeed(self, shared_app):
        """Many users importing keys at once all get 201 (no 'database is locked')."""

        def work(client: httpx.Client, index: int) -> int:
            statuses = set()
            for n in range(5):
                resp = client.post(
                    "/v1/keypairs",
                    json={"name": f"k{n}", "public_key": ED25519},
                    headers={**MEMBER.headers, "X-User-Id": f"user-{index}"},
                )
                statuses.add(resp.status_code)
            return max(statuses)

        assert _in_parallel(shared_app, work) == [201] * THREADS

    def test_keypair_quota_holds_under_concurrency(self, shared_app, conf):
        """With a limit of 1, exactly one of many simultaneous creates wins."""
        conf.set_override("keypairs_hard_limit", 1, "quota")

        def work(client: httpx.Client, index: int) -> int:
            resp = client.post(
                "/v1/keypairs",
                json={"name": f"k{index}", "public_key": ED25519},
                headers=MEMBER.headers,
            )
            return resp.status_code

        statuses = _in_parallel(shared_app, work)
        assert sorted(statuses) == [201] + [403] * (THREADS - 1)
        with httpx.Client(
            transport=httpx.WSGITransport(app=shared_app), base_url="http://t"
        ) as client:
            listed = client.get("/v1/keypairs", headers=MEMBER.headers).json()
        assert len(listed["keypairs"]) == 1

    def test_parallel_identical_access_grants_are_idempotent(self, shared_app):
        """Sharing a flavor with one project from many threads: all 204, one entry."""
        with httpx.Client(
            transport=httpx.WSGITransport(app=shared_app), base_url="http://t"
        ) as client:
            flavor = client.post(
                "/v1/flavors",
                json={"name": "priv", "resources": {"CUSTOM_X": 1}, "is_public": False},
                headers=ADMIN.headers,
            ).json()

        def work(client: httpx.Client, index: int) -> int:
            del index
            return client.post(
                f"/v1/flavors/{flavor['uuid']}/access",
                json={"tenant_id": "project-a"},
                headers=ADMIN.headers,
            ).status_code

        assert _in_parallel(shared_app, work) == [204] * THREADS
        with httpx.Client(
            transport=httpx.WSGITransport(app=shared_app), base_url="http://t"
        ) as client:
            access = client.get(
                f"/v1/flavors/{flavor['uuid']}/access", headers=ADMIN.headers
            ).json()
        assert access == {"flavor_access": ["project-a"]}


def _server_refs(app: Any) -> dict[str, str]:
    """A flavor, an image and a network on ``app``'s database."""
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://t"
    ) as client:
        flavor = client.post(
            "/v1/flavors",
            json={"name": "gold", "resources": {"CUSTOM_BAREMETAL_GOLD": 1}},
            headers=ADMIN.headers,
        ).json()
        image = client.post(
            "/v1/images",
            json={"name": "img", "url": "http://i.test/w.raw", "disk_format": "raw"},
            headers=ADMIN.headers,
        ).json()
        net = client.post(
            "/v1/networks",
            json={"name": "n", "cidr": "10.1.0.0/16"},
            headers=ADMIN.headers,
        ).json()
    return {"flavor": flavor["uuid"], "image": image["uuid"], "net": net["uuid"]}


def _create(client: httpx.Client, refs: dict[str, str], index: int) -> int:
    return client.post(
        "/v1/servers",
        json={
            "server": {
                "name": f"s{index}",
                "flavor_uuid": refs["flavor"],
                "image_uuid": refs["image"],
                "networks": [{"net_id": refs["net"]}],
            }
        },
        headers=MEMBER.headers,
    ).status_code


def _servers(app: Any) -> int:
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://t"
    ) as client:
        listed = client.get("/v1/servers", headers=MEMBER.headers).json()
    return len(listed["servers"])


class TestServerQuotaUnderConcurrency:
    def test_parallel_creates_never_exceed_the_servers_quota(self, shared_app, conf):
        """THREADS creates at once against a quota of THREADS-3: exactly that many."""
        conf.set_override("servers_hard_limit", THREADS - 3, "quota")
        refs = _server_refs(shared_app)
        statuses = _in_parallel(shared_app, lambda c, i: _create(c, refs, i))
        assert sorted(statuses) == [201] * (THREADS - 3) + [403] * 3
        assert _servers(shared_app) == THREADS - 3
        with httpx.Client(
            transport=httpx.WSGITransport(app=shared_app), base_url="http://t"
        ) as client:
            limits = client.get(
                "/v1/limits",
                headers={
                    **MEMBER.headers,
                    "OpenStack-API-Version": "baremetal-compute 1.3",
                },
            ).json()["limits"]
        assert limits["servers"] == {"limit": THREADS - 3, "in_use": THREADS - 3}

    def test_parallel_creates_never_exceed_a_resource_class_quota(
        self, shared_app, conf
    ):
        """A per-class limit holds under the same race."""
        conf.set_override(
            "resource_class_hard_limits", {"CUSTOM_BAREMETAL_GOLD": "2"}, "quota"
        )
        refs = _server_refs(shared_app)
        statuses = _in_parallel(shared_app, lambda c, i: _create(c, refs, i))
        assert sorted(statuses) == [201] * 2 + [403] * (THREADS - 2)
        assert _servers(shared_app) == 2
