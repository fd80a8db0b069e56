"""``mogan server ...`` end to end over the real app, with no engine.

Without an engine a server stays where the API put it (``building``,
``powering-off`` ...); tests that need it to move play the engine's part by
writing the database directly, from another thread when a ``--wait`` has to
see the change while it polls.
"""

import base64
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from mogan.db import models
from tests.conftest import ADMIN, MEMBER, OTHER

ENGINE_DELAY = 0.4


def ok(result) -> Any:
    """The JSON a successful command printed."""
    assert result.code == 0, result.err
    return result.json()


def set_row(database, uuid: str, **fields: Any) -> None:
    """Write ``fields`` on the server row, as the engine would."""
    with database.transaction() as session:
        session.execute(
            sa.update(models.Server).where(models.Server.uuid == uuid).values(**fields)
        )


def when_status(database, uuid: str, awaited: str, **fields: Any) -> None:
    """Once the API moved the server to ``awaited``, write ``fields`` (the engine)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with database.transaction(readonly=True) as session:
            current = session.scalar(
                sa.select(models.Server.status).where(models.Server.uuid == uuid)
            )
        if current == awaited:
            break
        time.sleep(0.05)
    set_row(database, uuid, **fields)


def fail(database, uuid: str, message: str) -> None:
    """Put the server in error with a fault, as a failed build would."""
    with database.transaction() as session:
        session.add(models.ServerFault(server_uuid=uuid, code=500, message=message))
    set_row(database, uuid, status="error")


def attach(database, uuid: str, network_id: str, address: str) -> None:
    """Give the server a NIC with one fixed address on ``network_id``."""
    with database.transaction() as session:
        session.add(
            models.ServerNic(
                port_id=f"port-{address}",
                server_uuid=uuid,
                mac_address="52:54:00:00:00:01",
                network_id=network_id,
                fixed_ips=[{"ip_address": address}],
            )
        )


def purge(database, uuid: str) -> None:
    """Delete the server row once the API marked it deleting, as the engine would."""
    # NOTE: waiting for "deleting" keeps a slow CLI start from racing the
    # purge (the DELETE would then meet a server that is already gone).
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with database.transaction(readonly=True) as session:
            status = session.scalar(
                sa.select(models.Server.status).where(models.Server.uuid == uuid)
            )
        if status == "deleting":
            break
        time.sleep(0.05)
    with database.transaction() as session:
        for model in (models.ServerNic, models.ServerFault):
            session.execute(sa.delete(model).where(model.server_uuid == uuid))
        session.execute(sa.delete(models.Server).where(models.Server.uuid == uuid))


@pytest.fixture
def later() -> Iterator[Callable[..., None]]:
    """Run ``work(*args, **kwargs)`` on another thread after a short delay."""
    threads: list[threading.Thread] = []

    def later_(work: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        def run() -> None:
            time.sleep(ENGINE_DELAY)
            work(*args, **kwargs)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        threads.append(thread)

    yield later_
    for thread in threads:
        thread.join(timeout=5)


@pytest.fixture
def refs(mogan) -> dict[str, dict[str, Any]]:
    """A flavor, an image and a network, each created by name."""
    flavor = ok(
        mogan(
            "flavor",
            "create",
            "bm.gold",
            "--resource",
            "CUSTOM_BAREMETAL_GOLD=1",
            "-f",
            "json",
        )
    )
    image = ok(
        mogan(
            "image",
            "create",
            "ubuntu",
            "--url",
            "http://images.test/u.raw",
            "-f",
            "json",
        )
    )
    network = ok(
        mogan("network", "create", "demo-net", "--cidr", "10.0.0.0/24", "-f", "json")
    )
    return {"flavor": flavor, "image": image, "network": network}


@pytest.fixture
def create(mogan, refs) -> Callable[..., Any]:
    """Run ``server create <name>`` with the fixture references by name."""

    def create_(name: str = "web", *extra: str, persona=ADMIN) -> Any:
        return mogan(
            "server",
            "create",
            name,
            "--flavor",
            "bm.gold",
            "--image",
            "ubuntu",
            "--network",
            "demo-net",
            *extra,
            persona=persona,
        )

    return create_


@pytest.fixture
def web(create, database) -> dict[str, Any]:
    """An active, powered-on server named web."""
    server = ok(create("web", "-f", "json"))
    set_row(database, server["uuid"], status="active", power_state="power on")
    return dict(server)


def status_of(mogan, name: str) -> str:
    """The server's status as ``server show`` prints it."""
    result = mogan("server", "show", name, "-f", "value", "-c", "status")
    assert result.code == 0, result.err
    return str(result.out.strip())


