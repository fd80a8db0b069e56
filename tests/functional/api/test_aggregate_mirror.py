"""Aggregates beyond one request: Placement mirroring and concurrent changes."""

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from oslo_config import cfg

from mogan.api import app as api_app
from mogan.db import migration, models
from mogan.db import session as db_session
from mogan.placement import client as placement_client
from mogan.placement import embedded
from tests.conftest import ADMIN
from tests.functional.api.support import (
    add_node,
    make_aggregate,
    make_node,
    show_node,
)
from tests.placement import support as placement_support


def patch(client: httpx.Client, aggregate: dict[str, Any], *ops: dict[str, Any]):
    """``PATCH /v1/aggregates/{uuid}`` as admin."""
    return client.patch(
        f"/v1/aggregates/{aggregate['uuid']}", json=list(ops), headers=ADMIN.headers
    )


# ---------------------------------------------------------------- Placement


@pytest.fixture(scope="session")
def placement_state(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Where the process's one embedded Placement keeps its database."""
    path = str(tmp_path_factory.mktemp("placement"))
    embedded.shared_app(path)
    return path


@pytest.fixture
def placement_api(placement_state: str) -> Iterator[placement_client.PlacementClient]:
    """A client on the embedded Placement the app mirrors to."""
    api = placement_support.client(placement_state)
    yield api
    api.close()


class TestPlacementMirror:
    @pytest.fixture
    def conf(self, conf: cfg.ConfigOpts, placement_state: str) -> cfg.ConfigOpts:
        """The app reaches the embedded Placement."""
        del placement_state
        conf.set_override("embedded", True, "placement")
        return conf

    def test_membership_is_mirrored(self, client, database, placement_api):
        """Provider aggregates follow membership: added, removed."""
        with_rp = make_node(database, "with-rp")
        make_node(database, "no-rp")
        placement_api.create_provider(with_rp, f"rp-{with_rp}")
        a = make_aggregate(client, "a")
        b = make_aggregate(client, "b")
        assert add_node(client, a, "with-rp").status_code == 204
        assert add_node(client, b, "with-rp").status_code == 204
        assert add_node(client, a, "no-rp").status_code == 204
        assert placement_api.get_aggregates(with_rp) == sorted([a["uuid"], b["uuid"]])
        client.delete(
            f"/v1/aggregates/{a['uuid']}/nodes/with-rp", headers=ADMIN.headers
        )
        assert placement_api.get_aggregates(with_rp) == [b["uuid"]]
        client.delete(
            f"/v1/aggregates/{b['uuid']}/nodes/with-rp", headers=ADMIN.headers
        )
        assert placement_api.get_aggregates(with_rp) == []

    def test_placement_failure_does_not_fail_the_request(
        self, client, database, placement_api, monkeypatch, caplog
    ):
        """A Placement error is logged; membership is still changed."""
        node = make_node(database, "n")
        placement_api.create_provider(node, f"rp-{node}")

        def broken(*args: object) -> int:
            raise placement_client.PlacementError(
                method="PUT", path="/x", status=503, detail="down"
            )

        monkeypatch.setattr(placement_client.PlacementClient, "set_aggregates", broken)
        agg = make_aggregate(client, "a")
        assert add_node(client, agg, "n").status_code == 204
        assert show_node(client, "n")["aggregates"][0]["uuid"] == agg["uuid"]
        assert "Could not set the Placement aggregates" in caplog.text


def test_without_placement_membership_still_works(client, database):
    """The default test app has no Placement: membership is DB only."""
    make_node(database, "n1")
    agg = make_aggregate(client, "a")
    assert add_node(client, agg, "n1").status_code == 204


# ---------------------------------------------------------------- races


@pytest.fixture
def shared(conf, any_db_url: str) -> Iterator[tuple[Any, db_session.Database]]:
    """The app on a freshly migrated database of each backend."""
    database = db_session.Database.from_url(any_db_url)
    migration.upgrade(database.engine)
    yield api_app.create_app(conf, database), database
    database.dispose()


THREADS = 6


def test_concurrent_adds_never_put_a_node_in_two_zones(shared):
    """Adding one node to aggregates of different zones at once: one wins."""
    app, database = shared
    node = make_node(database, "contested")
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://t"
    ) as client:
        aggregates = [
            make_aggregate(client, f"agg-{i}", availability_zone=f"az-{i}")
            for i in range(THREADS)
        ]
    barrier = threading.Barrier(THREADS)
    statuses = [0] * THREADS

    def run(index: int) -> None:
        with httpx.Client(
            transport=httpx.WSGITransport(app=app), base_url="http://t"
        ) as client:
            barrier.wait()
            statuses[index] = add_node(client, aggregates[index], node).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(statuses) == [204] + [400] * (THREADS - 1)
    winner = aggregates[statuses.index(204)]
    with database.transaction(readonly=True) as session:
        members = session.scalars(sa.select(models.AggregateNode)).all()
        row = session.scalars(sa.select(models.Node)).one()
        assert len(members) == 1
        assert row.availability_zone == winner["metadata"]["availability_zone"]


def test_concurrent_metadata_and_add_never_split_a_node(shared):
    """Setting a zone on one aggregate while its node joins another zone: one wins."""
    app, database = shared
    make_node(database, "n")
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://t"
    ) as client:
        holder = make_aggregate(client, "holder")
        assert add_node(client, holder, "n").status_code == 204
        zoned = make_aggregate(client, "zoned", availability_zone="az-1")
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def set_zone() -> None:
        with httpx.Client(
            transport=httpx.WSGITransport(app=app), base_url="http://t"
        ) as client:
            barrier.wait()
            statuses["patch"] = patch(
                client,
                holder,
                {"op": "add", "path": "/metadata/availability_zone", "value": "az-2"},
            ).status_code

    def join() -> None:
        with httpx.Client(
            transport=httpx.WSGITransport(app=app), base_url="http://t"
        ) as client:
            barrier.wait()
            statuses["add"] = add_node(client, zoned, "n").status_code

    threads = [threading.Thread(target=set_zone), threading.Thread(target=join)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(statuses.values()) in ([200, 400], [204, 400]), statuses
    with database.transaction(readonly=True) as session:
        zones = set(
            session.scalars(
                sa.select(models.AggregateMetadata.value)
                .join(
                    models.AggregateNode,
                    models.AggregateNode.aggregate_id
                    == models.AggregateMetadata.aggregate_id,
                )
                .where(models.AggregateMetadata.key == "availability_zone")
            )
        )
        assert len(zones) == 1
