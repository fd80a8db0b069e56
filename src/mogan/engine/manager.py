"""Server side of the engine's RPC API.

``nudge`` wakes the workflow runner. The synchronous calls the API makes
because only the engine holds a driver live here too: the adoptable nodes
(``list_manageable``, ``get_manageable``; adopting itself is an ``adopt``
workflow), a node's console and its log, and enrolment (``enrolment``:
adding, changing and removing nodes; their payloads are never logged)
and composition services (``composition``; likewise never logged).
Driver exceptions are turned into ``mogan.exception`` classes, the only ones
that cross the bus as themselves.
"""

import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg

from mogan import exception, rpc
from mogan.db import session as db_session
from mogan.drivers import base as driver_base
from mogan.drivers import capabilities as driver_caps
from mogan.engine import adopt, composition, console_log, enrolment, workflow
from mogan.engine import deps as engine_deps

LOG = logging.getLogger(__name__)


class EngineManager(rpc.ManagerBase):
    """Endpoints the engine serves on its topic.

    Version history:
        1.0: ``ping``.
        1.1: ``nudge``.
        1.2: ``manage_server``, ``get_console``.
        1.3: ``list_manageable``, ``get_manageable``; ``manage_server``
            is gone (adoption is an ``adopt`` workflow); ``nudge`` takes
            ``kind`` and ``server_uuid`` hints.
        1.4: ``get_console_log``.
        1.5: ``enroll_node``, ``update_node``, ``unenroll_node``.
        1.6: ``create_composition_service``, ``update_composition_service``,
            ``delete_composition_service``.
    """

    target = messaging.Target(version="1.6")

    def __init__(
        self,
        conf: cfg.ConfigOpts,
        on_nudge: Callable[[str], None] | None = None,
        deps: workflow.Deps | None = None,
    ) -> None:
        """Serve for this host; ``on_nudge`` wakes the workflow runner.

        ``deps`` (the engine's driver, database, Placement ...) is built from
        ``conf`` on first use when not given, as the scheduler's manager does.
        """
        super().__init__(conf)
        self._on_nudge = on_nudge
        self._deps = deps
        self._lock = threading.Lock()

    @property
    def deps(self) -> workflow.Deps:
        """What the synchronous calls act through (from ``conf`` unless given)."""
        with self._lock:
            if self._deps is None:
                database = db_session.Database.from_conf(self.conf)
                self._deps = engine_deps.build_deps(self.conf, database)
            return self._deps

    def nudge(
        self,
        ctx: dict[str, Any],
        workflow_uuid: str,
        kind: str | None = None,
        server_uuid: str | None = None,
    ) -> None:
        """A workflow is due: look for due work now rather than at the next poll.

        Any engine may take any workflow (the lease decides), so the uuid is
        only a hint; so are ``kind`` and ``server_uuid`` (1.3), logged.
        """
        del ctx
        LOG.debug(
            "nudged for workflow %s (%s of server %s)",
            workflow_uuid,
            kind or "-",
            server_uuid or "-",
        )
        if self._on_nudge is not None:
            self._on_nudge(workflow_uuid)

    # ------------------------------------------------------------ adoption

    @messaging.expected_exceptions(exception.MoganError)  # type: ignore[untyped-decorator]
    def list_manageable(self, ctx: dict[str, Any]) -> list[dict[str, Any]]:
        """The adoptable nodes of the driver, as dicts (see ``EngineAPI``)."""
        del ctx
        manageable = driver_caps.require(
            self.deps.driver, driver_base.ManageInterface, adopt.ADOPT_NODES
        )
        try:
            nodes = manageable.list_manageable()
        except driver_base.DriverError as err:
            raise exception.DriverFailed(node="(any)", reason=err.message) from err
        return [_wire(node) for node in nodes]

    @messaging.expected_exceptions(exception.MoganError)  # type: ignore[untyped-decorator]
    def get_manageable(self, ctx: dict[str, Any], node: str) -> dict[str, Any]:
        """The adoptable node named (or numbered) ``node`` (see ``EngineAPI``)."""
        del ctx
        return _wire(adopt.manageable(self.deps.driver, node))

    # ------------------------------------------------------------ console

    @messaging.expected_exceptions(exception.MoganError)  # type: ignore[untyped-decorator]
    def get_console(
        self, ctx: dict[str, Any], server_uuid: str, node_uuid: str, kind: str
    ) -> dict[str, str]:
        """The driver's console of ``kind`` on the server's node (see ``EngineAPI``)."""
        del ctx
        driver = driver_caps.require(
            self.deps.driver, driver_base.ConsoleInterface, "open a serial console"
        )
        try:
            console = driver.get_console(node_uuid, kind)
        except driver_base.ConsoleUnavailable as err:
            raise exception.ConsoleUnavailable(
                server=server_uuid, kind=kind, reason=err.message
            ) from err
        except driver_base.NodeNotFound as err:
            raise exception.ConsoleUnavailable(
                server=server_uuid,
                kind=kind,
                reason=f"the driver does not know its node {node_uuid}",
            ) from err
        except driver_base.NodeLocked as err:
            raise exception.Conflict(
                reason=f"node {node_uuid} is busy, try again: {err.message}"
            ) from err
        except driver_base.DriverError as err:
            raise exception.DriverFailed(node=node_uuid, reason=err.message) from err
        return {"type": str(console.get("type") or kind), "url": str(console["url"])}

    @messaging.expected_exceptions(exception.MoganError)  # type: ignore[untyped-decorator]
    def get_console_log(
        self, ctx: dict[str, Any], server_uuid: str, node_uuid: str, length: int | None
    ) -> str:
        """The node's recent serial output (see ``EngineAPI.get_console_log``)."""
        del ctx
        return console_log.read(self.deps.driver, server_uuid, node_uuid, length)

    # ------------------------------------------------------------ enrolment

    @messaging.expected_exceptions(exception.MoganError)  # type: ignore[untyped-decorator]
    def enroll_node(
        self, ctx: dict[str, Any], node: dict[str, Any], driver_info: dict[str, Any]
    ) -> None:
        """Enrol a node and sync it (see ``EngineAPI.enroll_node``)."""
        del ctx
        enrolment.enroll(self.deps, node, driver_info)

    @messaging.expected_exceptions(exception.MoganError)  # type: ignore[untyped-decorator]
    def update_node(
        self,
        ctx: dict[str, Any],
        node_uuid: str,
        node: dict[str, Any],
        driver_info: dict[str, Any] | None,
    ) -> None:
        """Change a node and sync it (see ``EngineAPI.update_node``)."""
        del ctx
        enrolment.update(self.deps, node_uuid, node, driver_info)

    @messaging.expected_exceptions(exception.MoganError)  # type: ignore[untyped-decorator]
    def unenroll_node(self, ctx: dict[str, Any], node_uuid: str) -> None:
        """Remove a node carrying no server (see ``EngineAPI.unenroll_node``)."""
        del ctx
        enrolment.unenroll(self.deps, node_uuid)

    # ------------------------------------------------------------ composition

    @messaging.expected_exceptions(exception.MoganError)  # type: ignore[untyped-decorator]
    def create_composition_service(
        self,
        ctx: dict[str, Any],
        service_uuid: str,
        name: str,
        driver_info: dict[str, Any],
    ) -> None:
        """Check, store and sync a service (see ``EngineAPI``)."""
        del ctx
        composition.create(self.deps, service_uuid, name, driver_info)

    @messaging.expected_exceptions(exception.MoganError)  # type: ignore[untyped-decorator]
    def update_composition_service(
        self,
        ctx: dict[str, Any],
        service_uuid: str,
        name: str | None,
        driver_info: dict[str, Any] | None,
    ) -> None:
        """Change a service and sync it (see ``EngineAPI``)."""
        del ctx
        composition.update(self.deps, service_uuid, name, driver_info)

    @messaging.expected_exceptions(exception.MoganError)  # type: ignore[untyped-decorator]
    def delete_composition_service(
        self, ctx: dict[str, Any], service_uuid: str
    ) -> None:
        """Remove a service (see ``EngineAPI``)."""
        del ctx
        composition.delete(self.deps, service_uuid)


def _wire(node: driver_base.ManageableNode) -> dict[str, Any]:
    """A manageable node as it crosses the bus."""
    return {**dataclasses.asdict(node), "ports": list(node.ports)}
