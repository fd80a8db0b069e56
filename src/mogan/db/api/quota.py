"""Quota rows: the per-owner lock, per-project overrides, and usage counts.

Checks lock ``(resource, owner)`` first, then count and insert in the same
transaction, so concurrent requests of one owner queue instead of both
seeing room for one more. Usage is always counted from the rows themselves
(servers, groups, members, keypairs): there is no usage table to drift.
"""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan.db import models


def ensure_lock(session: orm.Session, resource: str, owner: str) -> None:
    """Make sure ``(resource, owner)``'s lock row exists.

    Call in a short transaction of its own before the one that locks: on
    MariaDB, inserting the row inside the locking transaction while another
    transaction inserts it too can deadlock (both wait on the same unique
    key, then one asks for the row lock).
    """
    key = {"resource": resource, "owner": owner}
    if session.scalar(sa.select(models.QuotaLock).filter_by(**key)) is not None:
        return
    try:
        with session.begin_nested():
            session.add(models.QuotaLock(**key))
    except sa_exc.IntegrityError:
        # NOTE: another transaction created it first: it exists, as wanted.
        pass


def lock(session: orm.Session, resource: str, owner: str) -> None:
    """Hold ``(resource, owner)``'s lock until the transaction ends.

    Concurrent transactions locking the same pair wait here, so a count
    taken after this call stays true until commit. The row should exist
    already (``ensure_lock``); it is created here if not.
    """
    key = {"resource": resource, "owner": owner}
    row = session.execute(
        sa.select(models.QuotaLock).filter_by(**key).with_for_update()
    ).one_or_none()
    if row is None:
        ensure_lock(session, resource, owner)
        session.execute(
            sa.select(models.QuotaLock).filter_by(**key).with_for_update()
        ).one()


def overrides(session: orm.Session, project_id: str) -> dict[str, int]:
    """The project's own limits, by resource."""
    stmt = sa.select(models.Quota.resource, models.Quota.hard_limit).where(
        models.Quota.project_id == project_id
    )
    return {str(resource): int(limit) for resource, limit in session.execute(stmt)}


def set_overrides(
    session: orm.Session, project_id: str, limits: dict[str, int]
) -> None:
    """Create or change the project's limits for the resources in ``limits``."""
    rows = {
        row.resource: row
        for row in session.scalars(
            sa.select(models.Quota)
            .where(
                models.Quota.project_id == project_id,
                models.Quota.resource.in_(list(limits)),
            )
            .with_for_update()
        )
    }
    for resource, limit in limits.items():
        if resource in rows:
            rows[resource].hard_limit = limit
        else:
            session.add(
                models.Quota(project_id=project_id, resource=resource, hard_limit=limit)
            )
    session.flush()


def delete_overrides(session: orm.Session, project_id: str) -> int:
    """Drop every limit of the project (it falls back to the defaults)."""
    result = session.execute(
        sa.delete(models.Quota).where(models.Quota.project_id == project_id)
    )
    return int(getattr(result, "rowcount", 0))


def servers_by_flavor(session: orm.Session, project_id: str) -> dict[str | None, int]:
    """How many servers the project has, per flavor uuid."""
    stmt = (
        sa.select(models.Server.flavor_uuid, sa.func.count())
        .where(models.Server.project_id == project_id)
        .group_by(models.Server.flavor_uuid)
    )
    return {flavor: int(count) for flavor, count in session.execute(stmt)}


def flavor_resources(
    session: orm.Session, flavor_uuids: Iterable[str]
) -> dict[str, dict[str, int]]:
    """The ``resources`` of each flavor (resource class -> amount)."""
    stmt = sa.select(models.Flavor.uuid, models.Flavor.resources).where(
        models.Flavor.uuid.in_(list(flavor_uuids))
    )
    return {
        uuid: {str(k): int(v) for k, v in (resources or {}).items()}
        for uuid, resources in session.execute(stmt)
    }


def server_groups(session: orm.Session, project_id: str) -> int:
    """How many server groups the project has."""
    stmt = sa.select(sa.func.count()).where(models.ServerGroup.project_id == project_id)
    return int(session.scalar(stmt) or 0)


def group_members(session: orm.Session, group_id: int) -> int:
    """How many servers the group holds."""
    stmt = sa.select(sa.func.count()).where(
        models.ServerGroupMember.group_id == group_id
    )
    return int(session.scalar(stmt) or 0)


def known_classes(session: orm.Session) -> set[str]:
    """Resource classes named by any flavor, as stored, or held by any node."""
    classes = {
        str(name)
        for resources in session.scalars(sa.select(models.Flavor.resources))
        for name in (resources or {})
    }
    classes.update(
        str(rc)
        for rc in session.scalars(sa.select(models.Node.placement_rc).distinct())
        if rc
    )
    return classes
