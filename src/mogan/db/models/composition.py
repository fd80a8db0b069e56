"""Composition services and their resource blocks, as Mogan keeps them.

``CompositionService``: a Redfish composition service an operator
registered (its password sealed by ``mogan.crypto``, never plaintext).
``ResourceBlock``: the engine's indexed view of one block of one service,
written only by the composition sync (``engine.composition_sync``), with
the uuid of the Placement provider it is mirrored to.
``ComposedSystem``: the system a composed server is built as, from the
claim of its blocks to its decomposition.
"""

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan.db.models.base import Base, TimestampMixin, identifier


class CompositionService(TimestampMixin, Base):
    """A registered Redfish composition service."""

    __tablename__ = "composition_services"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255), unique=True)
    address: orm.Mapped[str] = orm.mapped_column(sa.String(2048))
    username: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    # NOTE: sealed (``fernet:...``); ``mogan-dbsync reseal`` re-seals it.
    password: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    verify_tls: orm.Mapped[bool] = orm.mapped_column(default=True)
    synced_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column()
    # NOTE: the tombstone of a delete under way: a sync that sees it writes
    # nothing, and one that wrote before it withdraws what it wrote.
    removing_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column()


class ResourceBlock(TimestampMixin, Base):
    """One block of a composition service (the sync's view)."""

    __tablename__ = "resource_blocks"
    __table_args__ = (
        sa.UniqueConstraint("service_uuid", "block_id"),
        sa.Index(None, "service_uuid", "zone"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    service_uuid: orm.Mapped[str] = orm.mapped_column(
        identifier(36),
        sa.ForeignKey("composition_services.uuid", ondelete="CASCADE"),
    )
    block_id: orm.Mapped[str] = orm.mapped_column(identifier(255))
    block_types: orm.Mapped[list[str]] = orm.mapped_column(default=list)
    zones: orm.Mapped[list[str]] = orm.mapped_column(default=list)
    # NOTE: the zone whose provider is the block's parent (its first zone).
    zone: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    composition_state: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    reserved: orm.Mapped[bool] = orm.mapped_column(default=False)
    system: orm.Mapped[str | None] = orm.mapped_column(sa.String(2048))
    # NOTE: the ids of the chassis the service links the block to, in its
    # order; the first of a Compute block's is a composed server's chassis.
    chassis: orm.Mapped[list[str]] = orm.mapped_column(default=list)
    cpus: orm.Mapped[int] = orm.mapped_column(default=0)
    cores: orm.Mapped[int] = orm.mapped_column(default=0)
    memory_mb: orm.Mapped[int] = orm.mapped_column(default=0)
    storage_gb: orm.Mapped[int] = orm.mapped_column(default=0)
    accelerators: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    provider_uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    # NOTE: the server whose claim holds the block, as the scheduler last
    # knew it (Placement stays the truth), like ``nodes.consumer_uuid``.
    consumer_uuid: orm.Mapped[str | None] = orm.mapped_column(
        identifier(36), index=True
    )


class ComposedSystem(TimestampMixin, Base):
    """A composed server's system, from its claim to its decomposition.

    Written when the scheduler claims the blocks (``blocks``, ``service_uuid``,
    ``zone`` and the ``node_uuid`` the system will be enrolled under), given
    its ``system`` path once the service composed it, and deleted once the
    system is decomposed and the claim released.
    """

    __tablename__ = "composed_systems"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    server_uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    node_uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    # NOTE: no foreign key: a service is refused removal while Placement
    # holds a claim on its blocks, and this row outlives the claim only
    # until its decomposition finishes.
    service_uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), index=True)
    zone: orm.Mapped[str] = orm.mapped_column(identifier(255))
    blocks: orm.Mapped[list[str]] = orm.mapped_column(default=list)
    system: orm.Mapped[str | None] = orm.mapped_column(sa.String(2048))
