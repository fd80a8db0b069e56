"""Server actions that run as workflows: delete, power, rebuild.

Each fires the user's event on the state machine, writes the new status and
the workflow in ONE transaction, then nudges an engine (a lost nudge only
delays the workflow to the engine's next poll).
"""

from mogan import context as mogan_context
from mogan import exception, states
from mogan.db import models
from mogan.db.api import server as server_db
from mogan.services import engine_calls, server_request, workflow_args
from mogan.services import server as server_svc
from mogan.services import server_action as action_svc


def _check_lock(ctx: mogan_context.RequestContext, server: models.Server) -> None:
    if server.locked_by is not None and not ctx.is_admin:
        raise exception.ServerLocked(
            server=exception.labelled(server.name, server.uuid)
        )


def _start(
    ctx: mogan_context.RequestContext,
    backends: server_request.Backends,
    server_uuid: str,
    *,
    event: str,
    args: workflow_args.Args,
    action: str,
) -> None:
    """Fire ``event``, persist the new status, the action and the workflow, nudge."""
    with ctx.database.transaction() as session:
        server = server_db.get(session, server_uuid, for_update=True)
        _check_lock(ctx, server)
        previous = server.status
        server.status = states.next_state(
            server.status, event, has_node=server.node_uuid is not None
        )
        if isinstance(args, workflow_args.PowerArgs):
            args = args.model_copy(update={"from_status": previous})
        action_svc.start(
            session, ctx, server, action, keep=backends.bounds.actions_per_server
        )
        workflow = workflow_args.start(
            session, args, server.uuid, context=ctx.to_dict()
        )
        workflow_uuid = workflow.uuid
    backends.engine.nudge(
        engine_calls.rpc_context(ctx),
        workflow_uuid,
        kind=args.KIND.value,
        server_uuid=server_uuid,
    )


def delete(
    ctx: mogan_context.RequestContext,
    backends: server_request.Backends,
    server_uuid: str,
) -> None:
    """Start deleting a server (allowed from every state but ``deleted``).

    Raises:
        ServerNotFound: no such server.
        ServerLocked: locked, and the caller is not an admin.
    """
    _start(
        ctx,
        backends,
        server_uuid,
        event=states.DELETE,
        args=workflow_args.DeleteArgs(),
        action=action_svc.DELETE,
    )


def set_power_state(
    ctx: mogan_context.RequestContext,
    backends: server_request.Backends,
    server_uuid: str,
    target: states.PowerTarget,
) -> None:
    """Start a power action: on, off, soft_off, reboot, soft_reboot.

    Raises:
        ServerNotFound: no such server.
        ServerLocked: locked, and the caller is not an admin.
        InvalidState: not allowed in the server's status (e.g. maintenance).
    """
    _start(
        ctx,
        backends,
        server_uuid,
        event=states.POWER_EVENTS[target],
        args=workflow_args.PowerArgs(target=target),
        action=action_svc.POWER[target],
    )


def rebuild(
    ctx: mogan_context.RequestContext,
    backends: server_request.Backends,
    server_uuid: str,
    *,
    image_uuid: str | None,
    preserve_ephemeral: bool,
) -> None:
    """Start re-deploying a server, with a new image when given.

    Raises:
        ServerNotFound: no such server.
        ImageNotFound: the image given is missing or hidden.
        InvalidParameter: the image is not active, or the server's own
            image (none given) is gone.
        ServerLocked: locked, and the caller is not an admin.
        InvalidState: not active, stopped, or error with its node.
    """
    given = image_uuid is not None
    if image_uuid is None:
        image_uuid = server_svc.get(ctx, server_uuid).image_uuid
    try:
        image = backends.images.get(ctx, image_uuid or "")
    except exception.ImageNotFound as err:
        if given:
            raise
        # NOTE: the server's own image went (deleted in Glance, or its share
        # withdrawn): say so, and how to rebuild anyway.
        raise exception.InvalidParameter(
            field="image_uuid",
            reason=(
                f"the server's image {image_uuid} no longer exists (deleted, "
                "or no longer visible to the project): give image_uuid to "
                "rebuild from another image"
            ),
        ) from err
    server_request.check_active(image)
    with ctx.database.transaction() as session:
        server = server_db.get(session, server_uuid, for_update=True)
        _check_lock(ctx, server)
        server.status = states.next_state(
            server.status, states.REBUILD, has_node=server.node_uuid is not None
        )
        server.image_uuid = image.uuid
        action_svc.start(
            session,
            ctx,
            server,
            action_svc.REBUILD,
            keep=backends.bounds.actions_per_server,
        )
        workflow = workflow_args.start(
            session,
            workflow_args.RebuildArgs(
                image_uuid=image.uuid, preserve_ephemeral=preserve_ephemeral
            ),
            server.uuid,
            context=ctx.to_dict(),
        )
        workflow_uuid = workflow.uuid
    backends.engine.nudge(
        engine_calls.rpc_context(ctx),
        workflow_uuid,
        kind=workflow_args.Kind.REBUILD.value,
        server_uuid=server_uuid,
    )
