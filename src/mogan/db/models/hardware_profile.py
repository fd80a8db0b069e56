"""Hardware profiles: named, reusable hardware requests, and their access lists.

A profile holds any of the ``raid``, ``partitions``, ``bios`` and
``firmware`` sections in their wire form (``api.schemas.hardware``) and the
traits a node needs for it; private profiles are shared per project, as
flavors are.
"""

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan.db.models.base import Base, TimestampMixin, identifier, utcnow


class HardwareProfile(TimestampMixin, Base):
    """A named hardware configuration tenants pick by name or uuid."""

    __tablename__ = "hardware_profiles"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255), unique=True)
    description: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    is_public: orm.Mapped[bool] = orm.mapped_column(default=True)
    # NOTE: sections in the wire form, absent sections as SQL NULL.
    raid: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(sa.JSON)
    partitions: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(sa.JSON)
    bios: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(sa.JSON)
    firmware: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(sa.JSON)
    traits: orm.Mapped[list[str]] = orm.mapped_column(default=list)

    projects: orm.Mapped[list["HardwareProfileProject"]] = orm.relationship(
        back_populates="profile",
        cascade="all, delete-orphan",
        order_by="HardwareProfileProject.project_id",
    )


class HardwareProfileProject(Base):
    """One project on a private hardware profile's access list."""

    __tablename__ = "hardware_profile_projects"
    __table_args__ = (sa.UniqueConstraint("profile_id", "project_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    profile_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("hardware_profiles.id", ondelete="CASCADE"), index=True
    )
    project_id: orm.Mapped[str] = orm.mapped_column(identifier(255))
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)

    profile: orm.Mapped[HardwareProfile] = orm.relationship(back_populates="projects")
