"""Floating IPs of the embedded network backend (no Neutron).

A floating IP is an address of an external network (``networks.external``)
allocated to a project, and mapped onto at most one server port at a time
(one-to-one NAT done outside Mogan). Two unique constraints make the
mapping race-safe whatever the isolation level: an address is allocated
once per network, and a port carries at most one floating IP. Deleting a
port unmaps its floating IP (``ON DELETE SET NULL``); the floating IP stays
its project's until released.

What must not live here: queries (``mogan.db.api.floating_ip``).
"""

import sqlalchemy as sa
from sqlalchemy import orm

from mogan.db.models.base import Base, TimestampMixin, identifier


class FloatingIp(TimestampMixin, Base):
    """One floating address of an external network, owned by a project."""

    __tablename__ = "floating_ips"
    __table_args__ = (
        sa.UniqueConstraint("network_uuid", "address"),
        sa.UniqueConstraint("port_uuid"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    network_uuid: orm.Mapped[str] = orm.mapped_column(
        identifier(36), sa.ForeignKey("networks.uuid", ondelete="RESTRICT"), index=True
    )
    # NOTE: canonical form (``ipaddress``), so lookups compare strings.
    address: orm.Mapped[str] = orm.mapped_column(sa.String(64), index=True)
    project_id: orm.Mapped[str] = orm.mapped_column(identifier(255), index=True)
    port_uuid: orm.Mapped[str | None] = orm.mapped_column(
        identifier(36), sa.ForeignKey("ports.uuid", ondelete="SET NULL")
    )
    fixed_address: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
