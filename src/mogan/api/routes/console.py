"""Console routes: a server's serial console URL (v1 section 1.6) and log (1.4).

Only the server's project (members) and admins get them; another
project's server is "not found". Both come from the driver through the
engine: the API process loads no driver.
"""

from mogan import context as mogan_context
from mogan import exception
from mogan.api import microversion, router, state
from mogan.api.schemas import common
from mogan.api.schemas import console as schema
from mogan.db import models
from mogan.services import console as console_svc
from mogan.services import server as server_svc

TAG = "servers"
RULE = "mogan:server:create_remote_console"
LOG_RULE = "mogan:server:console_log"
LOG_VERSION = microversion.Version(1, 4)


def _authorize(
    ctx: mogan_context.RequestContext, rule: str, server_uuid: str
) -> models.Server:
    """The server, once ``rule`` passed for its owner (others': not found)."""
    visible_to = ctx.project_filter(all_projects=True)
    server = server_svc.get(ctx, server_uuid)
    if visible_to is not None and server.project_id != visible_to:
        raise exception.ServerNotFound(server=server_uuid)
    state.authorize(
        ctx, rule, {"project_id": server.project_id, "user_id": server.user_id}
    )
    return server


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
    server = _authorize(ctx, RULE, server_uuid)
    console = console_svc.get_console(
        ctx,
        state.server_backends().engine,
        state.conf().engine.heartbeat_interval,
        server,
        body.request.type,
    )
    return schema.RemoteConsole.model_validate(console)


@router.route(
    "GET",
    "/v1/servers/{server_uuid}/console_log",
    policy=LOG_RULE,
    tag=TAG,
    min_version=LOG_VERSION,
)
def show_console_log(
    ctx: mogan_context.RequestContext,
    server_uuid: common.UUID,
    query: schema.ConsoleLogQuery,
) -> schema.ConsoleLog:
    """Show a server's recent serial console output (the last ``length`` lines)."""
    server = _authorize(ctx, LOG_RULE, server_uuid)
    output = console_svc.get_console_log(
        ctx,
        state.server_backends().engine,
        state.conf().engine.heartbeat_interval,
        server,
        query.length,
    )
    return schema.ConsoleLog(output=output)
