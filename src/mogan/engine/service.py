"""The engine service: what ``mogan-engine`` and the all-in-one start and stop.

On start it registers the host in ``engines``, hands back the leases and
node reservations a previous run of this host left (so a restarted engine
resumes its work at once instead of waiting out the leases), syncs nodes
once, and starts three things: the RPC server (``nudge`` wakes the runner),
the runner loop (a scan every ``[engine] poll_interval`` or on a wake-up)
and the periodic tasks (heartbeat, node sync, power-state sync, purge of
workflows finished longer than ``[engine] workflow_retention`` ago, purge
of expired deploy media).
"""

import datetime
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from oslo_config import cfg

from mogan import rpc, states
from mogan.db import session as db_session
from mogan.db.api import engine_host as engine_host_db
from mogan.db.api import node_lock as node_lock_db
from mogan.db.api import server as server_db
from mogan.db.api import workflow as workflow_db
from mogan.drivers import base as driver_base
from mogan.drivers import interfaces as driver_interfaces
from mogan.drivers import store as driver_store
from mogan.engine import (
    composition,
    deploy_media,
    lifecycle,
    maintenance,
    manager,
    node_store,
    node_sync,
    runner,
    workflow,
)
from mogan.engine import (
    deps as engine_deps,
)
from mogan.services import server_state

LOG = logging.getLogger(__name__)

POWER_SYNC_STATUSES = (states.ACTIVE, states.STOPPED)
# NOTE: rows deleted per transaction, so a large backlog holds no long lock.
PURGE_BATCH = 1000


class _Periodic:
    """A task run every ``interval`` seconds by the periodic thread."""

    def __init__(self, name: str, interval: float, func: Callable[[], Any]) -> None:
        self.name = name
        self.interval = interval
        self.func = func
        self.due = 0.0

    def run_if_due(self, now: float) -> None:
        if now < self.due:
            return
        self.due = now + self.interval
        try:
            self.func()
        except Exception:
            LOG.exception("periodic task %s failed", self.name)


