"""Network routes: the embedded flat networks (admins define, users read).

From microversion 1.8 a network may be ``external``: it holds floating IPs
(``mogan.api.routes.floating_ip``) instead of server ports.
"""

from mogan import context as mogan_context
from mogan import exception
from mogan.api import microversion, router, state
from mogan.api.schemas import common
from mogan.api.schemas import network as schema
from mogan.db import models
from mogan.services import network as network_svc

TAG = "networks"
EXTERNAL_VERSION = microversion.Version(1, 8)


def _view(network: models.Network) -> schema.Network:
    fields = {
        "uuid": network.uuid,
        "name": network.name,
        "cidr": network.cidr,
        "gateway": network.gateway,
        "shared": network.shared,
        "project_id": network.project_id,
        "links": state.links("networks", network.uuid),
        "created_at": network.created_at.isoformat(),
        "updated_at": (network.updated_at.isoformat() if network.updated_at else None),
    }
    if microversion.request_version() >= EXTERNAL_VERSION:
        fields["external"] = network.external
    return schema.Network.model_validate(fields)


@router.route("GET", "/v1/networks", policy="mogan:network:get_all", tag=TAG)
def list_networks(
    ctx: mogan_context.RequestContext, query: schema.NetworkListQuery
) -> schema.NetworkList:
    """List the networks the caller may use."""
    state.authorize(ctx, "mogan:network:get_all")
    max_limit = state.conf().api.max_limit
    networks = network_svc.get_all(
        ctx,
        sort_key=query.sort_key,
        sort_dir=query.sort_dir,
        limit=min(query.limit, max_limit) if query.limit is not None else max_limit,
        marker=query.marker,
    )
    return schema.NetworkList(networks=[_view(n) for n in networks])


@router.route(
    "POST", "/v1/networks", status=201, policy="mogan:network:create", tag=TAG
)
def create_network(
    ctx: mogan_context.RequestContext, body: schema.NetworkCreate
) -> schema.Network:
    """Define a flat network (from 1.8, possibly an external one)."""
    if (
        "external" in body.model_fields_set
        and microversion.request_version() < EXTERNAL_VERSION
    ):
        raise exception.InvalidParameter(
            field="external",
            reason=f"requires microversion {EXTERNAL_VERSION} or later",
        )
    state.authorize(ctx, "mogan:network:create")
    values = body.model_dump()
    if "gateway" not in body.model_fields_set:
        # NOTE: omitted means "the first host"; an explicit null means none.
        del values["gateway"]
    network = network_svc.create(ctx, values)
    state.set_location(state.links("networks", network.uuid)[0]["href"])
    return _view(network)


@router.route("GET", "/v1/networks/{network_uuid}", policy="mogan:network:get", tag=TAG)
def show_network(
    ctx: mogan_context.RequestContext, network_uuid: common.UUID
) -> schema.Network:
    """Show a network."""
    state.authorize(ctx, "mogan:network:get")
    return _view(network_svc.get(ctx, network_uuid))


@router.route(
    "DELETE",
    "/v1/networks/{network_uuid}",
    status=204,
    policy="mogan:network:delete",
    tag=TAG,
)
def delete_network(
    ctx: mogan_context.RequestContext, network_uuid: common.UUID
) -> None:
    """Delete a network that no server uses."""
    state.authorize(ctx, "mogan:network:delete")
    network_svc.delete(ctx, network_uuid)
