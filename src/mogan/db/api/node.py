"""Node queries: Mogan's indexed view of the driver's nodes.

Rows are written by the engine's node sync (``mogan.engine.node_sync``) from
what the driver reports; the scheduler picks candidates from them (see
``node_candidates``) and records its claims here (``allocated``,
``consumer_uuid``), which releases clear and the node sync reconciles with
Placement. ``node_traits`` mirrors ``traits`` for indexed lookups. The node lock
(``reservation``) and ``server_uuid`` belong to the engine's workflows and
are never written here by the sync's updates.
"""

import datetime
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan import exception
from mogan.db import models

# NOTE: the columns the driver is the source of truth for; the sync writes
# only these (plus provider_synced), so it never clobbers an engine's lock.
DRIVER_FIELDS = (
    "name",
    "driver",
    "resource_class",
    "placement_rc",
    "traits",
    "properties",
    "ports",
    "power_state",
    "maintenance",
    "consumable",
    "why_not",
)


def get(session: orm.Session, node_uuid: str) -> models.Node:
    """The node with ``node_uuid``.

    Raises:
        NotFound: Mogan has no row for the node.
    """
    node = session.scalars(
        sa.select(models.Node).where(models.Node.uuid == node_uuid)
    ).one_or_none()
    if node is None:
        raise exception.NotFound(f"Node {node_uuid} could not be found.")
    return node


def find(session: orm.Session, node_uuid: str) -> models.Node | None:
    """The node, or None when Mogan does not know it."""
    stmt = sa.select(models.Node).where(models.Node.uuid == node_uuid)
    return session.scalars(stmt).one_or_none()


def get_all(
    session: orm.Session, *, driver: str | None = None
) -> Sequence[models.Node]:
    """Every node (of ``driver`` when given), by name."""
    stmt = sa.select(models.Node).order_by(models.Node.name)
    if driver is not None:
        stmt = stmt.where(models.Node.driver == driver)
    return session.scalars(stmt).all()


def consumable_uuids(session: orm.Session, node_uuids: Collection[str]) -> set[str]:
    """Those of ``node_uuids`` that are consumable and not in maintenance."""
    if not node_uuids:
        return set()
    return set(
        session.scalars(
            sa.select(models.Node.uuid).where(
                models.Node.uuid.in_(list(node_uuids)),
                models.Node.consumable.is_(True),
                models.Node.maintenance.is_(False),
            )
        )
    )


def create(session: orm.Session, values: dict[str, Any]) -> models.Node:
    """Insert a node row from ``values`` (``uuid`` and the driver fields)."""
    node = models.Node(**values)
    session.add(node)
    session.flush()
    _index_traits(session, node.uuid, node.traits)
    return node


def create_or_update(session: orm.Session, values: dict[str, Any]) -> None:
    """Insert a node row, or update it when another writer inserted it first.

    A full node sync reads the rows, asks the driver and Placement, then
    writes: an enrolment (or another engine) may have inserted the node in
    between, which must not roll back the whole run's writes.
    """
    try:
        with session.begin_nested():
            create(session, values)
    except sa_exc.IntegrityError:
        update(
            session, values["uuid"], {k: v for k, v in values.items() if k != "uuid"}
        )


def update(session: orm.Session, node_uuid: str, values: dict[str, Any]) -> bool:
    """Set ``values`` on the node; returns whether a row was changed."""
    result = session.execute(
        sa.update(models.Node).where(models.Node.uuid == node_uuid).values(**values)
    )
    if "traits" in values:
        _index_traits(session, node_uuid, values["traits"])
    return bool(result.rowcount)  # type: ignore[attr-defined]


