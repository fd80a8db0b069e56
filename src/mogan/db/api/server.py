"""Server rows: lookups, filtered and paged lists, creation, updates, removal.

Updates are conditional (``update`` with ``expect_status``) so two engines,
or an engine and the API, never overwrite each other's decision: the loser
sees no row updated. Which status a server moves to is the services' call
(``services.server_state``); NICs, faults and node locks have their own
modules (``server_nic``, ``server_fault``, ``node_lock``).
"""

import datetime
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import pagination


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _rowcount(result: sa.Result[Any]) -> int:
    # NOTE: UPDATE results are CursorResults; the Result type hides rowcount.
    count: int = getattr(result, "rowcount", 0)
    return count


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


def find(session: orm.Session, uuid: str) -> models.Server | None:
    """The server, or None when it is gone."""
    stmt = sa.select(models.Server).where(models.Server.uuid == uuid)
    return session.scalars(stmt).one_or_none()


def find_all(session: orm.Session, uuids: list[str]) -> list[models.Server]:
    """The servers that still exist among ``uuids``, in that order."""
    stmt = sa.select(models.Server).where(models.Server.uuid.in_(uuids))
    found = {server.uuid: server for server in session.scalars(stmt)}
    return [found[uuid] for uuid in uuids if uuid in found]


def update(
    session: orm.Session,
    uuid: str,
    values: dict[str, Any],
    expect_status: str | None = None,
) -> bool:
    """Set ``values`` on the server, only while its status is ``expect_status``.

    Returns:
        Whether the server was updated.
    """
    stmt = sa.update(models.Server).where(models.Server.uuid == uuid)
    if expect_status is not None:
        stmt = stmt.where(models.Server.status == expect_status)
    stmt = stmt.values(**values, updated_at=_now()).execution_options(
        synchronize_session=False
    )
    return _rowcount(session.execute(stmt)) == 1


def delete(session: orm.Session, uuid: str) -> None:
    """Delete the server row; its NICs, faults and group membership go with it."""
    session.execute(
        sa.delete(models.ServerNic).where(models.ServerNic.server_uuid == uuid)
    )
    session.execute(
        sa.delete(models.ServerGroupMember).where(
            models.ServerGroupMember.server_uuid == uuid
        )
    )
    session.execute(
        sa.delete(models.ServerFault).where(models.ServerFault.server_uuid == uuid)
    )
    session.execute(sa.delete(models.Server).where(models.Server.uuid == uuid))


def uuid_on_node(session: orm.Session, node_uuid: str) -> str | None:
    """The uuid of a server pointing at the node (adopted, building ...), if any."""
    stmt = sa.select(models.Server.uuid).where(models.Server.node_uuid == node_uuid)
    return session.scalars(stmt).first()


def group_of(session: orm.Session, server_uuid: str) -> str | None:
    """The uuid of the server group the server is a member of, if any."""
    return session.scalars(
        sa.select(models.ServerGroup.uuid)
        .join(
            models.ServerGroupMember,
            models.ServerGroupMember.group_id == models.ServerGroup.id,
        )
        .where(models.ServerGroupMember.server_uuid == server_uuid)
    ).first()


def power_sync_candidates(
    session: orm.Session, statuses: tuple[str, ...]
) -> list[tuple[str, str, str, str | None]]:
    """``(uuid, node uuid, status, power state)`` of placed servers in ``statuses``."""
    stmt = sa.select(
        models.Server.uuid,
        models.Server.node_uuid,
        models.Server.status,
        models.Server.power_state,
    ).where(models.Server.status.in_(statuses), models.Server.node_uuid.is_not(None))
    return [
        (uuid, str(node), status, power)
        for uuid, node, status, power in session.execute(stmt)
    ]
