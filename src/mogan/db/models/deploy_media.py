"""Deploy media: files Mogan serves to BMCs on URLs that expire.

A virtual-media driver publishes a medium it built (a config drive ISO)
under a ``name`` it chooses (one per node and purpose); the BMC fetches it
from ``/v1/deploy_media/<token>``. Only the SHA-256 of the token is stored,
so a copy of the database serves nobody, and the API finds a medium by
hashing what it was given (no comparison of secrets that could leak their
prefix through timing).

What must not live here: queries (``mogan.db.api.deploy_media``).
"""

import datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import mysql

from mogan.db.models.base import MYSQL_DIALECTS, Base, identifier, utcnow

# NOTE: MariaDB's BLOB holds 64 KiB; LONGBLOB holds 4 GiB.
MEDIA_BLOB = sa.LargeBinary().with_variant(mysql.LONGBLOB(), *MYSQL_DIALECTS)


class DeployMedium(Base):
    """One published medium: its bytes, until ``expires_at``."""

    __tablename__ = "deploy_media"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255), unique=True)
    # NOTE: hex SHA-256 of the URL's token; a new one on every publish.
    token_hash: orm.Mapped[str] = orm.mapped_column(identifier(64), unique=True)
    content_type: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    size: orm.Mapped[int] = orm.mapped_column(sa.BigInteger)
    data: orm.Mapped[bytes] = orm.mapped_column(MEDIA_BLOB, deferred=True)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)
    expires_at: orm.Mapped[datetime.datetime] = orm.mapped_column(index=True)
