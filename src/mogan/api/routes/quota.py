"""Limits and quota routes (microversion 1.3).

``/v1/limits`` is the caller's view of their project's limits and usage;
``/v1/quotas/{project_id}`` is the admin's handle on a project's limits.
"""

from mogan import context as mogan_context
from mogan.api import microversion, router, state
from mogan.api.schemas import common
from mogan.api.schemas import quota as schema
from mogan.services import quota as quota_svc

TAG = "quotas"
QUOTA = "/v1/quotas/{project_id}"
VERSION = microversion.Version(1, 3)


@router.route(
    "GET", "/v1/limits", policy="mogan:limits:get", tag=TAG, min_version=VERSION
)
def show_limits(
    ctx: mogan_context.RequestContext, query: schema.LimitsQuery
) -> schema.Limits:
    """Show the project's limits and what it uses of them."""
    project_id = query.project_id or ctx.require_project("Reading limits")
    state.authorize(ctx, "mogan:limits:get", {"project_id": project_id})
    limits = quota_svc.project_limits(ctx, state.limit_source(), project_id)
    return schema.Limits.model_validate(
        {
            "project_id": project_id,
            "limits": {
                name: {"limit": value.limit, "in_use": value.in_use}
                for name, value in limits.items()
            },
        }
    )


@router.route("GET", QUOTA, policy="mogan:quota:get", tag=TAG, min_version=VERSION)
def show_quota(
    ctx: mogan_context.RequestContext, project_id: common.ProjectId
) -> schema.Quota:
    """Show a project's limits (defaults with its own overrides)."""
    state.authorize(ctx, "mogan:quota:get", {"project_id": project_id})
    return schema.Quota(quota=quota_svc.get(ctx, state.limit_source(), project_id))


@router.route("PUT", QUOTA, policy="mogan:quota:update", tag=TAG, min_version=VERSION)
def update_quota(
    ctx: mogan_context.RequestContext,
    project_id: common.ProjectId,
    body: schema.QuotaUpdate,
) -> schema.Quota:
    """Set some of a project's limits; the others are unchanged."""
    state.authorize(ctx, "mogan:quota:update", {"project_id": project_id})
    return schema.Quota(
        quota=quota_svc.update(ctx, state.limit_source(), project_id, body.quota)
    )


@router.route(
    "DELETE",
    QUOTA,
    status=204,
    policy="mogan:quota:delete",
    tag=TAG,
    min_version=VERSION,
)
def delete_quota(
    ctx: mogan_context.RequestContext, project_id: common.ProjectId
) -> None:
    """Drop a project's own limits: the defaults apply again."""
    state.authorize(ctx, "mogan:quota:delete", {"project_id": project_id})
    quota_svc.delete(ctx, state.limit_source(), project_id)
