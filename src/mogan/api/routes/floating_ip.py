"""Floating IP routes of the embedded network backend (microversion 1.8).

A project member allocates a floating IP from an external network
(``POST /v1/networks/{uuid}/floating_ips``), associates it with a server
through v1's ``POST /v1/servers/{uuid}/networks/floatingips``
(``server_network``), and releases it (``DELETE /v1/floating_ips/{uuid}``).
Another project's floating IP is "not found".
"""

from mogan import context as mogan_context
from mogan.api import microversion, router, state
from mogan.api.schemas import common
from mogan.api.schemas import floating_ip as schema
from mogan.services import floating_ip as fip_svc

TAG = "floating_ips"
VERSION = microversion.Version(1, 8)
FLOATING_IP = "/v1/floating_ips/{floating_ip_uuid}"


def _view(fip: fip_svc.View) -> schema.FloatingIp:
    return schema.FloatingIp(
        uuid=fip.uuid,
        address=fip.address,
        network_id=fip.network_uuid,
        project_id=fip.project_id,
        port_id=fip.port_uuid,
        fixed_address=fip.fixed_address,
        server_uuid=fip.server_uuid,
        links=[common.Link(**link) for link in state.links("floating_ips", fip.uuid)],
        created_at=fip.created_at.isoformat(),
        updated_at=fip.updated_at.isoformat() if fip.updated_at else None,
    )


@router.route(
    "POST",
    "/v1/networks/{network_uuid}/floating_ips",
    status=201,
    policy="mogan:floating_ip:create",
    tag=TAG,
    min_version=VERSION,
)
def create_floating_ip(
    ctx: mogan_context.RequestContext, network_uuid: common.UUID
) -> schema.FloatingIp:
    """Allocate a floating IP of an external network for the caller's project."""
    state.authorize(ctx, "mogan:floating_ip:create")
    fip = fip_svc.allocate(ctx, state.limit_source(), network_uuid)
    state.set_location(state.links("floating_ips", fip.uuid)[0]["href"])
    return _view(fip)


@router.route(
    "GET",
    "/v1/floating_ips",
    policy="mogan:floating_ip:get_all",
    tag=TAG,
    min_version=VERSION,
)
def list_floating_ips(
    ctx: mogan_context.RequestContext, query: schema.FloatingIpListQuery
) -> schema.FloatingIpList:
    """List the project's floating IPs (every project's: all_tenants, readers)."""
    state.authorize(ctx, "mogan:floating_ip:get_all")
    fips = fip_svc.get_all(
        ctx,
        all_projects=query.all_tenants,
        network_uuid=query.network_id,
        sort_key=query.sort_key,
        sort_dir=query.sort_dir,
        limit=state.page_limit(query.limit),
        marker=query.marker,
    )
    return schema.FloatingIpList(floating_ips=[_view(f) for f in fips])


@router.route(
    "GET", FLOATING_IP, policy="mogan:floating_ip:get", tag=TAG, min_version=VERSION
)
def show_floating_ip(
    ctx: mogan_context.RequestContext, floating_ip_uuid: common.UUID
) -> schema.FloatingIp:
    """Show a floating IP."""
    fip = fip_svc.get(ctx, floating_ip_uuid)
    state.authorize(ctx, "mogan:floating_ip:get", {"project_id": fip.project_id})
    return _view(fip)


@router.route(
    "DELETE",
    FLOATING_IP,
    status=204,
    policy="mogan:floating_ip:delete",
    tag=TAG,
    min_version=VERSION,
)
def delete_floating_ip(
    ctx: mogan_context.RequestContext, floating_ip_uuid: common.UUID
) -> None:
    """Release a floating IP no server uses."""
    fip = fip_svc.get(ctx, floating_ip_uuid)
    state.authorize(ctx, "mogan:floating_ip:delete", {"project_id": fip.project_id})
    fip_svc.release(ctx, floating_ip_uuid)
