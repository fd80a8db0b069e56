"""Engine fixtures: a fake fleet synced into the real embedded Placement.

Placement is embedded once per test process (its configuration is global),
so every test gets its own resource class: earlier tests' nodes stay in
Placement but never match. The message bus is the in-process ``fake://``
one; the scheduler runs for real behind its RPC server and one notification
listener records for the session (tests tell their notifications apart by
their servers' unique uuids).
"""

import base64
import contextlib
import dataclasses
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import oslo_messaging as messaging
import pytest
import sqlalchemy as sa
from oslo_config import cfg

from mogan import conf as mogan_conf
from mogan import image, network, placement, rpc, states
from mogan.api import app as api_app
from mogan.db import models
from mogan.db import session as db_session
from mogan.db.api import workflow as workflow_db
from mogan.drivers import base as driver_base
from mogan.drivers import fake
from mogan.engine import node_sync, notifications, service, workflow
from mogan.placement import client as placement_client
from mogan.placement import embedded
from mogan.scheduler import manager as scheduler_manager
from mogan.scheduler import rpcapi as scheduler_rpcapi
from mogan.services import workflow_args

FAST = 0.02
EXCHANGE = f"mogan-engine-tests-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def placement_state(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Where the process's one embedded Placement keeps its database."""
    path = str(tmp_path_factory.mktemp("placement"))
    embedded.shared_app(path)
    return path


@pytest.fixture
def econf(conf: cfg.ConfigOpts, placement_state: str) -> cfg.ConfigOpts:
    """The test configuration tuned for fast engines."""
    overrides: dict[str, dict[str, Any]] = {
        "DEFAULT": {
            "host": "engine-a",
            "control_exchange": EXCHANGE,
        },
        "placement": {"embedded": True},
        "engine": {
            "poll_interval": FAST,
            "hardware_poll_interval": FAST,
            "lease_seconds": 5,
            "workers": 4,
            "heartbeat_interval": 1,
            "sync_nodes_interval": 3600,
            "sync_power_state_interval": 3600,
        },
    }
    for group, values in overrides.items():
        for name, value in values.items():
            conf.set_override(name, value, None if group == "DEFAULT" else group)
    return conf


@pytest.fixture
def driver(tmp_path) -> Iterator[fake.FakeDriver]:
    """A zero-delay fake fleet in the test's directory."""
    drv = fake.FakeDriver(str(tmp_path))
    yield drv
    drv.close()


@pytest.fixture
def placement_client_(econf) -> placement_client.PlacementClient:
    """A client of the embedded Placement."""
    return placement.get_client(econf)


