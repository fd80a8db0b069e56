"""What the services need of the engine, and how they call it.

Services sit below the engine and never import it: the composition root
(the API app, ``mogan-all-in-one``) injects an ``Engine``, which
``mogan.engine.rpcapi.EngineAPI`` implements. A nudge is a cast (a lost one
only delays a workflow to the next poll); the other calls are synchronous
and fail fast with ``EngineUnavailable`` when no engine is alive or none
answered in time.
"""

import datetime
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import oslo_messaging as messaging

from mogan import context as mogan_context
from mogan import exception
from mogan.db.api import engine_host as engine_host_db
from mogan.drivers import models as driver_models

# NOTE: as the engine's own rule (engine.steps.STALE_HEARTBEATS): an engine
# silent for this many heartbeats is dead.
STALE_HEARTBEATS = 3

T = TypeVar("T")


class Engine(Protocol):
    """The engine calls services make (``EngineAPI`` implements them)."""

    def nudge(
        self,
        ctx: dict[str, Any],
        workflow_uuid: str,
        kind: str | None = None,
        server_uuid: str | None = None,
    ) -> None:
        """Tell some engine that ``workflow_uuid`` is due (cast; may be lost).

        ``kind`` and ``server_uuid`` are hints for the engine's log.
        """

    def get_console(
        self, ctx: dict[str, Any], server_uuid: str, node_uuid: str, kind: str
    ) -> dict[str, str]:
        """``{"type", "url"}`` of the node's console of ``kind``."""

    def get_console_log(
        self, ctx: dict[str, Any], server_uuid: str, node_uuid: str, length: int | None
    ) -> str:
        """The last ``length`` lines (all when None) of the node's serial output."""

    def list_manageable(
        self, ctx: dict[str, Any]
    ) -> list[driver_models.ManageableNode]:
        """The nodes the engine's driver reports as adoptable."""

    def get_manageable(
        self, ctx: dict[str, Any], node: str
    ) -> driver_models.ManageableNode:
        """The adoptable node named (or numbered) ``node``."""

    def enroll_node(
        self, ctx: dict[str, Any], node: dict[str, Any], driver_info: dict[str, Any]
    ) -> None:
        """Validate the BMC, enrol the node, sync it into Mogan and Placement."""

    def update_node(
        self,
        ctx: dict[str, Any],
        node_uuid: str,
        node: dict[str, Any],
        driver_info: dict[str, Any] | None,
    ) -> None:
        """Change an enrolled node (and its BMC access), then sync it."""

    def unenroll_node(self, ctx: dict[str, Any], node_uuid: str) -> None:
        """Remove a node carrying no server from the driver, Mogan and Placement."""

    def create_composition_service(
        self,
        ctx: dict[str, Any],
        service_uuid: str,
        name: str,
        driver_info: dict[str, Any],
    ) -> None:
        """Check, store and sync a composition service."""

    def update_composition_service(
        self,
        ctx: dict[str, Any],
        service_uuid: str,
        name: str | None,
        driver_info: dict[str, Any] | None,
    ) -> None:
        """Rename a composition service and/or change its access, then sync it."""

    def delete_composition_service(
        self, ctx: dict[str, Any], service_uuid: str
    ) -> None:
        """Remove a composition service, its blocks and their providers."""


def rpc_context(ctx: mogan_context.RequestContext) -> dict[str, Any]:
    """The caller's context as RPC calls carry it."""
    return ctx.to_dict()


def require_engine(
    ctx: mogan_context.RequestContext, heartbeat_interval: float, action: str
) -> None:
    """Fail fast when no engine is alive to answer a synchronous call.

    Raises:
        EngineUnavailable: no engine heart-beat recently.
    """
    seen_since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(
        seconds=STALE_HEARTBEATS * heartbeat_interval
    )
    with ctx.database.transaction(readonly=True) as session:
        alive = engine_host_db.live_engines(session, seen_since)
    if not alive:
        raise exception.EngineUnavailable(
            action=action, reason="no mogan-engine is running"
        )


def call_engine(action: str, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Make a synchronous engine call; a timeout means no engine answered.

    Raises:
        EngineUnavailable: no engine answered in time.
    """
    try:
        return call(*args, **kwargs)
    except messaging.MessagingTimeout as err:
        raise exception.EngineUnavailable(
            action=action, reason=f"no engine answered in time ({err})"
        ) from err
