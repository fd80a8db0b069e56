"""``mogan server show`` of a composed server: ``composed``, and for admins its blocks.

The server and its composed system are written straight into the test
database (the engine's flow that makes them is tested in
``tests/functional/api/test_composed_servers.py``); the CLI runs against the
real app at its default microversion for a server (1.8).
"""

import uuid
from typing import Any

import pytest

from mogan import states
from mogan.db import models
from mogan.db.api import composition as composition_db
from tests.conftest import MEMBER, SYSTEM_READER

SYSTEM = "/redfish/v1/Systems/3c0a"
BLOCKS = ["zone-a-compute-0", "zone-a-gpu-0"]


def _server(database, composed: bool) -> str:
    server_uuid = str(uuid.uuid4())
    with database.transaction() as session:
        session.add(
            models.Server(
                uuid=server_uuid,
                name=f"c-{server_uuid[:6]}",
                project_id=MEMBER.project_id,
                user_id=MEMBER.user_id,
                status=states.ACTIVE,
                extra={},
                request_id=str(uuid.uuid4()),
                composed=composed,
            )
        )
        if composed:
            composition_db.add_composed(
                session,
                {
                    "server_uuid": server_uuid,
                    "node_uuid": str(uuid.uuid4()),
                    "service_uuid": str(uuid.uuid4()),
                    "zone": "zone-a",
                    "blocks": BLOCKS,
                    "system": SYSTEM,
                },
            )
    return server_uuid


def _shown(mogan, server_uuid: str, **kwargs: Any) -> dict[str, Any]:
    result = mogan("server", "show", server_uuid, "-f", "json", **kwargs)
    assert result.code == 0, result.err
    shown: dict[str, Any] = result.json()
    return shown


@pytest.fixture
def composed(database) -> str:
    """An active composed server of MEMBER's project."""
    return _server(database, composed=True)


class TestShowComposed:
    def test_admins_see_the_blocks(self, mogan, composed):
        """composed: true and the composition it is made of."""
        shown = _shown(mogan, composed)
        assert shown["composed"] is True
        assert shown["composition"]["blocks"] == BLOCKS
        assert shown["composition"]["system"] == SYSTEM
        assert shown["composition"]["zone"] == "zone-a"

    def test_owners_see_only_that_it_is_composed(self, mogan, composed):
        """No composition for the owner."""
        shown = _shown(mogan, composed, persona=MEMBER)
        assert shown["composed"] is True
        assert "composition" not in shown

    def test_cloud_readers_do_not_see_the_blocks(self, client, composed):
        """mogan:server:composition is for admins, not every reader of servers.

        (Through the API: the CLI's test personas carry no system scope.)
        """
        resp = client.get(
            f"/v1/servers/{composed}",
            headers={
                **SYSTEM_READER.headers,
                "OpenStack-API-Version": "baremetal-compute 1.8",
            },
        )
        assert resp.status_code == 200, resp.text
        assert resp.json()["composed"] is True
        assert "composition" not in resp.json()

    def test_a_server_not_composed(self, mogan, database):
        """composed: false, and no empty composition line."""
        shown = _shown(mogan, _server(database, composed=False))
        assert shown["composed"] is False
        assert "composition" not in shown

    def test_an_older_version_asked_for(self, mogan, composed):
        """--os-compute-api-version 1.7: neither field."""
        result = mogan(
            "--os-compute-api-version", "1.7", "server", "show", composed, "-f", "json"
        )
        assert result.code == 0, result.err
        assert "composed" not in result.json()
