"""Interfaces of a server (v1 section 5.3): attach and detach, waited for.

Interfaces are attached and detached by engine workflows
(``mogan.engine.interface``); the request checks what it can (the network
or port as the caller, with the network backend; the server's state and
lock), starts one and waits for it to end, answering as v1's synchronous
engine call did: 204, or the error that failed it. No other workflow may be
running on the server (a power action, a rebuild, a delete): that is a 409
to try again later. The lock check is v1's.

What must not live here: who may call (the routes' policy checks), what
the engine does (``mogan.engine.interface``).
"""

import time
from collections.abc import Callable
from typing import Any

from mogan import context as mogan_context
from mogan import exception, states
from mogan.db import models
from mogan.db.api import server as server_db
from mogan.db.api import workflow as workflow_db
from mogan.network import base as network_base
from mogan.services import engine_calls, server_request, workflow_args
from mogan.services import server_action as action_svc

# NOTE: how long a request waits for its interface workflow unless told
# (``[api] interface_timeout``; v1's RPC call timeout was 60 s); past it the
# workflow goes on and the caller is told.
WAIT_TIMEOUT = 60.0
_FIRST_POLL = 0.02
_MAX_POLL = 0.5
INTERFACE_STATUSES = frozenset({states.ACTIVE, states.STOPPED})


def _label(server: models.Server) -> str:
    return exception.labelled(server.name, server.uuid)


def _start(
    ctx: mogan_context.RequestContext,
    backends: server_request.Backends,
    server_uuid: str,
    args: workflow_args.Args,
    *,
    action: str,
    check: Callable[[models.Server], None],
) -> str:
    """Check the server, write the action and the workflow, nudge; its uuid.

    ``action`` is the server action (``attach_interface`` ...); ``check``
    raises when the server's NICs forbid the change.
    """
    with ctx.database.transaction() as session:
        server = server_db.get(session, server_uuid, for_update=True)
        label = _label(server)
        if server.locked_by is not None and not ctx.is_admin:
            raise exception.ServerLocked(server=label)
        if server.status not in INTERFACE_STATUSES or server.node_uuid is None:
            verb = action.replace("_", " an ", 1)
            raise exception.InvalidState(action=verb, state=server.status)
        check(server)
        if workflow_db.has_running(session, server.uuid):
            raise exception.Conflict(
                reason=f"server {label} is busy with another action; try again"
            )
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
    return workflow_uuid


def _wait(
    ctx: mogan_context.RequestContext, workflow_uuid: str, action: str, timeout: float
) -> dict[str, Any] | None:
    """Wait for the workflow to end; None when it succeeded, else its error.

    Raises:
        EngineUnavailable: it did not end within ``timeout`` seconds (it
            goes on; the server's actions tell how it ended).
    """
    deadline = time.monotonic() + timeout
    delay = _FIRST_POLL
    while True:
        with ctx.database.transaction(readonly=True) as session:
            row = workflow_db.get(session, workflow_uuid)
            status = row.status if row else workflow_db.DONE
            error = dict((row.state or {}).get("error") or {}) if row else {}
            last = row.last_error if row else None
        if status == workflow_db.DONE:
            return None
        if status == workflow_db.FAILED:
            return error or {"code": 500, "message": last or "failed"}
        if time.monotonic() > deadline:
            raise exception.EngineUnavailable(
                action=action,
                reason=(
                    f"no engine finished it in {timeout:g} s; it goes on "
                    "(the server's actions tell how it ends)"
                ),
            )
        time.sleep(delay)
        delay = min(delay * 2, _MAX_POLL)


def _raise(error: dict[str, Any], fallback: exception.MoganError) -> None:
    """Raise the Mogan error the workflow failed with, else ``fallback``."""
    cls = getattr(exception, str(error.get("exception") or ""), None)
    if (
        isinstance(cls, type)
        and issubclass(cls, exception.MoganError)
        and str(error.get("module") or "").startswith("mogan.exception")
    ):
        raise cls(message=str(error.get("message") or fallback.message))
    raise fallback


def _checked(
    ctx: mogan_context.RequestContext,
    networks: network_base.NetworkBackend,
    request: network_base.PortRequest,
) -> network_base.PortRequest:
    """The request as the backend checked it (a port resolved to its network).

    The backend names fields as a server create's (``networks[0].port_id``);
    here they are the body's own (``port_id``).

    Raises:
        InvalidParameter, NetworkNotFound, NetworkNotUsable, PortNotFound,
        PortInUse: as the backend's ``check_requests``.
    """
    try:
        [checked] = networks.check_requests(ctx, [request])
    except exception.InvalidParameter as err:
        field = str(err.kwargs.get("field") or "")
        raise exception.InvalidParameter(
            field=field.removeprefix("networks[0]."),
            reason=err.kwargs.get("reason", err.message),
        ) from err
    return checked


