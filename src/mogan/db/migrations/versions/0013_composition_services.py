"""Composition services and the resource blocks Mogan sees in them.

``composition_services``: the Redfish composition services operators
register (how to reach each; the password sealed with ``[DEFAULT]
secret_key``). ``resource_blocks``: the engine's indexed view of every
block of every service, rebuilt by the composition sync
(``engine.composition_sync``) with the Placement provider it mirrors to.
Column types are spelled out here (not imported from the models), as in
0001.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0013"
down_revision = "0012"
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
        "composition_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", _identifier(36), nullable=False),
        sa.Column("name", _identifier(255), nullable=False),
        sa.Column("address", sa.String(2048), nullable=False),
        sa.Column("username", sa.String(255), nullable=True),
        sa.Column("password", sa.Text(), nullable=True),
        sa.Column("verify_tls", sa.Boolean(), nullable=False),
        sa.Column("synced_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_composition_services")),
        sa.UniqueConstraint("uuid", name=op.f("uq_composition_services_uuid")),
        sa.UniqueConstraint("name", name=op.f("uq_composition_services_name")),
    )
    op.create_table(
        "resource_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_uuid", _identifier(36), nullable=False),
        sa.Column("block_id", _identifier(255), nullable=False),
        sa.Column("block_types", sa.JSON(), nullable=False),
        sa.Column("zones", sa.JSON(), nullable=False),
        sa.Column("zone", _identifier(255), nullable=True),
        sa.Column("composition_state", sa.String(64), nullable=False),
        sa.Column("reserved", sa.Boolean(), nullable=False),
        sa.Column("system", sa.String(2048), nullable=True),
        sa.Column("cpus", sa.Integer(), nullable=False),
        sa.Column("cores", sa.Integer(), nullable=False),
        sa.Column("memory_mb", sa.Integer(), nullable=False),
        sa.Column("storage_gb", sa.Integer(), nullable=False),
        sa.Column("accelerators", sa.JSON(), nullable=False),
        sa.Column("provider_uuid", _identifier(36), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_blocks")),
        sa.ForeignKeyConstraint(
            ["service_uuid"],
            ["composition_services.uuid"],
            name=op.f("fk_resource_blocks_service_uuid_composition_services"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "service_uuid",
            "block_id",
            name=op.f("uq_resource_blocks_service_uuid_block_id"),
        ),
        sa.UniqueConstraint(
            "provider_uuid", name=op.f("uq_resource_blocks_provider_uuid")
        ),
    )
    op.create_index(
        op.f("ix_resource_blocks_service_uuid_zone"),
        "resource_blocks",
        ["service_uuid", "zone"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_resource_blocks_service_uuid_zone"), table_name="resource_blocks"
    )
    op.drop_table("resource_blocks")
    op.drop_table("composition_services")
