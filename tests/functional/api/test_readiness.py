"""Readiness: no server creates, and a not-ready healthcheck, before nodes load.

On a fresh state directory the API serves before any engine has synced its
nodes; a server created then could only fail with "0 nodes". The API reads
``node_syncs`` (written by the engine's node sync) to know; the tests here
play the engine's part with ``mark_nodes_loaded`` (tests/engine runs the
real thing).
"""

import json

import pytest
import sqlalchemy as sa

from mogan.db import models
from tests.conftest import ADMIN, MEMBER, mark_nodes_loaded
from tests.factories import make_flavor


@pytest.fixture
def fresh(database):
    """The test database as a fresh deployment has it: no node sync yet."""
    with database.transaction() as session:
        session.execute(sa.delete(models.NodeSync))
    return database


@pytest.fixture
def body(client) -> dict:
    """A valid create body (flavor, image, network)."""
    flavor = make_flavor(client, name="bm.r")
    image = client.post(
        "/v1/images",
        json={"name": "i", "url": "http://i.test/i.raw", "disk_format": "raw"},
        headers=ADMIN.headers,
    ).json()
    net = client.post(
        "/v1/networks", json={"name": "n", "cidr": "10.9.0.0/24"}, headers=ADMIN.headers
    ).json()
    return {
        "server": {
            "name": "early",
            "flavor_uuid": flavor["uuid"],
            "image_uuid": image["uuid"],
            "networks": [{"net_id": net["uuid"]}],
        }
    }


def _fault(resp) -> str:
    return str(json.loads(resp.json()["error_message"])["faultstring"])


@pytest.mark.usefixtures("fresh")
class TestBeforeTheFirstNodeSync:
    def test_create_is_503_with_retry_after(self, client, body):
        """A create is refused with 503, a stable code and Retry-After."""
        resp = client.post("/v1/servers", json=body, headers=MEMBER.headers)
        assert resp.status_code == 503, resp.text
        assert resp.json()["code"] == "mogan.service_unavailable"
        assert int(resp.headers["Retry-After"]) > 0
        assert "no engine has loaded the nodes yet" in _fault(resp)
        listed = client.get("/v1/servers", headers=MEMBER.headers).json()
        assert listed["servers"] == []

    def test_bad_create_is_still_400(self, client):
        """Validation comes first: a bad body is a 400, ready or not."""
        resp = client.post("/v1/servers", json={"server": {}}, headers=MEMBER.headers)
        assert resp.status_code == 400

    def test_other_routes_serve(self, client):
        """Only what needs nodes waits: reads and other writes are served."""
        assert client.get("/v1/flavors", headers=MEMBER.headers).status_code == 200
        make_flavor(client, name="bm.other")

    @pytest.mark.parametrize(
        ("accept", "mimetype"),
        [("*/*", "text/plain"), ("application/json", "application/json")],
    )
    def test_healthcheck_is_not_ready(self, client, accept, mimetype):
        """``/healthcheck`` is 503 with the reason, in text or JSON."""
        resp = client.get("/healthcheck", headers={"Accept": accept})
        assert resp.status_code == 503
        assert resp.headers["Content-Type"].startswith(mimetype)
        assert "NOT READY: no engine has loaded the nodes yet" in resp.text
        assert int(resp.headers["Retry-After"]) > 0

    def test_healthcheck_head_is_not_ready(self, client):
        """HEAD, as load balancers send it, is 503 too."""
        assert client.head("/healthcheck").status_code == 503


class TestOnceLoaded:
    def test_create_and_healthcheck_serve_once_a_sync_is_recorded(
        self, fresh, client, body
    ):
        """The engine's first sync record makes the same API ready."""
        assert client.get("/healthcheck").status_code == 503
        assert (
            client.post("/v1/servers", json=body, headers=MEMBER.headers).status_code
            == 503
        )
        mark_nodes_loaded(fresh)
        assert client.get("/healthcheck").status_code == 200
        resp = client.post("/v1/servers", json=body, headers=MEMBER.headers)
        assert resp.status_code == 201, resp.text

    def test_readiness_is_remembered(self, database, client):
        """Once ready, the API stays ready without reading the database again."""
        assert client.get("/healthcheck").status_code == 200
        with database.transaction() as session:
            session.execute(sa.delete(models.NodeSync))
        assert client.get("/healthcheck").status_code == 200