class TestCreate:
    def test_create_resolves_names_and_shows_the_building_server(self, create, refs):
        """Flavor, image and network names become UUIDs; the new server is shown."""
        server = ok(
            create(
                "web",
                "--property",
                "role=db",
                "--description",
                "primary",
                "-f",
                "json",
            )
        )
        assert server["name"] == "web"
        assert server["status"] == "building"
        assert server["flavor_uuid"] == refs["flavor"]["uuid"]
        assert server["image_uuid"] == refs["image"]["uuid"]
        assert server["metadata"] == {"role": "db"}
        assert server["description"] == "primary"
        assert "fault" not in server

    def test_user_data_file_is_sent_base64(self, create, database, tmp_path):
        """--user-data reads the file and the build gets it base64-encoded."""
        script = tmp_path / "init.sh"
        script.write_bytes(b"#!/bin/sh\necho hi\n")
        ok(create("web", "--user-data", str(script), "-f", "json"))
        with database.transaction() as session:
            args = session.scalars(sa.select(models.Workflow.args)).one()
        assert base64.b64decode(args["build_args"]["user_data"]) == (
            b"#!/bin/sh\necho hi\n"
        )

    def test_several_servers_are_numbered(self, create, mogan):
        """--min/--max create name-1 ... name-N."""
        ok(create("node", "--min", "2", "--max", "3", "-f", "json"))
        listed = ok(mogan("server", "list", "--name", "node", "-f", "json"))
        assert sorted(s["Name"] for s in listed) == ["node-1", "node-2", "node-3"]

    @pytest.mark.usefixtures("refs")
    def test_unknown_network_name_fails_clearly(self, mogan):
        """A network name that matches nothing exits 1 naming it."""
        result = mogan(
            "server",
            "create",
            "web",
            "--flavor",
            "bm.gold",
            "--image",
            "ubuntu",
            "--network",
            "nope",
        )
        assert result.code == 1
        assert "nope" in result.err

    def test_unknown_hint_is_refused(self, create):
        """Only the group hint exists; others are refused before any request."""
        result = create("web", "--hint", "near=x")
        assert result.code == 1
        assert "unknown scheduler hint near" in result.err


class TestCreateWait:
    def test_wait_returns_the_active_server_with_its_addresses(
        self, create, database, later, refs, mogan
    ):
        """--wait blocks until active, shows progress and the compact address."""
        net = refs["network"]["uuid"]

        def engine() -> None:
            uuid = database_uuid(database, "web")
            attach(database, uuid, net, "10.0.0.3")
            set_row(database, uuid, status="active", power_state="power on")

        later(engine)
        result = create("web", "--wait", "--timeout", "10")
        assert result.code == 0, result.err
        assert "Server web: building" in result.err
        assert "Server web: active" in result.err
        assert "demo-net=10.0.0.3" in result.out
        listed = mogan("server", "list")
        assert "demo-net=10.0.0.3" in listed.out
        assert "active" in listed.out

    def test_wait_fails_with_the_fault_message(self, create, database, later):
        """A server ending in error exits 1 with its fault message."""
        later(lambda: fail(database, database_uuid(database, "web"), "no valid node"))
        result = create("web", "--wait", "--timeout", "10")
        assert result.code == 1
        assert "Server web is in error: no valid node" in result.err

    def test_wait_times_out_cleanly(self, create):
        """A server that never settles exits 1 with a one-line timeout."""
        started = time.monotonic()
        result = create("web", "--wait", "--timeout", "0.3")
        assert result.code == 1
        assert "Timed out after 0.3s waiting for server web to be active" in (
            result.err
        )
        assert "Traceback" not in result.err
        assert time.monotonic() - started < 5

    def test_wait_covers_every_server_of_a_multi_create(self, create, database, later):
        """With --max, --wait waits for each new server, not just the first."""

        def engine() -> None:
            set_row(database, database_uuid(database, "node-1"), status="active")

        later(engine)
        result = create("node", "--max", "2", "--wait", "--timeout", "1.5")
        assert result.code == 1
        assert "Server node-1: active" in result.err
        assert "waiting for server node-2 to be active" in result.err


