"""Servers from Glance images, end to end: Keystone tokens, Glance, Mogan's engine.

Mogan's real app behind keystonemiddleware (real Keystone 30 tokens), with
``[image] backend = glance`` on a real Glance 33; the real engine, the
scheduler over the in-process bus, the embedded Placement and network, and
a fake fleet whose driver records each deploy request. A project member's
token creates servers from Glance images; what reaches the driver is
checked against Glance's record and the bytes uploaded.
"""

import dataclasses
import hashlib
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from mogan import image as image_backends
from mogan import states
from mogan.db import models
from mogan.drivers import base as driver_base
from mogan.drivers import fake
from mogan.engine import service
from tests import children
from tests.engine import conftest as engine_conftest
from tests.functional.api import engine_support
from tests.glance import fixtures

pytestmark = pytest.mark.services

globals().update(engine_support.FIXTURES)
wait_for = engine_support.wait_for

DATA = b"a whole-disk image for mogan\n" * 2048
NOT_FOUND = 404
ACCEPTED = 202


class RecordingFake(fake.FakeDriver):
    """The fake fleet, keeping every deploy and rebuild request it was sent."""

    def __init__(self, path: str) -> None:
        """A zero-delay fleet in ``path``."""
        super().__init__(path)
        self.requests: list[driver_base.DeployRequest] = []
        self._lock = threading.Lock()

    def start_deploy(self, node_uuid: str, request: driver_base.DeployRequest) -> None:
        """Record, then deploy as the fake does."""
        with self._lock:
            self.requests.append(request)
        super().start_deploy(node_uuid, request)

    def start_rebuild(self, node_uuid: str, request: driver_base.DeployRequest) -> None:
        """Record, then rebuild as the fake does."""
        with self._lock:
            self.requests.append(request)
        super().start_rebuild(node_uuid, request)

    def sent_for(self, server_uuid: str) -> list[driver_base.DeployRequest]:
        """The requests sent for one server, in order."""
        with self._lock:
            return [r for r in self.requests if r.server_uuid == server_uuid]


@pytest.fixture
def conf(glance, tmp_path):
    """Keystone auth and Glance images (engine_support tunes it for engines)."""
    return fixtures.make_conf(tmp_path, glance)


@pytest.fixture
def driver(tmp_path) -> Iterator[RecordingFake]:
    """The recording fake fleet."""
    drv = RecordingFake(str(tmp_path))
    yield drv
    drv.close()


@pytest.fixture
def cloud(world, engine_factory):
    """Three nodes synced and an engine running."""
    world.enroll(3)
    engine_factory()
    return world


def body(world, image_id: str, name: str = "web") -> dict[str, Any]:
    """A ``POST /v1/servers`` body on the world's flavor and embedded network."""
    return {
        "server": {
            "name": name,
            "flavor_uuid": world.flavor_uuid,
            "image_uuid": image_id,
            "networks": [{"net_id": world.network_uuid}],
        }
    }


def show(api: httpx.Client, token, server_uuid: str) -> httpx.Response:
    """``GET /v1/servers/{uuid}`` with ``token``."""
    return api.get(f"/v1/servers/{server_uuid}", headers=token.headers)


def settled(api: httpx.Client, token, server_uuid: str) -> dict[str, Any]:
    """The server once it left the unstable states."""

    def stable() -> dict[str, Any] | None:
        server: dict[str, Any] = show(api, token, server_uuid).json()
        return server if server["status"] not in states.UNSTABLE else None

    found: dict[str, Any] = wait_for(stable)
    return found


def created(api: httpx.Client, token, world, image_id: str) -> str:
    """A server made with ``token`` from ``image_id``, once ACTIVE; its uuid."""
    resp = api.post("/v1/servers", json=body(world, image_id), headers=token.headers)
    assert resp.status_code == 201, resp.text
    server_uuid = str(resp.json()["uuid"])
    assert settled(api, token, server_uuid)["status"] == states.ACTIVE
    return server_uuid


def rebuild(api: httpx.Client, token, server_uuid: str, **extra: Any):
    """``PUT .../states/provision`` ``rebuild`` with ``token``."""
    return api.put(
        f"/v1/servers/{server_uuid}/states/provision",
        json={"target": "rebuild", **extra},
        headers=token.headers,
    )


