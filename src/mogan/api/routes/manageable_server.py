"""Manageable server routes (v1 section 1.13): list and adopt deployed nodes.

The list reads the driver, which the app loads once from the configuration
(as the engine does); adopting is a synchronous engine call. An adoption
answers with the new server (201, ``Location`` at the server).
"""

import flask

from mogan import context as mogan_context
from mogan.api import router, state
from mogan.api.routes import server as server_routes
from mogan.api.schemas import manageable_server as schema
from mogan.api.schemas import server as server_schema
from mogan.drivers import base as driver_base
from mogan.drivers import loader as driver_loader
from mogan.services import manageable_server as manage_svc

TAG = "manageable_servers"


def _driver() -> driver_base.Driver:
    """The app's driver, loaded on first use as the engine loads its own."""
    extensions = flask.current_app.extensions
    if "mogan.driver" not in extensions:
        extensions["mogan.driver"] = driver_loader.from_conf(state.conf())
    driver: driver_base.Driver = extensions["mogan.driver"]
    return driver


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
    nodes = manage_svc.get_all(_driver())
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
    """Adopt a deployed node as a server (active, or stopped when powered off)."""
    state.authorize(ctx, "mogan:manageable_servers:create")
    backends = state.server_backends()
    server = manage_svc.manage(
        ctx,
        backends.engine,
        backends.networks,
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
