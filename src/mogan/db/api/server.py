"""Server queries for the API: lookups, filtered and paged lists, creation.

The engine's updates (status transitions, faults, node bindings) live in
``server_engine``; this module never changes a server's status on its own.
Adoption (``take_node``) and the API's check for a live engine before a
synchronous engine call (``live_engines``) are here too.
"""

import datetime
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import pagination


def get(
    session: orm.Session, server_uuid: str, *, for_update: bool = False
) -> models.Server:
    """The server with ``server_uuid``, NICs and faults loaded.

    Raises:
        ServerNotFound: no such server.
    """
    stmt = (
        sa.select(models.Server)
        .where(models.Server.uuid == server_uuid)
        .options(
            orm.selectinload(models.Server.nics), orm.selectinload(models.Server.faults)
        )
    )
    if for_update:
        stmt = stmt.with_for_update()
    server = session.scalars(stmt).one_or_none()
    if server is None:
        raise exception.ServerNotFound(server=server_uuid)
    return server


def get_all(
    session: orm.Session,
    *,
    project_id: str | None,
    filters: dict[str, Any],
    sort_key: str,
    sort_dir: str,
    limit: int | None,
    marker: models.Server | None,
) -> Sequence[models.Server]:
    """Servers matching ``filters`` (exact, except ``name``: prefix), one page.

    Args:
        session: an open session.
        project_id: restrict to one project; None lists every project.
        filters: column -> value; ``name`` matches as a prefix.
        sort_key: a whitelisted column.
        sort_dir: ``asc`` or ``desc``.
        limit: page size.
        marker: last server of the previous page.
    """
    stmt = sa.select(models.Server).options(
        orm.selectinload(models.Server.nics), orm.selectinload(models.Server.faults)
    )
    if project_id is not None:
        stmt = stmt.where(models.Server.project_id == project_id)
    for key, value in filters.items():
        column = getattr(models.Server, key)
        if key == "name":
            escaped = (
                value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            )
            stmt = stmt.where(column.like(f"{escaped}%", escape="\\"))
        else:
            stmt = stmt.where(column == value)
    stmt = pagination.paginate(
        stmt,
        models.Server,
        sort_key=sort_key,
        sort_dir=sort_dir,
        limit=limit,
        marker=marker,
    )
    return session.scalars(stmt).all()


def create(session: orm.Session, values: dict[str, Any]) -> models.Server:
    """Insert a server row (the caller adds its workflow in the same transaction)."""
    server = models.Server(nics=[], faults=[], **values)
    session.add(server)
    session.flush()
    return server


def take_node(session: orm.Session, node_uuid: str, server_uuid: str) -> bool:
    """Make a free node the server's (an adoption); False when it is not free.

    A conditional UPDATE, so two adoptions of one node cannot both win.
    """
    result = session.execute(
        sa.update(models.Node)
        .where(models.Node.uuid == node_uuid, models.Node.server_uuid.is_(None))
        .values(server_uuid=server_uuid)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def live_engines(session: orm.Session, seen_since: datetime.datetime) -> list[str]:
    """Hosts of the engines that heart-beat at or after ``seen_since``."""
    stmt = (
        sa.select(models.Engine.host)
        .where(models.Engine.last_seen_at >= seen_since)
        .order_by(models.Engine.host)
    )
    return list(session.scalars(stmt))
