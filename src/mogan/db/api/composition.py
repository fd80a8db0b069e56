"""Composition service and resource block queries.

Rows are the engine's (``mogan.engine.composition_sync`` owns the
transactions); a service's password arrives here sealed. Blocks are the
sync's indexed view of each service: one row per ``(service, block id)``;
the compose steps also write what they composed and decomposed
(``mark_composed``, ``mark_decomposed``) so freed blocks need no sync.
"""

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import pagination

CompositionService = models.CompositionService
ResourceBlock = models.ResourceBlock
ComposedSystem = models.ComposedSystem
# NOTE: the Redfish ``CompositionState`` values the engine writes itself.
UNUSED = "Unused"
COMPOSED = "Composed"


def _rowcount(result: sa.Result[Any]) -> int:
    # NOTE: UPDATE results are CursorResults; the Result type hides rowcount.
    count: int = getattr(result, "rowcount", 0)
    return count


# ---------------------------------------------------------------- services


def find(session: orm.Session, service_uuid: str) -> CompositionService | None:
    """The service with ``service_uuid``, or None."""
    stmt = sa.select(CompositionService).where(CompositionService.uuid == service_uuid)
    return session.scalars(stmt).one_or_none()


def live(
    session: orm.Session, service_uuid: str, lock: bool = False
) -> CompositionService | None:
    """The service if it exists and is not being removed, or None.

    With ``lock`` the row is held until the transaction ends, so a
    removal's tombstone (``set_removing``) waits for what this one writes.
    """
    stmt = sa.select(CompositionService).where(
        CompositionService.uuid == service_uuid,
        CompositionService.removing_at.is_(None),
    )
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def set_removing(session: orm.Session, service_uuid: str, removing: bool) -> bool:
    """Set (or clear) the service's removal tombstone; False when it is gone."""
    return update(
        session,
        service_uuid,
        {"removing_at": models.utcnow() if removing else None},
    )


def get_all(session: orm.Session) -> list[CompositionService]:
    """Every service, by name."""
    stmt = sa.select(CompositionService).order_by(CompositionService.name)
    return list(session.scalars(stmt))


def least_recently_synced(session: orm.Session, limit: int) -> list[str]:
    """Uuids of at most ``limit`` live services, never-synced first, then oldest."""
    stmt = (
        sa.select(CompositionService.uuid)
        .where(CompositionService.removing_at.is_(None))
        .order_by(
            sa.case((CompositionService.synced_at.is_(None), 0), else_=1),
            CompositionService.synced_at,
            CompositionService.id,
        )
        .limit(limit)
    )
    return list(session.scalars(stmt))


def name_taken(session: orm.Session, name: str, other_than: str | None = None) -> bool:
    """Whether another service is named ``name``."""
    stmt = sa.select(CompositionService.id).where(CompositionService.name == name)
    if other_than is not None:
        stmt = stmt.where(CompositionService.uuid != other_than)
    return session.scalar(stmt) is not None


def create(session: orm.Session, values: dict[str, Any]) -> None:
    """Insert a service.

    Raises:
        IntegrityError: another service has the name or uuid.
    """
    with session.begin_nested():
        session.add(CompositionService(**values))


def update(session: orm.Session, service_uuid: str, values: dict[str, Any]) -> bool:
    """Change a service's columns; False when it is gone."""
    stmt = (
        sa.update(CompositionService)
        .where(CompositionService.uuid == service_uuid)
        .values(**values, updated_at=models.utcnow())
    )
    return _rowcount(session.execute(stmt)) == 1


def destroy(session: orm.Session, service_uuid: str) -> bool:
    """Delete the service and its blocks; whether it was there."""
    session.execute(
        sa.delete(ResourceBlock).where(ResourceBlock.service_uuid == service_uuid)
    )
    stmt = sa.delete(CompositionService).where(CompositionService.uuid == service_uuid)
    return _rowcount(session.execute(stmt)) == 1


def sealed_passwords(session: orm.Session) -> list[tuple[str, str]]:
    """``(uuid, sealed password)`` of every service that has a password."""
    stmt = sa.select(CompositionService.uuid, CompositionService.password).where(
        CompositionService.password.is_not(None)
    )
    return [(u, p) for u, p in session.execute(stmt) if p is not None]


def set_sealed_password(
    session: orm.Session, service_uuid: str, sealed: str, expect: str
) -> bool:
    """Replace the sealed password if it is still ``expect`` (a reseal)."""
    stmt = (
        sa.update(CompositionService)
        .where(
            CompositionService.uuid == service_uuid,
            CompositionService.password == expect,
        )
        .values(password=sealed)
    )
    return _rowcount(session.execute(stmt)) == 1


# ---------------------------------------------------------------- blocks


def blocks_of(session: orm.Session, service_uuid: str) -> list[ResourceBlock]:
    """The service's blocks, by zone and id."""
    stmt = (
        sa.select(ResourceBlock)
        .where(ResourceBlock.service_uuid == service_uuid)
        .order_by(ResourceBlock.zone, ResourceBlock.block_id)
    )
    return list(session.scalars(stmt))


