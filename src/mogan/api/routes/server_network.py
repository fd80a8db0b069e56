"""A server's networks, floating IPs and interfaces (v1 section 1.6).

``GET /v1/servers/{uuid}/networks``, ``POST|DELETE .../networks/floatingips``
and ``POST|DELETE .../networks/interfaces``, with v1's bodies and codes
(204 for the changes) and its bugs fixed (``mogan.api.schemas
.server_network``). Another project's server is "not found". Interfaces
are attached by the engine (``mogan.services.server_interface`` waits for
it, as v1's synchronous call did).
"""

from mogan import context as mogan_context
from mogan import exception
from mogan.api import router, state
from mogan.api.schemas import common
from mogan.api.schemas import server_network as schema
from mogan.db import models
from mogan.services import server as server_svc
from mogan.services import server_floating_ip as floating_svc
from mogan.services import server_interface as interface_svc

TAG = "servers"
NETWORKS = "/v1/servers/{server_uuid}/networks"


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


def _nic(nic: models.ServerNic) -> schema.ServerNic:
    return schema.ServerNic(
        port_id=nic.port_id,
        network_id=nic.network_id,
        mac_address=nic.mac_address,
        fixed_ips=[
            schema.FixedIp(
                subnet_id=fixed.get("subnet_id"), ip_address=str(fixed["ip_address"])
            )
            for fixed in nic.fixed_ips or []
            if fixed.get("ip_address")
        ],
        floating_ip=nic.floating_ip,
    )


@router.route("GET", NETWORKS, policy="mogan:server:get_networks", tag=TAG)
def show_server_networks(
    ctx: mogan_context.RequestContext, server_uuid: common.UUID
) -> schema.ServerNetworks:
    """List a server's NICs: port, network, MAC, fixed IPs and floating IP."""
    server = _authorize(ctx, "mogan:server:get_networks", server_uuid)
    return schema.ServerNetworks(nics=[_nic(nic) for nic in server.nics])


@router.route(
    "POST",
    f"{NETWORKS}/floatingips",
    status=204,
    policy="mogan:server:associate_floatingip",
    tag=TAG,
)
def associate_floating_ip(
    ctx: mogan_context.RequestContext,
    server_uuid: common.UUID,
    body: schema.FloatingIpAssociate,
) -> None:
    """Associate a floating IP with one of the server's fixed addresses."""
    server = _authorize(ctx, "mogan:server:associate_floatingip", server_uuid)
    floating_svc.associate_floating_ip(
        ctx,
        state.server_backends().networks,
        server,
        body.address,
        body.fixed_address,
    )


@router.route(
    "DELETE",
    f"{NETWORKS}/floatingips/{{address}}",
    status=204,
    policy="mogan:server:disassociate_floatingip",
    tag=TAG,
)
def disassociate_floating_ip(
    ctx: mogan_context.RequestContext,
    server_uuid: common.UUID,
    address: schema.IpAddress,
) -> None:
    """Disassociate a floating IP (IPv4 or IPv6) from the server."""
    server = _authorize(ctx, "mogan:server:disassociate_floatingip", server_uuid)
    floating_svc.disassociate_floating_ip(
        ctx, state.server_backends().networks, server, address
    )


@router.route(
    "POST",
    f"{NETWORKS}/interfaces",
    status=204,
    policy="mogan:server:attach_interface",
    tag=TAG,
)
def attach_interface(
    ctx: mogan_context.RequestContext,
    server_uuid: common.UUID,
    body: schema.InterfaceAttach,
) -> None:
    """Attach an interface: a new port on ``net_id``, or the caller's ``port_id``."""
    _authorize(ctx, "mogan:server:attach_interface", server_uuid)
    interface_svc.attach_interface(
        ctx,
        state.server_backends(),
        server_uuid,
        net_id=body.net_id,
        port_id=body.port_id,
        heartbeat_interval=state.conf().engine.heartbeat_interval,
        timeout=state.conf().api.interface_timeout,
    )


@router.route(
    "DELETE",
    f"{NETWORKS}/interfaces/{{port_id}}",
    status=204,
    policy="mogan:server:detach_interface",
    tag=TAG,
)
def detach_interface(
    ctx: mogan_context.RequestContext,
    server_uuid: common.UUID,
    port_id: common.UUID,
) -> None:
    """Detach an interface from the server (its port: deleted, or the caller's)."""
    _authorize(ctx, "mogan:server:detach_interface", server_uuid)
    interface_svc.detach_interface(
        ctx,
        state.server_backends(),
        server_uuid,
        port_id,
        heartbeat_interval=state.conf().engine.heartbeat_interval,
        timeout=state.conf().api.interface_timeout,
    )