@dataclasses.dataclass
class World:
    """What a test builds servers from: fleet, flavor, image, network."""

    conf: cfg.ConfigOpts
    db: db_session.Database
    driver: fake.FakeDriver
    placement: placement_client.PlacementClient
    resource_class: str
    flavor_uuid: str = ""
    image_uuid: str = ""
    network_uuid: str = ""
    nodes: list[str] = dataclasses.field(default_factory=list)

    @property
    def placement_rc(self) -> str:
        """The Placement resource class of the fleet's nodes."""
        return "CUSTOM_" + self.resource_class.upper().replace("-", "_")

    def enroll(self, count: int, ports: int = 1) -> list[str]:
        """Add ``count`` nodes and sync them into Mogan and Placement."""
        new = []
        for _ in range(count):
            node_uuid = str(uuid.uuid4())
            macs = tuple(
                "52:54:00:" + ":".join(f"{b:02x}" for b in uuid.uuid4().bytes[:3])
                for _ in range(ports)
            )
            self.driver.enroll(
                driver_base.NodeSpec(
                    uuid=node_uuid,
                    name=f"node-{node_uuid[:8]}",
                    resource_class=self.resource_class,
                    ports=macs,
                )
            )
            new.append(node_uuid)
        self.nodes.extend(new)
        self.sync()
        return new

    def sync(self) -> None:
        """Run node sync once."""
        # NOTE: node_sync lists providers by resource class before it
        # creates the class; a new class must exist first (reported).
        self.placement.ensure_resource_class(self.placement_rc)
        node_sync.sync(self.db, self.driver, self.placement, self.conf.host)

    def create(
        self,
        count: int = 1,
        min_count: int | None = None,
        networks: int | list[dict[str, Any]] = 1,
        **build_args: Any,
    ) -> tuple[list[str], str]:
        """Create servers and their schedule workflow the way the API does.

        ``networks`` is a count of plain NICs on the world's network, or the
        ``BuildArgs.networks`` entries themselves.
        """
        request_id = str(uuid.uuid4())
        uuids = [str(uuid.uuid4()) for _ in range(count)]
        args = {
            "image_uuid": self.image_uuid,
            "networks": (
                [{"net_id": self.network_uuid}] * networks
                if isinstance(networks, int)
                else networks
            ),
            "user_data": base64.b64encode(b"#!/bin/sh\necho hi\n").decode(),
            "admin_pass": "s3cret",
            "key_name": "mykey",
            "public_key": "ssh-ed25519 AAAA test",
            "personality": [],
            "partitions": {},
            "attempt": 1,
            "excluded_nodes": [],
            **build_args,
        }
        with self.db.transaction() as session:
            for index, server_uuid in enumerate(uuids):
                session.add(
                    models.Server(
                        uuid=server_uuid,
                        name=f"server-{index}",
                        project_id="project-a",
                        user_id="alice",
                        status=states.BUILDING,
                        flavor_uuid=self.flavor_uuid,
                        image_uuid=self.image_uuid,
                        availability_zone=None,
                        extra={"role": "test"},
                        request_id=request_id,
                    )
                )
            session.flush()
            wf = workflow_args.start(
                session,
                workflow_args.ScheduleArgs(
                    server_uuids=uuids,
                    min_count=count if min_count is None else min_count,
                    flavor_uuid=self.flavor_uuid,
                    availability_zone=None,
                    project_id="project-a",
                    user_id="alice",
                    build_args=workflow_args.BuildArgs.model_validate(args),
                ),
            )
        return uuids, wf.uuid

    def server(self, server_uuid: str) -> models.Server | None:
        """The server row (None once deleted)."""
        with self.db.transaction() as session:
            return _server(session, server_uuid)

    def act(self, server_uuid: str, event: str, kind: str, **args: Any) -> str:
        """Fire a user event and create its workflow, as the API does."""
        with self.db.transaction() as session:
            row = _server(session, server_uuid)
            assert row is not None
            row.status = states.next_state(row.status, event)
            typed = workflow_args.ARGS[workflow_args.Kind(kind)]
            wf = workflow_args.start(session, typed.model_validate(args), server_uuid)
        return wf.uuid

    def node(self, node_uuid: str) -> models.Node:
        """The node row."""
        with self.db.transaction() as session:
            return session.scalars(
                sa.select(models.Node).where(models.Node.uuid == node_uuid)
            ).one()

    def faults(self, server_uuid: str) -> list[models.ServerFault]:
        """The server's faults, oldest first."""
        with self.db.transaction() as session:
            return list(
                session.scalars(
                    sa.select(models.ServerFault)
                    .where(models.ServerFault.server_uuid == server_uuid)
                    .order_by(models.ServerFault.id)
                )
            )

    def ports(self, server_uuid: str) -> int:
        """How many NIC rows and embedded ports the server still holds."""
        with self.db.transaction() as session:
            nics = session.scalar(
                sa.select(sa.func.count()).where(
                    models.ServerNic.server_uuid == server_uuid
                )
            )
            ports = session.scalar(
                sa.select(sa.func.count()).where(models.Port.server_uuid == server_uuid)
            )
            return int(nics or 0) + int(ports or 0)

    def workflow(self, wf_uuid: str) -> models.Workflow:
        """The workflow row."""
        with self.db.transaction() as session:
            row = workflow_db.get(session, wf_uuid)
            assert row is not None
            return row

    def allocations(self, server_uuid: str) -> dict[str, dict[str, int]]:
        """The server's Placement allocations."""
        return self.placement.allocations_of(server_uuid)


def _server(session: Any, server_uuid: str) -> models.Server | None:
    return session.scalars(
        sa.select(models.Server).where(models.Server.uuid == server_uuid)
    ).one_or_none()


@pytest.fixture
def world(econf, database, driver, placement_client_) -> World:
    """A flavor, image and network on a fresh resource class (no nodes yet)."""
    rc = f"bm-{uuid.uuid4().hex[:10]}"
    w = World(econf, database, driver, placement_client_, rc)
    w.flavor_uuid, w.image_uuid, w.network_uuid = (str(uuid.uuid4()) for _ in "abc")
    with database.transaction() as session:
        session.add(
            models.Flavor(
                uuid=w.flavor_uuid, name=f"flavor-{rc}", resources={w.placement_rc: 1}
            )
        )
        session.add(
            models.Image(
                uuid=w.image_uuid,
                name="cirros",
                url="http://images.test/cirros.img",
                disk_format="raw",
            )
        )
        session.add(
            models.Network(
                uuid=w.network_uuid,
                name="flat",
                cidr="10.20.0.0/24",
                gateway="10.20.0.1",
            )
        )
    return w


def make_bus_conf(exchange: str) -> cfg.ConfigOpts:
    """Configuration of an in-process bus on ``exchange``."""
    return mogan_conf.make_conf(
        overrides={
            "DEFAULT": {"transport_url": "fake://", "control_exchange": exchange},
            "placement": {"embedded": True},
        }
    )


