"""Tables of scheduling: aggregates, node indexes, hardware classes, server groups.

``hardware_classes`` holds, once per hardware shape, the facts of node
inventories that scheduling filters on (``mogan.scheduler.hardware``);
``nodes.hardware_class`` names a node's. ``node_traits`` and
``node_domains`` are indexes of the ``nodes`` view, kept by whoever writes
the node (the node sync for traits, the aggregate service for domains), so
candidate queries filter by trait or failure domain with an index instead of
reading JSON.
"""

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan.db.models.base import Base, TimestampMixin, identifier, utcnow


class Aggregate(TimestampMixin, Base):
    """A named set of nodes with metadata (v1 section 1.10)."""

    __tablename__ = "aggregates"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255), unique=True)

    metadata_items: orm.Mapped[list["AggregateMetadata"]] = orm.relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="AggregateMetadata.key",
    )


class AggregateMetadata(Base):
    """One ``key = value`` of an aggregate."""

    __tablename__ = "aggregate_metadata"
    __table_args__ = (
        sa.UniqueConstraint("aggregate_id", "key"),
        sa.Index("ix_aggregate_metadata_key_value", "key", "value"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    aggregate_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("aggregates.id", ondelete="CASCADE")
    )
    key: orm.Mapped[str] = orm.mapped_column(identifier(255))
    value: orm.Mapped[str] = orm.mapped_column(identifier(255))


class AggregateNode(Base):
    """A node's membership of an aggregate (by node uuid; survives re-enrolment)."""

    __tablename__ = "aggregate_nodes"
    __table_args__ = (sa.UniqueConstraint("aggregate_id", "node_uuid"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    aggregate_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("aggregates.id", ondelete="CASCADE")
    )
    node_uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), index=True)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)


class NodeTrait(Base):
    """One trait of a node (the index of ``nodes.traits``)."""

    __tablename__ = "node_traits"

    node_uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), primary_key=True)
    trait: orm.Mapped[str] = orm.mapped_column(identifier(255), primary_key=True)


class NodeDomain(Base):
    """The failure domain a node is in at one level (the index of ``failure_domains``).

    ``domain`` is the full path down to ``level`` for hierarchical levels
    (``room-a/row-3/rack-12``), so equal rack names in different rooms differ.
    """

    __tablename__ = "node_domains"
    __table_args__ = (sa.Index("ix_node_domains_level_domain", "level", "domain"),)

    node_uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), primary_key=True)
    level: orm.Mapped[str] = orm.mapped_column(identifier(64), primary_key=True)
    domain: orm.Mapped[str] = orm.mapped_column(identifier(255))


class HardwareClass(Base):
    """Scheduling facts shared by nodes of one hardware shape (never changed).

    ``fingerprint`` is a digest of ``facts``: equal facts, one row.
    """

    __tablename__ = "hardware_classes"

    fingerprint: orm.Mapped[str] = orm.mapped_column(identifier(64), primary_key=True)
    facts: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)


class ServerGroup(TimestampMixin, Base):
    """A set of servers placed by a policy over failure domains (v1 section 1.12).

    ``rules`` holds the scope (failure-domain level) and ``max_per_domain``.
    """

    __tablename__ = "server_groups"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255))
    project_id: orm.Mapped[str] = orm.mapped_column(identifier(255), index=True)
    user_id: orm.Mapped[str] = orm.mapped_column(identifier(255))
    policy: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    rules: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)

    members: orm.Mapped[list["ServerGroupMember"]] = orm.relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ServerGroupMember.id",
    )


class ServerGroupMember(Base):
    """A server's membership of a group (a server is in at most one group)."""

    __tablename__ = "server_group_members"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    group_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("server_groups.id", ondelete="CASCADE"), index=True
    )
    server_uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)
