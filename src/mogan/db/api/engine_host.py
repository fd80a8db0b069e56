"""The ``engines`` table: live engines register and heart-beat here.

An engine silent for a few heartbeats is dead: its node reservations may be
taken over and its workflows resumed by others; the API checks for a live
engine before a synchronous engine call.
"""

import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from mogan.db import models


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


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


def live_engines(session: orm.Session, seen_since: datetime.datetime) -> list[str]:
    """Hosts of the engines that heart-beat at or after ``seen_since``."""
    stmt = (
        sa.select(models.Engine.host)
        .where(models.Engine.last_seen_at >= seen_since)
        .order_by(models.Engine.host)
    )
    return list(session.scalars(stmt))
