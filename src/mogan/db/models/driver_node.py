"""Driver nodes: the nodes a driver with no registry of its own keeps in Mogan.

One row per node enrolled into such a driver (``Driver.needs_store``; the
Redfish driver): what Mogan knows it as, how to reach its BMC (the password
sealed by ``mogan.crypto``, never plaintext), and the driver's own JSON
``state``, every write of which is a compare-and-set on ``version``.
Mogan's indexed view of the fleet (``nodes``) is the node sync's, built
from what the driver lists; this table is the driver's registry under it.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan.db.models.base import Base, TimestampMixin, identifier


class DriverNode(TimestampMixin, Base):
    """A node enrolled into a driver that keeps its nodes in Mogan."""

    __tablename__ = "driver_nodes"
    __table_args__ = (sa.UniqueConstraint("driver", "name"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    driver: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    name: orm.Mapped[str] = orm.mapped_column(identifier(255))
    resource_class: orm.Mapped[str] = orm.mapped_column(identifier(255))
    traits: orm.Mapped[list[str]] = orm.mapped_column(default=list)
    properties: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    ports: orm.Mapped[list[str]] = orm.mapped_column(default=list)
    maintenance: orm.Mapped[bool] = orm.mapped_column(default=False)
    bmc_address: orm.Mapped[str] = orm.mapped_column(sa.String(2048))
    bmc_username: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    # NOTE: sealed (``fernet:...``); ``mogan-dbsync reseal`` re-seals it
    # with the current key after a rotation.
    bmc_password: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    bmc_verify_tls: orm.Mapped[bool] = orm.mapped_column(default=True)
    state: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    version: orm.Mapped[int] = orm.mapped_column(default=1)
