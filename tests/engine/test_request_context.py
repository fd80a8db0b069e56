"""The request context crosses RPC and rests with workflows (issue 10 section 4).

The request id of ``POST /v1/servers`` is on the engine's and the
scheduler's log records of that build (API, engine and scheduler over the
in-process oslo.messaging bus), also when another engine resumes the build
by polling, because workflow rows keep the originating context.
"""

import logging

import sqlalchemy as sa

from mogan import context as mogan_context
from mogan import states
from mogan.db import models
from tests.conftest import ADMIN
from tests.engine.conftest import wait_for


def _ids(caplog, prefix):
    return {
        getattr(r, "request_id", None)
        for r in caplog.records
        if r.name.startswith(prefix)
    }


class TestContextDict:
    def test_round_trip_keeps_identity_and_drops_the_token(self):
        """to_dict/from_dict carry who and which request; never the token."""
        ctx = mogan_context.RequestContext(
            user_id="alice",
            project_id="p1",
            roles=["member"],
            auth_token="secret-token",
            request_id="req-123",
        )
        wire = ctx.to_dict()
        assert "auth_token" not in wire
        assert "db" not in wire
        back = mogan_context.RequestContext.from_dict({**wire, "unknown": 1})
        assert (back.user_id, back.project_id, back.roles, back.request_id) == (
            "alice",
            "p1",
            ["member"],
            "req-123",
        )
        assert back.auth_token is None


class TestRequestIdInLogs:
    def test_post_servers_request_id_on_engine_and_scheduler_records(
        self, world, engine_factory, api, caplog
    ):
        """The build's engine and scheduler records carry the API's request id."""
        caplog.set_level(logging.DEBUG, logger="mogan")
        (node,) = world.enroll(1)
        world.driver.set_behaviour(node, deploy_seconds=1.0)
        first = engine_factory()
        resp = api.post(
            "/v1/servers",
            json={
                "server": {
                    "name": "traced",
                    "flavor_uuid": world.flavor_uuid,
                    "image_uuid": world.image_uuid,
                    "networks": [{"net_id": world.network_uuid}],
                }
            },
            headers=ADMIN.headers,
        )
        assert resp.status_code == 201, resp.text
        request_id = resp.headers["x-openstack-request-id"]
        uuid = resp.json()["uuid"]
        wait_for(lambda: world.driver.provision_state(node) == "deploying")
        # NOTE: the first engine stops mid-deploy; the second (no RPC
        # server: it only polls) resumes the build from its row.
        first.stop()
        caplog.clear()
        engine_factory("engine-b", serve_rpc=False)
        wait_for(lambda: world.server(uuid).status == states.ACTIVE)
        finished = [
            r
            for r in caplog.records
            if r.name == "mogan.engine.runner" and "(build) done" in r.getMessage()
        ]
        assert [getattr(r, "request_id", None) for r in finished] == [request_id]
        with world.db.transaction() as session:
            rows = session.scalars(
                sa.select(models.Workflow).where(
                    sa.or_(
                        models.Workflow.server_uuid == uuid,
                        models.Workflow.kind == "schedule",
                    )
                )
            ).all()
        assert {r.kind for r in rows} == {"schedule", "build"}
        assert {r.request_id for r in rows} == {request_id}
        assert all("auth_token" not in (r.context or {}) for r in rows)

    def test_scheduler_records_carry_the_request_id(
        self, world, engine_factory, api, caplog
    ):
        """The scheduler's lines about the placement name the API request."""
        caplog.set_level(logging.DEBUG, logger="mogan")
        world.enroll(1)
        engine_factory()
        resp = api.post(
            "/v1/servers",
            json={
                "server": {
                    "name": "traced",
                    "flavor_uuid": world.flavor_uuid,
                    "image_uuid": world.image_uuid,
                    "networks": [{"net_id": world.network_uuid}],
                }
            },
            headers=ADMIN.headers,
        )
        request_id = resp.headers["x-openstack-request-id"]
        uuid = resp.json()["uuid"]
        wait_for(lambda: world.server(uuid).status == states.ACTIVE)
        assert request_id in _ids(caplog, "mogan.scheduler")
        assert request_id in _ids(caplog, "mogan.engine")
        # NOTE: nothing else ran meanwhile, so no other request id shows up
        # on the scheduler's records.
        assert _ids(caplog, "mogan.scheduler") == {request_id}
