"""Keypair queries: always scoped to one user."""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import pagination


def get(session: orm.Session, user_id: str, name: str) -> models.KeyPair:
    """The user's keypair called ``name``.

    Raises:
        KeypairNotFound: the user has no such keypair.
    """
    stmt = sa.select(models.KeyPair).where(
        models.KeyPair.user_id == user_id, models.KeyPair.name == name
    )
    keypair = session.scalars(stmt).one_or_none()
    if keypair is None:
        raise exception.KeypairNotFound(name=name, user_id=user_id)
    return keypair


def get_all(
    session: orm.Session,
    user_id: str,
    limit: int | None = None,
    marker: models.KeyPair | None = None,
) -> Sequence[models.KeyPair]:
    """The user's keypairs, by name."""
    stmt = sa.select(models.KeyPair).where(models.KeyPair.user_id == user_id)
    stmt = pagination.paginate(
        stmt,
        models.KeyPair,
        sort_key="name",
        sort_dir="asc",
        limit=limit,
        marker=marker,
    )
    return session.scalars(stmt).all()


def count(session: orm.Session, user_id: str) -> int:
    """How many keypairs the user holds."""
    stmt = sa.select(sa.func.count()).where(models.KeyPair.user_id == user_id)
    return int(session.scalar(stmt) or 0)


def create(session: orm.Session, values: dict[str, Any]) -> models.KeyPair:
    """Insert a keypair.

    Raises:
        KeypairExists: the user already has a keypair of that name.
    """
    keypair = models.KeyPair(**values)
    try:
        with session.begin_nested():
            session.add(keypair)
    except sa_exc.IntegrityError as err:
        raise exception.KeypairExists(name=values.get("name")) from err
    return keypair


def destroy(session: orm.Session, keypair: models.KeyPair) -> None:
    """Delete ``keypair``."""
    session.delete(keypair)
    session.flush()
