"""Deploy media queries: store by name, read by token hash, purge the expired.

A medium is found by the SHA-256 of its URL token (``token_hash``) and only
while ``expires_at`` is in the future; its bytes are read in slices, so a
BMC reading a large ISO range by range never loads the whole of it.

What must not live here: tokens themselves or their hashing
(``mogan.services.deploy_media``), HTTP.
"""

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan.db import models

Medium = models.DeployMedium


def put(session: orm.Session, values: dict[str, Any]) -> None:
    """Store a medium, replacing the one of the same ``name`` (its old token dies).

    Args:
        session: the caller's transaction.
        values: every column but ``id`` (``name``, ``token_hash``,
            ``content_type``, ``size``, ``data``, ``created_at``,
            ``expires_at``).
    """
    replace = sa.delete(Medium).where(Medium.name == values["name"])
    for attempt in range(2):
        try:
            with session.begin_nested():
                session.execute(replace)
                session.execute(sa.insert(Medium).values(**values))
        except sa_exc.IntegrityError:
            # NOTE: another engine inserted the same name between our delete
            # and insert; the retry deletes its row (now committed) instead.
            if attempt:
                raise
        else:
            return


def set_token(
    session: orm.Session, name: str, token_hash: str, now: datetime.datetime
) -> bool:
    """Give the unexpired medium ``name`` a new token hash; False when none."""
    stmt = (
        sa.update(Medium)
        .where(Medium.name == name, Medium.expires_at > now)
        .values(token_hash=token_hash)
    )
    count: int = getattr(session.execute(stmt), "rowcount", 0)
    return count == 1


def get(
    session: orm.Session, token_hash: str, now: datetime.datetime
) -> models.DeployMedium | None:
    """The unexpired medium with ``token_hash`` (its bytes not loaded), or None."""
    stmt = sa.select(Medium).where(
        Medium.token_hash == token_hash, Medium.expires_at > now
    )
    return session.scalars(stmt).one_or_none()


def read(
    session: orm.Session,
    token_hash: str,
    now: datetime.datetime,
    offset: int,
    length: int,
) -> bytes | None:
    """``length`` bytes of the medium from ``offset`` (fewer at its end).

    Returns:
        None when the medium is gone (withdrawn, replaced or expired).
    """
    # NOTE: SUBSTR counts from 1 and works on bytes for BLOB/bytea on all
    # three backends.
    piece = sa.func.substr(Medium.data, offset + 1, length, type_=sa.LargeBinary)
    stmt = sa.select(piece).where(
        Medium.token_hash == token_hash, Medium.expires_at > now
    )
    row = session.execute(stmt).one_or_none()
    if row is None:
        return None
    return bytes(row[0] or b"")


def destroy(session: orm.Session, name: str) -> bool:
    """Delete the medium called ``name``; False when there is none."""
    result = session.execute(sa.delete(Medium).where(Medium.name == name))
    return bool(getattr(result, "rowcount", 0))


def purge(session: orm.Session, now: datetime.datetime, limit: int) -> int:
    """Delete up to ``limit`` media that expired by ``now``.

    Returns:
        How many rows were deleted.
    """
    ids = list(
        session.scalars(
            sa.select(Medium.id)
            .where(Medium.expires_at <= now)
            .order_by(Medium.expires_at)
            .limit(limit)
        )
    )
    if not ids:
        return 0
    session.execute(sa.delete(Medium).where(Medium.id.in_(ids)))
    return len(ids)
