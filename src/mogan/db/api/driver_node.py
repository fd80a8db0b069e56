"""Driver node queries: the registry of a driver with no registry of its own.

Rows are the engine's ``DbNodeStore``'s (``mogan.engine.node_store``), which
owns the transactions and turns rows into the driver's typed models; the
BMC password arrives here sealed. Every write of a node's ``state`` is a
conditional UPDATE on ``version`` (compare-and-set), and every other
write bumps ``version`` too, so a state written from a stale read loses.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan.db import models

DriverNode = models.DriverNode


def _rowcount(result: sa.Result[Any]) -> int:
    # NOTE: UPDATE results are CursorResults; the Result type hides rowcount.
    count: int = getattr(result, "rowcount", 0)
    return count


def find(session: orm.Session, node_uuid: str) -> DriverNode | None:
    """The node with ``node_uuid``, or None."""
    stmt = sa.select(DriverNode).where(DriverNode.uuid == node_uuid)
    return session.scalars(stmt).one_or_none()


def name_taken(
    session: orm.Session, driver: str, name: str, other_than: str | None = None
) -> bool:
    """Whether another node of ``driver`` is named ``name``."""
    stmt = sa.select(DriverNode.id).where(
        DriverNode.driver == driver, DriverNode.name == name
    )
    if other_than is not None:
        stmt = stmt.where(DriverNode.uuid != other_than)
    return session.scalar(stmt) is not None


def get_all(session: orm.Session, driver: str) -> list[DriverNode]:
    """Every node of ``driver``, by name."""
    stmt = (
        sa.select(DriverNode)
        .where(DriverNode.driver == driver)
        .order_by(DriverNode.name, DriverNode.uuid)
    )
    return list(session.scalars(stmt))


def create(session: orm.Session, values: dict[str, Any]) -> bool:
    """Insert a node; False when its uuid (or, raising, its name) is taken.

    Runs in a SAVEPOINT so a clash leaves the caller's transaction usable.

    Raises:
        IntegrityError: another node of the driver has the name.
    """
    if find(session, values["uuid"]) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(DriverNode(**values))
    except sa_exc.IntegrityError:
        # NOTE: a concurrent insert of the same uuid is "already there".
        if find(session, values["uuid"]) is not None:
            return False
        raise
    return True


def update(session: orm.Session, node_uuid: str, values: dict[str, Any]) -> bool:
    """Change a node's columns (and bump its version); False when it is gone."""
    stmt = (
        sa.update(DriverNode)
        .where(DriverNode.uuid == node_uuid)
        .values(**values, version=DriverNode.version + 1, updated_at=models.utcnow())
    )
    return _rowcount(session.execute(stmt)) == 1


def save_state(
    session: orm.Session,
    node_uuid: str,
    state: dict[str, Any],
    expect_version: int,
) -> bool:
    """Replace the node's state if its version is still ``expect_version``."""
    stmt = (
        sa.update(DriverNode)
        .where(DriverNode.uuid == node_uuid, DriverNode.version == expect_version)
        .values(state=state, version=expect_version + 1, updated_at=models.utcnow())
    )
    return _rowcount(session.execute(stmt)) == 1


def destroy(session: orm.Session, node_uuid: str) -> bool:
    """Delete the node; whether it was there."""
    stmt = sa.delete(DriverNode).where(DriverNode.uuid == node_uuid)
    return _rowcount(session.execute(stmt)) == 1


def sealed_passwords(session: orm.Session) -> list[tuple[str, str]]:
    """``(uuid, sealed password)`` of every node that has a password."""
    stmt = sa.select(DriverNode.uuid, DriverNode.bmc_password).where(
        DriverNode.bmc_password.is_not(None)
    )
    return [(u, p) for u, p in session.execute(stmt) if p is not None]


def set_sealed_password(
    session: orm.Session, node_uuid: str, sealed: str, expect: str
) -> bool:
    """Replace the sealed password if it is still ``expect`` (a reseal).

    The version is left alone: the node did not change, only its sealing.
    """
    stmt = (
        sa.update(DriverNode)
        .where(DriverNode.uuid == node_uuid, DriverNode.bmc_password == expect)
        .values(bmc_password=sealed)
    )
    return _rowcount(session.execute(stmt)) == 1
