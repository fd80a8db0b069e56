"""Node routes (v1 section 1.11; node objects and filters from microversion 1.2).

``GET /v1/nodes/{node}`` adds the node's hardware ``inventory`` from 1.5.
"""

import datetime

from mogan import context as mogan_context
from mogan.api import microversion, router, state
from mogan.api.schemas import common
from mogan.api.schemas import node as schema
from mogan.services import node as node_svc

TAG = "nodes"
DETAILS_VERSION = microversion.Version(1, 2)
INVENTORY_VERSION = microversion.Version(1, 5)


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _view(detail: node_svc.NodeDetail) -> schema.Node:
    node = detail.node
    return schema.Node.model_validate(
        {
            "uuid": node.uuid,
            "name": node.name,
            "driver": node.driver,
            "resource_class": node.resource_class,
            "traits": list(node.traits),
            "aggregates": [
                {"uuid": uuid, "name": name} for uuid, name in detail.aggregates
            ],
            "availability_zone": node.availability_zone,
            "affinity_zone": node.affinity_zone,
            "failure_domains": dict(node.failure_domains or {}),
            "power_state": node.power_state,
            "maintenance": node.maintenance,
            "consumable": node.consumable,
            "why_not": detail.why_not,
            "allocated": node.allocated,
            "server_uuid": node.server_uuid,
            "links": state.links("nodes", node.uuid),
            "created_at": _iso(node.created_at),
            "updated_at": _iso(node.updated_at),
        }
    )


@router.route("GET", "/v1/nodes", policy="mogan:node:get_all", tag=TAG)
def list_nodes(
    ctx: mogan_context.RequestContext, query: schema.NodeListQuery
) -> schema.NodeList:
    """List nodes by name: names below microversion 1.2, node objects from 1.2."""
    state.authorize(ctx, "mogan:node:get_all")
    filters = query.model_dump(
        include={"resource_class", "availability_zone", "consumable", "maintenance"},
        exclude_none=True,
    )
    details = node_svc.get_all(
        ctx, filters=filters, limit=state.page_limit(query.limit), marker=query.marker
    )
    if microversion.request_version() < DETAILS_VERSION:
        return schema.NodeList(nodes=[d.node.name for d in details])
    return schema.NodeList(nodes=[_view(d) for d in details])


@router.route("GET", "/v1/nodes/{node_ident}", policy="mogan:node:get", tag=TAG)
def show_node(
    ctx: mogan_context.RequestContext, node_ident: common.Name
) -> schema.Node:
    """Show a node, by uuid or name."""
    state.authorize(ctx, "mogan:node:get")
    detail = node_svc.get(ctx, node_ident)
    view = _view(detail)
    if microversion.request_version() >= INVENTORY_VERSION:
        inventory = detail.node.inventory
        view.inventory = (
            schema.NodeInventory.model_validate(inventory) if inventory else None
        )
    return view
