"""Server group routes (v1 section 1.12; rules and member domains from 1.2).

From 1.8 a group may be scoped to the levels of composed servers
(``composition_zone``, ``chassis``).

A group is visible to its project and to admins; another project's group is
"not found" rather than forbidden, so ids cannot be probed.
"""

import datetime

from mogan import context as mogan_context
from mogan import exception
from mogan.api import microversion, router, state
from mogan.api.schemas import common
from mogan.api.schemas import server_group as schema
from mogan.services import server_group as group_svc

TAG = "server_groups"
GROUP = "/v1/server_groups/{server_group_uuid}"
RULES_VERSION = microversion.Version(1, 2)
COMPOSED_VERSION = microversion.Version(1, 8)


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _view(detail: group_svc.GroupDetail) -> schema.ServerGroup:
    group = detail.group
    fields: dict[str, object] = {
        "uuid": group.uuid,
        "name": group.name,
        "project_id": group.project_id,
        "user_id": group.user_id,
        "policies": [group.policy],
        "members": [m.server_uuid for m in group.members],
        "links": state.links("server_groups", group.uuid),
        "created_at": _iso(group.created_at),
        "updated_at": _iso(group.updated_at),
    }
    if microversion.request_version() >= RULES_VERSION:
        rules = group.rules or {}
        fields["rules"] = {
            "scope": group_svc.scope_of(group),
            "max_per_domain": rules.get("max_per_domain"),
        }
        fields["member_domains"] = detail.member_domains or {}
    return schema.ServerGroup.model_validate(fields)


def _with_domains() -> bool:
    return microversion.request_version() >= RULES_VERSION


@router.route("GET", "/v1/server_groups", policy="mogan:server_group:get_all", tag=TAG)
def list_server_groups(
    ctx: mogan_context.RequestContext, query: schema.ServerGroupListQuery
) -> schema.ServerGroupList:
    """List the project's server groups (all projects: cloud readers, all_tenants)."""
    state.authorize(ctx, "mogan:server_group:get_all")
    details = group_svc.get_all(
        ctx,
        all_projects=query.all_tenants,
        with_domains=_with_domains(),
    )
    return schema.ServerGroupList(server_groups=[_view(d) for d in details])


@router.route(
    "POST",
    "/v1/server_groups",
    status=201,
    policy="mogan:server_group:create",
    tag=TAG,
)
def create_server_group(
    ctx: mogan_context.RequestContext, body: schema.ServerGroupCreate
) -> schema.ServerGroup:
    """Create a server group in the caller's project."""
    state.authorize(ctx, "mogan:server_group:create")
    if body.rules is not None and microversion.request_version() < RULES_VERSION:
        raise exception.InvalidParameter(
            field="rules", reason=f"requires microversion {RULES_VERSION} or later"
        )
    scope = body.rules.scope if body.rules is not None else None
    if (
        scope is not None
        and microversion.request_version() < COMPOSED_VERSION
        and group_svc.composed_only(state.conf(), scope)
    ):
        raise exception.InvalidParameter(
            field="rules.scope",
            reason=(
                f"{scope!r}, a level of composed servers, requires microversion "
                f"{COMPOSED_VERSION} or later"
            ),
        )
    group = group_svc.create(
        ctx,
        state.conf(),
        state.limit_source(),
        name=body.name,
        policy=body.policies[0],
        rules=body.rules.model_dump(exclude_unset=True) if body.rules else None,
    )
    state.set_location(state.links("server_groups", group.uuid)[0]["href"])
    return _view(group_svc.GroupDetail(group=group, member_domains={}))


def _authorize(
    ctx: mogan_context.RequestContext, rule: str, group_uuid: str
) -> group_svc.GroupDetail:
    """Load the group the caller may see, then check ``rule`` against its owner."""
    detail = group_svc.get(ctx, group_uuid, with_domains=_with_domains())
    state.authorize(
        ctx,
        rule,
        {"project_id": detail.group.project_id, "user_id": detail.group.user_id},
    )
    return detail


@router.route("GET", GROUP, policy="mogan:server_group:get", tag=TAG)
def show_server_group(
    ctx: mogan_context.RequestContext, server_group_uuid: common.UUID
) -> schema.ServerGroup:
    """Show a server group."""
    return _view(_authorize(ctx, "mogan:server_group:get", server_group_uuid))


@router.route("DELETE", GROUP, status=204, policy="mogan:server_group:delete", tag=TAG)
def delete_server_group(
    ctx: mogan_context.RequestContext, server_group_uuid: common.UUID
) -> None:
    """Delete a server group (its servers stay)."""
    _authorize(ctx, "mogan:server_group:delete", server_group_uuid)
    group_svc.delete(ctx, server_group_uuid, state.placement_client())
