"""Console route (v1 section 1.6): the URL of a server's serial console.

Only the server's project (members) and admins get it; another project's
server is "not found". The URL comes from the driver through the engine.
"""

from mogan import context as mogan_context
from mogan import exception
from mogan.api import router, state
from mogan.api.schemas import common
from mogan.api.schemas import console as schema
from mogan.services import console as console_svc
from mogan.services import server as server_svc

TAG = "servers"
RULE = "mogan:server:create_remote_console"


@router.route(
    "POST",
    "/v1/servers/{server_uuid}/remote_consoles",
    status=201,
    policy=RULE,
    tag=TAG,
)
def create_remote_console(
    ctx: mogan_context.RequestContext,
    server_uuid: common.UUID,
    body: schema.RemoteConsoleCreate,
) -> schema.RemoteConsole:
    """Get the URL of a server's serial console (active or stopped servers)."""
    visible_to = ctx.project_filter(all_projects=True)
    server = server_svc.get(ctx, server_uuid)
    if visible_to is not None and server.project_id != visible_to:
        raise exception.ServerNotFound(server=server_uuid)
    state.authorize(
        ctx, RULE, {"project_id": server.project_id, "user_id": server.user_id}
    )
    console = console_svc.get_console(
        ctx,
        state.server_backends().engine,
        state.conf().engine.heartbeat_interval,
        server,
        body.request.type,
    )
    return schema.RemoteConsole.model_validate(console)
