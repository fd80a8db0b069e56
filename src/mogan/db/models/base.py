"""The declarative base, naming convention and portable column types."""

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import interfaces

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


MYSQL_DIALECTS = ("mysql", "mariadb")


def utcnow() -> datetime.datetime:
    """Now, aware, in UTC (the default of every timestamp column)."""
    return datetime.datetime.now(datetime.UTC)


def identifier(length: int) -> sa.types.TypeEngine[str]:
    """The type of a name or id column: ``VARCHAR(length)``, compared exactly."""
    # NOTE: MariaDB's default collation ignores case, so 'Alice' would match
    # 'alice' in lookups and clash with it in unique indexes. utf8mb4_bin is
    # exact (bar trailing spaces, which MariaDB's PAD SPACE rule ignores) and
    # exists on MySQL too. 255 characters x 4 bytes fits InnoDB's index limit.
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"),
        *MYSQL_DIALECTS,
    )


class UTCDateTime(sa.types.TypeDecorator[datetime.datetime]):
    """Aware datetimes stored as UTC, returned aware in UTC on every backend.

    SQLite and MariaDB keep no zone, so values are stored as naive UTC and the
    zone is put back on the way out; PostgreSQL's ``timestamptz`` keeps it.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(
        self, dialect: interfaces.Dialect
    ) -> sa.types.TypeEngine[Any]:
        """The backend type: ``DATETIME(6)`` on MariaDB, else the impl."""
        # NOTE: MariaDB's DATETIME drops fractions of a second unless told to
        # keep six digits; keyset pagination compares in-memory values with
        # stored ones, so both must be exact.
        if dialect.name in MYSQL_DIALECTS:
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(
        self, value: datetime.datetime | None, dialect: interfaces.Dialect
    ) -> datetime.datetime | None:
        """Convert to UTC; refuse naive values, whose zone is unknowable.

        Raises:
            ValueError: ``value`` has no time zone.
        """
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give it a time zone")
        value = value.astimezone(datetime.UTC)
        if dialect.name == "postgresql":
            return value
        return value.replace(tzinfo=None)

    def process_result_value(
        self, value: datetime.datetime | None, dialect: interfaces.Dialect
    ) -> datetime.datetime | None:
        """Return an aware UTC datetime whatever the backend handed back."""
        del dialect  # NOTE: the value alone says whether a zone came back.
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value.astimezone(datetime.UTC)


class Base(orm.DeclarativeBase):
    """Declarative base with the naming convention and common timestamps."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dict[str, Any]: sa.JSON,
        list[str]: sa.JSON,
        datetime.datetime: UTCDateTime(),
    }


class TimestampMixin:
    """``created_at`` / ``updated_at`` kept by the ORM."""

    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        onupdate=utcnow
    )
