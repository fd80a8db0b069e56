"""``mogan server event list|show``, ``console log show`` and ``--wait`` phases.

End to end: the CLI drives the real app, whose workflows run on a real
engine service (fake fleet, real scheduler, embedded Placement) over the
in-process bus; the console log comes from the engine over RPC.
"""

from typing import Any

import pytest

from mogan import states
from mogan.api import app as api_app
from tests.conftest import ADMIN, MEMBER
from tests.functional.api import engine_support

globals().update(engine_support.FIXTURES)


@pytest.fixture
def app(econf, database):
    """The app on the engine tests' configuration (bus, Placement)."""
    return api_app.create_app(econf, database)


def ok(result) -> Any:
    """The JSON a successful command printed."""
    assert result.code == 0, result.err
    return result.json()


def create(mogan, world, name: str, *extra: str, persona=ADMIN):
    """``mogan server create`` from the world's flavor, image and network."""
    return mogan(
        "server",
        "create",
        name,
        "--flavor",
        world.flavor_uuid,
        "--image",
        world.image_uuid,
        "--network",
        world.network_uuid,
        *extra,
        "-f",
        "json",
        persona=persona,
    )


@pytest.fixture
def web(mogan, world, engine_factory) -> dict[str, Any]:
    """An active server of the admin's project, built by the engine."""
    [node] = world.enroll(1)
    engine_factory()
    server = ok(create(mogan, world, "web", "--wait", "--timeout", "30"))
    return {"uuid": server["uuid"], "node": world.node(node).name}


class TestServerEvent:
    def test_list_shows_the_create_then_show_its_events(self, mogan, web):
        """The create action, Success; its events name the node for admins."""
        rows = ok(mogan("server", "event", "list", "web", "-f", "json"))
        assert [(r["Action"], r["Result"]) for r in rows] == [("create", "Success")]
        shown = ok(
            mogan("server", "event", "show", "web", rows[0]["Request ID"], "-f", "json")
        )
        assert shown["action"] == "create"
        events = shown["events"]
        assert events[0] == f"schedule attempt 1/3 on {web['node']}: Success"
        assert events[-1] == f"active attempt 1/3 on {web['node']}: Success"
        assert f"deploy attempt 1/3 on {web['node']}: Success" in events

    def test_power_actions_are_listed_newest_first(self, mogan, web):
        """Stop then start (--wait): power_on, power_off, create, newest first."""
        assert mogan("server", "stop", "web", "--wait", "--timeout", "30").code == 0
        assert mogan("server", "start", "web", "--wait", "--timeout", "30").code == 0
        rows = ok(mogan("server", "event", "list", web["uuid"], "-f", "json"))
        assert [r["Action"] for r in rows] == ["power_on", "power_off", "create"]
        limited = ok(
            mogan("server", "event", "list", "web", "--limit", "1", "-f", "json")
        )
        assert [r["Action"] for r in limited] == ["power_on"]

    def test_deleted_server_events_by_uuid(self, mogan, web):
        """After delete --wait, the actions stay listed by the server's UUID."""
        assert mogan("server", "delete", "web", "--wait", "--timeout", "30").code == 0
        rows = ok(mogan("server", "event", "list", web["uuid"], "-f", "json"))
        assert [(r["Action"], r["Result"]) for r in rows] == [
            ("delete", "Success"),
            ("create", "Success"),
        ]


class TestConsoleLog:
    def test_prints_the_boot_lines(self, mogan, world, web):
        """The node's serial output as the driver keeps it; --lines keeps the last."""
        node = next(n for n in world.nodes if world.node(n).name == web["node"])
        result = mogan("console", "log", "show", "web")
        assert result.code == 0, result.err
        assert world.driver.console_log(node).rstrip("\n") == result.out.rstrip("\n")
        assert "cloud-init" in result.out
        last = mogan("console", "log", "show", "web", "--lines", "1")
        assert last.out.rstrip("\n").endswith("login:")
        assert len(last.out.splitlines()) == 1

    @pytest.mark.usefixtures("web")
    def test_too_many_lines_is_one_error_line(self, mogan):
        """--lines past 10000: the API's 400 naming the field."""
        result = mogan("console", "log", "show", "web", "--lines", "10001")
        assert result.code == 1
        assert "length" in result.err
        assert "HTTP 400" in result.err


class TestWaitPhases:
    def test_admin_sees_nodes_and_attempts(self, mogan, world, engine_factory):
        """A deploy failing on both nodes: phases with node names and attempt 2/3."""
        nodes = world.enroll(2)
        for node in nodes:
            world.driver.set_behaviour(node, fail_deploy=1, deploy_seconds=1.0)
        engine_factory()
        result = create(mogan, world, "web", "--wait", "--timeout", "30")
        assert result.code == 1
        assert "Server web: building: deploying on node-" in result.err, result.err
        assert ", attempt 2/3" in result.err, result.err
        assert "Server web is in error" in result.err

    def test_owner_sees_phases_without_nodes(self, mogan, world, engine_factory):
        """The owner's phases say deploying, never on which node."""
        [node] = world.enroll(1)
        world.driver.set_behaviour(node, deploy_seconds=1.5)
        engine_factory()
        result = create(
            mogan, world, "web", "--wait", "--timeout", "30", persona=MEMBER
        )
        assert result.code == 0, result.err
        assert "Server web: building: deploying (" in result.err, result.err
        assert world.node(node).name not in result.err
        assert result.json()["status"] == states.ACTIVE
