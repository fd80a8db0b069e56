"""Aggregate routes (v1 section 1.10): CRUD and node membership, admin only."""

from mogan import context as mogan_context
from mogan.api import patch, router, state
from mogan.api.schemas import aggregate as schema
from mogan.api.schemas import common
from mogan.db import models
from mogan.services import aggregate as aggregate_svc

TAG = "aggregates"
AGGREGATE = "/v1/aggregates/{aggregate_uuid}"


def _view(aggregate: models.Aggregate) -> schema.Aggregate:
    return schema.Aggregate(
        uuid=aggregate.uuid,
        name=aggregate.name,
        metadata={item.key: item.value for item in aggregate.metadata_items},
        links=[
            common.Link(**link) for link in state.links("aggregates", aggregate.uuid)
        ],
        created_at=aggregate.created_at.isoformat(),
        updated_at=aggregate.updated_at.isoformat() if aggregate.updated_at else None,
    )


@router.route("GET", "/v1/aggregates", policy="mogan:aggregate:get_all", tag=TAG)
def list_aggregates(ctx: mogan_context.RequestContext) -> schema.AggregateList:
    """List aggregates."""
    state.authorize(ctx, "mogan:aggregate:get_all")
    return schema.AggregateList(
        aggregates=[_view(a) for a in aggregate_svc.get_all(ctx)]
    )


@router.route(
    "POST", "/v1/aggregates", status=201, policy="mogan:aggregate:create", tag=TAG
)
def create_aggregate(
    ctx: mogan_context.RequestContext, body: schema.AggregateCreate
) -> schema.Aggregate:
    """Create an aggregate."""
    state.authorize(ctx, "mogan:aggregate:create")
    aggregate = aggregate_svc.create(ctx, state.conf(), body.name, dict(body.metadata))
    state.set_location(state.links("aggregates", aggregate.uuid)[0]["href"])
    return _view(aggregate)


@router.route("GET", AGGREGATE, policy="mogan:aggregate:get", tag=TAG)
def show_aggregate(
    ctx: mogan_context.RequestContext, aggregate_uuid: common.UUID
) -> schema.Aggregate:
    """Show an aggregate."""
    state.authorize(ctx, "mogan:aggregate:get")
    return _view(aggregate_svc.get(ctx, aggregate_uuid))


@router.route("PATCH", AGGREGATE, policy="mogan:aggregate:update", tag=TAG)
def update_aggregate(
    ctx: mogan_context.RequestContext,
    aggregate_uuid: common.UUID,
    body: patch.PatchDocument,
) -> schema.Aggregate:
    """Rename an aggregate or change its metadata (JSON patch)."""
    state.authorize(ctx, "mogan:aggregate:update")

    def change(current: dict[str, object]) -> dict[str, object]:
        patched = patch.apply(
            current,
            body.root,
            patchable=set(aggregate_svc.MUTABLE_FIELDS),
            internal=set(schema.Aggregate.model_fields)
            - set(aggregate_svc.MUTABLE_FIELDS),
        )
        return patch.validated(schema.AggregateUpdate, patched)

    return _view(aggregate_svc.update(ctx, state.conf(), aggregate_uuid, change))


@router.route("DELETE", AGGREGATE, status=204, policy="mogan:aggregate:delete", tag=TAG)
def delete_aggregate(
    ctx: mogan_context.RequestContext, aggregate_uuid: common.UUID
) -> None:
    """Delete an aggregate that holds no nodes (409 while it does)."""
    state.authorize(ctx, "mogan:aggregate:delete")
    aggregate_svc.delete(ctx, aggregate_uuid)


@router.route("GET", f"{AGGREGATE}/nodes", policy="mogan:aggregate:get_nodes", tag=TAG)
def list_aggregate_nodes(
    ctx: mogan_context.RequestContext, aggregate_uuid: common.UUID
) -> schema.AggregateNodes:
    """List the names of an aggregate's nodes."""
    state.authorize(ctx, "mogan:aggregate:get_nodes")
    return schema.AggregateNodes(nodes=aggregate_svc.list_nodes(ctx, aggregate_uuid))


@router.route(
    "POST",
    f"{AGGREGATE}/nodes",
    status=204,
    policy="mogan:aggregate:add_node",
    tag=TAG,
)
def add_aggregate_node(
    ctx: mogan_context.RequestContext,
    aggregate_uuid: common.UUID,
    body: schema.AggregateNodeAdd,
) -> None:
    """Add a node (by name or uuid) to an aggregate."""
    state.authorize(ctx, "mogan:aggregate:add_node")
    aggregate_svc.add_node(
        ctx, state.conf(), state.placement_client(), aggregate_uuid, body.node
    )


@router.route(
    "DELETE",
    f"{AGGREGATE}/nodes/{{node}}",
    status=204,
    policy="mogan:aggregate:remove_node",
    tag=TAG,
)
def remove_aggregate_node(
    ctx: mogan_context.RequestContext,
    aggregate_uuid: common.UUID,
    node: common.Name,
) -> None:
    """Remove a node (by name or uuid) from an aggregate."""
    state.authorize(ctx, "mogan:aggregate:remove_node")
    aggregate_svc.remove_node(
        ctx, state.conf(), state.placement_client(), aggregate_uuid, node
    )