class TestCreate:
    def test_a_member_creates_a_server_from_a_private_glance_image(
        self, glance, cloud, api, driver
    ):
        """Token -> Mogan -> Glance (as that token) -> engine -> driver, end to end."""
        keystone = glance.keystone
        member = keystone.project_persona("member")
        image = glance.create_image(member.token, DATA)
        server_uuid = created(api, member, cloud, image["id"])
        server = show(api, member, server_uuid).json()
        assert server["image_uuid"] == image["id"]
        assert server["project_id"] == member.project_id
        assert [a["type"] for a in server["addresses"][cloud.network_uuid]] == ["fixed"]
        [request] = driver.sent_for(server_uuid)
        assert request.glance_image_id == image["id"]
        assert request.image_checksum == (f"sha512:{hashlib.sha512(DATA).hexdigest()}")
        assert request.image_checksum == (
            f"{image['os_hash_algo']}:{image['os_hash_value']}"
        )
        assert request.disk_format == "raw"
        # NOTE: the URL a BMC would fetch: no token needed, Glance's bytes.
        assert request.image_url.startswith(fixtures.BASE_URL)
        fetched = api.get(request.image_url[len(fixtures.BASE_URL) :])
        assert fetched.status_code == 200
        assert fetched.content == DATA

    def test_another_project_sees_neither_the_image_nor_the_server(
        self, glance, cloud, api
    ):
        """Glance hides the private image (404 naming it); Mogan the server."""
        keystone = glance.keystone
        member = keystone.project_persona("member")
        other = keystone.project_persona("member")
        image = glance.create_image(member.token, DATA)
        server_uuid = created(api, member, cloud, image["id"])
        assert show(api, other, server_uuid).status_code == NOT_FOUND
        listed = api.get("/v1/servers", headers=other.headers).json()["servers"]
        assert server_uuid not in [s["uuid"] for s in listed]
        resp = api.post(
            "/v1/servers", json=body(cloud, image["id"]), headers=other.headers
        )
        assert resp.status_code == NOT_FOUND
        assert image["id"] in resp.text

    def test_a_shared_image_deploys_once_the_member_accepted(self, glance, cloud, api):
        """A pending share is refused like an unknown image; accepted, it builds."""
        keystone = glance.keystone
        owner = keystone.project_persona("member")
        member = keystone.project_persona("member")
        image = glance.create_image(owner.token, DATA, visibility="shared")
        glance.share(owner.token, image["id"], member.project_id)
        resp = api.post(
            "/v1/servers", json=body(cloud, image["id"]), headers=member.headers
        )
        assert resp.status_code == NOT_FOUND
        glance.set_member_status(
            member.token, image["id"], member.project_id, "accepted"
        )
        server_uuid = created(api, member, cloud, image["id"])
        assert show(api, member, server_uuid).json()["image_uuid"] == image["id"]

    def test_only_active_images_are_deployed(self, glance, cloud, api):
        """Queued and deactivated images: 400 naming image_uuid and the status."""
        member = glance.keystone.project_persona("member")
        queued = glance.create_image(member.token)
        deactivated = glance.create_image(member.token, DATA)
        glance.deactivate(member.token, deactivated["id"])
        for image, status in ((queued, "queued"), (deactivated, "deactivated")):
            resp = api.post(
                "/v1/servers", json=body(cloud, image["id"]), headers=member.headers
            )
            assert resp.status_code == 400, resp.text
            message = resp.json()["error_message"]
            assert "image_uuid" in message
            assert image["id"] in message
            assert status in message

    def test_an_image_deactivated_before_the_deploy_fails_the_build(
        self, glance, world, engine_factory, api
    ):
        """Accepted while active, deactivated before the engine deploys: a fault."""
        member = glance.keystone.project_persona("member")
        image = glance.create_image(member.token, DATA)
        world.enroll(1)
        resp = api.post(
            "/v1/servers", json=body(world, image["id"]), headers=member.headers
        )
        assert resp.status_code == 201, resp.text
        server_uuid = resp.json()["uuid"]
        glance.deactivate(member.token, image["id"])
        engine_factory()
        server = settled(api, member, server_uuid)
        assert server["status"] == states.ERROR
        assert image["id"] in server["fault"]["message"]
        assert "deactivated" in server["fault"]["message"]

    def test_a_glance_outage_at_deploy_time_is_retried_not_failed(
        self,
        glance,
        world,
        econf,
        database,
        driver,
        placement_client_,
        scheduler_server,
        engine_factory,
        api,
        tmp_path,
    ):
        """Glance unreachable from the engine: the deploy step waits, then goes on."""
        del scheduler_server
        member = glance.keystone.project_persona("member")
        image = glance.create_image(member.token, DATA)
        world.enroll(1)
        resp = api.post(
            "/v1/servers", json=body(world, image["id"]), headers=member.headers
        )
        assert resp.status_code == 201, resp.text
        server_uuid = resp.json()["uuid"]
        dead = {
            **fixtures.glance_options(glance),
            "endpoint_override": f"http://127.0.0.1:{children.free_port()}",
        }
        (tmp_path / "dead").mkdir()
        dead_conf = fixtures.make_conf(tmp_path / "dead", glance, glance_section=dead)
        deps = dataclasses.replace(
            engine_conftest.make_deps(econf, database, driver, placement_client_),
            image=image_backends.get_backend(dead_conf),
        )
        engine = service.EngineService(econf, database, deps)
        engine.start()
        try:
            retried = wait_for(lambda: build_error(database, server_uuid))
        finally:
            engine.stop()
        assert "image service is unavailable" in retried
        assert show(api, member, server_uuid).json()["status"] == states.BUILDING
        assert driver.sent_for(server_uuid) == []
        engine_factory()
        assert settled(api, member, server_uuid)["status"] == states.ACTIVE
        assert driver.sent_for(server_uuid)[0].glance_image_id == image["id"]


