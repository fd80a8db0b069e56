"""Quotas: what each project may hold, what it holds, and the checks.

Resources: ``servers``, each Placement resource class a flavor asks for
(``CUSTOM_BAREMETAL_GOLD``: "at most 4 gold nodes"), ``server_groups`` per
project, ``server_group_members`` per group, ``metadata_items`` per server,
``keypairs`` per user and ``floating_ips`` per project (the embedded
network backend's; Neutron counts its own). Limits come from a ``LimitSource`` (the
``[quota]`` defaults with per-project overrides in the database, or
Keystone's unified limits); usage is always counted from Mogan's own rows,
under a lock (``mogan.db.api.quota.lock``) taken in the caller's
transaction, so concurrent requests never exceed a limit together.

Checks raise ``OverQuota`` (403, v1's "Quota exceeded for resources: ...").
A multi-create gets all of ``max_count`` if it fits, else as many as fit if
that is at least ``min_count`` (v1 section 3.3).
"""

import dataclasses
import re
from typing import Protocol

from oslo_config import cfg
from sqlalchemy import orm

from mogan import context as mogan_context
from mogan import exception
from mogan.db import session as db_session
from mogan.db.api import floating_ip as fip_db
from mogan.db.api import keypair as keypair_db
from mogan.db.api import quota as quota_db
from mogan.placement import client as placement_client

SERVERS = "servers"
SERVER_GROUPS = "server_groups"
SERVER_GROUP_MEMBERS = "server_group_members"
METADATA_ITEMS = "metadata_items"
KEYPAIRS = "keypairs"
FLOATING_IPS = "floating_ips"
NAMED = (
    SERVERS,
    SERVER_GROUPS,
    SERVER_GROUP_MEMBERS,
    METADATA_ITEMS,
    KEYPAIRS,
    FLOATING_IPS,
)
UNLIMITED = -1

_PLACEMENT_CLASS = re.compile(r"^[A-Z0-9_]+$")


def resource_class(name: str) -> str:
    """A resource class as Placement names it, from either spelling.

    ``CUSTOM_BAREMETAL_GOLD`` stays as is; a node's ``baremetal-gold``
    becomes ``CUSTOM_BAREMETAL_GOLD``.
    """
    if _PLACEMENT_CLASS.match(name):
        return name
    return placement_client.resource_class_name(name)


def canonical(resource: str) -> str:
    """A resource's name as limits are stored: named ones, classes upper case."""
    return resource if resource in NAMED else resource_class(resource)


@dataclasses.dataclass(frozen=True)
class Effective:
    """A project's limits: named resources and listed classes, and the rest."""

    values: dict[str, int]
    class_default: int

    def of(self, resource: str) -> int:
        """The limit on ``resource`` (a class not listed takes the default)."""
        return self.values.get(resource, self.class_default)


class LimitSource(Protocol):
    """Where limits come from (the database or Keystone).

    Read limits before the transaction that counts and writes: a source may
    make network calls, which must not happen while a write lock is held.
    """

    editable: bool

    def limits(self, database: db_session.Database, project_id: str) -> Effective:
        """The project's limits (the defaults with its own overrides)."""


class DatabaseLimits:
    """The ``[quota]`` options as defaults, overridden per project in the DB."""

    editable = True

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        """Read defaults from ``conf``'s ``[quota]`` group."""
        self.conf = conf

    def defaults(self) -> Effective:
        """The configured defaults: named resources, then listed classes."""
        quota = self.conf.quota
        values = {
            SERVERS: quota.servers_hard_limit,
            SERVER_GROUPS: quota.server_groups_hard_limit,
            SERVER_GROUP_MEMBERS: quota.server_group_members_hard_limit,
            METADATA_ITEMS: quota.metadata_items_hard_limit,
            KEYPAIRS: quota.keypairs_hard_limit,
            FLOATING_IPS: quota.floating_ips_hard_limit,
        }
        for name, value in quota.resource_class_hard_limits.items():
            values[resource_class(name.strip())] = int(value)
        return Effective(values=values, class_default=quota.resource_class_hard_limit)

    def limits(self, database: db_session.Database, project_id: str) -> Effective:
        """The defaults, then the project's rows."""
        defaults = self.defaults()
        with database.transaction(readonly=True) as session:
            own = quota_db.overrides(session, project_id)
        return dataclasses.replace(defaults, values={**defaults.values, **own})


