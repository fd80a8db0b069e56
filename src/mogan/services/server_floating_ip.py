"""Floating IPs on a server's NICs (v1 section 1.6): associate, disassociate.

Floating IPs are mapped by the network backend in the request (v1: a
synchronous Neutron call), then recorded on the NIC (``server_nics
.floating_ip``) so ``addresses`` show them. Which NIC takes one follows
v1: the NIC holding ``fixed_address``, else the first NIC without a
floating IP that has an address of the floating IP's IP version (v1 said
IPv4, its floating IPs being IPv4). Fixed from v1: IPv6 floating IPs can be
removed, a floating IP of another project is refused by name, and one
already associated with this very NIC is a no-op (a retried request). No
lock check (as v1).

What must not live here: who may call (the routes' policy checks), how a
backend maps addresses (``mogan.network``), allocating floating IPs
(``mogan.services.floating_ip``).
"""

import dataclasses
import ipaddress

from mogan import context as mogan_context
from mogan import exception
from mogan.db import models
from mogan.db.api import server_nic as nic_db
from mogan.network import base as network_base


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


def _forget(
    ctx: mogan_context.RequestContext, server_uuid: str, port_id: str, address: str
) -> None:
    with ctx.database.transaction() as session:
        nic_db.clear_floating_ip(session, server_uuid, port_id, address)


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

    A NIC that still records the address while the backend has it
    elsewhere (unmapped in Neutron directly) is only cleared: the mapping
    asked to go is gone already.

    Raises:
        FloatingIpNotFound: no such floating IP visible to the caller.
        FloatingIpAmbiguous: several are.
        FloatingIpNotAssociated: it is not on any of the server's NICs.
    """
    fip = networks.find_floating_ip(ctx, address)
    ports = {nic.port_id for nic in server.nics}
    if fip.port_id is None or fip.port_id not in ports:
        stale = [n.port_id for n in server.nics if n.floating_ip == fip.address]
        if not stale:
            raise exception.FloatingIpNotAssociated(address=address, server=server.uuid)
        for port_id in stale:
            _forget(ctx, server.uuid, port_id, fip.address)
        return
    networks.disassociate_floating_ip(ctx, fip)
    _forget(ctx, server.uuid, fip.port_id, fip.address)
