"""A server's networks, floating IPs and interfaces (v1 sections 1.6 and 5.3).

Floating IPs are mapped by the network backend in the request (v1: a
synchronous Neutron call), then recorded on the NIC (``server_nics
.floating_ip``) so ``addresses`` show them. Which NIC takes one follows
v1: the NIC holding ``fixed_address``, else the first NIC without a
floating IP that has an address of the floating IP's IP version (v1 said
IPv4, its floating IPs being IPv4). Fixed from v1: IPv6 floating IPs can be
removed, a floating IP of another project is refused by name, and one
already associated with this very NIC is a no-op (a retried request).

Interfaces are attached and detached by engine workflows
(``mogan.engine.interface``); the request starts one and waits for it to
end, answering as v1's synchronous engine call did: 204, or the error that
failed it. No other workflow may be running on the server (a power action,
a rebuild, a delete): that is a 409 to try again later. The lock check is
v1's (interfaces yes, floating IPs no).

What must not live here: who may call (the routes' policy checks), how a
backend maps addresses (``mogan.network``), what the engine does.
"""

import dataclasses
import ipaddress
import time
from collections.abc import Callable
from typing import Any

from mogan import context as mogan_context
from mogan import exception, states
from mogan.db import models
from mogan.db.api import server as server_db
from mogan.db.api import server_nic as nic_db
from mogan.db.api import workflow as workflow_db
from mogan.network import base as network_base
from mogan.services import engine_calls, server_request, workflow_args
from mogan.services import server_action as action_svc

# NOTE: how long a request waits for its interface workflow (v1's RPC call
# timeout was 60 s); past it the workflow goes on and the caller is told.
WAIT_TIMEOUT = 60.0
_FIRST_POLL = 0.02
_MAX_POLL = 0.5
INTERFACE_STATUSES = frozenset({states.ACTIVE, states.STOPPED})


@dataclasses.dataclass(frozen=True)
class _Nic:
    """A NIC as read before the backend is called (no ORM row kept)."""

    port_id: str
    addresses: tuple[str, ...]
    floating_ip: str | None


def _label(server: models.Server) -> str:
    return exception.labelled(server.name, server.uuid)


def _version(address: str) -> int:
    return ipaddress.ip_address(address).version


def _nics(server: models.Server) -> list[_Nic]:
    return [
        _Nic(
            port_id=nic.port_id,
            addresses=tuple(
                str(ipaddress.ip_address(ip["ip_address"]))
                for ip in nic.fixed_ips or []
                if ip.get("ip_address")
            ),
            floating_ip=nic.floating_ip,
        )
        for nic in server.nics
    ]


def _record(
    ctx: mogan_context.RequestContext, server_uuid: str, port_id: str, fip: str | None
) -> bool:
    with ctx.database.transaction() as session:
        return nic_db.set_floating_ip(session, server_uuid, port_id, fip)


def _pick_nic(
    server: models.Server, nics: list[_Nic], address: str, fixed_address: str | None
) -> tuple[_Nic, str]:
    """The NIC and fixed address the floating IP goes on (v1's rules).

    Raises:
        InvalidParameter: ``fixed_address`` is not the server's, or of the
            other IP version; no NIC is free for the floating IP.
        FloatingIpInUse: the NIC of ``fixed_address`` has a floating IP.
    """
    version = _version(address)
    if fixed_address is not None:
        nic = next((n for n in nics if fixed_address in n.addresses), None)
        if nic is None:
            raise exception.InvalidParameter(
                field="fixed_address",
                reason=(f"{fixed_address} is not assigned to server {_label(server)}"),
            )
        if _version(fixed_address) != version:
            raise exception.InvalidParameter(
                field="fixed_address",
                reason=(
                    f"IPv{_version(fixed_address)} address {fixed_address} "
                    f"cannot carry IPv{version} floating IP {address}"
                ),
            )
        if nic.floating_ip is not None:
            raise exception.FloatingIpInUse(
                address=address,
                reason=(
                    f"fixed address {fixed_address} already has floating IP "
                    f"{nic.floating_ip}"
                ),
            )
        return nic, fixed_address
    for nic in nics:
        matching = [a for a in nic.addresses if _version(a) == version]
        if nic.floating_ip is None and matching:
            return nic, matching[0]
    raise exception.InvalidParameter(
        field="address",
        reason=(
            f"server {_label(server)} has no NIC without a floating IP that "
            f"has an IPv{version} address"
        ),
    )