@dataclasses.dataclass(frozen=True)
class Usage:
    """A project's servers in total and per resource class."""

    servers: int
    classes: dict[str, int]


def server_usage(session: orm.Session, project_id: str) -> Usage:
    """Count the project's servers, and what their flavors take per class."""
    by_flavor = quota_db.servers_by_flavor(session, project_id)
    resources = quota_db.flavor_resources(
        session, [f for f in by_flavor if f is not None]
    )
    classes: dict[str, int] = {}
    for flavor_uuid, count in by_flavor.items():
        for name, amount in resources.get(flavor_uuid or "", {}).items():
            key = resource_class(name)
            classes[key] = classes.get(key, 0) + amount * count
    return Usage(servers=sum(by_flavor.values()), classes=classes)


def prepare_locks(database: db_session.Database, *keys: tuple[str, str | None]) -> None:
    """Create the lock rows the next transaction will lock, in one of their own.

    ``keys`` are ``(resource, owner)`` pairs; a None owner is skipped. Call
    before (never inside) the transaction that counts and writes.
    """
    wanted = [(resource, owner) for resource, owner in keys if owner]
    if not wanted:
        return
    with database.transaction() as session:
        for resource, owner in wanted:
            quota_db.ensure_lock(session, resource, owner)


def _room(limit: int, used: int, per_item: int = 1) -> int | None:
    """How many more items fit under ``limit`` (None: unlimited)."""
    if limit < 0:
        return None
    return max(limit - used, 0) // max(per_item, 1)


def servers_that_fit(
    session: orm.Session,
    limits: Effective,
    project_id: str,
    *,
    flavor_resources: dict[str, int],
    min_count: int,
    max_count: int,
) -> int:
    """Lock the project's server quota and say how many new servers fit.

    Call inside the transaction that inserts the servers: the lock holds
    until it commits.

    Returns:
        ``max_count`` if it fits, else the most that fit if at least
        ``min_count``.

    Raises:
        OverQuota: fewer than ``min_count`` fit; names the resources short.
    """
    quota_db.lock(session, SERVERS, project_id)
    usage = server_usage(session, project_id)
    rooms = {SERVERS: _room(limits.of(SERVERS), usage.servers)}
    for name, amount in flavor_resources.items():
        rooms[name] = _room(limits.of(name), usage.classes.get(name, 0), amount)
    fit = min([max_count, *(r for r in rooms.values() if r is not None)])
    if fit >= min_count:
        return fit
    short = sorted(n for n, r in rooms.items() if r is not None and r < min_count)
    raise exception.OverQuota(resources=", ".join(short))


def check_server_group(
    session: orm.Session, limits: Effective, project_id: str
) -> None:
    """Lock the project's group quota; raise unless one more group fits.

    Raises:
        OverQuota: the project has as many groups as it may.
    """
    quota_db.lock(session, SERVER_GROUPS, project_id)
    if (
        _room(limits.of(SERVER_GROUPS), quota_db.server_groups(session, project_id))
        == 0
    ):
        raise exception.OverQuota(resources=SERVER_GROUPS)


def check_group_members(
    session: orm.Session,
    limits: Effective,
    *,
    group_id: int,
    group_uuid: str,
    adding: int,
) -> int:
    """Lock the group's member quota; raise unless ``adding`` more fit.

    Returns:
        How many members the group holds now.

    Raises:
        OverQuota: the group would hold more servers than it may.
    """
    quota_db.lock(session, SERVER_GROUP_MEMBERS, group_uuid)
    members = quota_db.group_members(session, group_id)
    room = _room(limits.of(SERVER_GROUP_MEMBERS), members)
    if room is not None and room < adding:
        raise exception.OverQuota(resources=SERVER_GROUP_MEMBERS)
    return members


def check_metadata(limits: Effective, items: int) -> None:
    """Raise if a server's ``items`` metadata items exceed the project's limit.

    Raises:
        OverQuota: too many metadata items.
    """
    limit = limits.of(METADATA_ITEMS)
    if limit >= 0 and items > limit:
        raise exception.OverQuota(resources=METADATA_ITEMS)


