"""Manageable servers (v1 section 1.13): adopting nodes deployed outside Mogan.

Only the engine holds a driver, so the adoptable nodes come from the engine
over RPC (``Engine.list_manageable``, ``Engine.get_manageable``). Adopting
writes the server (``adopting``, on its node) and an ``adopt`` workflow in
one transaction and nudges an engine, which claims the node in Placement,
binds its ports, records the server in the driver and sends
``server.manage.end`` (see ``mogan.engine.adopt``). This module checks what
can be checked first, so the usual refusals are immediate: who the server
will belong to, that the networks are that project's to use, that an
engine is alive, that the node may be adopted and has enough ports, and
that no server of Mogan holds it.

Adopted servers have no flavor (``flavor_uuid`` null): the node was not
scheduled from one, and several flavors may ask for its resource class.

What must not live here: anything that changes the node, its claim or its
ports (the engine's).
"""

import dataclasses

from oslo_utils import uuidutils
from sqlalchemy import orm

from mogan import context as mogan_context
from mogan import exception, states
from mogan.db import models
from mogan.db.api import node as node_db
from mogan.db.api import server as server_db
from mogan.drivers import models as driver_models
from mogan.network import base as network_base
from mogan.services import engine_calls, server_request, workflow_args
from mogan.services import quota as quota_svc
from mogan.services import server_action as action_svc

MANAGED_KEY = "managed_server"


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


def _check_free(session: orm.Session, node: driver_models.ManageableNode) -> None:
    """No server of Mogan holds the node (or is being adopted onto it).

    Raises:
        NodeNotManageable: a server holds it (names the server).
    """
    row = node_db.find(session, node.uuid)
    holder = row.server_uuid if row is not None else None
    if holder is None:
        holder = server_db.uuid_on_node(session, node.uuid)
    if holder is not None:
        raise exception.NodeNotManageable(
            node=node.uuid, reason=f"server {holder} holds it"
        )


def manage(
    ctx: mogan_context.RequestContext,
    backends: server_request.Backends,
    heartbeat_interval: float,
    request: ManageRequest,
) -> models.Server:
    """Start adopting a deployed node as a new server of ``request.project_id``.

    The server belongs to the given project (the caller's when none is
    given) and to the calling user. It is ``adopting`` until the engine's
    ``adopt`` workflow has claimed the node, bound its networks and
    recorded the server in the driver; then ACTIVE, or STOPPED when the
    node is powered off (nothing is deployed). A failure leaves it in
    ``error`` with the fault.

    Returns:
        The new server, ``adopting``.

    Raises:
        InvalidParameter: a network the project may not use, or more
            networks than the node has ports, or no project (the caller has
            none and named none).
        NetworkNotFound: no such network.
        OverQuota: the project holds as many servers as it may.
        NodeNotFound: the driver knows no such node.
        NodeNotManageable: the node may not be adopted (the message says
            why), or a server of Mogan holds it.
        DriverCannot: the engine's driver cannot adopt nodes.
        EngineUnavailable: no engine is running or none answered.
    """
    project_id = request.project_id or ctx.project_id
    if not project_id:
        raise exception.InvalidParameter(
            field="project_id",
            reason="required when the caller has no project scope",
        )
    engine = backends.engine
    _check_networks(ctx, backends.networks, project_id, request.networks)
    action = f"adopt node {request.node}"
    engine_calls.require_engine(ctx, heartbeat_interval, action)
    node = engine_calls.call_engine(
        action, engine.get_manageable, engine_calls.rpc_context(ctx), request.node
    )
    if len(request.networks) > len(node.ports):
        raise exception.InvalidParameter(
            field="networks",
            reason=(
                f"node {node.name} has {len(node.ports)} ports for "
                f"{len(request.networks)} networks"
            ),
        )
    project_limits = backends.limits.limits(ctx.database, project_id)
    quota_svc.prepare_locks(ctx.database, (quota_svc.SERVERS, project_id))
    with ctx.database.transaction() as session:
        _check_free(session, node)
        # NOTE: an adopted server counts as a server of its project; it has
        # no flavor, so no resource class is charged (as usage counts it).
        quota_svc.servers_that_fit(
            session,
            project_limits,
            project_id,
            flavor_resources={},
            min_count=1,
            max_count=1,
        )
        row = node_db.find(session, node.uuid)
        server = server_db.create(
            session,
            {
                "uuid": uuidutils.generate_uuid(),
                "name": request.name,
                "description": request.description,
                "project_id": project_id,
                "user_id": ctx.user_id or "",
                "status": states.ADOPTING,
                "power_state": node.power_state,
                "flavor_uuid": None,
                "image_uuid": None,
                "availability_zone": row.availability_zone if row else None,
                "node_uuid": node.uuid,
                "node": node.name,
                "affinity_zone": row.affinity_zone if row else None,
                "failure_domains": dict(row.failure_domains or {}) if row else {},
                "extra": dict(request.metadata),
                "partitions": {},
                "system_metadata": {MANAGED_KEY: "True"},
                "request_id": uuidutils.generate_uuid(),
            },
        )
        workflow = workflow_args.start(
            session,
            workflow_args.AdoptArgs(
                node_uuid=node.uuid,
                resource_class=node.resource_class,
                image_source=node.image_source,
                networks=list(request.networks),
            ),
            server.uuid,
            context=ctx.to_dict(),
        )
        action_svc.start(
            session,
            ctx,
            server,
            action_svc.MANAGE,
            keep=backends.bounds.actions_per_server,
        )
        workflow_uuid = workflow.uuid
    engine.nudge(
        engine_calls.rpc_context(ctx),
        workflow_uuid,
        kind=workflow_args.Kind.ADOPT.value,
        server_uuid=server.uuid,
    )
    return server