class EngineService:
    """One engine: runner, periodic tasks and RPC server, started and stopped."""

    def __init__(
        self,
        conf: cfg.ConfigOpts,
        db: db_session.Database,
        deps: workflow.Deps | None = None,
        serve_rpc: bool = True,
        media: driver_store.MediaStore | None = None,
    ) -> None:
        """Build the engine for ``conf`` on ``db`` (``deps`` for tests).

        ``media`` is where a driver that ``needs_store`` publishes deploy
        media (``engine.deploy_media.from_conf``).
        """
        self.conf = conf
        self.db = db
        # NOTE(#12): handed to ``driver.use_store(nodes, media=...)`` with
        # the node store, for drivers that ``needs_store``.
        self.media = media
        self.deps = deps or engine_deps.build_deps(conf, db, media=media)
        node_store.attach(self.deps.driver, db, conf, media)
        self.deps.wake = self.wake
        self.host = self.deps.host
        self.runner = runner.Runner(self.deps, lifecycle.all_flows())
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._rpc_server: Any = None
        self._serve_rpc = serve_rpc
        engine_conf = conf.engine
        # NOTE: the heartbeat has a thread of its own: a long sync (a large
        # fleet, a slow BMC or composition service) must not make this
        # engine look dead to the API and to the other engines' hash ring.
        self.heartbeat_task = _Periodic(
            "heartbeat", engine_conf.heartbeat_interval, self.heartbeat
        )
        self.periodic = [
            _Periodic("sync_nodes", engine_conf.sync_nodes_interval, self.sync_nodes),
            _Periodic(
                "sync_composition",
                engine_conf.sync_composition_interval,
                self.sync_composition,
            ),
            _Periodic(
                "sync_power_states",
                engine_conf.sync_power_state_interval,
                self.sync_power_states,
            ),
            _Periodic(
                "purge_workflows",
                # NOTE: often enough that rows outlive the retention by at
                # most half of it, and at most every ten minutes.
                min(600.0, engine_conf.workflow_retention / 2),
                self.purge_workflows,
            ),
            _Periodic(
                "purge_deploy_media",
                conf.deploy_media.purge_interval,
                self.purge_deploy_media,
            ),
        ]

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Register, reclaim this host's leftovers, sync nodes, start threads."""
        with self.db.transaction() as session:
            engine_host_db.heartbeat(session, self.host, starting=True)
            leases = workflow_db.release_host(session, self.host)
            locks = node_lock_db.clear_reservations(session, self.host)
        if leases or locks:
            LOG.info(
                "%s resumes %d workflows and drops %d node locks of its last run",
                self.host,
                leases,
                locks,
            )
        if self._serve_rpc:
            endpoint = manager.EngineManager(
                self.conf, on_nudge=self.nudge, deps=self.deps
            )
            self._rpc_server = rpc.server(self.conf, rpc.ENGINE_TOPIC, [endpoint])
            self._rpc_server.start()
        for target, name in (
            (self._run_loop, "mogan-engine-runner"),
            (self._periodic_loop, "mogan-engine-periodic"),
            (self._heartbeat_loop, "mogan-engine-heartbeat"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        LOG.info("engine %s started", self.host)

    def stop(self) -> None:
        """Stop taking work; in-flight workflows hand back after their step."""
        self._stop.set()
        self._wake.set()
        if self._rpc_server is not None:
            self._rpc_server.stop()
            self._rpc_server.wait()
            self._rpc_server = None
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads = []
        self.runner.stop(wait=True)
        with self.db.transaction() as session:
            workflow_db.release_host(session, self.host)
            engine_host_db.forget_engine(session, self.host)
        LOG.info("engine %s stopped", self.host)

    def wake(self) -> None:
        """Scan for due workflows now."""
        self._wake.set()

    def nudge(self, workflow_uuid: str) -> None:
        """An RPC nudge: a workflow is due."""
        LOG.debug("nudged for workflow %s", workflow_uuid)
        self.wake()

    # ------------------------------------------------------------ loops

    def _run_loop(self) -> None:
        interval = float(self.conf.engine.poll_interval)
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.runner.tick()
            except Exception:
                LOG.exception("runner scan failed")
            self._wake.wait(interval)

    def _periodic_loop(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            for task in self.periodic:
                if self._stop.is_set():
                    return
                task.run_if_due(now)
            self._stop.wait(0.2)

    def _heartbeat_loop(self) -> None:
        while not self._stop.is_set():
            self.heartbeat_task.run_if_due(time.monotonic())
            self._stop.wait(min(0.2, self.heartbeat_task.interval))

    # ------------------------------------------------------------ periodic tasks

    def heartbeat(self) -> None:
        """Tell other engines this one is alive."""
        with self.db.transaction() as session:
            engine_host_db.heartbeat(session, self.host)

    def sync_nodes(self) -> None:
        """Driver nodes into the nodes table and Placement."""
        node_sync.sync(
            self.db,
            self.deps.driver,
            self.deps.placement,
            self.host,
            levels=(
                self.conf.scheduler.failure_domain_hierarchy,
                self.conf.scheduler.failure_domain_orthogonal,
            ),
            inventory_max_age=self.conf.engine.inventory_refresh_interval,
        )
        # NOTE: straight after the view is fresh: one interval at most.
        maintenance.sync(self.db)

    def sync_composition(self) -> None:
        """Composition services' blocks into Mogan and Placement (composers only)."""
        if isinstance(self.deps.driver, driver_interfaces.CompositionInterface):
            composition.sync_all(self.deps)

    def purge_workflows(self) -> int:
        """Delete workflows finished longer than ``[engine] workflow_retention`` ago.

        Returns:
            How many rows were deleted.
        """
        retention = datetime.timedelta(seconds=self.conf.engine.workflow_retention)
        before = datetime.datetime.now(datetime.UTC) - retention
        purged = 0
        while True:
            with self.db.transaction() as session:
                count = workflow_db.purge(session, before, PURGE_BATCH)
            purged += count
            if count < PURGE_BATCH:
                break
        if purged:
            LOG.info("purged %d finished workflows", purged)
        return purged

    def purge_deploy_media(self) -> int:
        """Delete expired deploy media; how many went."""
        return deploy_media.purge(self.db)

    def sync_power_states(self) -> int:
        """Copy the driver's power state into idle active/stopped servers.

        Returns:
            How many servers changed.
        """
        with self.db.transaction() as session:
            candidates = server_db.power_sync_candidates(session, POWER_SYNC_STATUSES)
            busy = workflow_db.busy_servers(session)
        changed = 0
        for uuid, node_uuid, status, power in candidates:
            if uuid in busy:
                continue
            try:
                actual = self.deps.driver.get_power_state(node_uuid)
            except driver_base.NodeNotFound:
                continue
            if actual is None or actual == power:
                continue
            with self.db.transaction() as session:
                # NOTE: a workflow started since the scan owns the state now.
                if workflow_db.has_running(session, uuid):
                    continue
                if server_state.set_power_state(session, uuid, actual, status):
                    changed += 1
                    LOG.info("server %s power state %s -> %s", uuid, power, actual)
        return changed
