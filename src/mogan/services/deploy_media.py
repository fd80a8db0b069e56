"""Deploy media: publish, find, read and purge media served to BMCs.

A medium's URL carries a token of ``TOKEN_BYTES`` random bytes (URL-safe
base64, ``TOKEN_LENGTH`` characters): it is the only authority to fetch the
medium, as BMCs hold no Keystone token. Only its SHA-256 is stored; a
lookup hashes what the caller sent and asks the database for that hash, so
no secret is ever compared byte by byte (no timing oracle), and a string
that cannot be a token never reaches the database.

What must not live here: HTTP (``mogan.api.routes.deploy_media``), URL
building and the size bound (``mogan.engine.deploy_media``).
"""

import dataclasses
import datetime
import hashlib
import logging
import re
import secrets
from collections.abc import Iterator

from sqlalchemy import exc as sa_exc

from mogan import exception
from mogan.db import models
from mogan.db import session as db_session
from mogan.db.api import deploy_media as media_db

LOG = logging.getLogger(__name__)

TOKEN_BYTES = 32
TOKEN_LENGTH = 43
"""Characters of a token: 32 bytes in unpadded URL-safe base64."""
_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}")
CHUNK = 1024 * 1024
"""Bytes read from the database at once while streaming a medium."""
PURGE_BATCH = 500
"""Rows deleted per transaction (media are large: keep transactions short)."""
MAX_PURGE_BATCHES = 100
"""Batches one purge runs at most; the next run takes the rest."""


@dataclasses.dataclass(frozen=True)
class Medium:
    """What a medium is, without its bytes."""

    token_hash: str
    content_type: str
    size: int
    created_at: datetime.datetime
    expires_at: datetime.datetime


def new_token() -> str:
    """A fresh, unguessable URL token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """What is stored of ``token``: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def is_token(text: str) -> bool:
    """Whether ``text`` has the shape of a token (length and alphabet)."""
    return _TOKEN.fullmatch(text) is not None


def publish(
    db: db_session.Database,
    name: str,
    data: bytes,
    content_type: str,
    ttl: float,
) -> str:
    """Store ``data`` as ``name`` for ``ttl`` seconds (replacing any same name).

    Returns:
        The new token; the previous one of ``name`` no longer serves.
    """
    token = new_token()
    now = models.utcnow()
    with db.transaction() as session:
        media_db.put(
            session,
            {
                "name": name,
                "token_hash": hash_token(token),
                "content_type": content_type,
                "size": len(data),
                "data": data,
                "created_at": now,
                "expires_at": now + datetime.timedelta(seconds=ttl),
            },
        )
    return token


def reissue(db: db_session.Database, name: str) -> str | None:
    """A new token for the medium ``name`` while it is served, else None.

    The previous token no longer serves: a driver that keeps only the
    medium's name (never its URL) gets a URL this way when it needs one.
    """
    token = new_token()
    with db.transaction() as session:
        if not media_db.set_token(session, name, hash_token(token), models.utcnow()):
            return None
    return token


def withdraw(db: db_session.Database, name: str) -> bool:
    """Stop serving ``name``; False when nothing was published under it."""
    with db.transaction() as session:
        return media_db.destroy(session, name)


def find(db: db_session.Database, token: str) -> Medium:
    """The medium ``token`` names, while it is served.

    Raises:
        DeployMediumNotFound: not a token, or no medium has it any more.
    """
    if not is_token(token):
        raise exception.DeployMediumNotFound
    with db.transaction(readonly=True) as session:
        row = media_db.get(session, hash_token(token), models.utcnow())
        if row is None:
            raise exception.DeployMediumNotFound
        return Medium(
            token_hash=row.token_hash,
            content_type=row.content_type,
            size=row.size,
            created_at=row.created_at,
            expires_at=row.expires_at,
        )


def read(
    db: db_session.Database, medium: Medium, start: int, stop: int
) -> Iterator[bytes]:
    """The bytes ``[start, stop)`` of ``medium``, ``CHUNK`` at a time.

    Each chunk is its own short read, so a slow BMC holds no transaction.
    The iteration ends early if the medium goes (withdrawn, replaced or
    expired meanwhile): the response is then shorter than it announced,
    which HTTP clients detect, rather than mixing two media.
    """
    offset = start
    while offset < stop:
        length = min(CHUNK, stop - offset)
        try:
            with db.transaction(readonly=True) as session:
                piece = media_db.read(
                    session, medium.token_hash, models.utcnow(), offset, length
                )
        except sa_exc.SQLAlchemyError:
            # NOTE: the headers are sent: a short body is the only signal
            # left. Raising would have the WSGI server log the URL, token
            # and all.
            LOG.exception("reading a deploy medium failed at byte %d", offset)
            return
        if not piece:
            LOG.info("deploy medium went while being read (at byte %d)", offset)
            return
        yield piece
        offset += len(piece)


def purge(db: db_session.Database) -> int:
    """Delete expired media, ``PURGE_BATCH`` rows per transaction.

    Returns:
        How many rows were deleted.
    """
    purged = 0
    for _ in range(MAX_PURGE_BATCHES):
        with db.transaction() as session:
            count = media_db.purge(session, models.utcnow(), PURGE_BATCH)
        purged += count
        if count < PURGE_BATCH:
            break
    return purged
