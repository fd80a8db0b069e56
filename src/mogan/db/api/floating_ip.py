"""Floating IP queries of the embedded network backend.

Address *choice* is not here (``mogan.network.ipam`` and ``embedded``):
these functions read and write ``floating_ips`` rows. Every write that
can race is one conditional statement or an INSERT in a SAVEPOINT whose
unique-constraint clash comes back as a plain ``False``/``None``, so the
caller decides what the clash means and its transaction stays usable.
"""

import enum
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import pagination

FloatingIp = models.FloatingIp


class Mapped(enum.Enum):
    """The outcome of mapping a floating IP onto a port."""

    DONE = "done"
    TAKEN = "taken"  # the floating IP is mapped onto another port
    PORT_BUSY = "port_busy"  # the port already carries another floating IP
    GONE = "gone"  # the floating IP was released meanwhile


def _rowcount(result: sa.Result[Any]) -> int:
    # NOTE: UPDATE results are CursorResults; the Result type hides rowcount.
    count: int = getattr(result, "rowcount", 0)
    return count


def get(
    session: orm.Session, fip_uuid: str, *, project_id: str | None = None
) -> FloatingIp:
    """The floating IP ``fip_uuid`` (of ``project_id`` when given).

    Raises:
        FloatingIpNotFound: no such floating IP, or another project's.
    """
    stmt = sa.select(FloatingIp).where(FloatingIp.uuid == fip_uuid)
    if project_id is not None:
        stmt = stmt.where(FloatingIp.project_id == project_id)
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise exception.FloatingIpNotFound(
            message=f"Floating IP {fip_uuid} could not be found."
        )
    return row


def find(
    session: orm.Session, address: str, *, project_id: str | None = None
) -> list[FloatingIp]:
    """Floating IPs with the (canonical) ``address``, of ``project_id`` if given."""
    stmt = (
        sa.select(FloatingIp)
        .where(FloatingIp.address == address)
        .order_by(FloatingIp.network_uuid)
    )
    if project_id is not None:
        stmt = stmt.where(FloatingIp.project_id == project_id)
    return list(session.scalars(stmt))


def get_all(
    session: orm.Session,
    *,
    project_id: str | None = None,
    network_uuid: str | None = None,
    sort_key: str = "address",
    sort_dir: str = "asc",
    limit: int | None = None,
    marker: FloatingIp | None = None,
) -> Sequence[FloatingIp]:
    """One page of floating IPs, optionally of one project or network."""
    stmt = sa.select(FloatingIp)
    if project_id is not None:
        stmt = stmt.where(FloatingIp.project_id == project_id)
    if network_uuid is not None:
        stmt = stmt.where(FloatingIp.network_uuid == network_uuid)
    stmt = pagination.paginate(
        stmt,
        FloatingIp,
        sort_key=sort_key,
        sort_dir=sort_dir,
        limit=limit,
        marker=marker,
    )
    return session.scalars(stmt).all()


def taken_addresses(session: orm.Session, network_uuid: str) -> set[str]:
    """Every address of the external network allocated as a floating IP."""
    stmt = sa.select(FloatingIp.address).where(FloatingIp.network_uuid == network_uuid)
    return set(session.scalars(stmt).all())


def count(session: orm.Session, project_id: str) -> int:
    """How many floating IPs the project holds."""
    stmt = sa.select(sa.func.count(FloatingIp.id)).where(
        FloatingIp.project_id == project_id
    )
    return int(session.scalar(stmt) or 0)


def count_on_network(session: orm.Session, network_uuid: str) -> int:
    """How many floating IPs are allocated from the network."""
    stmt = sa.select(sa.func.count(FloatingIp.id)).where(
        FloatingIp.network_uuid == network_uuid
    )
    return int(session.scalar(stmt) or 0)


def add(session: orm.Session, values: dict[str, Any]) -> FloatingIp | None:
    """Insert a floating IP, or return None if its address was taken meanwhile.

    The INSERT runs in a SAVEPOINT so a clash with a concurrent transaction
    (the unique (network, address) constraint) leaves the caller's
    transaction usable for the next address.
    """
    row = FloatingIp(**values)
    try:
        with session.begin_nested():
            session.add(row)
    except sa_exc.IntegrityError:
        return None
    return row


def destroy(session: orm.Session, fip: FloatingIp) -> None:
    """Delete ``fip`` (the caller checked it is not mapped)."""
    session.delete(fip)
    session.flush()


def map_onto(
    session: orm.Session, fip_uuid: str, port_uuid: str, fixed_address: str
) -> Mapped:
    """Map the floating IP onto the port unless either is mapped already.

    One conditional UPDATE (the floating IP must be free, or mapped onto
    this very port and address: a repeat is a no-op) in a SAVEPOINT; the
    unique port constraint refuses a second floating IP on the port.
    """
    free_or_same = sa.or_(
        FloatingIp.port_uuid.is_(None),
        sa.and_(
            FloatingIp.port_uuid == port_uuid,
            FloatingIp.fixed_address == fixed_address,
        ),
    )
    stmt = (
        sa.update(FloatingIp)
        .where(FloatingIp.uuid == fip_uuid, free_or_same)
        .values(port_uuid=port_uuid, fixed_address=fixed_address)
        .execution_options(synchronize_session=False)
    )
    try:
        with session.begin_nested():
            updated = _rowcount(session.execute(stmt))
    except sa_exc.IntegrityError:
        return Mapped.PORT_BUSY
    if updated == 1:
        return Mapped.DONE
    exists = session.scalar(
        sa.select(sa.func.count(FloatingIp.id)).where(FloatingIp.uuid == fip_uuid)
    )
    return Mapped.TAKEN if exists else Mapped.GONE


def unmap(session: orm.Session, fip_uuid: str, port_uuid: str | None) -> bool:
    """Unmap the floating IP from ``port_uuid``; whether it still exists.

    Mapped onto another port meanwhile (or free), it is left as it is: a
    disassociation never undoes someone else's newer association.
    """
    stmt = (
        sa.update(FloatingIp)
        .where(FloatingIp.uuid == fip_uuid, FloatingIp.port_uuid == port_uuid)
        .values(port_uuid=None, fixed_address=None)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(session.execute(stmt)) == 1:
        return True
    exists = session.scalar(
        sa.select(sa.func.count(FloatingIp.id)).where(FloatingIp.uuid == fip_uuid)
    )
    return bool(exists)


def unmap_ports(session: orm.Session, port_uuids: Iterable[str]) -> int:
    """Unmap every floating IP mapped onto one of the ports; how many were."""
    ports = list(port_uuids)
    if not ports:
        return 0
    stmt = (
        sa.update(FloatingIp)
        .where(FloatingIp.port_uuid.in_(ports))
        .values(port_uuid=None, fixed_address=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(session.execute(stmt))
