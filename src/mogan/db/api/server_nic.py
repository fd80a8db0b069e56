"""A server's NICs (``server_nics``): one row per bound port.

``floating_ip`` is Mogan's record of the floating IP mapped onto the NIC's
port (the network backend holds the mapping itself); the server's
``addresses`` show it as ``type: floating``.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan.db import models


def replace(session: orm.Session, server_uuid: str, nics: list[dict[str, Any]]) -> None:
    """Make the server's NIC rows exactly ``nics`` (port_id, network_id ...)."""
    delete_all(session, server_uuid)
    for nic in nics:
        session.add(models.ServerNic(server_uuid=server_uuid, **nic))
    session.flush()


def delete_all(session: orm.Session, server_uuid: str) -> None:
    """Forget every NIC of the server."""
    session.execute(
        sa.delete(models.ServerNic).where(models.ServerNic.server_uuid == server_uuid)
    )


def get_all(session: orm.Session, server_uuid: str) -> list[models.ServerNic]:
    """The server's NICs, by port id."""
    stmt = (
        sa.select(models.ServerNic)
        .where(models.ServerNic.server_uuid == server_uuid)
        .order_by(models.ServerNic.port_id)
    )
    return list(session.scalars(stmt))


def find(
    session: orm.Session, server_uuid: str, port_id: str
) -> models.ServerNic | None:
    """The server's NIC on port ``port_id``, or None."""
    stmt = sa.select(models.ServerNic).where(
        models.ServerNic.server_uuid == server_uuid,
        models.ServerNic.port_id == port_id,
    )
    return session.scalars(stmt).one_or_none()


def add(session: orm.Session, server_uuid: str, nic: dict[str, Any]) -> None:
    """Record one more NIC of the server (already there: left as it is)."""
    if find(session, server_uuid, nic["port_id"]) is None:
        session.add(models.ServerNic(server_uuid=server_uuid, **nic))
        session.flush()


def delete(session: orm.Session, server_uuid: str, port_id: str) -> int:
    """Forget the server's NIC on ``port_id``; how many rows went (0 or 1)."""
    result = session.execute(
        sa.delete(models.ServerNic).where(
            models.ServerNic.server_uuid == server_uuid,
            models.ServerNic.port_id == port_id,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def set_floating_ip(
    session: orm.Session, server_uuid: str, port_id: str, address: str | None
) -> bool:
    """Record (or with None, clear) the NIC's floating IP; whether the NIC exists."""
    result = session.execute(
        sa.update(models.ServerNic)
        .where(
            models.ServerNic.server_uuid == server_uuid,
            models.ServerNic.port_id == port_id,
        )
        .values(floating_ip=address)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def clear_floating_ip(
    session: orm.Session, server_uuid: str, port_id: str, address: str
) -> None:
    """Forget the NIC's floating IP if it is still ``address``.

    Conditional, so a disassociate racing an associate of another address
    on the same NIC never erases the newer record.
    """
    session.execute(
        sa.update(models.ServerNic)
        .where(
            models.ServerNic.server_uuid == server_uuid,
            models.ServerNic.port_id == port_id,
            models.ServerNic.floating_ip == address,
        )
        .values(floating_ip=None)
        .execution_options(synchronize_session=False)
    )