def database_uuid(database, name: str) -> str:
    """The UUID of the one server called ``name``, once the CLI created it."""
    # NOTE: the background "engine" may start before a slow CLI's POST lands.
    deadline = time.monotonic() + 10
    while True:
        with database.transaction(readonly=True) as session:
            found = session.scalars(
                sa.select(models.Server.uuid).where(models.Server.name == name)
            ).one_or_none()
        if found is not None or time.monotonic() > deadline:
            return str(found)
        time.sleep(0.05)


class TestListShow:
    @pytest.mark.usefixtures("web")
    def test_list_filters_and_long(self, create, mogan):
        """--name is a prefix, --status filters, --long adds columns."""
        ok(create("db", "-f", "json"))
        names = [r["Name"] for r in ok(mogan("server", "list", "-f", "json"))]
        assert sorted(names) == ["db", "web"]
        active = ok(mogan("server", "list", "--status", "active", "-f", "json"))
        assert [r["Name"] for r in active] == ["web"]
        prefixed = ok(mogan("server", "list", "--name", "d", "-f", "json"))
        assert [r["Name"] for r in prefixed] == ["db"]
        long = ok(mogan("server", "list", "--long", "-f", "json"))
        assert {"Flavor", "Image", "Locked", "Properties"} <= set(long[0])

    def test_all_projects_is_for_admins(self, create, mogan):
        """A member's server shows in an admin's --all-projects list only."""
        ok(create("mine", "-f", "json", persona=MEMBER))
        assert ok(mogan("server", "list", "-f", "json", persona=OTHER)) == []
        every = ok(mogan("server", "list", "--all-projects", "-f", "json"))
        assert [r["Name"] for r in every] == ["mine"]

    def test_show_by_name_includes_the_fault_of_an_error(self, web, mogan, database):
        """Show finds a server by name and prints its fault when in error."""
        fail(database, web["uuid"], "deploy failed: disk on fire")
        shown = ok(mogan("server", "show", "web", "-f", "json"))
        assert shown["uuid"] == web["uuid"]
        assert shown["fault"]["message"] == "deploy failed: disk on fire"

    def test_ambiguous_name_is_an_error(self, create, mogan):
        """Two servers with one name cannot be addressed by it."""
        ok(create("twin", "-f", "json"))
        ok(create("twin", "-f", "json"))
        result = mogan("server", "show", "twin")
        assert result.code == 1
        assert "More than one server exists with the name 'twin'" in result.err

    def test_unknown_server_is_an_error(self, mogan):
        """A name that matches nothing exits 1 naming it."""
        result = mogan("server", "show", "ghost")
        assert result.code == 1
        assert "No server with a name or UUID of 'ghost' exists." in result.err


class TestSetUnset:
    @pytest.mark.usefixtures("web")
    def test_set_and_unset(self, mogan):
        """Set renames and adds properties in one patch; unset removes keys."""
        assert (
            mogan(
                "server",
                "set",
                "web",
                "--name",
                "www",
                "--description",
                "front",
                "--property",
                "a=1",
                "--property",
                "b.c=2",
            ).code
            == 0
        )
        shown = ok(mogan("server", "show", "www", "-f", "json"))
        assert shown["description"] == "front"
        assert shown["metadata"] == {"a": "1", "b.c": "2"}
        assert mogan("server", "unset", "www", "--property", "b.c").code == 0
        assert ok(mogan("server", "show", "www", "-f", "json"))["metadata"] == {
            "a": "1"
        }

    @pytest.mark.usefixtures("web")
    def test_set_nothing_is_an_error(self, mogan):
        """Set with no change exits 1 and says what it takes."""
        result = mogan("server", "set", "web")
        assert result.code == 1
        assert "nothing to set" in result.err


