"""Server faults: why an operation on a server failed, newest last."""

import sqlalchemy as sa
from sqlalchemy import orm

from mogan.db import models

FAULT_MESSAGE_LENGTH = 255


def add(
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


def latest(session: orm.Session, server_uuid: str) -> models.ServerFault | None:
    """The server's most recent fault."""
    stmt = (
        sa.select(models.ServerFault)
        .where(models.ServerFault.server_uuid == server_uuid)
        .order_by(models.ServerFault.created_at.desc(), models.ServerFault.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()
