"""Scheduling: aggregates, node traits and failure domains, server groups.

Also the nodes' claims-ledger view (``allocated``, ``consumer_uuid``) and
zones, and the servers' failure domains. Column types are spelled out here
(not imported from the models), as in 0001.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0003"
down_revision = "0002"
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
    op.create_table(
        "aggregates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", _identifier(36), nullable=False),
        sa.Column("name", _identifier(255), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aggregates")),
        sa.UniqueConstraint("name", name=op.f("uq_aggregates_name")),
        sa.UniqueConstraint("uuid", name=op.f("uq_aggregates_uuid")),
    )
    op.create_table(
        "node_domains",
        sa.Column("node_uuid", _identifier(36), nullable=False),
        sa.Column("level", _identifier(64), nullable=False),
        sa.Column("domain", _identifier(255), nullable=False),
        sa.PrimaryKeyConstraint("node_uuid", "level", name=op.f("pk_node_domains")),
    )
    with op.batch_alter_table("node_domains", schema=None) as batch_op:
        batch_op.create_index(
            "ix_node_domains_level_domain", ["level", "domain"], unique=False
        )

    op.create_table(
        "node_traits",
        sa.Column("node_uuid", _identifier(36), nullable=False),
        sa.Column("trait", _identifier(255), nullable=False),
        sa.PrimaryKeyConstraint("node_uuid", "trait", name=op.f("pk_node_traits")),
    )
    op.create_table(
        "server_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", _identifier(36), nullable=False),
        sa.Column("name", _identifier(255), nullable=False),
        sa.Column("project_id", _identifier(255), nullable=False),
        sa.Column("user_id", _identifier(255), nullable=False),
        sa.Column("policy", sa.String(length=32), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_groups")),
        sa.UniqueConstraint("uuid", name=op.f("uq_server_groups_uuid")),
    )
    with op.batch_alter_table("server_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_server_groups_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "aggregate_metadata",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("aggregate_id", sa.Integer(), nullable=False),
        sa.Column("key", _identifier(255), nullable=False),
        sa.Column("value", _identifier(255), nullable=False),
        sa.ForeignKeyConstraint(
            ["aggregate_id"],
            ["aggregates.id"],
            name=op.f("fk_aggregate_metadata_aggregate_id_aggregates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aggregate_metadata")),
        sa.UniqueConstraint(
            "aggregate_id", "key", name=op.f("uq_aggregate_metadata_aggregate_id_key")
        ),
    )
    with op.batch_alter_table("aggregate_metadata", schema=None) as batch_op:
        batch_op.create_index(
            "ix_aggregate_metadata_key_value", ["key", "value"], unique=False
        )

    op.create_table(
        "aggregate_nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("aggregate_id", sa.Integer(), nullable=False),
        sa.Column("node_uuid", _identifier(36), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["aggregate_id"],
            ["aggregates.id"],
            name=op.f("fk_aggregate_nodes_aggregate_id_aggregates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aggregate_nodes")),
        sa.UniqueConstraint(
            "aggregate_id",
            "node_uuid",
            name=op.f("uq_aggregate_nodes_aggregate_id_node_uuid"),
        ),
    )
    with op.batch_alter_table("aggregate_nodes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aggregate_nodes_node_uuid"), ["node_uuid"], unique=False
        )

    op.create_table(
        "server_group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("server_uuid", _identifier(36), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["server_groups.id"],
            name=op.f("fk_server_group_members_group_id_server_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_group_members")),
        sa.UniqueConstraint(
            "server_uuid", name=op.f("uq_server_group_members_server_uuid")
        ),
    )
    with op.batch_alter_table("server_group_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_server_group_members_group_id"), ["group_id"], unique=False
        )

    # NOTE: existing rows get '{}' through a server default that is dropped
    # again, so the schema matches the models (which default in Python).
    with op.batch_alter_table("nodes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "placement_rc", _identifier(255), nullable=False, server_default=""
            )
        )
        batch_op.add_column(
            sa.Column(
                "allocated", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(sa.Column("consumer_uuid", _identifier(36), nullable=True))
        batch_op.add_column(sa.Column("allocated_at", TIMESTAMP, nullable=True))
        batch_op.add_column(
            sa.Column("availability_zone", _identifier(255), nullable=True)
        )
        batch_op.add_column(sa.Column("affinity_zone", _identifier(255), nullable=True))
        batch_op.add_column(
            sa.Column("failure_domains", sa.JSON(), nullable=False, server_default="{}")
        )
        batch_op.create_index(
            batch_op.f("ix_nodes_availability_zone"),
            ["availability_zone"],
            unique=False,
        )
        batch_op.create_index(
            "ix_nodes_candidates",
            ["placement_rc", "consumable", "maintenance", "allocated", "uuid"],
            unique=False,
        )

    with op.batch_alter_table("servers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failure_domains", sa.JSON(), nullable=False, server_default="{}")
        )
    for table in ("nodes", "servers"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("failure_domains", server_default=None)
    with op.batch_alter_table("nodes", schema=None) as batch_op:
        batch_op.alter_column("allocated", server_default=None)
        batch_op.alter_column("placement_rc", server_default=None)


def downgrade() -> None:
    # NOTE: dropping a table drops its indexes; MariaDB refuses to drop an
    # index a foreign key needs first.
    with op.batch_alter_table("servers", schema=None) as batch_op:
        batch_op.drop_column("failure_domains")

    with op.batch_alter_table("nodes", schema=None) as batch_op:
        batch_op.drop_index("ix_nodes_candidates")
        batch_op.drop_index(batch_op.f("ix_nodes_availability_zone"))
        batch_op.drop_column("failure_domains")
        batch_op.drop_column("affinity_zone")
        batch_op.drop_column("availability_zone")
        batch_op.drop_column("allocated_at")
        batch_op.drop_column("consumer_uuid")
        batch_op.drop_column("allocated")
        batch_op.drop_column("placement_rc")

    op.drop_table("server_group_members")
    op.drop_table("aggregate_nodes")
    op.drop_table("aggregate_metadata")
    op.drop_table("server_groups")
    op.drop_table("node_traits")
    op.drop_table("node_domains")
    op.drop_table("aggregates")
