"""Helpers for API and CLI tests that need a running engine (adoption, consoles).

The fixtures are mostly tests/engine's (a real engine service answering
RPC, the real scheduler over the in-process bus, the embedded Placement, a
fake fleet); the bus ones are redefined here on an exchange of their own.
A test module takes them all with ``globals().update(FIXTURES)``, since
pytest finds fixtures by module attribute. The helpers make adoptable nodes
and adopt them through the API.
"""

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from oslo_config import cfg

from mogan import states
from mogan.drivers import base as driver_base
from mogan.scheduler import manager as scheduler_manager
from tests.conftest import ADMIN
from tests.engine import conftest as engine_conftest

EXCHANGE = f"mogan-api-engine-tests-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def econf(conf: cfg.ConfigOpts, placement_state: str) -> cfg.ConfigOpts:
    """tests/engine's fast-engine configuration, on this module's exchange."""
    del placement_state
    overrides: dict[str | None, dict[str, Any]] = {
        None: {"host": "engine-a", "control_exchange": EXCHANGE},
        "placement": {"embedded": True},
        "engine": {
            "poll_interval": engine_conftest.FAST,
            "hardware_poll_interval": engine_conftest.FAST,
            "lease_seconds": 5,
            "workers": 4,
            "heartbeat_interval": 1,
            "sync_nodes_interval": 3600,
            "sync_power_state_interval": 3600,
        },
    }
    for group, values in overrides.items():
        for name, value in values.items():
            conf.set_override(name, value, group)
    return conf


# NOTE: module scope, not session: each module binding these fixtures gets
# its own instances, and with session scope two modules' scheduler servers
# and listeners would compete for one exchange's messages in one worker.
@pytest.fixture(scope="module")
def bus_conf() -> cfg.ConfigOpts:
    """Configuration of this module's in-process bus."""
    return engine_conftest.make_bus_conf(EXCHANGE)


@pytest.fixture(scope="module")
def scheduler_rpc(
    bus_conf: cfg.ConfigOpts,
) -> Iterator[scheduler_manager.SchedulerManager]:
    """The real scheduler behind its RPC server (each test sets its database)."""
    with engine_conftest.serving_scheduler(bus_conf) as mgr:
        yield mgr


@pytest.fixture(scope="module")
def _listener(bus_conf: cfg.ConfigOpts) -> Iterator[engine_conftest.Recorder]:
    """A listener on ``versioned_notifications`` for the module."""
    with engine_conftest.listening(bus_conf) as recorder:
        yield recorder


# NOTE: what a test module binds (``globals().update(FIXTURES)``): the four
# above, and tests/engine's fixtures that do not own a bus listener.
FIXTURES = {
    "econf": econf,
    "bus_conf": bus_conf,
    "scheduler_rpc": scheduler_rpc,
    "_listener": _listener,
    **{
        name: getattr(engine_conftest, name)
        for name in (
            "placement_state",
            "driver",
            "placement_client_",
            "world",
            "scheduler_server",
            "notes",
            "engine_factory",
            "api",
        )
    },
}
World = engine_conftest.World
wait_for = engine_conftest.wait_for


class RequiredOnly(driver_base.Driver):
    """A fake fleet seen through the required interfaces only.

    No console, adoption or enrolment: what a minimal out-of-tree driver
    offers. It keeps the fake's name so the node rows stay the fake's.
    """

    name = "fake"

    def __init__(self, fleet: Any) -> None:
        """Drive ``fleet`` (a ``FakeDriver``) for inventory, power and deploy."""
        self._fleet = fleet

    def list_nodes(self) -> list[driver_base.NodeSpec]:
        """As the fake."""
        return list(self._fleet.list_nodes())

    def get_node(self, node_uuid: str) -> driver_base.NodeSpec:
        """As the fake."""
        return self._fleet.get_node(node_uuid)

    def get_inventory(self, node_uuid: str) -> driver_base.Inventory:
        """As the fake."""
        return self._fleet.get_inventory(node_uuid)

    def get_power_state(self, node_uuid: str) -> str | None:
        """As the fake."""
        return self._fleet.get_power_state(node_uuid)

    def start_power(self, node_uuid: str, target: str) -> None:
        """As the fake."""
        self._fleet.start_power(node_uuid, target)

    def poll_power(self, node_uuid: str) -> driver_base.Status:
        """As the fake."""
        return self._fleet.poll_power(node_uuid)

    def start_deploy(self, node_uuid: str, request: driver_base.DeployRequest) -> None:
        """As the fake."""
        self._fleet.start_deploy(node_uuid, request)

    def poll_deploy(self, node_uuid: str) -> driver_base.Status:
        """As the fake."""
        return self._fleet.poll_deploy(node_uuid)

    def start_rebuild(self, node_uuid: str, request: driver_base.DeployRequest) -> None:
        """As the fake."""
        self._fleet.start_rebuild(node_uuid, request)

    def start_teardown(self, node_uuid: str) -> None:
        """As the fake."""
        self._fleet.start_teardown(node_uuid)

    def poll_teardown(self, node_uuid: str) -> driver_base.Status:
        """As the fake."""
        return self._fleet.poll_teardown(node_uuid)


def mac() -> str:
    """A fresh locally administered MAC address."""
    return "52:54:00:" + ":".join(f"{b:02x}" for b in uuid.uuid4().bytes[:3])


def deployed_node(
    world: World, ports: int = 2, name: str | None = None, sync: bool = True
) -> dict[str, Any]:
    """Enroll a node deployed outside Mogan (active, no instance); its spec.

    Args:
        world: the test's fleet.
        ports: how many NICs it has.
        name: its name (default ``deployed-<uuid prefix>``).
        sync: run the node sync, as a running engine periodically would.
    """
    node_uuid = str(uuid.uuid4())
    spec = driver_base.NodeSpec(
        uuid=node_uuid,
        name=name or f"deployed-{node_uuid[:8]}",
        resource_class=world.resource_class,
        ports=tuple(mac() for _ in range(ports)),
    )
    world.driver.enroll_deployed(spec)
    world.nodes.append(node_uuid)
    if sync:
        world.sync()
    return {"uuid": node_uuid, "name": spec.name, "ports": list(spec.ports)}


def adopt(
    api: httpx.Client, node: str, name: str = "adopted", **body: Any
) -> httpx.Response:
    """``POST /v1/manageable_servers`` as admin for ``node`` (uuid or name)."""
    return api.post(
        "/v1/manageable_servers",
        json={"name": name, "node_uuid": node, **body},
        headers=ADMIN.headers,
    )


def settled(api: httpx.Client, server_uuid: str) -> dict[str, Any]:
    """The server once its ``adopt`` (or any) workflow left it stable."""

    def stable() -> dict[str, Any] | None:
        server: dict[str, Any] = show(api, server_uuid).json()
        return server if server["status"] not in states.UNSTABLE else None

    found: dict[str, Any] = wait_for(stable)
    return found


def adopted(
    api: httpx.Client, node: str, name: str = "adopted", **body: Any
) -> dict[str, Any]:
    """Adopt ``node``: answered ``adopting`` at once, then the settled server."""
    resp = adopt(api, node, name, **body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == states.ADOPTING
    return settled(api, resp.json()["uuid"])


def show(api: httpx.Client, server_uuid: str) -> httpx.Response:
    """``GET /v1/servers/{uuid}`` as admin."""
    return api.get(f"/v1/servers/{server_uuid}", headers=ADMIN.headers)
