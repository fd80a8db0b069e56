"""SQLAlchemy 2 typed models: the tables Mogan owns.

The schema changes only through Alembic revisions in ``migrations/``; a test
proves the two agree on SQLite, PostgreSQL and MariaDB. Constraint names come
from the naming convention on ``Base.metadata`` so migrations are portable.
"""

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class Base(orm.DeclarativeBase):
    """Declarative base with the naming convention and common timestamps."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dict[str, Any]: sa.JSON,
        list[str]: sa.JSON,
        datetime.datetime: sa.DateTime(timezone=True),
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
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), unique=True)
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
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=_utcnow)

    flavor: orm.Mapped[Flavor] = orm.relationship(back_populates="projects")


class KeyPair(TimestampMixin, Base):
    """A user's SSH public key or x509 certificate."""

    __tablename__ = "key_pairs"
    __table_args__ = (sa.UniqueConstraint("user_id", "name"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    user_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255), index=True)
    fingerprint: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    public_key: orm.Mapped[str] = orm.mapped_column(sa.Text)
    type: orm.Mapped[str] = orm.mapped_column(sa.String(8), default="ssh")
