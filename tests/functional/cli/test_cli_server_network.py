"""The CLI's floating IPs, interfaces and server networks.

``mogan server add|remove floating ip|network|port``, ``server network
list``, ``floating ip ...`` and ``network create --external``.

End to end: the CLI drives the real app (see conftest.py), whose interface
attach and detach run as workflows of a real engine service with the fake
driver's fleet, the real scheduler and the embedded Placement; floating
IPs come from an external network of the embedded backend.
"""

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from mogan import states
from mogan.api import app as api_app
from mogan.db import models
from tests.conftest import ADMIN, MEMBER, OTHER
from tests.functional.api import engine_support

globals().update(engine_support.FIXTURES)


@pytest.fixture
def app(econf, database):
    """The app on the engine tests' configuration (bus, Placement)."""
    return api_app.create_app(econf, database)


def ok(result) -> Any:
    """The JSON a successful command printed (None when it printed nothing)."""
    assert result.code == 0, result.err
    return result.json() if result.out.strip() else None


def error_line(result) -> str:
    """The single line a failed command printed on stderr."""
    assert result.code == 1, result.out
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


@pytest.fixture
def setup(mogan, world, engine_factory) -> dict[str, Any]:
    """An external network, a second flat one, and web (project-a, two ports)."""
    public = ok(
        mogan(
            "network",
            "create",
            "public",
            "--cidr",
            "172.24.4.0/24",
            "--external",
            "-f",
            "json",
        )
    )
    second = ok(
        mogan("network", "create", "second", "--cidr", "10.30.0.0/24", "-f", "json")
    )
    [node] = world.enroll(1, ports=2)
    engine_factory()
    server = ok(
        mogan(
            "server",
            "create",
            "web",
            "--flavor",
            world.flavor_uuid,
            "--image",
            world.image_uuid,
            "--network",
            world.network_uuid,
            "--wait",
            "-f",
            "json",
            persona=MEMBER,
        )
    )
    assert server["status"] == states.ACTIVE
    return {"public": public, "second": second, "server": server, "node": node}


def nics(mogan) -> list[dict[str, Any]]:
    """``server network list web`` as member."""
    return list(
        ok(mogan("server", "network", "list", "web", "-f", "json", persona=MEMBER))
    )


class TestFloatingIps:
    def test_external_network_and_floating_ip_lifecycle(self, mogan, setup):
        """Create, associate, list, disassociate, release: the whole flow."""
        assert setup["public"]["external"] is True
        fip = ok(
            mogan("floating", "ip", "create", "public", "-f", "json", persona=MEMBER)
        )
        assert (fip["address"], fip["project_id"]) == ("172.24.4.2", "project-a")
        assert (
            ok(
                mogan(
                    "server",
                    "add",
                    "floating",
                    "ip",
                    "web",
                    "172.24.4.2",
                    persona=MEMBER,
                )
            )
            is None
        )
        [nic] = nics(mogan)
        assert nic["Floating IP"] == "172.24.4.2"
        assert nic["Fixed IPs"] == ["10.20.0.2"]
        shown = ok(
            mogan("floating", "ip", "show", "172.24.4.2", "-f", "json", persona=MEMBER)
        )
        assert shown["server_uuid"] == setup["server"]["uuid"]
        server = ok(mogan("server", "show", "web", "-f", "json", persona=MEMBER))
        assert {"addr": "172.24.4.2", "type": "floating"} in server["addresses"]["flat"]
        refused = mogan("floating", "ip", "delete", "172.24.4.2", persona=MEMBER)
        assert refused.code == 1
        assert "remove it from the server first" in refused.err
        ok(
            mogan(
                "server",
                "remove",
                "floating",
                "ip",
                "web",
                "172.24.4.2",
                persona=MEMBER,
            )
        )
        assert nics(mogan)[0]["Floating IP"] is None
        ok(mogan("floating", "ip", "delete", "172.24.4.2", persona=MEMBER))
        listed = ok(mogan("floating", "ip", "list", "-f", "json", persona=MEMBER))
        assert listed == []

    def test_fixed_ip_address_option_picks_the_nic(self, mogan, setup):
        """--fixed-ip-address maps it onto that address; a wrong one fails clearly."""
        ok(mogan("server", "add", "network", "web", "second", persona=MEMBER))
        ok(mogan("floating", "ip", "create", "public", "-f", "json", persona=MEMBER))
        line = error_line(
            mogan(
                "server",
                "add",
                "floating",
                "ip",
                "web",
                "172.24.4.2",
                "--fixed-ip-address",
                "10.9.9.9",
                persona=MEMBER,
            )
        )
        assert "fixed_address" in line
        ok(
            mogan(
                "server",
                "add",
                "floating",
                "ip",
                "web",
                "172.24.4.2",
                "--fixed-ip-address",
                "10.30.0.2",
                persona=MEMBER,
            )
        )
        by_network = {n["Network ID"]: n["Floating IP"] for n in nics(mogan)}
        assert by_network[setup["second"]["uuid"]] == "172.24.4.2"

    def test_list_long_and_all_projects(self, mogan, setup):
        """--long adds network, port and project; admins list every project's."""
        ok(mogan("floating", "ip", "create", "public", "-f", "json", persona=MEMBER))
        ok(mogan("floating", "ip", "create", "public", "-f", "json", persona=OTHER))
        rows = ok(
            mogan("floating", "ip", "list", "--long", "-f", "json", persona=MEMBER)
        )
        assert [(r["Address"], r["Project"]) for r in rows] == [
            ("172.24.4.2", "project-a")
        ]
        assert rows[0]["Network"] == setup["public"]["uuid"]
        every = ok(mogan("floating", "ip", "list", "--all-projects", "-f", "json"))
        assert sorted(r["Address"] for r in every) == ["172.24.4.2", "172.24.4.3"]

    def test_quota_set_floating_ips_limits_allocation(self, mogan, setup):
        """``quota set --floating-ips`` caps what the project may allocate."""
        ok(mogan("quota", "set", "project-a", "--floating-ips", "1", "-f", "json"))
        ok(mogan("floating", "ip", "create", "public", "-f", "json", persona=MEMBER))
        line = error_line(mogan("floating", "ip", "create", "public", persona=MEMBER))
        assert "Quota exceeded for resources: floating_ips" in line
        del setup

    def test_unknown_floating_ip_fails_naming_it(self, mogan, setup):
        """A floating IP nobody allocated: exit 1, v1's message."""
        line = error_line(
            mogan(
                "server", "add", "floating", "ip", "web", "172.24.4.9", persona=MEMBER
            )
        )
        assert "Floating IP not found for address 172.24.4.9" in line
        del setup