@contextlib.contextmanager
def serving_scheduler(
    bus_conf: cfg.ConfigOpts,
) -> Iterator[scheduler_manager.SchedulerManager]:
    """The real scheduler behind its RPC server on ``bus_conf``'s bus."""
    mgr = scheduler_manager.SchedulerManager(bus_conf)
    server = rpc.server(bus_conf, rpc.SCHEDULER_TOPIC, [mgr])
    server.start()
    try:
        yield mgr
    finally:
        server.stop()
        server.wait()


@contextlib.contextmanager
def listening(bus_conf: cfg.ConfigOpts) -> Iterator["Recorder"]:
    """A recorder of the versioned notifications on ``bus_conf``'s bus."""
    recorder = Recorder()
    transport = messaging.get_notification_transport(bus_conf)
    listener = messaging.get_notification_listener(
        transport,
        [messaging.Target(topic=notifications.TOPIC)],
        [recorder],
        executor="threading",
    )
    listener.start()
    try:
        yield recorder
    finally:
        listener.stop()
        listener.wait()


@pytest.fixture(scope="session")
def bus_conf(placement_state: str) -> cfg.ConfigOpts:
    """Session configuration of the shared in-process bus."""
    return make_bus_conf(EXCHANGE)


@pytest.fixture(scope="session")
def scheduler_rpc(bus_conf) -> Iterator[scheduler_manager.SchedulerManager]:
    """The real scheduler behind its RPC server, for the whole session.

    NOTE: stopping an oslo.messaging server takes about a second, so one
    serves every test; each test points it at its own database.
    """
    with serving_scheduler(bus_conf) as mgr:
        yield mgr


@pytest.fixture
def scheduler_server(scheduler_rpc, database, placement_client_) -> None:
    """The session's scheduler, on this test's database."""
    scheduler_rpc._database = database
    scheduler_rpc._placement = placement_client_


class Recorder:
    """Collects versioned notifications from the test's exchange."""

    def __init__(self) -> None:
        """Start empty."""
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        """Record an INFO notification."""
        del ctxt, metadata
        self._add("INFO", publisher_id, event_type, payload)

    def error(self, ctxt, publisher_id, event_type, payload, metadata):
        """Record an ERROR notification."""
        del ctxt, metadata
        self._add("ERROR", publisher_id, event_type, payload)

    def _add(self, priority, publisher_id, event_type, payload) -> None:
        with self._lock:
            self.events.append(
                {
                    "priority": priority,
                    "publisher_id": publisher_id,
                    "event_type": event_type,
                    "payload": payload,
                }
            )

    def clear(self) -> None:
        """Forget what was received so far."""
        with self._lock:
            self.events.clear()

    def of(self, server_uuid: str) -> list[dict[str, Any]]:
        """Notifications about one server, in order."""
        with self._lock:
            return [
                e
                for e in self.events
                if e["payload"]["mogan_object.data"]["uuid"] == server_uuid
            ]

    def types(self, server_uuid: str | None = None) -> list[str]:
        """Event types received (about one server), in order."""
        with self._lock:
            return [
                e["event_type"]
                for e in self.events
                if server_uuid is None
                or e["payload"]["mogan_object.data"]["uuid"] == server_uuid
            ]


@pytest.fixture(scope="session")
def _listener(bus_conf) -> Iterator[Recorder]:
    """A listener on ``versioned_notifications`` for the whole session."""
    with listening(bus_conf) as recorder:
        yield recorder


@pytest.fixture
def notes(_listener) -> Recorder:
    """The notifications received during this test (by unique server uuids)."""
    _listener.clear()
    return _listener


def make_deps(
    econf, database, driver, placement_client_, host: str = "engine-a"
) -> workflow.Deps:
    """Engine dependencies for ``host`` on the test's world."""
    return workflow.Deps(
        conf=econf,
        db=database,
        host=host,
        driver=driver,
        placement=placement_client_,
        network=network.get_backend(econf),
        image=image.get_backend(econf),
        scheduler=scheduler_rpcapi.SchedulerAPI(econf),
        notifier=notifications.make_notifier(econf, host),
    )


@pytest.fixture
def engine_factory(
    econf, database, driver, placement_client_, scheduler_server
) -> Iterator[Callable[..., service.EngineService]]:
    """Start engines (stopped at teardown)."""
    started: list[service.EngineService] = []

    def start(
        host: str = "engine-a",
        serve_rpc: bool = True,
        with_driver: driver_base.Driver | None = None,
    ) -> service.EngineService:
        deps = make_deps(
            econf, database, with_driver or driver, placement_client_, host
        )
        engine = service.EngineService(econf, database, deps, serve_rpc=serve_rpc)
        engine.start()
        started.append(engine)
        return engine

    yield start
    for engine in started:
        engine.stop()


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll ``predicate`` until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {predicate}")
        time.sleep(0.02)


@pytest.fixture
def api(econf, database):
    """An HTTP client on the API app sharing the engine's configuration."""
    app = api_app.create_app(econf, database)
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
    ) as client:
        yield client