def destroy(session: orm.Session, node_uuid: str) -> bool:
    """Delete the node row (and its trait index); returns whether it existed."""
    _index_traits(session, node_uuid, ())
    result = session.execute(
        sa.delete(models.Node).where(models.Node.uuid == node_uuid)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_leaving(session: orm.Session, node_uuid: str) -> bool:
    """Mark a free node as being removed; False when it carries a server or lock."""
    result = session.execute(
        sa.update(models.Node)
        .where(
            models.Node.uuid == node_uuid,
            models.Node.server_uuid.is_(None),
            models.Node.reservation.is_(None),
        )
        .values(leaving_at=models.utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def clear_leaving(session: orm.Session, node_uuid: str) -> None:
    """The node's removal was refused: it is a node like any other again."""
    session.execute(
        sa.update(models.Node)
        .where(models.Node.uuid == node_uuid)
        .values(leaving_at=None)
    )


def staying(session: orm.Session, node_uuids: Collection[str]) -> set[str]:
    """Those of ``node_uuids`` that have a row and are not being removed.

    The rows are locked until the transaction ends, so a removal's
    ``mark_leaving`` waits for what the caller writes.
    """
    if not node_uuids:
        return set()
    stmt = (
        sa.select(models.Node.uuid)
        .where(
            models.Node.uuid.in_(list(node_uuids)),
            models.Node.leaving_at.is_(None),
        )
        .with_for_update()
    )
    return set(session.scalars(stmt))


def _index_traits(session: orm.Session, node_uuid: str, traits: Iterable[str]) -> None:
    """Make ``node_traits`` hold exactly ``traits`` for the node."""
    session.execute(
        sa.delete(models.NodeTrait).where(models.NodeTrait.node_uuid == node_uuid)
    )
    rows = [{"node_uuid": node_uuid, "trait": t} for t in sorted(set(traits))]
    if rows:
        session.execute(sa.insert(models.NodeTrait), rows)


def aggregate_uuids(
    session: orm.Session, node_uuids: Collection[str] | None = None
) -> dict[str, list[str]]:
    """``{node_uuid: [aggregate uuid, ...]}`` for nodes in any aggregate."""
    an, agg = models.AggregateNode, models.Aggregate
    stmt = sa.select(an.node_uuid, agg.uuid).join(agg, agg.id == an.aggregate_id)
    if node_uuids is not None:
        stmt = stmt.where(an.node_uuid.in_(list(node_uuids)))
    out: dict[str, list[str]] = {}
    for node_uuid, agg_uuid in session.execute(stmt.order_by(agg.uuid)):
        out.setdefault(str(node_uuid), []).append(str(agg_uuid))
    return out


# ------------------------------------------------------- the claims ledger


def mark_allocated(session: orm.Session, claims: dict[str, str | None]) -> None:
    """Record that Placement holds ``{node_uuid: consumer}`` (None: unknown)."""
    now = models.utcnow()
    for node_uuid, consumer in claims.items():
        session.execute(
            sa.update(models.Node)
            .where(models.Node.uuid == node_uuid)
            .values(allocated=True, consumer_uuid=consumer, allocated_at=now)
        )


def mark_released(session: orm.Session, consumer: str) -> list[str]:
    """Record that ``consumer`` holds nothing any more; returns its nodes."""
    nodes = list(
        session.scalars(
            sa.select(models.Node.uuid).where(models.Node.consumer_uuid == consumer)
        )
    )
    if nodes:
        session.execute(
            sa.update(models.Node)
            .where(models.Node.uuid.in_(nodes))
            .values(allocated=False, consumer_uuid=None, allocated_at=models.utcnow())
        )
    return nodes


def reconcile_allocated(
    session: orm.Session,
    node_uuid: str,
    *,
    allocated: bool,
    read_at: datetime.datetime,
) -> bool:
    """Set the flag as Placement showed it at ``read_at``, unless it changed since.

    A claim or release recorded after Placement was read is newer than what
    was read, so it is kept. Returns whether the row changed.
    """
    stale = sa.or_(
        models.Node.allocated_at.is_(None), models.Node.allocated_at < read_at
    )
    values: dict[str, Any] = {"allocated": allocated, "allocated_at": read_at}
    if not allocated:
        values["consumer_uuid"] = None
    result = session.execute(
        sa.update(models.Node)
        .where(
            models.Node.uuid == node_uuid,
            models.Node.allocated.is_not(allocated),
            stale,
        )
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
