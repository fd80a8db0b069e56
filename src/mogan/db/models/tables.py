"""SQLAlchemy 2 typed models: the tables Mogan owns.

The schema changes only through Alembic revisions in ``migrations/``; a test
proves the two agree on SQLite, PostgreSQL and MariaDB. Constraint names come
from the naming convention on ``Base.metadata`` so migrations are portable.
No queries live here (they are in ``mogan.db.api``).

Two column types smooth over backend differences, and every datetime or
identifier column uses them:

- ``UTCDateTime``: aware UTC datetimes in and out on every backend, with
  microseconds kept on MariaDB.
- ``identifier()``: a ``VARCHAR`` compared byte for byte, so names and owner ids
  are case-sensitive (and unique case-sensitively) on MariaDB as they are on
  SQLite and PostgreSQL.
"""

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


def _utcnow() -> datetime.datetime:
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

    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=_utcnow)
    updated_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        onupdate=_utcnow
    )


class Flavor(TimestampMixin, Base):
    """A kind of server tenants can ask for, mapped to node resources."""

    __tablename__ = "flavors"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255), unique=True)
    description: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    resources: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    resource_traits: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    resource_aggregates: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    is_public: orm.Mapped[bool] = orm.mapped_column(default=True)
    disabled: orm.Mapped[bool] = orm.mapped_column(default=False)

    projects: orm.Mapped[list["FlavorProject"]] = orm.relationship(
        back_populates="flavor",
        cascade="all, delete-orphan",
        order_by="FlavorProject.project_id",
    )


class FlavorProject(Base):
    """One project on a private flavor's access list."""

    __tablename__ = "flavor_projects"
    __table_args__ = (sa.UniqueConstraint("flavor_id", "project_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    flavor_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("flavors.id", ondelete="CASCADE"), index=True
    )
    project_id: orm.Mapped[str] = orm.mapped_column(identifier(255))
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=_utcnow)

    flavor: orm.Mapped[Flavor] = orm.relationship(back_populates="projects")


class KeyPair(TimestampMixin, Base):
    """A user's SSH public key or x509 certificate."""

    __tablename__ = "key_pairs"
    __table_args__ = (sa.UniqueConstraint("user_id", "name"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255))
    user_id: orm.Mapped[str] = orm.mapped_column(identifier(255))
    project_id: orm.Mapped[str] = orm.mapped_column(identifier(255), index=True)
    fingerprint: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    public_key: orm.Mapped[str] = orm.mapped_column(sa.Text)
    type: orm.Mapped[str] = orm.mapped_column(sa.String(8), default="ssh")


class Node(TimestampMixin, Base):
    """Mogan's indexed view of a node, kept in step with the driver and Placement.

    ``reservation`` is the engine host holding the node lock (taken with a
    conditional UPDATE); ``server_uuid`` the server deployed on it.
    """

    __tablename__ = "nodes"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255))
    driver: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    resource_class: orm.Mapped[str] = orm.mapped_column(identifier(255), index=True)
    traits: orm.Mapped[list[str]] = orm.mapped_column(default=list)
    properties: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    ports: orm.Mapped[list[str]] = orm.mapped_column(default=list)
    power_state: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    maintenance: orm.Mapped[bool] = orm.mapped_column(default=False)
    consumable: orm.Mapped[bool] = orm.mapped_column(default=False, index=True)
    why_not: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    server_uuid: orm.Mapped[str | None] = orm.mapped_column(identifier(36), unique=True)
    reservation: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    provider_synced: orm.Mapped[bool] = orm.mapped_column(default=False)


class Server(TimestampMixin, Base):
    """A tenant's bare-metal server (v1 section 3.1)."""

    __tablename__ = "servers"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255))
    description: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str] = orm.mapped_column(identifier(255), index=True)
    user_id: orm.Mapped[str] = orm.mapped_column(identifier(255))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(32), index=True)
    power_state: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    flavor_uuid: orm.Mapped[str | None] = orm.mapped_column(identifier(36), index=True)
    image_uuid: orm.Mapped[str | None] = orm.mapped_column(identifier(36))
    availability_zone: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    node_uuid: orm.Mapped[str | None] = orm.mapped_column(identifier(36), index=True)
    node: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    launched_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column()
    extra: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    partitions: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    locked_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(8))
    affinity_zone: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    key_name: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    system_metadata: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    request_id: orm.Mapped[str] = orm.mapped_column(identifier(36), index=True)

    faults: orm.Mapped[list["ServerFault"]] = orm.relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ServerFault.id",
    )
    nics: orm.Mapped[list["ServerNic"]] = orm.relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ServerNic.port_id",
    )


