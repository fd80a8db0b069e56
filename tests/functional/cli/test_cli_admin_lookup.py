"""Admins name other projects' servers: lookups and ``--all-projects``.

A server name is looked up in the caller's project first and then, when
nothing there has it, in every project (the API honours ``all_tenants``
for admins only). ``--all-projects`` on show, set, unset, delete, the
actions and ``console url show`` searches every project at once.
"""

from typing import Any

import pytest
import sqlalchemy as sa

from mogan.db import models
from tests.conftest import ADMIN, MEMBER, OTHER


def ok(result) -> Any:
    """The JSON a successful command printed."""
    assert result.code == 0, result.err
    return result.json()


def done(result) -> None:
    """A command that prints nothing succeeded."""
    assert result.code == 0, result.err


@pytest.fixture
def create(mogan):
    """``server create <name>`` as ``persona``; the server's JSON."""
    for args in (
        ("flavor", "create", "bm.gold", "--resource", "CUSTOM_GOLD=1"),
        ("image", "create", "ubuntu", "--url", "http://images.test/u.raw"),
        ("network", "create", "demo-net", "--cidr", "10.0.0.0/24"),
    ):
        done(mogan(*args))

    def create_(name: str, persona=ADMIN) -> dict[str, Any]:
        return dict(
            ok(
                mogan(
                    "server",
                    "create",
                    name,
                    "--flavor",
                    "bm.gold",
                    "--image",
                    "ubuntu",
                    "--network",
                    "demo-net",
                    "-f",
                    "json",
                    persona=persona,
                )
            )
        )

    return create_


@pytest.fixture
def alice_1(create, database) -> dict[str, Any]:
    """An active server alice-1 of project-a (MEMBER)."""
    server = create("alice-1", persona=MEMBER)
    with database.transaction() as session:
        session.execute(
            sa.update(models.Server)
            .where(models.Server.uuid == server["uuid"])
            .values(status="active", power_state="power on")
        )
    return server


def shown(mogan, name: str, *extra: str, persona=ADMIN) -> dict[str, Any]:
    """``server show <name> -f json`` as ``persona``."""
    return dict(
        ok(mogan("server", "show", name, *extra, "-f", "json", persona=persona))
    )


class TestAdminLookup:
    def test_admin_shows_another_projects_server_by_name(self, mogan, alice_1):
        """Server show alice-1 works for an admin of another project."""
        assert shown(mogan, "alice-1")["uuid"] == alice_1["uuid"]
        assert shown(mogan, "alice-1", "--all-projects")["uuid"] == alice_1["uuid"]

    def test_admin_acts_on_another_projects_server_by_name(self, mogan, alice_1):
        """stop, lock, set, unset, delete take the name (and --all-projects)."""
        done(mogan("server", "stop", "alice-1", "--all-projects"))
        assert shown(mogan, "alice-1")["status"] == "powering-off"
        done(mogan("server", "lock", "alice-1"))
        done(mogan("server", "unlock", "alice-1", "--all-projects"))
        done(mogan("server", "set", "alice-1", "--property", "a=1", "--all-projects"))
        done(mogan("server", "unset", "alice-1", "--property", "a"))
        assert shown(mogan, "alice-1")["metadata"] == {}
        done(mogan("server", "delete", "alice-1", "--all-projects"))
        assert shown(mogan, alice_1["uuid"])["status"] == "deleting"

    @pytest.mark.parametrize(
        "command",
        [
            ("server", "start"),
            ("server", "reboot"),
            ("server", "rebuild"),
            ("console", "url", "show"),
        ],
    )
    @pytest.mark.usefixtures("alice_1")
    def test_every_server_command_takes_all_projects(self, mogan, command):
        """The actions accept --all-projects (their outcome is the API's)."""
        result = mogan(*command, "alice-1", "--all-projects")
        assert "unrecognized arguments" not in result.err
        assert "No server with a name" not in result.err

    def test_own_project_first_all_projects_finds_both(self, mogan, create, alice_1):
        """A name in the admin's project and another: own first, both with the flag."""
        mine = create("alice-1")
        assert shown(mogan, "alice-1")["uuid"] == mine["uuid"]
        result = mogan("server", "show", "alice-1", "--all-projects")
        assert result.code == 1
        assert "More than one server exists with the name 'alice-1'" in result.err
        assert alice_1["uuid"] != mine["uuid"]

    @pytest.mark.usefixtures("alice_1")
    def test_member_of_another_project_still_cannot(self, mogan):
        """A non-admin gets no other project's server by name, flag or not."""
        for extra in ((), ("--all-projects",)):
            result = mogan("server", "show", "alice-1", *extra, persona=OTHER)
            assert result.code == 1
            assert "No server with a name or UUID of 'alice-1'" in result.err
