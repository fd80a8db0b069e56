"""Manageable server routes (v1 section 1.13): list and adopt deployed nodes.

The list comes from the engine's driver over RPC (the API loads no driver).
Adopting answers at once with the new server, ``adopting`` (201,
``Location`` at the server); the engine's ``adopt`` workflow makes it
active (stopped when the node is powered off) or leaves it in error with
the fault.
"""

from mogan import context as mogan_context
from mogan.api import router, state
from mogan.api.routes import server as server_routes
from mogan.api.schemas import manageable_server as schema
from mogan.api.schemas import server as server_schema
from mogan.services import manageable_server as manage_svc

TAG = "manageable_servers"


@router.route(
    "GET",
    "/v1/manageable_servers",
    policy="mogan:manageable_servers:get_all",
    tag=TAG,
)
def list_manageable_servers(
    ctx: mogan_context.RequestContext,
) -> schema.ManageableServerList:
    """List the nodes deployed outside Mogan that may be adopted."""
    state.authorize(ctx, "mogan:manageable_servers:get_all")
    nodes = manage_svc.get_all(
        ctx, state.server_backends().engine, state.conf().engine.heartbeat_interval
    )
    return schema.ManageableServerList(
        manageable_servers=[
            schema.ManageableServer(
                uuid=node.uuid,
                name=node.name,
                resource_class=node.resource_class,
                power_state=node.power_state,
                provision_state=node.provision_state,
                ports=[schema.ManageablePort(address=mac) for mac in node.ports],
                image_source=node.image_source,
            )
            for node in nodes
        ]
    )


@router.route(
    "POST",
    "/v1/manageable_servers",
    status=201,
    policy="mogan:manageable_servers:create",
    tag=TAG,
)
def manage_server(
    ctx: mogan_context.RequestContext, body: schema.ManageServer
) -> server_schema.Server:
    """Start adopting a deployed node as a server (adopting, then active)."""
    state.authorize(ctx, "mogan:manageable_servers:create")
    server = manage_svc.manage(
        ctx,
        state.server_backends(),
        state.conf().engine.heartbeat_interval,
        manage_svc.ManageRequest(
            name=body.name,
            node=body.node_uuid,
            description=body.description,
            metadata=dict(body.metadata),
            project_id=body.project_id,
            networks=[n.net_id for n in body.networks],
        ),
    )
    state.set_location(state.links("servers", server.uuid)[0]["href"])
    return server_routes.view(ctx, server)
