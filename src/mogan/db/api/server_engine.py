"""Server, node, NIC, fault and engine-row updates the engine's workflows make.

Every state change is a conditional UPDATE (``WHERE status = <expected>`` or
``WHERE reservation ...``) so two engines, or an engine and the API, never
overwrite each other's decision: the loser sees no row updated.

Node locks follow Ironic's reservation scheme: ``nodes.reservation`` holds
the engine host working on the node for the length of one operation, and
``nodes.server_uuid`` the server deployed on it. A reservation held by an
engine that stopped heart-beating is stale and may be taken over.
"""

import datetime
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan import states
from mogan.db import models

FAULT_MESSAGE_LENGTH = 255


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _rowcount(result: sa.Result[Any]) -> int:
    # NOTE: UPDATE results are CursorResults; the Result type hides rowcount.
    count: int = getattr(result, "rowcount", 0)
    return count


# ---------------------------------------------------------------- servers


def get_server(session: orm.Session, uuid: str) -> models.Server | None:
    """The server, or None when it is gone."""
    stmt = sa.select(models.Server).where(models.Server.uuid == uuid)
    return session.scalars(stmt).one_or_none()


def get_servers(session: orm.Session, uuids: list[str]) -> list[models.Server]:
    """The servers that still exist among ``uuids``, in that order."""
    stmt = sa.select(models.Server).where(models.Server.uuid.in_(uuids))
    found = {server.uuid: server for server in session.scalars(stmt)}
    return [found[uuid] for uuid in uuids if uuid in found]


def update_server(
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


def delete_server(session: orm.Session, uuid: str) -> None:
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


def add_fault(
    session: orm.Session,
    server_uuid: str,
    code: int,
    message: str,
    detail: str | None = None,
) -> None:
    """Record why an operation on the server failed (message cut to 255)."""
    session.add(
        models.ServerFault(
            server_uuid=server_uuid,
            code=code,
            message=message[:FAULT_MESSAGE_LENGTH],
            detail=detail,
        )
    )
    session.flush()


def give_up(session: orm.Session, server_uuid: str, error: dict[str, Any]) -> bool:
    """A server whose workflow was abandoned: fault, and error if mid-action.

    Returns:
        Whether the server was moved to ``error`` (it was in the middle of
        an action: building, powering, rebuilding or deleting).
    """
    server = get_server(session, server_uuid)
    if server is None:
        return False
    add_fault(
        session,
        server_uuid,
        int(error.get("code", 500)),
        str(error.get("message", "unknown error")),
        error.get("detail"),
    )
    if server.status not in states.UNSTABLE:
        return False
    return update_server(
        session, server_uuid, {"status": states.ERROR}, expect_status=server.status
    )


def latest_fault(session: orm.Session, server_uuid: str) -> models.ServerFault | None:
    """The server's most recent fault."""
    stmt = (
        sa.select(models.ServerFault)
        .where(models.ServerFault.server_uuid == server_uuid)
        .order_by(models.ServerFault.created_at.desc(), models.ServerFault.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def replace_nics(
    session: orm.Session, server_uuid: str, nics: list[dict[str, Any]]
) -> None:
    """Make the server's NIC rows exactly ``nics`` (port_id, network_id ...)."""
    delete_nics(session, server_uuid)
    for nic in nics:
        session.add(models.ServerNic(server_uuid=server_uuid, **nic))
    session.flush()


def delete_nics(session: orm.Session, server_uuid: str) -> None:
    """Forget every NIC of the server."""
    session.execute(
        sa.delete(models.ServerNic).where(models.ServerNic.server_uuid == server_uuid)
    )


def nics(session: orm.Session, server_uuid: str) -> list[models.ServerNic]:
    """The server's NICs, by port id."""
    stmt = (
        sa.select(models.ServerNic)
        .where(models.ServerNic.server_uuid == server_uuid)
        .order_by(models.ServerNic.port_id)
    )
    return list(session.scalars(stmt))


def public_key(session: orm.Session, user_id: str, key_name: str) -> str | None:
    """The public key of the user's keypair ``key_name``, or None."""
    stmt = sa.select(models.KeyPair.public_key).where(
        models.KeyPair.user_id == user_id, models.KeyPair.name == key_name
    )
    return session.scalars(stmt).first()


def get_flavor(session: orm.Session, uuid: str) -> models.Flavor | None:
    """The flavor (disabled or private alike), or None."""
    stmt = sa.select(models.Flavor).where(models.Flavor.uuid == uuid)
    return session.scalars(stmt).one_or_none()


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


# ---------------------------------------------------------------- nodes


class LockResult(enum.Enum):
    """The outcome of trying to lock a node."""

    LOCKED = "locked"
    BUSY = "busy"  # another live engine holds the reservation: retry later
    TAKEN = "taken"  # the node belongs to another server
    MISSING = "missing"  # Mogan does not know the node


def get_node(session: orm.Session, uuid: str) -> models.Node | None:
    """The node, or None."""
    stmt = sa.select(models.Node).where(models.Node.uuid == uuid)
    return session.scalars(stmt).one_or_none()


def _reservation_free(host: str, stale_before: datetime.datetime) -> Any:
    live = sa.select(models.Engine.host).where(
        models.Engine.last_seen_at >= stale_before
    )
    return sa.or_(
        models.Node.reservation.is_(None),
        models.Node.reservation == host,
        models.Node.reservation.not_in(live),
    )


def lock_node(
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
    node = get_node(session, node_uuid)
    if node is None:
        return LockResult.MISSING
    if node.server_uuid not in {None, server_uuid}:
        return LockResult.TAKEN
    return LockResult.BUSY


def unlock_node(
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


def set_node_maintenance(session: orm.Session, node_uuid: str, reason: str) -> None:
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


# ---------------------------------------------------------------- engines


def heartbeat(session: orm.Session, host: str, starting: bool = False) -> None:
    """Register ``host`` as a live engine (``starting`` resets ``started_at``)."""
    now = _now()
    engine = session.get(models.Engine, host)
    if engine is None:
        session.add(models.Engine(host=host, started_at=now, last_seen_at=now))
    else:
        engine.last_seen_at = now
        if starting:
            engine.started_at = now
    session.flush()


def forget_engine(session: orm.Session, host: str) -> None:
    """Remove ``host`` from the live engines (a clean stop)."""
    session.execute(sa.delete(models.Engine).where(models.Engine.host == host))
