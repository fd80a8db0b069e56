"""Servers, nodes, workflows, engines, images, networks, ports, quota locks.

Column types are spelled out here (not imported from the models), as in 0001.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002"
down_revision = "0001"
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
        "quota_locks",
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("owner", _identifier(255), nullable=False),
        sa.PrimaryKeyConstraint("resource", "owner", name=op.f("pk_quota_locks")),
    )
    op.create_table(
        "engines",
        sa.Column("host", _identifier(255), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("last_seen_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_engines")),
    )
    op.create_table(
        "images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", _identifier(36), nullable=False),
        sa.Column("name", _identifier(255), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(length=255), nullable=True),
        sa.Column("disk_format", sa.String(length=16), nullable=False),
        sa.Column("kernel_id", _identifier(36), nullable=True),
        sa.Column("ramdisk_id", _identifier(36), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("min_disk", sa.Integer(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("owner", _identifier(255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_images")),
        sa.UniqueConstraint("uuid", name=op.f("uq_images_uuid")),
    )
    op.create_table(
        "networks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", _identifier(36), nullable=False),
        sa.Column("name", _identifier(255), nullable=False),
        sa.Column("cidr", sa.String(length=64), nullable=False),
        sa.Column("gateway", sa.String(length=64), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("project_id", _identifier(255), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_networks")),
        sa.UniqueConstraint("uuid", name=op.f("uq_networks_uuid")),
    )
    op.create_table(
        "nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", _identifier(36), nullable=False),
        sa.Column("name", _identifier(255), nullable=False),
        sa.Column("driver", sa.String(length=64), nullable=False),
        sa.Column("resource_class", _identifier(255), nullable=False),
        sa.Column("traits", sa.JSON(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("ports", sa.JSON(), nullable=False),
        sa.Column("power_state", sa.String(length=16), nullable=True),
        sa.Column("maintenance", sa.Boolean(), nullable=False),
        sa.Column("consumable", sa.Boolean(), nullable=False),
        sa.Column("why_not", sa.String(length=255), nullable=True),
        sa.Column("server_uuid", _identifier(36), nullable=True),
        sa.Column("reservation", _identifier(255), nullable=True),
        sa.Column("provider_synced", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nodes")),
        sa.UniqueConstraint("server_uuid", name=op.f("uq_nodes_server_uuid")),
        sa.UniqueConstraint("uuid", name=op.f("uq_nodes_uuid")),
    )
    with op.batch_alter_table("nodes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nodes_consumable"), ["consumable"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_nodes_resource_class"), ["resource_class"], unique=False
        )

    op.create_table(
        "servers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", _identifier(36), nullable=False),
        sa.Column("name", _identifier(255), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.Column("project_id", _identifier(255), nullable=False),
        sa.Column("user_id", _identifier(255), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("power_state", sa.String(length=16), nullable=True),
        sa.Column("flavor_uuid", _identifier(36), nullable=True),
        sa.Column("image_uuid", _identifier(36), nullable=True),
        sa.Column("availability_zone", sa.String(length=255), nullable=True),
        sa.Column("node_uuid", _identifier(36), nullable=True),
        sa.Column("node", _identifier(255), nullable=True),
        sa.Column("launched_at", TIMESTAMP, nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("partitions", sa.JSON(), nullable=False),
        sa.Column("locked_by", sa.String(length=8), nullable=True),
        sa.Column("affinity_zone", sa.String(length=255), nullable=True),
        sa.Column("key_name", _identifier(255), nullable=True),
        sa.Column("system_metadata", sa.JSON(), nullable=False),
        sa.Column("request_id", _identifier(36), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_servers")),
        sa.UniqueConstraint("uuid", name=op.f("uq_servers_uuid")),
    )
    with op.batch_alter_table("servers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_servers_flavor_uuid"), ["flavor_uuid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_servers_node_uuid"), ["node_uuid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_servers_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_servers_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_servers_status"), ["status"], unique=False)

    op.create_table(
        "workflows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", _identifier(36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("server_uuid", _identifier(36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reverting", sa.Boolean(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_run_at", TIMESTAMP, nullable=False),
        sa.Column("owner", _identifier(255), nullable=True),
        sa.Column("lease_until", TIMESTAMP, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflows")),
        sa.UniqueConstraint("uuid", name=op.f("uq_workflows_uuid")),
    )
    with op.batch_alter_table("workflows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workflows_next_run_at"), ["next_run_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_workflows_server_uuid"), ["server_uuid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_workflows_status"), ["status"], unique=False
        )

    op.create_table(
        "ports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", _identifier(36), nullable=False),
        sa.Column("network_uuid", _identifier(36), nullable=False),
        sa.Column("mac_address", sa.String(length=32), nullable=True),
        sa.Column("fixed_ip", sa.String(length=64), nullable=False),
        sa.Column("server_uuid", _identifier(36), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["network_uuid"],
            ["networks.uuid"],
            name=op.f("fk_ports_network_uuid_networks"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ports")),
        sa.UniqueConstraint(
            "network_uuid", "fixed_ip", name=op.f("uq_ports_network_uuid_fixed_ip")
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_ports_uuid")),
    )
    with op.batch_alter_table("ports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ports_network_uuid"), ["network_uuid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ports_server_uuid"), ["server_uuid"], unique=False
        )

    op.create_table(
        "server_faults",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_uuid", _identifier(36), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["server_uuid"],
            ["servers.uuid"],
            name=op.f("fk_server_faults_server_uuid_servers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_faults")),
    )
    with op.batch_alter_table("server_faults", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_server_faults_server_uuid"), ["server_uuid"], unique=False
        )

    op.create_table(
        "server_nics",
        sa.Column("port_id", _identifier(36), nullable=False),
        sa.Column("server_uuid", _identifier(36), nullable=False),
        sa.Column("mac_address", sa.String(length=32), nullable=False),
        sa.Column("network_id", _identifier(36), nullable=False),
        sa.Column("fixed_ips", sa.JSON(), nullable=False),
        sa.Column("floating_ip", sa.String(length=64), nullable=True),
        sa.Column("preserve_on_delete", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["server_uuid"],
            ["servers.uuid"],
            name=op.f("fk_server_nics_server_uuid_servers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("port_id", name=op.f("pk_server_nics")),
    )
    with op.batch_alter_table("server_nics", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_server_nics_server_uuid"), ["server_uuid"], unique=False
        )


def downgrade() -> None:
    # NOTE: dropping a table drops its indexes; MariaDB refuses to drop an
    # index a foreign key still needs, so drop tables only, children first.
    for table in (
        "quota_locks",
        "server_nics",
        "server_faults",
        "ports",
        "servers",
        "networks",
        "workflows",
        "nodes",
        "images",
        "engines",
    ):
        op.drop_table(table)
