"""Secrets and bulk do not rest in the database (issue 10 section 4).

``admin_pass`` is sealed wherever it waits (workflow args, the built config
drive); user data and the config drive leave the workflow rows once the
build ends; finished workflows are purged after ``[engine]
workflow_retention``.
"""

import base64
import json

import pytest
import sqlalchemy as sa

from mogan import crypto, states
from mogan.db import models
from mogan.db.api import workflow as workflow_db
from tests.conftest import ADMIN
from tests.engine.conftest import wait_for
from tests.engine.test_build import RecordingDriver

PASSWORD = "Zebra-Plaintext-9281"
USER_DATA = b"#!/bin/sh\necho user-data-marker-5521\n"


def _scan(database, needles):
    """Every (table, column) of the database whose value holds a needle."""
    found = []
    with database.engine.connect() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        for table, reflected in meta.tables.items():
            rows = conn.execute(sa.select(reflected)).mappings()
            for row in rows:
                for column, value in row.items():
                    text = (
                        value.decode(errors="replace")
                        if isinstance(value, bytes)
                        else str(value)
                    )
                    found.extend(
                        (table, column, needle) for needle in needles if needle in text
                    )
    return found


def _workflows(database, server_uuid):
    with database.transaction() as session:
        return list(
            session.scalars(
                sa.select(models.Workflow).where(
                    sa.or_(
                        models.Workflow.server_uuid == server_uuid,
                        models.Workflow.server_uuid.is_(None),
                    )
                )
            )
        )


class TestAdminPass:
    def test_admin_pass_is_never_plaintext_in_the_database(
        self, world, engine_factory, api, tmp_path
    ):
        """During and after a build with adminPass, no column holds the password."""
        (node,) = world.enroll(1)
        world.driver.set_behaviour(node, deploy_seconds=0.5)
        recording = RecordingDriver(str(tmp_path))
        engine_factory(with_driver=recording)
        user_data = base64.b64encode(USER_DATA).decode()
        resp = api.post(
            "/v1/servers",
            json={
                "server": {
                    "name": "secret",
                    "flavor_uuid": world.flavor_uuid,
                    "image_uuid": world.image_uuid,
                    "networks": [{"net_id": world.network_uuid}],
                    "adminPass": PASSWORD,
                    "user_data": user_data,
                }
            },
            headers=ADMIN.headers,
        )
        assert resp.status_code == 201, resp.text
        uuid = resp.json()["uuid"]
        assert _scan(world.db, [PASSWORD]) == []
        wait_for(lambda: world.driver.provision_state(node) == "deploying")
        assert _scan(world.db, [PASSWORD]) == []
        wait_for(lambda: world.server(uuid).status == states.ACTIVE)
        # NOTE: the password did reach the node, through the config drive.
        recording.close()
        (request,) = recording.requests
        meta = json.loads(request.config_drive["openstack/latest/meta_data.json"])
        assert meta["admin_pass"] == PASSWORD
        # NOTE: the server is active a moment before its workflows finish,
        # and they are scrubbed when they finish.
        wait_for(
            lambda: all(
                r.status == workflow_db.DONE for r in _workflows(world.db, uuid)
            )
        )
        assert _scan(world.db, [PASSWORD, user_data, "user-data-marker"]) == []
        for row in _workflows(world.db, uuid):
            assert row.status == workflow_db.DONE
            build_args = row.args.get("build_args") or {}
            for key in ("admin_pass", "user_data", "personality"):
                assert key not in row.args
                assert key not in build_args
            assert "config_drive" not in row.state

    def test_the_sealed_password_opens_with_the_key_and_rotates(self, econf):
        """Sealed values open with the key, and after a rotation with the old one."""
        old = crypto.generate_key()
        econf.set_override("secret_key", old)
        sealed = crypto.Sealer.from_conf(econf).seal(PASSWORD)
        assert PASSWORD not in sealed
        new = crypto.generate_key()
        econf.set_override("secret_key", new)
        with pytest.raises(crypto.SecretUnreadable):
            crypto.Sealer.from_conf(econf).open(sealed)
        econf.set_override("previous_secret_keys", [old])
        assert crypto.Sealer.from_conf(econf).open(sealed) == PASSWORD


class TestFailedBuildScrubs:
    def test_user_data_and_config_drive_leave_failed_workflows(
        self, world, engine_factory, econf
    ):
        """A build failing on every node leaves no user data or drive behind."""
        econf.set_override("build_attempts", 2, group="engine")
        for node in world.enroll(2):
            world.driver.set_behaviour(node, fail_deploy=5)
        engine_factory()
        (server_uuid,), _ = world.create(
            admin_pass=crypto.Sealer.from_conf(econf).seal(PASSWORD)
        )
        wait_for(lambda: world.server(server_uuid).status == states.ERROR)
        wait_for(
            lambda: all(
                r.status in {workflow_db.DONE, workflow_db.FAILED}
                for r in _workflows(world.db, server_uuid)
            )
        )
        rows = _workflows(world.db, server_uuid)
        assert {r.kind for r in rows} >= {"schedule", "build"}
        for row in rows:
            build_args = row.args.get("build_args") or {}
            assert "user_data" not in row.args
            assert "user_data" not in build_args
            assert "config_drive" not in row.state
        assert _scan(world.db, [PASSWORD]) == []


class TestRetention:
    def test_finished_workflows_are_purged_after_the_retention(
        self, world, engine_factory, econf
    ):
        """With a one-second retention the engine's periodic task deletes them."""
        econf.set_override("workflow_retention", 1, group="engine")
        world.enroll(1)
        engine_factory()
        (server_uuid,), schedule_uuid = world.create()
        wait_for(lambda: world.server(server_uuid).status == states.ACTIVE)
        with world.db.transaction() as session:
            pending = workflow_db.create(
                session, kind="probe-never-run", server_uuid=None, args={}
            ).uuid
            session.execute(
                sa.update(models.Workflow)
                .where(models.Workflow.uuid == pending)
                .values(next_run_at=models.utcnow().replace(year=2999))
            )
        wait_for(
            lambda: (
                not [r for r in _workflows(world.db, server_uuid) if r.uuid != pending]
            ),
            timeout=10,
        )
        with world.db.transaction() as session:
            assert workflow_db.get(session, schedule_uuid) is None
            # NOTE: unfinished workflows are never purged.
            assert workflow_db.get(session, pending) is not None
        assert world.server(server_uuid).status == states.ACTIVE
