"""Node sync records: one row per driver, written by each completed node sync.

The engine's node sync writes the row in the transaction that writes the
node rows (:func:`record`), so a row means those nodes are committed. The
API reads it (:func:`loaded`) to tell whether any engine has loaded its
nodes yet: before that, scheduling could only fail with "0 nodes".
"""

import dataclasses
import datetime
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan.db import models


@dataclasses.dataclass(frozen=True)
class Synced:
    """What one node sync run loaded: the driver's nodes, by an engine."""

    driver: str
    host: str
    nodes: int


def record(session: orm.Session, synced: Synced, *, at: datetime.datetime) -> None:
    """Record the run ``synced``, completed at ``at``."""
    values = {"host": synced.host, "nodes": synced.nodes, "last_synced_at": at}
    stmt = sa.update(models.NodeSync).where(models.NodeSync.driver == synced.driver)
    if session.execute(stmt.values(**values)).rowcount:  # type: ignore[attr-defined]
        return
    try:
        with session.begin_nested():
            session.add(
                models.NodeSync(driver=synced.driver, first_synced_at=at, **values)
            )
    except sa_exc.IntegrityError:
        # NOTE: another engine of the driver recorded its first sync meanwhile.
        session.execute(stmt.values(**values))


def loaded(session: orm.Session) -> bool:
    """Whether any engine has completed a node sync."""
    return session.scalar(sa.select(models.NodeSync.driver).limit(1)) is not None


def get_all(session: orm.Session) -> Sequence[models.NodeSync]:
    """Every driver's sync record, by driver."""
    stmt = sa.select(models.NodeSync).order_by(models.NodeSync.driver)
    return session.scalars(stmt).all()
