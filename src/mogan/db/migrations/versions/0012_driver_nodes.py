"""Driver nodes: nodes enrolled into Mogan for drivers with no registry of their own.

A Redfish BMC knows only itself, so a driver that needs a node store
(``Driver.needs_store``) keeps its nodes here (``engine.node_store``): what
Mogan knows each node as, how to reach its BMC (the password sealed with
``[DEFAULT] secret_key``), and the driver's own state, written by
compare-and-set on ``version``. ``nodes.driver_info`` shows how a node
enrolled through the API is reached (never its password). Column types are
spelled out here (not imported from the models), as in 0001.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0012"
down_revision = "0011"
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
        "driver_nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", _identifier(36), nullable=False),
        sa.Column("driver", sa.String(64), nullable=False),
        sa.Column("name", _identifier(255), nullable=False),
        sa.Column("resource_class", _identifier(255), nullable=False),
        sa.Column("traits", sa.JSON(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("ports", sa.JSON(), nullable=False),
        sa.Column("maintenance", sa.Boolean(), nullable=False),
        sa.Column("bmc_address", sa.String(2048), nullable=False),
        sa.Column("bmc_username", sa.String(255), nullable=True),
        sa.Column("bmc_password", sa.Text(), nullable=True),
        sa.Column("bmc_verify_tls", sa.Boolean(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driver_nodes")),
        sa.UniqueConstraint("uuid", name=op.f("uq_driver_nodes_uuid")),
        sa.UniqueConstraint("driver", "name", name=op.f("uq_driver_nodes_driver_name")),
    )
    with op.batch_alter_table("nodes") as batch:
        batch.add_column(sa.Column("driver_info", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("nodes") as batch:
        batch.drop_column("driver_info")
    op.drop_table("driver_nodes")