class TestPower:
    @pytest.mark.usefixtures("web")
    def test_stop_and_soft_stop(self, create, database, mogan):
        """Stop powers off; --soft asks for a soft power off."""
        assert mogan("server", "stop", "web").code == 0
        assert status_of(mogan, "web") == "powering-off"
        other = ok(create("db", "-f", "json"))
        set_row(database, other["uuid"], status="active")
        assert mogan("server", "stop", "--soft", "db").code == 0
        assert status_of(mogan, "db") == "soft-powering-off"

    def test_stop_wait_then_start_wait(self, web, database, later, mogan):
        """--wait follows stop to stopped and start back to active."""
        later(when_status, database, web["uuid"], "powering-off", status="stopped")
        stopped = mogan("server", "stop", "web", "--wait", "--timeout", "10")
        assert stopped.code == 0, stopped.err
        assert "Server web: stopped" in stopped.err
        later(when_status, database, web["uuid"], "powering-on", status="active")
        started = mogan("server", "start", "web", "--wait", "--timeout", "10")
        assert started.code == 0, started.err
        assert "Server web: active" in started.err

    def test_power_failure_back_to_active_fails_the_wait(
        self, web, database, later, mogan
    ):
        """A stop that ends active again (power failed) exits 1."""
        later(when_status, database, web["uuid"], "powering-off", status="active")
        result = mogan("server", "stop", "web", "--wait", "--timeout", "10")
        assert result.code == 1
        assert "Server web is active, not stopped." in result.err

    def test_start_of_a_building_server_is_refused(self, create, mogan):
        """The state machine's refusal comes back as one line, exit 1."""
        ok(create("web", "-f", "json"))
        result = mogan("server", "start", "web")
        assert result.code == 1
        assert "Cannot start while the server is building." in result.err

    @pytest.mark.usefixtures("web")
    def test_reboot(self, mogan):
        """Reboot moves an active server to rebooting."""
        assert mogan("server", "reboot", "web").code == 0
        assert status_of(mogan, "web") == "rebooting"


class TestLockRebuildDelete:
    @pytest.mark.usefixtures("web")
    def test_lock_and_unlock(self, mogan):
        """Lock and unlock flip the locked field."""
        assert mogan("server", "lock", "web").code == 0
        assert ok(mogan("server", "show", "web", "-f", "json"))["locked"] is True
        assert mogan("server", "unlock", "web").code == 0
        assert ok(mogan("server", "show", "web", "-f", "json"))["locked"] is False

    @pytest.mark.usefixtures("web")
    def test_rebuild_with_another_image(self, mogan, database):
        """Rebuild resolves the image name and starts a rebuild workflow."""
        other = ok(
            mogan(
                "image",
                "create",
                "debian",
                "--url",
                "http://images.test/d.raw",
                "-f",
                "json",
            )
        )
        result = mogan("server", "rebuild", "web", "--image", "debian")
        assert result.code == 0, result.err
        assert status_of(mogan, "web") == "rebuilding"
        with database.transaction() as session:
            args = session.scalars(
                sa.select(models.Workflow.args).where(models.Workflow.kind == "rebuild")
            ).one()
        assert args["image_uuid"] == other["uuid"]

    @pytest.mark.usefixtures("web")
    def test_delete_several_reports_each_failure(self, create, mogan):
        """Every server is tried; an unknown one fails the command at the end."""
        ok(create("db", "-f", "json"))
        result = mogan("server", "delete", "web", "ghost", "db")
        assert result.code == 1
        assert "Failed to delete server ghost" in result.err
        assert "1 of 3 servers failed to delete." in result.err
        assert status_of(mogan, "web") == "deleting"
        assert status_of(mogan, "db") == "deleting"

    def test_delete_wait_until_gone(self, web, database, later, mogan):
        """--wait returns once the server no longer exists."""
        later(purge, database, web["uuid"])
        result = mogan("server", "delete", "web", "--wait", "--timeout", "10")
        assert result.code == 0, result.err
        assert "Server web: deleting" in result.err
        assert "Server web: deleted" in result.err
        assert ok(mogan("server", "list", "-f", "json")) == []

    def test_json_output_keeps_the_address_mapping(self, web, database, refs, mogan):
        """-f json keeps the addresses mapping, keyed by network name."""
        net = refs["network"]["uuid"]
        attach(database, web["uuid"], net, "10.0.0.9")
        shown = ok(mogan("server", "show", "web", "-f", "json"))
        assert shown["addresses"] == {
            "demo-net": [{"addr": "10.0.0.9", "type": "fixed"}]
        }
        table = mogan("server", "show", "web")
        assert "demo-net=10.0.0.9" in table.out
        assert net not in table.out
