"""Flavor routes: CRUD and private-flavor access lists (v1 section 1.7)."""

from mogan import context as mogan_context
from mogan import exception
from mogan.api import microversion, patch, router, state
from mogan.api.schemas import common
from mogan.api.schemas import flavor as schema
from mogan.db import models
from mogan.services import flavor as flavor_svc

TAG = "flavors"
TRAITS_VERSION = microversion.Version(1, 1)
HARDWARE_VERSION = microversion.Version(1, 5)
COMPOSABLE_VERSION = microversion.Version(1, 8)
HARDWARE_FIELDS = ("default_hardware_profile", "allowed_hardware_profiles")


def _view(ctx: mogan_context.RequestContext, flavor: models.Flavor) -> schema.Flavor:
    fields: dict[str, object] = {
        "uuid": flavor.uuid,
        "name": flavor.name,
        "description": flavor.description,
        "is_public": flavor.is_public,
        "links": state.links("flavors", flavor.uuid),
    }
    if microversion.request_version() >= HARDWARE_VERSION:
        fields.update(
            default_hardware_profile=flavor.default_hardware_profile,
            allowed_hardware_profiles=list(flavor.allowed_hardware_profiles or ()),
        )
    if microversion.request_version() >= COMPOSABLE_VERSION:
        fields["composable"] = bool(flavor.composable)
    if ctx.can_read_all:
        fields.update(
            disabled=flavor.disabled,
            resources=flavor.resources,
            resource_aggregates=flavor.resource_aggregates,
            created_at=flavor.created_at.isoformat(),
            updated_at=flavor.updated_at.isoformat() if flavor.updated_at else None,
        )
        if microversion.request_version() >= TRAITS_VERSION:
            fields["resource_traits"] = flavor.resource_traits
    return schema.Flavor.model_validate(fields)


@router.route("GET", "/v1/flavors", policy="mogan:flavor:get_all", tag=TAG)
def list_flavors(
    ctx: mogan_context.RequestContext, query: schema.FlavorListQuery
) -> schema.FlavorList:
    """List the flavors the caller may use."""
    state.authorize(ctx, "mogan:flavor:get_all")
    limit = state.page_limit(query.limit)
    flavors = flavor_svc.get_all(
        ctx,
        sort_key=query.sort_key,
        sort_dir=query.sort_dir,
        limit=limit,
        marker=query.marker,
    )
    return schema.FlavorList(flavors=[_view(ctx, f) for f in flavors])


@router.route("POST", "/v1/flavors", status=201, policy="mogan:flavor:create", tag=TAG)
def create_flavor(
    ctx: mogan_context.RequestContext, body: schema.FlavorCreate
) -> schema.Flavor:
    """Create a flavor."""
    state.authorize(ctx, "mogan:flavor:create")
    if (
        "resource_traits" in body.model_fields_set
        and microversion.request_version() < TRAITS_VERSION
    ):
        raise exception.InvalidParameter(
            field="resource_traits",
            reason=f"requires microversion {TRAITS_VERSION} or later",
        )
    for field, version in (
        *((f, HARDWARE_VERSION) for f in HARDWARE_FIELDS),
        ("composable", COMPOSABLE_VERSION),
    ):
        if field in body.model_fields_set and microversion.request_version() < version:
            raise exception.InvalidParameter(
                field=field, reason=f"requires microversion {version} or later"
            )
    flavor = flavor_svc.create(ctx, body.model_dump())
    state.set_location(state.links("flavors", flavor.uuid)[0]["href"])
    return _view(ctx, flavor)


@router.route("GET", "/v1/flavors/{flavor_uuid}", policy="mogan:flavor:get", tag=TAG)
def show_flavor(
    ctx: mogan_context.RequestContext, flavor_uuid: common.UUID
) -> schema.Flavor:
    """Show a flavor."""
    state.authorize(ctx, "mogan:flavor:get")
    return _view(ctx, flavor_svc.get(ctx, flavor_uuid))


@router.route(
    "PATCH", "/v1/flavors/{flavor_uuid}", policy="mogan:flavor:update", tag=TAG
)
def update_flavor(
    ctx: mogan_context.RequestContext,
    flavor_uuid: common.UUID,
    body: patch.PatchDocument,
) -> schema.Flavor:
    """Change a flavor's name, description, visibility or disabled flag."""
    state.authorize(ctx, "mogan:flavor:update")

    if microversion.request_version() < HARDWARE_VERSION:
        for op in body.root:
            if any(op.path.startswith(f"/{field}") for field in HARDWARE_FIELDS):
                raise exception.InvalidParameter(
                    field=op.path.lstrip("/"),
                    reason=f"requires microversion {HARDWARE_VERSION} or later",
                )

    def change(current: dict[str, object]) -> dict[str, object]:
        patched = patch.apply(
            current,
            body.root,
            patchable=set(flavor_svc.MUTABLE_FIELDS),
            internal=set(schema.Flavor.model_fields) - set(flavor_svc.MUTABLE_FIELDS),
        )
        return patch.validated(schema.FlavorUpdate, patched)

    return _view(ctx, flavor_svc.update(ctx, flavor_uuid, change))


@router.route(
    "DELETE",
    "/v1/flavors/{flavor_uuid}",
    status=204,
    policy="mogan:flavor:delete",
    tag=TAG,
)
def delete_flavor(ctx: mogan_context.RequestContext, flavor_uuid: common.UUID) -> None:
    """Delete a flavor."""
    state.authorize(ctx, "mogan:flavor:delete")
    flavor_svc.delete(ctx, flavor_uuid)


@router.route(
    "GET",
    "/v1/flavors/{flavor_uuid}/access",
    policy="mogan:flavor_access:get_all",
    tag=TAG,
)
def list_flavor_access(
    ctx: mogan_context.RequestContext, flavor_uuid: common.UUID
) -> schema.FlavorAccess:
    """List the projects a private flavor is shared with."""
    state.authorize(ctx, "mogan:flavor_access:get_all")
    return schema.FlavorAccess(
        flavor_access=flavor_svc.ACCESS.projects(ctx, flavor_uuid)
    )


@router.route(
    "POST",
    "/v1/flavors/{flavor_uuid}/access",
    status=204,
    policy="mogan:flavor_access:add_tenant_access",
    tag=TAG,
)
def add_flavor_access(
    ctx: mogan_context.RequestContext,
    flavor_uuid: common.UUID,
    body: schema.FlavorAccessAdd,
) -> None:
    """Share a private flavor with a project."""
    state.authorize(ctx, "mogan:flavor_access:add_tenant_access")
    flavor_svc.ACCESS.add(ctx, flavor_uuid, body.tenant_id)


@router.route(
    "DELETE",
    "/v1/flavors/{flavor_uuid}/access/{tenant_id}",
    status=204,
    policy="mogan:flavor_access:remove_tenant_access",
    tag=TAG,
)
def remove_flavor_access(
    ctx: mogan_context.RequestContext,
    flavor_uuid: common.UUID,
    tenant_id: common.ProjectId,
) -> None:
    """Stop sharing a private flavor with a project."""
    state.authorize(ctx, "mogan:flavor_access:remove_tenant_access")
    flavor_svc.ACCESS.remove(ctx, flavor_uuid, tenant_id)
