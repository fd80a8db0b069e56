"""Server group queries: lookups scoped to a project, members, their domains."""

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan import exception
from mogan.db import models


def get(
    session: orm.Session, group_uuid: str, *, project_id: str | None = None
) -> models.ServerGroup:
    """The group with ``group_uuid``, members loaded.

    Args:
        session: an open session.
        group_uuid: the group's id.
        project_id: when given, a group of another project is not found.

    Raises:
        ServerGroupNotFound: no such group, or another project's.
    """
    stmt = (
        sa.select(models.ServerGroup)
        .where(models.ServerGroup.uuid == group_uuid)
        .options(orm.selectinload(models.ServerGroup.members))
    )
    if project_id is not None:
        stmt = stmt.where(models.ServerGroup.project_id == project_id)
    group = session.scalars(stmt).one_or_none()
    if group is None:
        raise exception.ServerGroupNotFound(group=group_uuid)
    return group


def get_all(
    session: orm.Session, *, project_id: str | None
) -> Sequence[models.ServerGroup]:
    """Groups of one project (every project when None), oldest first."""
    stmt = (
        sa.select(models.ServerGroup)
        .order_by(models.ServerGroup.id)
        .options(orm.selectinload(models.ServerGroup.members))
    )
    if project_id is not None:
        stmt = stmt.where(models.ServerGroup.project_id == project_id)
    return session.scalars(stmt).all()


def create(session: orm.Session, values: dict[str, Any]) -> models.ServerGroup:
    """Insert a group (with no members)."""
    group = models.ServerGroup(members=[], **values)
    session.add(group)
    session.flush()
    return group


def destroy(session: orm.Session, group: models.ServerGroup) -> None:
    """Delete the group and its membership rows (never the servers)."""
    session.delete(group)
    session.flush()


def add_members(
    session: orm.Session, group: models.ServerGroup, server_uuids: Collection[str]
) -> None:
    """Make new servers members of the group."""
    session.add_all(
        models.ServerGroupMember(group_id=group.id, server_uuid=server_uuid)
        for server_uuid in server_uuids
    )
    session.flush()


def member_domains(
    session: orm.Session, group: models.ServerGroup, scope: str
) -> dict[str, str | None]:
    """Each member's failure domain at ``scope`` (None until it is placed).

    Members whose server row is gone have None.
    """
    uuids = [m.server_uuid for m in group.members]
    if not uuids:
        return {}
    stmt = sa.select(models.Server.uuid, models.Server.failure_domains).where(
        models.Server.uuid.in_(uuids)
    )
    domains = {
        server_uuid: (failure_domains or {}).get(scope)
        for server_uuid, failure_domains in session.execute(stmt)
    }
    return {server_uuid: domains.get(server_uuid) for server_uuid in uuids}
