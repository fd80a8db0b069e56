"""Server groups: sets of servers placed by a policy over failure domains.

A group belongs to the project that created it; its owners and admins see
and delete it (v1 bug 2 made that admin-only). Members join only at server
create (``scheduler_hints.group``). ``rules`` say over which failure-domain
level (``scope``) the policy applies and, for anti-affinity, how many
members one domain may hold (``max_per_domain``). The levels are
``affinity_zone``, the configured hierarchy and orthogonal levels, and the
levels of composed servers: ``composition_zone`` and ``chassis`` (the
chassis of a composed server's Compute block; see ``mogan.scheduler.groups``).
"""

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from oslo_config import cfg
from oslo_utils import uuidutils
from sqlalchemy import orm

from mogan import context as mogan_context
from mogan import exception
from mogan.db import models
from mogan.db.api import aggregate as aggregate_db
from mogan.db.api import block_candidates as block_db
from mogan.db.api import server_group as group_db
from mogan.placement import client as placement_client
from mogan.services import quota as quota_svc

LOG = logging.getLogger(__name__)

POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")
ANTI_AFFINITY = ("anti-affinity", "soft-anti-affinity")
DEFAULT_SCOPE = aggregate_db.AFFINITY_ZONE
# NOTE: composed servers' levels: their composition zone, and the chassis of
# their Compute block. Nodes have no domain there (unless an operator named
# a node level so), so a hard policy at them places only composed servers.
COMPOSED_LEVELS = (block_db.COMPOSITION_ZONE, block_db.CHASSIS)
DEFAULT_MAX_PER_DOMAIN = 1


@dataclasses.dataclass(frozen=True)
class GroupDetail:
    """A group with its members' failure domains at its scope (when asked for)."""

    group: models.ServerGroup
    member_domains: dict[str, str | None] | None


def node_levels(conf: cfg.ConfigOpts) -> list[str]:
    """The failure-domain levels of nodes: affinity_zone and the configured ones."""
    return list(
        dict.fromkeys(
            [
                DEFAULT_SCOPE,
                *conf.scheduler.failure_domain_hierarchy,
                *conf.scheduler.failure_domain_orthogonal,
            ]
        )
    )


def levels(conf: cfg.ConfigOpts) -> list[str]:
    """The failure-domain levels a group may be scoped to (nodes', then composed)."""
    return list(dict.fromkeys([*node_levels(conf), *COMPOSED_LEVELS]))


def composed_only(conf: cfg.ConfigOpts, scope: str) -> bool:
    """Whether ``scope`` is a level of composed servers only (not a node level)."""
    return scope in COMPOSED_LEVELS and scope not in node_levels(conf)


def scope_of(group: models.ServerGroup) -> str:
    """The level the group's policy applies over."""
    return str((group.rules or {}).get("scope", DEFAULT_SCOPE))


def make_rules(
    conf: cfg.ConfigOpts, policy: str, rules: dict[str, Any] | None
) -> dict[str, Any]:
    """The stored rules for a new group: defaults filled in, checked.

    ``max_per_domain`` is kept only for anti-affinity policies.

    Raises:
        InvalidParameter: an unknown scope, or ``max_per_domain`` for an
            affinity policy.
    """
    rules = rules or {}
    scope = rules.get("scope", DEFAULT_SCOPE)
    allowed = levels(conf)
    if scope not in allowed:
        raise exception.InvalidParameter(
            field="rules.scope",
            reason=f"{scope!r} is not a failure-domain level; use one of {allowed}",
        )
    result: dict[str, Any] = {"scope": scope}
    if policy in ANTI_AFFINITY:
        result["max_per_domain"] = rules.get("max_per_domain", DEFAULT_MAX_PER_DOMAIN)
    elif "max_per_domain" in rules:
        raise exception.InvalidParameter(
            field="rules.max_per_domain",
            reason="only anti-affinity and soft-anti-affinity groups take it",
        )
    return result


def _visible_to(ctx: mogan_context.RequestContext) -> str | None:
    return ctx.project_filter(all_projects=True)


def _detail(
    session: orm.Session, group: models.ServerGroup, with_domains: bool
) -> GroupDetail:
    domains = (
        group_db.member_domains(session, group, scope_of(group))
        if with_domains
        else None
    )
    return GroupDetail(group=group, member_domains=domains)


def create(
    ctx: mogan_context.RequestContext,
    conf: cfg.ConfigOpts,
    limits: quota_svc.LimitSource,
    *,
    name: str,
    policy: str,
    rules: dict[str, Any] | None,
) -> models.ServerGroup:
    """Create an empty group in the caller's project.

    Raises:
        InvalidParameter: bad rules (see ``make_rules``).
        ProjectScopeRequired: the caller has no project.
        OverQuota: the project has as many groups as it may.
    """
    project_id = ctx.require_project("Creating server groups")
    stored_rules = make_rules(conf, policy, rules)
    effective = limits.limits(ctx.database, project_id)
    quota_svc.prepare_locks(ctx.database, (quota_svc.SERVER_GROUPS, project_id))
    with ctx.database.transaction() as session:
        quota_svc.check_server_group(session, effective, project_id)
        return group_db.create(
            session,
            {
                "uuid": uuidutils.generate_uuid(),
                "name": name,
                "project_id": project_id,
                "user_id": ctx.user_id or "",
                "policy": policy,
                "rules": stored_rules,
            },
        )


def get(
    ctx: mogan_context.RequestContext, group_uuid: str, *, with_domains: bool = False
) -> GroupDetail:
    """The group, if the caller's project owns it (any group for cloud readers).

    Raises:
        ServerGroupNotFound: no such group, or not visible to the caller.
        ProjectScopeRequired: the caller has no project and may not read
            every project.
    """
    with ctx.database.transaction(readonly=True) as session:
        group = group_db.get(session, group_uuid, project_id=_visible_to(ctx))
        return _detail(session, group, with_domains)


def get_all(
    ctx: mogan_context.RequestContext,
    *,
    all_projects: bool,
    with_domains: bool = False,
) -> Sequence[GroupDetail]:
    """The caller's project's groups, or every project's.

    Every project's when the caller may read them all and asks
    (``all_projects``) or has no project (``RequestContext.project_filter``).

    Raises:
        ProjectScopeRequired: the caller has no project and may not read
            every project.
    """
    with ctx.database.transaction(readonly=True) as session:
        project = ctx.project_filter(all_projects)
        groups = group_db.get_all(session, project_id=project)
        return [_detail(session, g, with_domains) for g in groups]


def delete(
    ctx: mogan_context.RequestContext,
    group_uuid: str,
    placement: placement_client.PlacementClient | None = None,
) -> None:
    """Delete the group; its servers stay (they just leave the group).

    The group's scheduling token in Placement (see ``mogan.scheduler.groups``)
    is released after the commit, best effort: a token left behind holds one
    unit of Mogan's own ledger provider and nothing else.

    Raises:
        ServerGroupNotFound: no such group, or not visible to the caller.
    """
    with ctx.database.transaction() as session:
        group = group_db.get(session, group_uuid, project_id=_visible_to(ctx))
        group_db.destroy(session, group)
    if placement is not None:
        try:
            placement.release(group_uuid)
        except placement_client.PlacementError as err:
            LOG.warning("server group %s: token not released: %s", group_uuid, err)