def find_block(
    session: orm.Session, service_uuid: str, block_id: str
) -> ResourceBlock | None:
    """The service's block ``block_id`` in the view, or None."""
    stmt = sa.select(ResourceBlock).where(
        ResourceBlock.service_uuid == service_uuid,
        ResourceBlock.block_id == block_id,
    )
    return session.scalars(stmt).one_or_none()


def put_block(session: orm.Session, service_uuid: str, values: dict[str, Any]) -> None:
    """Insert or replace the block ``values["block_id"]`` of the service."""
    row = find_block(session, service_uuid, values["block_id"])
    if row is None:
        session.add(ResourceBlock(service_uuid=service_uuid, **values))
        return
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = models.utcnow()


def held_by_mogan(session: orm.Session, service_uuid: str) -> tuple[set[str], set[str]]:
    """The service's blocks a Mogan claim holds, and the systems Mogan composed.

    Returns:
        ``(block ids with a consumer, system paths of composed servers)``.
    """
    claimed = session.scalars(
        sa.select(ResourceBlock.block_id).where(
            ResourceBlock.service_uuid == service_uuid,
            ResourceBlock.consumer_uuid.is_not(None),
        )
    )
    systems = session.scalars(
        sa.select(ComposedSystem.system).where(
            ComposedSystem.service_uuid == service_uuid,
            ComposedSystem.system.is_not(None),
        )
    )
    return set(claimed), {s.rstrip("/") for s in systems if s}


def claimed_blocks(session: orm.Session, service_uuid: str) -> list[tuple[str, str]]:
    """``(provider uuid, consumer)`` of the service's blocks the view says are held."""
    stmt = sa.select(ResourceBlock.provider_uuid, ResourceBlock.consumer_uuid).where(
        ResourceBlock.service_uuid == service_uuid,
        ResourceBlock.consumer_uuid.is_not(None),
    )
    return [(str(p), str(c)) for p, c in session.execute(stmt)]


def set_consumer(
    session: orm.Session, provider_uuid: str, expect: str, consumer: str | None
) -> bool:
    """Change a block's consumer if it is still ``expect``; whether it was."""
    stmt = (
        sa.update(ResourceBlock)
        .where(
            ResourceBlock.provider_uuid == provider_uuid,
            ResourceBlock.consumer_uuid == expect,
        )
        .values(consumer_uuid=consumer, updated_at=models.utcnow())
    )
    return _rowcount(session.execute(stmt)) == 1


def remove_block(session: orm.Session, service_uuid: str, block_id: str) -> bool:
    """Forget one block; whether it was there."""
    stmt = sa.delete(ResourceBlock).where(
        ResourceBlock.service_uuid == service_uuid, ResourceBlock.block_id == block_id
    )
    return _rowcount(session.execute(stmt)) == 1


def reserve_block(session: orm.Session, service_uuid: str, block_id: str) -> bool:
    """Mark a block reserved in the view (a compose found it taken); whether found.

    The next sync writes the service's own view of the block again.
    """
    stmt = (
        sa.update(ResourceBlock)
        .where(
            ResourceBlock.service_uuid == service_uuid,
            ResourceBlock.block_id == block_id,
        )
        .values(reserved=True, updated_at=models.utcnow())
    )
    return _rowcount(session.execute(stmt)) == 1


def mark_composed(
    session: orm.Session, service_uuid: str, block_ids: Collection[str], system: str
) -> int:
    """Record in the view that the blocks are composed into ``system``; how many.

    What the engine saw when its composition finished; the next sync writes
    the service's own view again.
    """
    if not block_ids:
        return 0
    stmt = (
        sa.update(ResourceBlock)
        .where(
            ResourceBlock.service_uuid == service_uuid,
            ResourceBlock.block_id.in_(list(block_ids)),
        )
        .values(composition_state=COMPOSED, system=system, updated_at=models.utcnow())
    )
    return _rowcount(session.execute(stmt))


def mark_decomposed(
    session: orm.Session, service_uuid: str, block_ids: Collection[str], system: str
) -> int:
    """Record that the blocks left ``system`` (decomposed): Unused, in none; how many.

    Only rows the view still has in that system change: a block a newer
    sync shows elsewhere keeps what the sync wrote.
    """
    if not block_ids:
        return 0
    path = system.rstrip("/")
    stmt = (
        sa.update(ResourceBlock)
        .where(
            ResourceBlock.service_uuid == service_uuid,
            ResourceBlock.block_id.in_(list(block_ids)),
            ResourceBlock.system.in_([path, f"{path}/"]),
        )
        .values(composition_state=UNUSED, system=None, updated_at=models.utcnow())
    )
    return _rowcount(session.execute(stmt))


