"""Hardware classes: scheduling facts stored once per hardware shape.

A class is written once (by the node sync, the first time a node of that
shape is seen) and never changed: its key is a digest of its facts. Node
rows name theirs in ``nodes.hardware_class``. The facts are opaque JSON
here; ``mogan.scheduler.hardware`` gives them their meaning.
"""

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc, orm

from mogan.db import models

_FINGERPRINTS = f"SELECT fingerprint FROM {models.HardwareClass.__tablename__}"  # noqa: S608 - a constant table name


def ensure(session: orm.Session, fingerprint: str, facts: dict[str, Any]) -> None:
    """Store the class ``fingerprint`` unless it is there already.

    Two engines may store the same class at once: the loser's insert is
    rolled back to a savepoint and the winner's row kept (equal facts).
    """
    hc = models.HardwareClass
    if session.get(hc, fingerprint) is not None:
        return
    try:
        with session.begin_nested():
            session.add(hc(fingerprint=fingerprint, facts=facts))
    except exc.IntegrityError:
        pass


def fingerprints(session: orm.Session) -> list[str]:
    """Every stored class's fingerprint."""
    # NOTE: read on every hardware scheduling decision; plain SQL skips
    # the statement compilation and caching (a quarter of the cost).
    rows = session.connection().exec_driver_sql(_FINGERPRINTS)
    return [str(fp) for fp in rows.scalars()]


def facts_of(
    session: orm.Session, wanted: Collection[str]
) -> dict[str, dict[str, Any]]:
    """``{fingerprint: facts}`` of the ``wanted`` classes that exist."""
    if not wanted:
        return {}
    hc = models.HardwareClass
    return {
        str(fp): dict(facts)
        for fp, facts in session.execute(
            sa.select(hc.fingerprint, hc.facts).where(hc.fingerprint.in_(list(wanted)))
        )
    }


def node_counts(session: orm.Session) -> dict[str | None, int]:
    """How many nodes each class has (None: nodes of unknown hardware)."""
    node = models.Node
    return {
        (str(fp) if fp is not None else None): int(n)
        for fp, n in session.execute(
            sa.select(node.hardware_class, sa.func.count()).group_by(
                node.hardware_class
            )
        )
    }