def build_error(database, server_uuid: str) -> str | None:
    """The last error of the server's build workflow, once it has one."""
    with database.transaction() as session:
        return session.scalar(
            sa.select(models.Workflow.last_error).where(
                models.Workflow.server_uuid == server_uuid,
                models.Workflow.kind == "build",
                models.Workflow.step == "start_deploy",
            )
        )


class TestRebuild:
    def test_rebuild_refuses_a_deactivated_image_until_it_is_reactivated(
        self, glance, cloud, api, driver
    ):
        """400 naming the image and ``deactivated``; reactivated, it rebuilds."""
        keystone = glance.keystone
        member = keystone.project_persona("member")
        image = glance.create_image(member.token, DATA)
        server_uuid = created(api, member, cloud, image["id"])
        glance.deactivate(member.token, image["id"])
        resp = rebuild(api, member, server_uuid)
        assert resp.status_code == 400, resp.text
        message = resp.json()["error_message"]
        assert image["id"] in message
        assert "deactivated" in message
        assert show(api, member, server_uuid).json()["status"] == states.ACTIVE
        glance.reactivate(keystone.project_persona("admin").token, image["id"])
        assert rebuild(api, member, server_uuid).status_code == ACCEPTED
        assert settled(api, member, server_uuid)["status"] == states.ACTIVE
        assert [r.glance_image_id for r in driver.sent_for(server_uuid)] == [
            image["id"],
            image["id"],
        ]

    def test_rebuild_of_a_server_whose_image_was_deleted(
        self, glance, cloud, api, driver
    ):
        """Its own image gone: 400 saying so; another image given: it rebuilds."""
        member = glance.keystone.project_persona("member")
        image = glance.create_image(member.token, DATA)
        server_uuid = created(api, member, cloud, image["id"])
        glance.delete(member.token, image["id"])
        resp = rebuild(api, member, server_uuid)
        assert resp.status_code == 400, resp.text
        message = resp.json()["error_message"]
        assert image["id"] in message
        assert "no longer exists" in message
        assert "image_uuid" in message
        # NOTE: an image named in the request and missing is 404, as on create.
        gone = rebuild(api, member, server_uuid, image_uuid=image["id"])
        assert gone.status_code == NOT_FOUND
        replacement = glance.create_image(member.token, DATA[::-1])
        assert (
            rebuild(api, member, server_uuid, image_uuid=replacement["id"]).status_code
            == ACCEPTED
        )
        server = settled(api, member, server_uuid)
        assert server["status"] == states.ACTIVE
        assert server["image_uuid"] == replacement["id"]
        last = driver.sent_for(server_uuid)[-1]
        assert last.glance_image_id == replacement["id"]
        assert last.image_checksum == (
            f"sha512:{hashlib.sha512(DATA[::-1]).hexdigest()}"
        )