def counts(session: orm.Session) -> dict[str, tuple[int, int]]:
    """``{service uuid: (zones, blocks)}`` for every service with blocks."""
    stmt = sa.select(
        ResourceBlock.service_uuid,
        sa.func.count(sa.distinct(ResourceBlock.zone)),
        sa.func.count(),
    ).group_by(ResourceBlock.service_uuid)
    return {u: (int(z), int(b)) for u, z, b in session.execute(stmt)}


def page(
    session: orm.Session, limit: int | None, marker: str | None
) -> list[CompositionService]:
    """A page of services by name, after the one whose uuid is ``marker``.

    Raises:
        CompositionServiceNotFound: no service has the marker's uuid.
    """
    after = None
    if marker is not None:
        after = find(session, marker)
        if after is None:
            raise exception.CompositionServiceNotFound(service=marker)
    stmt = pagination.paginate(
        sa.select(CompositionService),
        CompositionService,
        sort_key="name",
        sort_dir="asc",
        limit=limit,
        marker=after,
    )
    return list(session.scalars(stmt))


def block_page(
    session: orm.Session, service_uuid: str, limit: int | None, marker: str | None
) -> list[ResourceBlock]:
    """A page of the service's blocks by id, after the block ``marker``.

    Raises:
        InvalidParameter: no block of the service has the marker's id.
    """
    after = None
    if marker is not None:
        after = session.scalars(
            sa.select(ResourceBlock).where(
                ResourceBlock.service_uuid == service_uuid,
                ResourceBlock.block_id == marker,
            )
        ).one_or_none()
        if after is None:
            raise exception.InvalidParameter(
                field="marker", reason=f"no block {marker} in this service"
            )
    stmt = pagination.paginate(
        sa.select(ResourceBlock).where(ResourceBlock.service_uuid == service_uuid),
        ResourceBlock,
        sort_key="block_id",
        sort_dir="asc",
        limit=limit,
        marker=after,
    )
    return list(session.scalars(stmt))


# -------------------------------------------------------- composed systems


def add_composed(session: orm.Session, values: dict[str, Any]) -> None:
    """Record the claimed blocks of a composed server (see ``ComposedSystem``)."""
    session.add(ComposedSystem(**values))


def put_composed(session: orm.Session, values: dict[str, Any]) -> bool:
    """Record a server's newly claimed blocks, replacing a row never composed.

    A row left by an earlier claim of the same server that was released
    before its system was made (a resumed schedule) is replaced; a row
    whose system exists is kept (it must be decomposed first).

    Returns:
        Whether ``values`` were recorded.
    """
    row = composed_of(session, values["server_uuid"])
    if row is None:
        session.add(ComposedSystem(**values))
        return True
    if row.system is not None:
        return False
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = models.utcnow()
    return True


def composed_of(session: orm.Session, server_uuid: str) -> ComposedSystem | None:
    """The composed system of a server, if it has one."""
    stmt = sa.select(ComposedSystem).where(ComposedSystem.server_uuid == server_uuid)
    return session.scalars(stmt).one_or_none()


def composed_on(session: orm.Session, node_uuid: str) -> ComposedSystem | None:
    """The composed system enrolled as ``node_uuid``, if any."""
    stmt = sa.select(ComposedSystem).where(ComposedSystem.node_uuid == node_uuid)
    return session.scalars(stmt).one_or_none()


def composed_of_all(
    session: orm.Session, server_uuids: list[str]
) -> dict[str, ComposedSystem]:
    """The composed systems of those servers that have one, by server uuid."""
    if not server_uuids:
        return {}
    stmt = sa.select(ComposedSystem).where(ComposedSystem.server_uuid.in_(server_uuids))
    return {row.server_uuid: row for row in session.scalars(stmt)}


def set_system(session: orm.Session, server_uuid: str, system: str | None) -> bool:
    """Note the path of the server's system (None: decomposed); whether found."""
    stmt = (
        sa.update(ComposedSystem)
        .where(ComposedSystem.server_uuid == server_uuid)
        .values(system=system, updated_at=models.utcnow())
    )
    return _rowcount(session.execute(stmt)) == 1


def remove_uncomposed(session: orm.Session, server_uuid: str) -> bool:
    """Forget a server's claimed blocks if no system was made of them yet.

    A row whose system exists stays (it must be decomposed first).
    """
    stmt = sa.delete(ComposedSystem).where(
        ComposedSystem.server_uuid == server_uuid, ComposedSystem.system.is_(None)
    )
    return _rowcount(session.execute(stmt)) == 1


def remove_composed(session: orm.Session, server_uuid: str) -> bool:
    """Forget a server's composed system (decomposed, claim released)."""
    stmt = sa.delete(ComposedSystem).where(ComposedSystem.server_uuid == server_uuid)
    return _rowcount(session.execute(stmt)) == 1


def composed_node_uuids(session: orm.Session) -> set[str]:
    """The node uuids composed systems are (or will be) enrolled under."""
    return set(session.scalars(sa.select(ComposedSystem.node_uuid)))
