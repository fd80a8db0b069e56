"""Helpers for tests that run Mogan's console scripts as real OS processes.

Processes log to files in the test's directory (their tails are shown when a
wait times out) and are always reaped: ``processes`` kills whatever a test
left running. Servers are driven over HTTP with the admin persona; the fake
fleet is scripted through ``FakeDriver`` on the processes' state path (its
SQLite file is shared between processes); databases are read directly with
SQLAlchemy to check what the API does not show (node locks, workflows,
Placement allocations).
"""

import contextlib
import pathlib
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from mogan.drivers import base as driver_base
from mogan.drivers import fake
from tests.conftest import (
    ADMIN,
    POSTGRES_ADMIN_URL,
    fresh_server_database,
    unavailable,
)

RABBIT_URL = "rabbit://guest:guest@127.0.0.1:5672/"
BIN = pathlib.Path(sys.executable).parent
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
LOG_TAIL = 3000


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_conf(path: pathlib.Path, sections: dict[str, dict[str, Any]]) -> str:
    """Write an INI configuration file and return its path."""
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value}" for key, value in values.items())
        lines.append("")
    path.write_text("\n".join(lines))
    return str(path)


class Processes:
    """Console-script processes of one test, each logging to its own file."""

    def __init__(self, directory: pathlib.Path) -> None:
        """Keep logs in ``directory``."""
        self.directory = directory
        self.started: list[tuple[subprocess.Popen[bytes], pathlib.Path]] = []

    def start(self, script: str, *args: str) -> subprocess.Popen[bytes]:
        """Start ``script`` (from the virtualenv) with ``args``."""
        log = self.directory / f"{script}-{len(self.started)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(BIN / script), *args], stdout=out, stderr=subprocess.STDOUT
            )
        self.started.append((proc, log))
        return proc

    def logs(self) -> str:
        """The tail of every process's log, for failure messages."""
        parts = []
        for proc, log in self.started:
            text = log.read_text(errors="replace") if log.exists() else ""
            parts.append(f"--- {' '.join(proc.args)} (rc={proc.poll()})\n")
            parts.append(text[-LOG_TAIL:])
        return "\n".join(parts)

    def stop(self, proc: subprocess.Popen[bytes]) -> int:
        """SIGTERM ``proc`` and return its exit code."""
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"{proc.args[0]} ignored SIGTERM\n{self.logs()}")

    def kill_all(self) -> None:
        """Kill every process still running."""
        for proc, _ in self.started:
            if proc.poll() is None:
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=STOP_TIMEOUT)


@pytest.fixture
def rabbitmq() -> str:
    """RabbitMQ's URL, once it is known to be listening."""
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
    except OSError as err:
        unavailable("RabbitMQ", err)
    return RABBIT_URL


@pytest.fixture
def placement_url() -> Iterator[str]:
    """Another fresh PostgreSQL database, for the embedded Placement."""
    yield from fresh_server_database(POSTGRES_ADMIN_URL, "PostgreSQL")


@pytest.fixture
def processes(tmp_path) -> Iterator[Processes]:
    """Start processes; whatever is left running is killed at teardown."""
    procs = Processes(tmp_path)
    try:
        yield procs
    finally:
        procs.kill_all()


