"""A server's NICs (``server_nics``): one row per bound port."""

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