def attach_interface(
    ctx: mogan_context.RequestContext,
    backends: server_request.Backends,
    server_uuid: str,
    *,
    net_id: str | None,
    port_id: str | None,
    heartbeat_interval: float,
    timeout: float = WAIT_TIMEOUT,
) -> None:
    """Attach a new port on ``net_id`` (or the caller's ``port_id``); wait for it.

    The network backend checks the request as the caller first (a
    ``port_id`` resolved to its network); the engine binds it on a free
    node port.

    Raises:
        InvalidParameter: not exactly one of ``net_id``/``port_id``, or what
            the backend cannot do (the embedded one has no ports to bring).
        NetworkCannot: the network backend cannot release one port (yet).
        NetworkNotFound, NetworkNotUsable: ``net_id`` is unusable.
        PortNotFound: ``port_id`` is not the caller's.
        PortInUse: ``port_id`` is bound (to this server or elsewhere).
        ServerLocked: locked, and the caller is not an admin.
        InvalidState: the server is neither active nor stopped.
        Conflict: another action runs on the server.
        EngineUnavailable: no engine runs, or none finished in time.
        PortNotFound, PortInUse, NetworkFull, DriverCannot,
        InterfaceAttachFailed: the attach failed (and was undone).
    """
    if (net_id is None) == (port_id is None):
        raise exception.InvalidParameter(
            field="net_id", reason="give exactly one of net_id and port_id"
        )
    if not backends.networks.can_unbind_port():
        raise backends.networks.cannot("attach or detach interfaces")

    def check(server: models.Server) -> None:
        if port_id is not None and port_id in {n.port_id for n in server.nics}:
            raise exception.PortInUse(
                port=port_id, reason=f"it is an interface of server {_label(server)}"
            )

    with ctx.database.transaction(readonly=True) as session:
        check(server_db.get(session, server_uuid))
    request = _checked(
        ctx,
        backends.networks,
        network_base.PortRequest(network_id=net_id or "", port_id=port_id),
    )
    action = f"attach an interface to server {server_uuid}"
    engine_calls.require_engine(ctx, heartbeat_interval, action)
    workflow_uuid = _start(
        ctx,
        backends,
        server_uuid,
        workflow_args.AttachInterfaceArgs(
            net_id=request.network_id, port_id=request.port_id
        ),
        action=action_svc.ATTACH_INTERFACE,
        check=check,
    )
    error = _wait(ctx, workflow_uuid, action, timeout)
    if error is not None:
        _raise(
            error,
            exception.InterfaceAttachFailed(
                server=server_uuid, reason=str(error.get("message") or "")
            ),
        )


def detach_interface(
    ctx: mogan_context.RequestContext,
    backends: server_request.Backends,
    server_uuid: str,
    port_id: str,
    *,
    heartbeat_interval: float,
    timeout: float = WAIT_TIMEOUT,
) -> None:
    """Detach the server's interface on ``port_id``; wait for it.

    Raises:
        InterfaceNotFound: the port is not one of the server's interfaces.
        ServerLocked: locked, and the caller is not an admin.
        InvalidState: the server is neither active nor stopped.
        Conflict: another action runs on the server.
        EngineUnavailable: no engine runs, or none finished in time.
        DriverCannot, InterfaceDetachFailed: the detach failed.
    """

    def check(server: models.Server) -> None:
        if port_id not in {n.port_id for n in server.nics}:
            raise exception.InterfaceNotFound(port=port_id, server=server.uuid)

    with ctx.database.transaction(readonly=True) as session:
        check(server_db.get(session, server_uuid))
    action = f"detach interface {port_id} from server {server_uuid}"
    engine_calls.require_engine(ctx, heartbeat_interval, action)
    workflow_uuid = _start(
        ctx,
        backends,
        server_uuid,
        workflow_args.DetachInterfaceArgs(port_id=port_id),
        action=action_svc.DETACH_INTERFACE,
        check=check,
    )
    error = _wait(ctx, workflow_uuid, action, timeout)
    if error is not None:
        _raise(
            error,
            exception.InterfaceDetachFailed(
                port=port_id, server=server_uuid, reason=str(error.get("message") or "")
            ),
        )