def wait_for(
    predicate: Callable[[], Any],
    what: str,
    timeout: float,
    processes: Processes | None = None,
) -> Any:
    """Poll ``predicate`` until truthy; fail (with process logs) after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            logs = processes.logs() if processes is not None else ""
            pytest.fail(f"timed out after {timeout}s waiting for {what}\n{logs}")
        time.sleep(0.1)


def api_client(port: int) -> httpx.Client:
    """An HTTP client on a Mogan API at ``port`` with the admin persona."""
    return httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers=ADMIN.headers, timeout=30
    )


def wait_for_api(
    client: httpx.Client, proc: subprocess.Popen[bytes], processes: Processes
) -> None:
    """Wait until the API answers (fail at once if its process died)."""

    def answers() -> bool:
        if proc.poll() is not None:
            pytest.fail(
                f"{proc.args[0]} exited with {proc.returncode}\n{processes.logs()}"
            )
        try:
            return client.get("/v1/flavors", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(answers, "the API to answer", READY_TIMEOUT, processes)


# NOTE: quick polls and syncs for an all-in-one on a real backend (Ironic,
# the Redfish emulator), so end-to-end tests wait seconds, not minutes.
QUICK_ENGINE = {
    "poll_interval": 0.1,
    "hardware_poll_interval": 0.2,
    "sync_nodes_interval": 2,
    "sync_power_state_interval": 2,
    "deploy_timeout": 60,
    "clean_timeout": 60,
}


@contextlib.contextmanager
def all_in_one(
    tmp: pathlib.Path, sections: dict[str, dict[str, Any]]
) -> Iterator[tuple[httpx.Client, pathlib.Path, "Processes"]]:
    """``mogan-all-in-one`` on ``tmp`` with this configuration, until the block ends.

    Yields:
        The admin client on its API, its state directory, its processes.
    """
    state = tmp / "state"
    port = free_port()
    conf = write_conf(tmp / "mogan.conf", sections)
    processes = Processes(tmp)
    proc = processes.start(
        "mogan-all-in-one",
        "--config-file",
        conf,
        "--state-dir",
        str(state),
        "--port",
        str(port),
    )
    try:
        with api_client(port) as client:
            wait_for_api(client, proc, processes)
            yield client, state, processes
    finally:
        processes.kill_all()


def placement_class(resource_class: str) -> str:
    """Placement's custom class for a node resource class."""
    return "CUSTOM_" + "".join(
        c if c.isalnum() else "_" for c in resource_class.upper()
    )


def seed(client: httpx.Client, resource_class: str) -> dict[str, str]:
    """Create a flavor for ``resource_class``, an image and a network.

    Returns:
        The uuids under ``flavor``, ``image`` and ``network``.
    """
    bodies = {
        "flavor": (
            "/v1/flavors",
            {"name": "bm.it", "resources": {placement_class(resource_class): 1}},
        ),
        "image": (
            "/v1/images",
            {"name": "cirros", "url": "http://images.test/c.img", "disk_format": "raw"},
        ),
        "network": ("/v1/networks", {"name": "flat", "cidr": "10.30.0.0/24"}),
    }
    made = {}
    for kind, (path, body) in bodies.items():
        resp = client.post(path, json=body)
        assert resp.status_code == 201, resp.text
        made[kind] = resp.json()["uuid"]
    return made


def create_server(client: httpx.Client, made: dict[str, str], name: str) -> str:
    """Create a server through the API and return its uuid."""
    resp = client.post(
        "/v1/servers",
        json={
            "server": {
                "name": name,
                "flavor_uuid": made["flavor"],
                "image_uuid": made["image"],
                "networks": [{"net_id": made["network"]}],
            }
        },
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["uuid"])


def enroll(driver: fake.FakeDriver, count: int, resource_class: str) -> list[str]:
    """Enroll ``count`` fake nodes of ``resource_class``; return their uuids."""
    nodes = []
    for index in range(count):
        node_uuid = str(uuid.uuid4())
        driver.enroll(
            driver_base.NodeSpec(
                uuid=node_uuid,
                name=f"{resource_class}-{index:02d}",
                resource_class=resource_class,
                ports=(f"52:54:00:7e:{index // 256:02x}:{index % 256:02x}",),
            )
        )
        nodes.append(node_uuid)
    return nodes


def synced_nodes(db_url: str, resource_class: str) -> int:
    """Consumable nodes of ``resource_class`` the engine has put in Placement."""
    return int(
        query(
            db_url,
            "SELECT count(*) FROM nodes WHERE resource_class = :rc "
            "AND consumable AND provider_synced",
            rc=resource_class,
        )[0][0]
    )


def query(db_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on the database at ``db_url`` (a short connection)."""
    engine = sa.create_engine(db_url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def allocations(placement_url: str) -> dict[str, str]:
    """Placement's allocations: consumer (server) uuid -> provider (node) uuid."""
    rows = query(
        placement_url,
        "SELECT a.consumer_id, rp.uuid FROM allocations a "
        "JOIN resource_providers rp ON rp.id = a.resource_provider_id",
    )
    return {str(consumer): str(provider) for consumer, provider in rows}
