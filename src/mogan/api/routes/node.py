"""Node routes (v1 section 1.11; node objects and filters from microversion 1.2).

``GET /v1/nodes/{node}`` adds the node's hardware ``inventory`` from 1.5.
From 1.6 admins enrol nodes into the engine's driver (``POST``), change
them (``PATCH``, JSON patch) and remove them (``DELETE``), and nodes show
``driver_info`` (how the BMC is reached; never the password). The engine
does the work over RPC (``services.node_enrolment``).
"""

import datetime
from typing import Any

from mogan import context as mogan_context
from mogan.api import microversion, patch, router, state
from mogan.api.schemas import common
from mogan.api.schemas import node as schema
from mogan.api.schemas import node_enrolment as enrol_schema
from mogan.services import node as node_svc
from mogan.services import node_enrolment as enrol_svc

TAG = "nodes"
DETAILS_VERSION = microversion.Version(1, 2)
INVENTORY_VERSION = microversion.Version(1, 5)
ENROL_VERSION = microversion.Version(1, 6)
PATCHABLE = ("name", "resource_class", "traits", "properties", "driver_info")


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _view(detail: node_svc.NodeDetail) -> schema.Node:
    node = detail.node
    shown: dict[str, Any] = {}
    if microversion.request_version() >= ENROL_VERSION:
        shown["driver_info"] = (
            enrol_schema.NodeDriverInfo.model_validate(node.driver_info)
            if node.driver_info
            else None
        )
    return schema.Node.model_validate(
        shown
        | {
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


def _driver_info(body: enrol_schema.DriverInfoIn) -> enrol_svc.DriverInfo:
    return enrol_svc.DriverInfo(
        address=body.address,
        system_id=body.system_id,
        username=body.username,
        password=body.password,
        verify_ca=body.verify_ca,
    )


@router.route(
    "POST",
    "/v1/nodes",
    status=201,
    policy="mogan:node:create",
    tag=TAG,
    min_version=ENROL_VERSION,
)
def create_node(
    ctx: mogan_context.RequestContext, body: enrol_schema.NodeCreate
) -> schema.Node:
    """Enrol a node into the engine's driver (its BMC is checked first)."""
    state.authorize(ctx, "mogan:node:create")
    conf = state.conf()
    detail = enrol_svc.enroll(
        ctx,
        state.server_backends().engine,
        conf.engine.heartbeat_interval,
        driver=body.driver,
        configured_driver=conf.engine.driver,
        node=enrol_svc.EnrolmentNode(
            uuid="",
            name=body.name,
            resource_class=body.resource_class,
            traits=tuple(body.traits),
            properties=dict(body.properties),
        ),
        driver_info=_driver_info(body.driver_info),
    )
    state.set_location(state.links("nodes", detail.node.uuid)[0]["href"])
    return _view(detail)


@router.route(
    "PATCH",
    "/v1/nodes/{node_ident}",
    policy="mogan:node:update",
    tag=TAG,
    min_version=ENROL_VERSION,
)
def update_node(
    ctx: mogan_context.RequestContext,
    node_ident: common.Name,
    body: patch.PatchDocument,
) -> schema.Node:
    """Change a node's name, resource class, traits, properties or driver_info.

    Changing ``driver_info`` needs its ``password`` again (it is never shown).
    """
    state.authorize(ctx, "mogan:node:update")
    node = node_svc.get(ctx, node_ident).node
    current: dict[str, Any] = {
        "name": node.name,
        "resource_class": node.resource_class,
        "traits": list(node.traits),
        "properties": dict(node.properties),
    }
    if node.driver_info:
        current["driver_info"] = dict(node.driver_info)
    patched = patch.apply(
        current,
        body.root,
        patchable=set(PATCHABLE),
        internal=set(schema.Node.model_fields) - set(PATCHABLE),
    )
    if patched.get("driver_info") == current.get("driver_info"):
        # NOTE: unchanged (and shown without its password): not sent again.
        patched.pop("driver_info", None)
    checked = enrol_schema.NodeUpdate.model_validate(
        patch.validated(enrol_schema.NodeUpdate, patched)
    )
    conf = state.conf()
    detail = enrol_svc.update(
        ctx,
        state.server_backends().engine,
        conf.engine.heartbeat_interval,
        node.uuid,
        configured_driver=conf.engine.driver,
        node=enrol_svc.EnrolmentNode(
            uuid=node.uuid,
            name=checked.name,
            resource_class=checked.resource_class,
            traits=tuple(checked.traits),
            properties=dict(checked.properties),
        ),
        driver_info=(
            _driver_info(checked.driver_info) if checked.driver_info else None
        ),
    )
    return _view(detail)


@router.route(
    "DELETE",
    "/v1/nodes/{node_ident}",
    status=204,
    policy="mogan:node:delete",
    tag=TAG,
    min_version=ENROL_VERSION,
)
def delete_node(ctx: mogan_context.RequestContext, node_ident: common.Name) -> None:
    """Remove a node carrying no server from the driver, Mogan and Placement."""
    state.authorize(ctx, "mogan:node:delete")
    node = node_svc.get(ctx, node_ident).node
    enrol_svc.delete(
        ctx,
        state.server_backends().engine,
        state.conf().engine.heartbeat_interval,
        node.uuid,
    )