def _check_owner(server: models.Server, fip: network_base.FloatingIp) -> None:
    if fip.project_id is not None and fip.project_id != server.project_id:
        raise exception.InvalidParameter(
            field="address",
            reason=(
                f"floating IP {fip.address} belongs to project {fip.project_id}, "
                f"server {_label(server)} to project {server.project_id}"
            ),
        )


def associate_floating_ip(
    ctx: mogan_context.RequestContext,
    networks: network_base.NetworkBackend,
    server: models.Server,
    address: str,
    fixed_address: str | None,
) -> None:
    """Map the floating IP ``address`` onto one of the server's fixed addresses.

    Args:
        ctx: the caller (authorized for the server).
        networks: the network backend.
        server: the server, as loaded for the policy check (with its NICs).
        address: the floating IP, canonical.
        fixed_address: the server's address to map it onto (canonical), or
            None for the first NIC free for it.

    Raises:
        InvalidParameter: the server has no NIC, or none free for it; a
            ``fixed_address`` not the server's; a floating IP of another
            project.
        FloatingIpNotFound: no such floating IP visible to the caller.
        FloatingIpAmbiguous: several are.
        FloatingIpInUse: it is associated elsewhere, or the NIC has one.
        InterfaceNotFound: the NIC was detached meanwhile.
    """
    nics = _nics(server)
    if not nics:
        raise exception.InvalidParameter(
            field="address", reason=f"no ports associated to server {_label(server)}"
        )
    fip = networks.find_floating_ip(ctx, address)
    _check_owner(server, fip)
    here = next((n for n in nics if n.port_id == fip.port_id), None)
    if here is not None and fixed_address in {None, fip.fixed_address}:
        # NOTE: associated with this NIC already (a retried request).
        _record(ctx, server.uuid, here.port_id, fip.address)
        return
    if fip.port_id is not None:
        where = "this server" if here else "another server"
        raise exception.FloatingIpInUse(
            address=address,
            reason=f"it is associated with port {fip.port_id} of {where}",
        )
    nic, fixed = _pick_nic(server, nics, address, fixed_address)
    mapped = networks.associate_floating_ip(ctx, fip, nic.port_id, fixed)
    if not _record(ctx, server.uuid, nic.port_id, mapped.address):
        # NOTE: the interface went away meanwhile: undo the mapping.
        networks.disassociate_floating_ip(ctx, mapped)
        raise exception.InterfaceNotFound(port=nic.port_id, server=_label(server))


def disassociate_floating_ip(
    ctx: mogan_context.RequestContext,
    networks: network_base.NetworkBackend,
    server: models.Server,
    address: str,
) -> None:
    """Unmap the floating IP ``address`` (IPv4 or IPv6) from the server.

    Raises:
        FloatingIpNotFound: no such floating IP visible to the caller.
        FloatingIpAmbiguous: several are.
        FloatingIpNotAssociated: it is not on any of the server's NICs.
    """
    fip = networks.find_floating_ip(ctx, address)
    ports = {nic.port_id for nic in server.nics}
    if fip.port_id is None or fip.port_id not in ports:
        raise exception.FloatingIpNotAssociated(address=address, server=server.uuid)
    networks.disassociate_floating_ip(ctx, fip)
    _record(ctx, server.uuid, fip.port_id, None)


# ---------------------------------------------------------------- interfaces


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

    Raises:
        InvalidParameter: not exactly one of ``net_id``/``port_id``.
        NetworkNotFound, NetworkNotUsable: ``net_id`` is unusable.
        ServerLocked: locked, and the caller is not an admin.
        InvalidState: the server is neither active nor stopped.
        PortInUse: ``port_id`` is already one of its interfaces.
        Conflict: another action runs on the server.
        EngineUnavailable: no engine runs, or none finished in time.
        PortNotFound, PortInUse, NetworkFull, DriverCannot,
        InterfaceAttachFailed: the attach failed (and was undone).
    """
    if (net_id is None) == (port_id is None):
        raise exception.InvalidParameter(
            field="net_id", reason="give exactly one of net_id and port_id"
        )
    if net_id is not None:
        backends.networks.get_network(ctx, net_id)
    action = f"attach an interface to server {server_uuid}"
    engine_calls.require_engine(ctx, heartbeat_interval, action)

    def check(server: models.Server) -> None:
        if port_id is not None and port_id in {n.port_id for n in server.nics}:
            raise exception.PortInUse(
                port=port_id, reason=f"it is an interface of server {_label(server)}"
            )

    workflow_uuid = _start(
        ctx,
        backends,
        server_uuid,
        workflow_args.AttachInterfaceArgs(net_id=net_id, port_id=port_id),
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