class TestInterfaces:
    def test_add_and_remove_a_network(self, mogan, setup, world):
        """A second interface on the node's free port, then removed by network."""
        ok(mogan("server", "add", "network", "web", "second", persona=MEMBER))
        rows = nics(mogan)
        assert sorted(r["Network ID"] for r in rows) == sorted(
            [world.network_uuid, setup["second"]["uuid"]]
        )
        assert len(world.driver.vifs(setup["node"])) == 2
        ok(mogan("server", "remove", "network", "web", "second", persona=MEMBER))
        assert [r["Network ID"] for r in nics(mogan)] == [world.network_uuid]
        assert len(world.driver.vifs(setup["node"])) == 1

    def test_remove_port(self, mogan, setup, world, database):
        """``server remove port`` detaches by port id; the port is deleted."""
        ok(mogan("server", "add", "network", "web", "second", persona=MEMBER))
        [added] = [r for r in nics(mogan) if r["Network ID"] == setup["second"]["uuid"]]
        ok(mogan("server", "remove", "port", "web", added["Port ID"], persona=MEMBER))
        assert len(nics(mogan)) == 1
        with database.transaction() as session:
            ports = session.scalars(sa.select(models.Port.uuid)).all()
        assert added["Port ID"] not in ports
        del world

    def test_errors_are_one_line(self, mogan, setup):
        """A port on embedded networks, a network without interface, an unknown port."""
        line = error_line(
            mogan("server", "add", "port", "web", str(uuid.uuid4()), persona=MEMBER)
        )
        assert "'port_id'" in line
        assert "embedded network backend" in line
        line = error_line(
            mogan("server", "remove", "network", "web", "second", persona=MEMBER)
        )
        assert "has no interface on network second" in line
        port = str(uuid.uuid4())
        line = error_line(
            mogan("server", "remove", "port", "web", port, persona=MEMBER)
        )
        assert f"Interface {port} not found" in line
        # NOTE: a network UUID goes to the API as it is (with Neutron it is
        # none of Mogan's networks): the API, not the CLI, says not found.
        network = str(uuid.uuid4())
        line = error_line(
            mogan("server", "add", "network", "web", network, persona=MEMBER)
        )
        assert f"Network {network} could not be found" in line
        del setup

    def test_another_project_cannot_touch_it(self, mogan, setup):
        """Project b does not find project a's server."""
        line = error_line(
            mogan("server", "add", "network", "web", "second", persona=OTHER)
        )
        assert "web" in line
        del setup


def test_admin_sees_networks_external_flag_at_1_8(mogan, setup):
    """``network show`` at 1.8 shows external; ``--long`` lists it."""
    shown = ok(
        mogan(
            "--os-compute-api-version", "1.8", "network", "show", "public", "-f", "json"
        )
    )
    assert shown["external"] is True
    rows = ok(
        mogan(
            "--os-compute-api-version",
            "1.8",
            "network",
            "list",
            "--long",
            "-f",
            "json",
            persona=ADMIN,
        )
    )
    assert {r["Name"]: r["External"] for r in rows}["second"] is False
