"""``mogan manageable server list``, ``server manage`` and ``console url show``.

End to end: the CLI drives the real app (see conftest.py), whose engine
calls are answered by a real engine service over the in-process bus, with
the fake driver's fleet, the real scheduler and the embedded Placement.
"""

from typing import Any

import pytest

from mogan import states
from mogan.api import app as api_app
from tests.conftest import ADMIN, MEMBER, OTHER
from tests.functional.api import engine_support
from tests.functional.api.engine_support import deployed_node, wait_for

globals().update(engine_support.FIXTURES)


@pytest.fixture
def app(econf, database):
    """The app on the engine tests' configuration (bus, Placement)."""
    return api_app.create_app(econf, database)


def ok(result) -> Any:
    """The JSON a successful command printed."""
    assert result.code == 0, result.err
    return result.json()


def error_line(result) -> str:
    """The single line a failed command printed on stderr."""
    assert result.code == 1, result.out
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


@pytest.fixture
def fleet(world, engine_factory) -> dict[str, Any]:
    """Two deployed nodes (2 NICs each), by short name, and a running engine.

    Their names are unique to the test (Placement outlives it): ``name``.
    """
    nodes = {}
    for short in ("b", "a"):
        name = f"{short}-{world.resource_class}"
        nodes[short] = deployed_node(world, ports=2, name=name)
    engine_factory()
    return nodes


@pytest.fixture
def network(mogan) -> dict[str, Any]:
    """A shared network called legacy-net."""
    return dict(
        ok(
            mogan(
                "network",
                "create",
                "legacy-net",
                "--cidr",
                "10.40.0.0/24",
                "-f",
                "json",
            )
        )
    )


class TestManageableServerList:
    def test_lists_adoptable_nodes_by_name(self, mogan, fleet, world):
        """Columns as v1 named them; --long adds the MACs and image source."""
        rows = ok(mogan("manageable", "server", "list", "-f", "json"))
        assert [r["Name"] for r in rows] == [fleet["a"]["name"], fleet["b"]["name"]]
        assert rows[0] == {
            "UUID": fleet["a"]["uuid"],
            "Name": fleet["a"]["name"],
            "Resource Class": world.resource_class,
            "Power State": states.POWER_ON,
            "Provision State": "active",
        }
        long_rows = ok(mogan("manageable", "server", "list", "--long", "-f", "json"))
        assert long_rows[0]["Ports"] == fleet["a"]["ports"]
        assert long_rows[0]["Image Source"] is None

    @pytest.mark.usefixtures("fleet")
    def test_members_are_refused(self, mogan):
        """Adoption is for admins: one error line naming the refusal."""
        line = error_line(mogan("manageable", "server", "list", persona=MEMBER))
        assert "HTTP 403" in line, line


class TestServerManage:
    def test_adopts_into_a_project_with_an_address(self, mogan, fleet, network, world):
        """The server shows as ``server show`` does; the project's member owns it."""
        server = ok(
            mogan(
                "server",
                "manage",
                "legacy",
                "--node",
                fleet["a"]["name"],
                "--project",
                MEMBER.project_id,
                "--network",
                "legacy-net",
                "--property",
                "owner=ops",
                "--description",
                "found in rack 4",
                "-f",
                "json",
            )
        )
        assert server["status"] == states.ACTIVE
        assert server["node"] == fleet["a"]["name"]
        assert server["project_id"] == MEMBER.project_id
        assert server["metadata"] == {"owner": "ops"}
        assert server["description"] == "found in rack 4"
        assert server["addresses"] == {
            network["name"]: [{"addr": "10.40.0.2", "type": "fixed"}]
        }
        shown = ok(mogan("server", "show", "legacy", "-f", "json", persona=MEMBER))
        assert shown["uuid"] == server["uuid"]
        assert shown["status"] == states.ACTIVE
        node = world.driver.get_node(fleet["a"]["uuid"])
        assert node.instance_uuid == server["uuid"]
        rows = ok(mogan("manageable", "server", "list", "-f", "json"))
        assert [r["Name"] for r in rows] == [fleet["b"]["name"]]

    def test_no_wait_answers_while_adopting(self, mogan, fleet, world):
        """``--no-wait`` shows the server adopting; it then becomes active."""
        server = ok(
            mogan(
                "server",
                "manage",
                "quick",
                "--node",
                fleet["a"]["uuid"],
                "--no-wait",
                "-f",
                "json",
            )
        )
        assert server["status"] == states.ADOPTING

        def active() -> bool:
            shown = ok(mogan("server", "show", server["uuid"], "-f", "json"))
            return shown["status"] == states.ACTIVE

        wait_for(active)
        node = world.driver.get_node(fleet["a"]["uuid"])
        assert node.instance_uuid == server["uuid"]

    @pytest.mark.usefixtures("fleet")
    def test_unknown_node_is_one_error_line(self, mogan):
        """The API's 404 reaches the user as one line naming the node."""
        line = error_line(mogan("server", "manage", "x", "--node", "no-such-node"))
        assert "no-such-node" in line

    def test_node_is_required(self, mogan):
        """``--node`` is mandatory (argparse says so, nothing is sent)."""
        result = mogan("server", "manage", "x")
        assert result.code != 0
        assert "--node" in result.err


class TestConsoleUrlShow:
    @pytest.fixture
    def adopted(self, mogan, fleet) -> dict[str, Any]:
        """Node b adopted into project-a as server "legacy"."""
        return dict(
            ok(
                mogan(
                    "server",
                    "manage",
                    "legacy",
                    "--node",
                    fleet["b"]["uuid"],
                    "--project",
                    MEMBER.project_id,
                    "-f",
                    "json",
                )
            )
        )

    def test_owner_sees_the_serial_console_url(self, mogan, adopted, fleet):
        """protocol, type and url of the node's serial console."""
        console = ok(
            mogan("console", "url", "show", "legacy", "-f", "json", persona=MEMBER)
        )
        assert console == {
            "protocol": "serial",
            "type": "serial",
            "url": f"fake://console/{fleet['b']['uuid']}",
        }
        by_uuid = ok(
            mogan(
                "console", "url", "show", adopted["uuid"], "-f", "json", persona=ADMIN
            )
        )
        assert by_uuid == console

    @pytest.mark.usefixtures("adopted")
    def test_a_type_the_node_lacks_is_one_error_line(self, mogan):
        """``--type socat`` on a node without one: the driver's reason."""
        line = error_line(
            mogan("console", "url", "show", "legacy", "--type", "socat", persona=MEMBER)
        )
        assert "no socat console" in line

    @pytest.mark.usefixtures("adopted")
    def test_another_project_cannot_find_the_server(self, mogan):
        """The server does not exist for another project."""
        line = error_line(mogan("console", "url", "show", "legacy", persona=OTHER))
        assert "legacy" in line

    def test_unknown_type_is_refused_before_sending(self, mogan):
        """The types are checked (and listed) before anything is sent."""
        result = mogan("console", "url", "show", "x", "--type", "vnc")
        assert result.code != 0
        assert "socat" in result.err
