"""External networks and their floating IPs (embedded network backend).

``networks.external``: the network holds floating IPs instead of server
ports (false for existing rows). ``floating_ips``: an address of an
external network allocated to a project, mapped onto at most one port
(unique per network and address, and per port; a deleted port unmaps it).
Column types are spelled out here (not imported from the models), as in
0001.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-09
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0018"
down_revision = "0017"
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
    # NOTE: existing rows get false through a server default that is
    # dropped again, so the schema matches the model (which defaults in
    # Python).
    with op.batch_alter_table("networks") as batch:
        batch.add_column(
            sa.Column("external", sa.Boolean(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("networks") as batch:
        batch.alter_column("external", server_default=None)
    op.create_table(
        "floating_ips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", _identifier(36), nullable=False),
        sa.Column("network_uuid", _identifier(36), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("project_id", _identifier(255), nullable=False),
        sa.Column("port_uuid", _identifier(36), nullable=True),
        sa.Column("fixed_address", sa.String(64), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_floating_ips")),
        sa.ForeignKeyConstraint(
            ["network_uuid"],
            ["networks.uuid"],
            name=op.f("fk_floating_ips_network_uuid_networks"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["port_uuid"],
            ["ports.uuid"],
            name=op.f("fk_floating_ips_port_uuid_ports"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_floating_ips_uuid")),
        sa.UniqueConstraint(
            "network_uuid", "address", name=op.f("uq_floating_ips_network_uuid_address")
        ),
        sa.UniqueConstraint("port_uuid", name=op.f("uq_floating_ips_port_uuid")),
    )
    with op.batch_alter_table("floating_ips") as batch:
        batch.create_index(
            batch.f("ix_floating_ips_network_uuid"), ["network_uuid"], unique=False
        )
        batch.create_index(
            batch.f("ix_floating_ips_address"), ["address"], unique=False
        )
        batch.create_index(
            batch.f("ix_floating_ips_project_id"), ["project_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("floating_ips")
    with op.batch_alter_table("networks") as batch:
        batch.drop_column("external")