class ServerFault(Base):
    """Why an operation on a server failed."""

    __tablename__ = "server_faults"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    server_uuid: orm.Mapped[str] = orm.mapped_column(
        identifier(36),
        sa.ForeignKey("servers.uuid", ondelete="CASCADE"),
        index=True,
    )
    code: orm.Mapped[int] = orm.mapped_column()
    message: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    detail: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=_utcnow)


class ServerNic(Base):
    """A network port attached to a server."""

    __tablename__ = "server_nics"

    port_id: orm.Mapped[str] = orm.mapped_column(identifier(36), primary_key=True)
    server_uuid: orm.Mapped[str] = orm.mapped_column(
        identifier(36),
        sa.ForeignKey("servers.uuid", ondelete="CASCADE"),
        index=True,
    )
    mac_address: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    network_id: orm.Mapped[str] = orm.mapped_column(identifier(36))
    fixed_ips: orm.Mapped[list[dict[str, Any]]] = orm.mapped_column(
        sa.JSON, default=list
    )
    floating_ip: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    preserve_on_delete: orm.Mapped[bool] = orm.mapped_column(default=False)


class Workflow(TimestampMixin, Base):
    """A persisted, resumable operation: ordered steps with do and undo.

    An engine takes a due workflow by setting ``owner`` and ``lease_until``
    with a conditional UPDATE; a dead engine's lease runs out and another
    engine resumes the workflow at ``step``.
    """

    __tablename__ = "workflows"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    server_uuid: orm.Mapped[str | None] = orm.mapped_column(identifier(36), index=True)
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16), index=True)
    reverting: orm.Mapped[bool] = orm.mapped_column(default=False)
    step: orm.Mapped[int] = orm.mapped_column(default=0)
    attempts: orm.Mapped[int] = orm.mapped_column(default=0)
    next_run_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        default=_utcnow, index=True
    )
    owner: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    lease_until: orm.Mapped[datetime.datetime | None] = orm.mapped_column()
    last_error: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    args: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    state: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)


class Engine(Base):
    """A running engine, known by its host name and heartbeat."""

    __tablename__ = "engines"

    host: orm.Mapped[str] = orm.mapped_column(identifier(255), primary_key=True)
    started_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=_utcnow)
    last_seen_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=_utcnow)


class Image(TimestampMixin, Base):
    """An image in the embedded catalogue (used when there is no Glance)."""

    __tablename__ = "images"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255))
    url: orm.Mapped[str] = orm.mapped_column(sa.Text)
    checksum: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    disk_format: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    kernel_id: orm.Mapped[str | None] = orm.mapped_column(identifier(36))
    ramdisk_id: orm.Mapped[str | None] = orm.mapped_column(identifier(36))
    size: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    min_disk: orm.Mapped[int] = orm.mapped_column(default=0)
    visibility: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="public")
    owner: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="active")


class Network(TimestampMixin, Base):
    """A flat network of the embedded IPAM (used when there is no Neutron)."""

    __tablename__ = "networks"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255))
    cidr: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    gateway: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    shared: orm.Mapped[bool] = orm.mapped_column(default=True)
    project_id: orm.Mapped[str | None] = orm.mapped_column(identifier(255))


class Port(TimestampMixin, Base):
    """An address on an embedded network, bound to a server's NIC."""

    __tablename__ = "ports"
    __table_args__ = (sa.UniqueConstraint("network_uuid", "fixed_ip"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    network_uuid: orm.Mapped[str] = orm.mapped_column(
        identifier(36), sa.ForeignKey("networks.uuid", ondelete="RESTRICT"), index=True
    )
    mac_address: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    fixed_ip: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    server_uuid: orm.Mapped[str | None] = orm.mapped_column(identifier(36), index=True)


class QuotaLock(Base):
    """One row per (resource, owner) that quota checks lock to serialise.

    Counting then inserting races under concurrency; taking this row's lock
    first (SELECT ... FOR UPDATE) makes concurrent checks for one owner queue.
    """

    __tablename__ = "quota_locks"

    resource: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    owner: orm.Mapped[str] = orm.mapped_column(identifier(255), primary_key=True)
