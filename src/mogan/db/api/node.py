"""Node queries: Mogan's indexed view of the driver's nodes.

Rows are written by the engine's node sync (``mogan.engine.node_sync``) from
what the driver reports; the scheduler reads them to drop candidates that
cannot take a server and to explain a "no valid node". The node lock
(``reservation``) and ``server_uuid`` belong to the engine's workflows and
are never written here by the sync's updates.
"""

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan import exception
from mogan.db import models

# NOTE: the columns the driver is the source of truth for; the sync writes
# only these (plus provider_synced), so it never clobbers an engine's lock.
DRIVER_FIELDS = (
    "name",
    "driver",
    "resource_class",
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
    return node


def update(session: orm.Session, node_uuid: str, values: dict[str, Any]) -> bool:
    """Set ``values`` on the node; returns whether a row was changed."""
    result = session.execute(
        sa.update(models.Node).where(models.Node.uuid == node_uuid).values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def destroy(session: orm.Session, node_uuid: str) -> bool:
    """Delete the node row; returns whether it existed."""
    result = session.execute(
        sa.delete(models.Node).where(models.Node.uuid == node_uuid)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
