"""Manageable servers (v1 section 1.13): adopting nodes deployed outside Mogan.

Only the engine holds a driver, so the list of adoptable nodes comes from
the engine over RPC (``Engine.list_manageable``), as adopting does
(``EngineAPI.manage_server``: the engine claims the node in Placement, binds
ports, adopts through the driver, writes the server and sends
``server.manage.end``). This module checks what the API can check first:
who the server will belong to, that the networks are that project's to use,
and that an engine is alive, so a stopped engine is a quick, clear error
rather than a timeout.

Adopted servers have no flavor (``flavor_uuid`` null): the node was not
scheduled from one, and several flavors may ask for its resource class.

What must not live here: anything that changes the node, its claim or its
ports (the engine's).
"""

import dataclasses

from oslo_utils import uuidutils

from mogan import context as mogan_context
from mogan import exception
from mogan.db import models
from mogan.db.api import server as server_db
from mogan.drivers import models as driver_models
from mogan.network import base as network_base
from mogan.services import engine_calls


@dataclasses.dataclass(frozen=True)
class ManageRequest:
    """A validated ``POST /manageable_servers`` body."""

    name: str
    node: str
    description: str | None = None
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    project_id: str | None = None
    networks: list[str] = dataclasses.field(default_factory=list)


def get_all(
    ctx: mogan_context.RequestContext,
    engine: engine_calls.Engine,
    heartbeat_interval: float,
) -> list[driver_models.ManageableNode]:
    """The nodes that may be adopted, as the engine's driver reports them, by name.

    Raises:
        EngineUnavailable: no engine is running or none answered.
        DriverCannot: the engine's driver has no adoption interface.
        DriverFailed: the driver could not list its nodes.
    """
    action = "list manageable nodes"
    engine_calls.require_engine(ctx, heartbeat_interval, action)
    nodes = engine_calls.call_engine(
        action, engine.list_manageable, engine_calls.rpc_context(ctx)
    )
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
    engine: engine_calls.Engine,
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
    engine_calls.require_engine(ctx, heartbeat_interval, action)
    server_uuid = uuidutils.generate_uuid()
    engine_calls.call_engine(
        action,
        engine.manage_server,
        engine_calls.rpc_context(ctx),
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
    with ctx.database.transaction(readonly=True) as session:
        return server_db.get(session, server_uuid)