def check_keypair(session: orm.Session, limits: Effective, user_id: str) -> None:
    """Lock the user's keypair quota; raise unless one more keypair fits.

    Raises:
        OverQuota: the user holds as many keypairs as they may.
    """
    quota_db.lock(session, KEYPAIRS, user_id)
    if _room(limits.of(KEYPAIRS), keypair_db.count(session, user_id)) == 0:
        raise exception.OverQuota(resources=KEYPAIRS)


def check_floating_ip(session: orm.Session, limits: Effective, project_id: str) -> None:
    """Lock the project's floating IP quota; raise unless one more fits.

    Raises:
        OverQuota: the project holds as many floating IPs as it may.
    """
    quota_db.lock(session, FLOATING_IPS, project_id)
    if _room(limits.of(FLOATING_IPS), fip_db.count(session, project_id)) == 0:
        raise exception.OverQuota(resources=FLOATING_IPS)


# ---------------------------------------------------------------- API


@dataclasses.dataclass(frozen=True)
class Limit:
    """One limit and, for project-wide resources, its usage."""

    limit: int
    in_use: int | None


def project_limits(
    ctx: mogan_context.RequestContext, limits: LimitSource, project_id: str
) -> dict[str, Limit]:
    """Every limit of the project with what it uses (keypairs: the caller's)."""
    effective = limits.limits(ctx.database, project_id)
    with ctx.database.transaction(readonly=True) as session:
        usage = server_usage(session, project_id)
        groups = quota_db.server_groups(session, project_id)
        keypairs = keypair_db.count(session, ctx.user_id or "")
        floating_ips = fip_db.count(session, project_id)
    used: dict[str, int | None] = {
        SERVERS: usage.servers,
        SERVER_GROUPS: groups,
        KEYPAIRS: keypairs,
        FLOATING_IPS: floating_ips,
        **usage.classes,
    }
    values = {**{c: effective.of(c) for c in usage.classes}, **effective.values}
    return {
        name: Limit(limit=value, in_use=used.get(name))
        for name, value in sorted(values.items(), key=_order)
    }


def _order(item: tuple[str, int]) -> tuple[int, str]:
    name = item[0]
    return (NAMED.index(name) if name in NAMED else len(NAMED), name)


def get(
    ctx: mogan_context.RequestContext, limits: LimitSource, project_id: str
) -> dict[str, int]:
    """The project's effective limits (defaults with its overrides)."""
    effective = limits.limits(ctx.database, project_id)
    return dict(sorted(effective.values.items(), key=_order))


def update(
    ctx: mogan_context.RequestContext,
    limits: LimitSource,
    project_id: str,
    values: dict[str, int],
) -> dict[str, int]:
    """Set some of the project's limits; returns the effective ones.

    Raises:
        QuotaNotEditable: limits come from Keystone.
        InvalidParameter: an unknown resource name.
    """
    if not limits.editable:
        raise exception.QuotaNotEditable
    changes = {canonical(name): value for name, value in values.items()}
    with ctx.database.transaction() as session:
        # NOTE: a class must be one some flavor or node has, so a typo
        # ("sever") is refused instead of quietly limiting nothing.
        known = {resource_class(c) for c in quota_db.known_classes(session)}
        for name in values:
            if canonical(name) not in NAMED and canonical(name) not in known:
                raise exception.InvalidParameter(
                    field=f"quota.{name}",
                    reason=(
                        f"unknown resource; use one of {', '.join(NAMED)} or "
                        "the resource class of a flavor or node"
                    ),
                )
        quota_db.set_overrides(session, project_id, changes)
    return get(ctx, limits, project_id)


def delete(
    ctx: mogan_context.RequestContext, limits: LimitSource, project_id: str
) -> None:
    """Drop the project's own limits: the defaults apply again.

    Raises:
        QuotaNotEditable: limits come from Keystone.
    """
    if not limits.editable:
        raise exception.QuotaNotEditable
    with ctx.database.transaction() as session:
        quota_db.delete_overrides(session, project_id)
