"""Hardware profile routes (microversion 1.5): CRUD and private-profile access lists.

A profile is addressed by its uuid or its name. Mirrors the flavor routes.
"""

from mogan import context as mogan_context
from mogan.api import microversion, patch, router, state
from mogan.api.schemas import common
from mogan.api.schemas import hardware as schema
from mogan.db import models
from mogan.services import hardware_profile as profile_svc

TAG = "hardware_profiles"
VERSION = microversion.Version(1, 5)
ProfileRef = schema.ProfileRef


def view(
    ctx: mogan_context.RequestContext, profile: models.HardwareProfile
) -> schema.HardwareProfile:
    """The representation of ``profile`` (admins also see the timestamps)."""
    fields: dict[str, object] = {
        "uuid": profile.uuid,
        "name": profile.name,
        "description": profile.description,
        "is_public": profile.is_public,
        "raid": profile.raid,
        "partitions": profile.partitions,
        "bios": profile.bios,
        "firmware": profile.firmware,
        "traits": list(profile.traits or ()),
        "links": state.links("hardware_profiles", profile.uuid),
    }
    if ctx.can_read_all:
        fields.update(
            created_at=profile.created_at.isoformat(),
            updated_at=profile.updated_at.isoformat() if profile.updated_at else None,
        )
    return schema.HardwareProfile.model_validate(fields)


@router.route(
    "GET",
    "/v1/hardware_profiles",
    policy="mogan:hardware_profile:get_all",
    tag=TAG,
    min_version=VERSION,
)
def list_profiles(
    ctx: mogan_context.RequestContext, query: schema.HardwareProfileListQuery
) -> schema.HardwareProfileList:
    """List the hardware profiles the caller may use."""
    state.authorize(ctx, "mogan:hardware_profile:get_all")
    profiles = profile_svc.get_all(
        ctx,
        sort_key=query.sort_key,
        sort_dir=query.sort_dir,
        limit=state.page_limit(query.limit),
        marker=query.marker,
    )
    return schema.HardwareProfileList(
        hardware_profiles=[view(ctx, p) for p in profiles]
    )


@router.route(
    "POST",
    "/v1/hardware_profiles",
    status=201,
    policy="mogan:hardware_profile:create",
    tag=TAG,
    min_version=VERSION,
)
def create_profile(
    ctx: mogan_context.RequestContext, body: schema.HardwareProfileCreate
) -> schema.HardwareProfile:
    """Create a hardware profile."""
    state.authorize(ctx, "mogan:hardware_profile:create")
    profile = profile_svc.create(ctx, body.stored())
    state.set_location(state.links("hardware_profiles", profile.uuid)[0]["href"])
    return view(ctx, profile)


@router.route(
    "GET",
    "/v1/hardware_profiles/{profile}",
    policy="mogan:hardware_profile:get",
    tag=TAG,
    min_version=VERSION,
)
def show_profile(
    ctx: mogan_context.RequestContext, profile: ProfileRef
) -> schema.HardwareProfile:
    """Show a hardware profile."""
    state.authorize(ctx, "mogan:hardware_profile:get")
    return view(ctx, profile_svc.get(ctx, profile))


@router.route(
    "PATCH",
    "/v1/hardware_profiles/{profile}",
    policy="mogan:hardware_profile:update",
    tag=TAG,
    min_version=VERSION,
)
def update_profile(
    ctx: mogan_context.RequestContext,
    profile: ProfileRef,
    body: patch.PatchDocument,
) -> schema.HardwareProfile:
    """Change a profile's name, description, visibility, sections or traits."""
    state.authorize(ctx, "mogan:hardware_profile:update")

    def change(current: dict[str, object]) -> dict[str, object]:
        patched = patch.apply(
            # NOTE: absent sections are absent (``add`` puts one in), as
            # shown; an unset description is there, as null.
            {
                k: v
                for k, v in current.items()
                if v is not None or k not in profile_svc.SECTIONS
            },
            body.root,
            patchable=set(profile_svc.MUTABLE_FIELDS),
            internal=set(schema.HardwareProfile.model_fields)
            - set(profile_svc.MUTABLE_FIELDS),
        )
        checked = patch.validated(schema.HardwareProfileUpdate, patched)
        return schema.HardwareProfileUpdate.model_validate(checked).stored()

    return view(ctx, profile_svc.update(ctx, profile, change))


@router.route(
    "DELETE",
    "/v1/hardware_profiles/{profile}",
    status=204,
    policy="mogan:hardware_profile:delete",
    tag=TAG,
    min_version=VERSION,
)
def delete_profile(ctx: mogan_context.RequestContext, profile: ProfileRef) -> None:
    """Delete a hardware profile no flavor names."""
    state.authorize(ctx, "mogan:hardware_profile:delete")
    profile_svc.delete(ctx, profile)


@router.route(
    "GET",
    "/v1/hardware_profiles/{profile}/access",
    policy="mogan:hardware_profile_access:get_all",
    tag=TAG,
    min_version=VERSION,
)
def list_profile_access(
    ctx: mogan_context.RequestContext, profile: ProfileRef
) -> schema.HardwareProfileAccess:
    """List the projects a private profile is shared with."""
    state.authorize(ctx, "mogan:hardware_profile_access:get_all")
    return schema.HardwareProfileAccess(
        hardware_profile_access=profile_svc.ACCESS.projects(ctx, profile)
    )


@router.route(
    "POST",
    "/v1/hardware_profiles/{profile}/access",
    status=204,
    policy="mogan:hardware_profile_access:add_tenant_access",
    tag=TAG,
    min_version=VERSION,
)
def add_profile_access(
    ctx: mogan_context.RequestContext,
    profile: ProfileRef,
    body: schema.HardwareProfileAccessAdd,
) -> None:
    """Share a private profile with a project."""
    state.authorize(ctx, "mogan:hardware_profile_access:add_tenant_access")
    profile_svc.ACCESS.add(ctx, profile, body.tenant_id)


@router.route(
    "DELETE",
    "/v1/hardware_profiles/{profile}/access/{tenant_id}",
    status=204,
    policy="mogan:hardware_profile_access:remove_tenant_access",
    tag=TAG,
    min_version=VERSION,
)
def remove_profile_access(
    ctx: mogan_context.RequestContext,
    profile: ProfileRef,
    tenant_id: common.ProjectId,
) -> None:
    """Stop sharing a private profile with a project."""
    state.authorize(ctx, "mogan:hardware_profile_access:remove_tenant_access")
    profile_svc.ACCESS.remove(ctx, profile, tenant_id)
