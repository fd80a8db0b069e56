"""Quota serialisation: lock one owner's quota before counting and inserting."""

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan.db import models


def lock(session: orm.Session, resource: str, owner: str) -> None:
    """Hold ``(resource, owner)``'s lock until the transaction ends.

    Concurrent transactions locking the same pair wait here, so a count
    taken after this call stays true until commit.
    """
    key = {"resource": resource, "owner": owner}
    exists = session.scalar(sa.select(models.QuotaLock).filter_by(**key))
    if exists is None:
        try:
            with session.begin_nested():
                session.add(models.QuotaLock(**key))
        except sa_exc.IntegrityError:
            # NOTE: another transaction created it first; lock theirs below.
            pass
    session.execute(
        sa.select(models.QuotaLock).filter_by(**key).with_for_update()
    ).one()
