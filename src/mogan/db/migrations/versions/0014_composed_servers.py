"""Composed servers: composable flavors, block claims, composed systems.

- ``flavors.composable``: the flavor's ``resources`` are amounts to build
  from resource blocks (``VCPU``, ``MEMORY_MB``, ``DISK_GB``, custom
  classes) within one resource zone, not a node resource class.
- ``servers.composed``: the server is built from blocks (copied from its
  flavor when it is created, so a later flavor change cannot relabel it).
- ``resource_blocks.consumer_uuid``: the server whose Placement claim
  holds the block, in the scheduler's indexed view (as ``nodes`` has).
- ``composed_systems``: one row per composed server from its claim to its
  decomposition: the blocks claimed for it, the service and zone, the
  node uuid it is enrolled under and the system path once composed.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

MYSQL_DIALECTS = ("mysql", "mariadb")
# NOTE: DATETIME(6) on MariaDB keeps microseconds; values are UTC.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(
    mysql.DATETIME(fsp=6), *MYSQL_DIALECTS
)


def _identifier(length: int) -> sa.types.TypeEngine[str]:
    # NOTE: binary collation on MariaDB so names and ids compare exactly.
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"),
        *MYSQL_DIALECTS,
    )


def upgrade() -> None:
    # NOTE: existing rows get false through a server default that is dropped
    # again, so the schema matches the models (which default in Python).
    with op.batch_alter_table("flavors") as batch:
        batch.add_column(
            sa.Column(
                "composable", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("servers") as batch:
        batch.add_column(
            sa.Column(
                "composed", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    for table, column in (("flavors", "composable"), ("servers", "composed")):
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, server_default=None)
    with op.batch_alter_table("resource_blocks") as batch:
        batch.add_column(sa.Column("consumer_uuid", _identifier(36), nullable=True))
        batch.create_index(
            batch.f("ix_resource_blocks_consumer_uuid"), ["consumer_uuid"]
        )
    op.create_table(
        "composed_systems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_uuid", _identifier(36), nullable=False),
        sa.Column("node_uuid", _identifier(36), nullable=False),
        sa.Column("service_uuid", _identifier(36), nullable=False),
        sa.Column("zone", _identifier(255), nullable=False),
        sa.Column("blocks", sa.JSON(), nullable=False),
        sa.Column("system", sa.String(2048), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_composed_systems")),
        sa.UniqueConstraint(
            "server_uuid", name=op.f("uq_composed_systems_server_uuid")
        ),
        sa.UniqueConstraint("node_uuid", name=op.f("uq_composed_systems_node_uuid")),
    )
    op.create_index(
        op.f("ix_composed_systems_service_uuid"), "composed_systems", ["service_uuid"]
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_composed_systems_service_uuid"), table_name="composed_systems"
    )
    op.drop_table("composed_systems")
    with op.batch_alter_table("resource_blocks") as batch:
        batch.drop_index(batch.f("ix_resource_blocks_consumer_uuid"))
        batch.drop_column("consumer_uuid")
    with op.batch_alter_table("servers") as batch:
        batch.drop_column("composed")
    with op.batch_alter_table("flavors") as batch:
        batch.drop_column("composable")
