"""``mogan node create``, ``node set`` and ``node delete`` (microversion 1.6).

End to end: the CLI drives the real app (see conftest.py), whose engine
calls are answered by a real engine service over the in-process bus, with
the fake driver's simulated BMCs, the real scheduler and the embedded
Placement.
"""

import uuid
from typing import Any

import pytest

from mogan.api import app as api_app
from tests.conftest import MEMBER
from tests.functional.api import engine_support

globals().update(engine_support.FIXTURES)

PASSWORD = "cli-bmc-secret-7"


@pytest.fixture
def app(econf, database):
    """The app on the engine tests' configuration (bus, Placement)."""
    return api_app.create_app(econf, database)


def ok(result) -> Any:
    """The JSON a successful command printed."""
    assert result.code == 0, result.err
    return result.json()


def _create(mogan, world, name: str, *extra: str):
    return mogan(
        "node",
        "create",
        name,
        "--driver",
        "fake",
        "--resource-class",
        world.resource_class,
        "--trait",
        "CUSTOM_CLI",
        "--property",
        "cpus=8",
        "--bmc-address",
        f"fake://{name}",
        "--bmc-username",
        "root",
        *extra,
        "-f",
        "json",
    )


class TestNodeEnrolment:
    def test_create_set_delete(self, mogan, world, engine_factory, monkeypatch):
        """A node is enrolled (password from the environment), changed, removed."""
        engine_factory()
        name = f"cli-{uuid.uuid4().hex[:8]}"
        monkeypatch.setenv("MOGAN_BMC_PASSWORD", PASSWORD)
        result = _create(mogan, world, name)
        node = ok(result)
        assert PASSWORD not in result.out
        assert node["name"] == name
        assert node["traits"] == ["CUSTOM_CLI"]
        assert node["driver_info"]["address"] == f"fake://{name}"
        assert world.placement.get_provider(node["uuid"]) is not None

        changed = ok(
            mogan(
                "node",
                "set",
                name,
                "--trait",
                "CUSTOM_X",
                "--property",
                "cpus=16",
                "-f",
                "json",
            )
        )
        assert changed["traits"] == ["CUSTOM_X"]
        assert world.placement.get_traits(node["uuid"]) == ["CUSTOM_X"]

        result = mogan("node", "delete", name)
        assert result.code == 0, result.err
        assert world.placement.get_provider(node["uuid"]) is None
        assert mogan("node", "show", name).code == 1

    def test_password_is_required_and_members_are_refused(
        self, mogan, world, engine_factory
    ):
        """No password is a clear error; a member gets the API's 403."""
        engine_factory()
        result = _create(mogan, world, "no-pass")
        assert result.code == 1
        assert "MOGAN_BMC_PASSWORD" in result.err
        result = mogan(
            "node",
            "create",
            "m",
            "--driver",
            "fake",
            "--resource-class",
            "x",
            "--bmc-address",
            "fake://m",
            "--bmc-username",
            "u",
            "--bmc-password",
            PASSWORD,
            persona=MEMBER,
        )
        assert result.code == 1
        assert "403" in result.err or "forbidden" in result.err.lower()
        assert PASSWORD not in result.err

    def test_set_without_changes_and_delete_with_a_server(
        self, mogan, world, engine_factory
    ):
        """Nothing to set is an error; a node carrying a server is not deleted."""
        engine_factory()
        name = f"cli-{uuid.uuid4().hex[:8]}"
        node = ok(_create(mogan, world, name, "--bmc-password", PASSWORD))
        result = mogan("node", "set", name)
        assert result.code == 1
        assert "nothing to set" in result.err
        servers, _ = world.create(1)
        engine_support.wait_for(
            lambda: (s := world.server(servers[0])) and s.node_uuid == node["uuid"],
            timeout=30,
        )
        result = mogan("node", "delete", name)
        assert result.code == 1
        assert "in use" in result.err
