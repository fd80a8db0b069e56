"""Node locks: who works on a node, and whose server it carries.

Node locks follow Ironic's reservation scheme: ``nodes.reservation`` holds
the engine host working on the node for the length of one operation, and
``nodes.server_uuid`` the server deployed on it. A reservation held by an
engine that stopped heart-beating is stale and may be taken over. Every
change is a conditional UPDATE, so two engines never both win a node.
"""

import datetime
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan.db import models
from mogan.db.api import node as node_db


def _rowcount(result: sa.Result[Any]) -> int:
    # NOTE: UPDATE results are CursorResults; the Result type hides rowcount.
    count: int = getattr(result, "rowcount", 0)
    return count


class LockResult(enum.Enum):
    """The outcome of trying to lock a node."""

    LOCKED = "locked"
    BUSY = "busy"  # another live engine holds the reservation: retry later
    TAKEN = "taken"  # the node belongs to another server
    MISSING = "missing"  # Mogan does not know the node


def _reservation_free(host: str, stale_before: datetime.datetime) -> Any:
    live = sa.select(models.Engine.host).where(
        models.Engine.last_seen_at >= stale_before
    )
    return sa.or_(
        models.Node.reservation.is_(None),
        models.Node.reservation == host,
        models.Node.reservation.not_in(live),
    )


def lock(
    session: orm.Session,
    *,
    node_uuid: str,
    host: str,
    stale_before: datetime.datetime,
    server_uuid: str,
    assign: bool,
) -> LockResult:
    """Reserve the node for ``host`` working on ``server_uuid``.

    Args:
        session: the caller's session.
        node_uuid: the node.
        host: this engine.
        stale_before: reservations of engines not seen since then are stale.
        server_uuid: the server the work is for.
        assign: also make the node the server's (a build); otherwise the
            node must already be the server's.
    """
    owner_ok = models.Node.server_uuid == server_uuid
    if assign:
        owner_ok = sa.or_(models.Node.server_uuid.is_(None), owner_ok)
    values: dict[str, Any] = {"reservation": host}
    if assign:
        values["server_uuid"] = server_uuid
    stmt = (
        sa.update(models.Node)
        .where(
            models.Node.uuid == node_uuid,
            owner_ok,
            _reservation_free(host, stale_before),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(session.execute(stmt)) == 1:
        return LockResult.LOCKED
    node = node_db.find(session, node_uuid)
    if node is None:
        return LockResult.MISSING
    if node.server_uuid not in {None, server_uuid}:
        return LockResult.TAKEN
    return LockResult.BUSY


def unlock(
    session: orm.Session,
    node_uuid: str,
    host: str,
    stale_before: datetime.datetime,
    free_from: str | None = None,
) -> None:
    """Drop the reservation; with ``free_from``, detach that server too.

    The reservation goes when ``host`` holds it, or a dead engine does (a
    workflow resumed by another engine releases its dead holder's lock).
    """
    session.execute(
        sa.update(models.Node)
        .where(models.Node.uuid == node_uuid, _reservation_free(host, stale_before))
        .values(reservation=None)
        .execution_options(synchronize_session=False)
    )
    if free_from is not None:
        session.execute(
            sa.update(models.Node)
            .where(models.Node.uuid == node_uuid, models.Node.server_uuid == free_from)
            .values(server_uuid=None)
            .execution_options(synchronize_session=False)
        )


def set_maintenance(session: orm.Session, node_uuid: str, reason: str) -> None:
    """Mark the node in maintenance (not consumable) with ``reason``."""
    session.execute(
        sa.update(models.Node)
        .where(models.Node.uuid == node_uuid)
        .values(maintenance=True, consumable=False, why_not=reason[:255])
        .execution_options(synchronize_session=False)
    )


def clear_reservations(session: orm.Session, host: str) -> int:
    """Drop every node reservation ``host`` holds (an engine restarting)."""
    result = session.execute(
        sa.update(models.Node)
        .where(models.Node.reservation == host)
        .values(reservation=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)
