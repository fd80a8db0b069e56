"""Manageable servers (v1 section 1.13): adopting nodes deployed outside Mogan.

Listing only reads the driver, so the API asks a driver of its own (loaded
from the same configuration as the engine's); the list then answers even
when no engine runs. Adopting is a synchronous engine call
(``EngineAPI.manage_server``: the engine claims the node in Placement, binds
ports, adopts through the driver, writes the server and sends
``server.manage.end``). This module checks what the API can check first:
who the server will belong to, that the networks are that project's to use,
and that an engine is alive, so a stopped engine is a quick, clear error
rather than a timeout.

Adopted servers have no flavor (``flavor_uuid`` null): the node was not
scheduled from one, and several flavors may ask for its resource class.
Quota: there is no server quota yet; an adopted server will be charged to
its project's quota once quotas exist, as a created one will.

``require_engine``, ``call_engine`` and ``rpc_context`` serve every
synchronous engine call of the API (consoles too). What must not live here:
anything that changes the node, its claim or its ports (the engine's).
"""

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any, TypeVar

import oslo_messaging as messaging
from oslo_utils import uuidutils

from mogan import context as mogan_context
from mogan import exception
from mogan.db import models
from mogan.db.api import server as server_db
from mogan.drivers import base as driver_base
from mogan.drivers import capabilities as driver_caps
from mogan.engine import rpcapi as engine_rpcapi
from mogan.network import base as network_base
from mogan.services import server_action as action_svc

# NOTE: as the engine's own rule (engine.steps.STALE_HEARTBEATS): an engine
# silent for this many heartbeats is dead.
STALE_HEARTBEATS = 3

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class ManageRequest:
    """A validated ``POST /manageable_servers`` body."""

    name: str
    node: str
    description: str | None = None
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    project_id: str | None = None
    networks: list[str] = dataclasses.field(default_factory=list)


def rpc_context(ctx: mogan_context.RequestContext) -> dict[str, Any]:
    """The caller's context as RPC calls carry it."""
    return {
        "request_id": ctx.request_id,
        "user_id": ctx.user_id,
        "project_id": ctx.project_id,
        "roles": ctx.roles,
    }


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
        alive = server_db.live_engines(session, seen_since)
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


def get_all(driver: driver_base.Driver) -> list[driver_base.ManageableNode]:
    """The nodes that may be adopted, as the driver reports them, by name.

    Raises:
        DriverCannot: the driver has no adoption interface.
        DriverFailed: the driver could not list its nodes.
    """
    manageable = driver_caps.require(driver, driver_base.ManageInterface, "adopt nodes")
    try:
        nodes = manageable.list_manageable()
    except driver_base.DriverError as err:
        raise exception.DriverFailed(node="(any)", reason=err.message) from err
    return sorted(nodes, key=lambda n: (n.name, n.uuid))


def _check_networks(
    ctx: mogan_context.RequestContext,
    networks: network_base.NetworkBackend,
    project_id: str,
    net_ids: list[str],
) -> None:
    """Every network exists and the server's project may use it.

    Raises:
        InvalidParameter: a network is another project's (names the field).
        NetworkNotFound: no such network.
    """
    for index, net_id in enumerate(net_ids):
        network = networks.get_network(ctx, net_id)
        if not network.shared and network.project_id != project_id:
            raise exception.InvalidParameter(
                field=f"networks[{index}].net_id",
                reason=(
                    f"network {exception.labelled(network.name, network.uuid)} "
                    f"is not usable by project {project_id}"
                ),
            )


def manage(
    ctx: mogan_context.RequestContext,
    engine: engine_rpcapi.EngineAPI,
    networks: network_base.NetworkBackend,
    heartbeat_interval: float,
    request: ManageRequest,
) -> models.Server:
    """Adopt a deployed node as a new server of ``request.project_id``.

    The server belongs to the given project (the caller's when none is
    given) and to the calling user. It is ACTIVE, or STOPPED when the node
    is powered off, at once: nothing is deployed.

    Returns:
        The new server.

    Raises:
        InvalidParameter: a network the project may not use, or more
            networks than the node has ports, or no project (the caller has
            none and named none).
        NetworkNotFound: no such network.
        NodeNotFound: the driver knows no such node.
        NodeNotManageable: the node may not be adopted (the message says why).
        Conflict: the node is busy; try again.
        EngineUnavailable: no engine is running or none answered.
    """
    project_id = request.project_id or ctx.project_id
    if not project_id:
        raise exception.InvalidParameter(
            field="project_id",
            reason="required when the caller has no project scope",
        )
    _check_networks(ctx, networks, project_id, request.networks)
    action = f"adopt node {request.node}"
    require_engine(ctx, heartbeat_interval, action)
    server_uuid = uuidutils.generate_uuid()
    call_engine(
        action,
        engine.manage_server,
        rpc_context(ctx),
        {
            "server_uuid": server_uuid,
            "node": request.node,
            "name": request.name,
            "description": request.description,
            "metadata": dict(request.metadata),
            "project_id": project_id,
            "user_id": ctx.user_id or "",
            "networks": list(request.networks),
        },
    )
    with ctx.database.transaction() as session:
        server = server_db.get(session, server_uuid)
        # NOTE: recorded once the server exists: a refused adoption made none.
        action_svc.record(session, ctx, server, action_svc.MANAGE)
        return server
