"""Re-sealing every sealed column with the current ``[DEFAULT] secret_key``.

``mogan-dbsync reseal`` runs it after a key rotation: with the new key as
``secret_key`` and the old one in ``previous_secret_keys``, every value
sealed under an older key is opened and sealed again under the new one, so
the old key can then be dropped. The sealed columns are the BMC passwords
of ``driver_nodes``, the passwords of ``composition_services`` and, in
``workflows``, every sealed string inside
``args`` and ``state`` (a server's admin password, its config drive).

Idempotent: a value already sealed under the current key is left alone
(Fernet tokens carry no key id, so "already current" means the first key
alone opens it), and running it twice changes nothing the second time.
Each row is its own short transaction, written only if the value is still
what was read (a row changed meanwhile is skipped and counted).

What must not live here: key management itself (``mogan.crypto``).
"""

import dataclasses
import logging
from typing import Any

import sqlalchemy as sa

from mogan import crypto
from mogan.db import models
from mogan.db import session as db_session
from mogan.db.api import composition as composition_db
from mogan.db.api import driver_node as driver_node_db

LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class ResealResult:
    """What one run did, by sealed value."""

    resealed: int = 0
    current: int = 0
    skipped: int = 0


class _Resealer:
    """Opens with every configured key; seals with the current one."""

    def __init__(self, sealer: crypto.Sealer, current: crypto.Sealer) -> None:
        self.sealer = sealer
        self.current = current

    def fresh(self, value: str) -> str | None:
        """``value`` sealed under the current key, or None when it already is.

        Raises:
            SecretUnreadable: no configured key opens it.
        """
        try:
            self.current.open(value)
        except crypto.SecretUnreadable:
            return self.sealer.seal(self.sealer.open(value))
        return None

    def walk(self, value: Any, result: ResealResult) -> Any:
        """A JSON value with every sealed string in it resealed."""
        if isinstance(value, str) and value.startswith(crypto.PREFIX):
            fresh = self.fresh(value)
            if fresh is None:
                result.current += 1
                return value
            result.resealed += 1
            return fresh
        if isinstance(value, dict):
            return {k: self.walk(v, result) for k, v in value.items()}
        if isinstance(value, list):
            return [self.walk(v, result) for v in value]
        return value


def reseal(
    database: db_session.Database,
    sealer: crypto.Sealer,
    current: crypto.Sealer,
) -> ResealResult:
    """Reseal every sealed value under ``current`` (see the module docstring).

    Args:
        database: Mogan's database.
        sealer: seals with the current key, opens with every configured one
            (``Sealer.from_conf``).
        current: the current key alone (``Sealer`` of ``secret_key``).

    Raises:
        SecretUnreadable: a value no configured key opens (nothing after it
            is resealed; what came before stays resealed).
    """
    resealer = _Resealer(sealer, current)
    result = ResealResult()
    for table in (driver_node_db, composition_db):
        _reseal_passwords(database, resealer, table, result)
    _reseal_workflows(database, resealer, result)
    LOG.info("reseal: %s", result)
    return result


def _reseal_passwords(
    database: db_session.Database,
    resealer: _Resealer,
    table: Any,
    result: ResealResult,
) -> None:
    """Reseal one table's password column (``table``: its query module)."""
    with database.transaction(readonly=True) as session:
        passwords = table.sealed_passwords(session)
    for row_uuid, sealed in passwords:
        fresh = resealer.fresh(sealed) if sealed.startswith(crypto.PREFIX) else None
        if fresh is None and sealed.startswith(crypto.PREFIX):
            result.current += 1
            continue
        # NOTE: a password stored before sealing (never, today) is sealed.
        fresh = fresh or str(resealer.sealer.seal(sealed))
        with database.transaction() as session:
            done = table.set_sealed_password(session, row_uuid, fresh, sealed)
        result.resealed += done
        result.skipped += not done


def _reseal_workflows(
    database: db_session.Database, resealer: _Resealer, result: ResealResult
) -> None:
    table = models.Workflow
    with database.transaction(readonly=True) as session:
        rows = session.execute(sa.select(table.id, table.args, table.state)).all()
    for row_id, args, state in rows:
        counted = ResealResult()
        new_args = resealer.walk(args, counted)
        new_state = resealer.walk(state, counted)
        result.current += counted.current
        if not counted.resealed:
            continue
        with database.transaction() as session:
            # NOTE: a workflow that moved on meanwhile is skipped: its
            # engine seals with the current key from now on anyway.
            # NOTE: locked, so an engine cannot commit between this read
            # and the write below (its progress would be overwritten).
            found = session.execute(
                sa.select(table.args, table.state)
                .where(table.id == row_id)
                .with_for_update()
            ).one_or_none()
            if found is None or (found.args, found.state) != (args, state):
                result.skipped += counted.resealed
                continue
            session.execute(
                sa.update(table)
                .where(table.id == row_id)
                .values(args=new_args, state=new_state)
            )
        result.resealed += counted.resealed


def current_only(conf: Any) -> crypto.Sealer:
    """The sealer of the current key alone (what "already resealed" means).

    Without ``secret_key`` the key derived from the connection is current.
    """
    return crypto.Sealer.from_conf(_NoPrevious(conf))


class _NoPrevious:
    """``conf`` as ``Sealer.from_conf`` reads it, without previous keys."""

    def __init__(self, conf: Any) -> None:
        self.secret_key = conf.secret_key
        self.previous_secret_keys: list[str] = []
        self.database = conf.database
