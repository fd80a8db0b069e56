"""Node syncs: when each driver's nodes were first (and last) loaded.

The API refuses server creates, and ``/healthcheck`` reports not ready,
until an engine has completed its first node sync: a row here. Column types
are spelled out here (not imported from the models), as in 0001.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0005"
down_revision = "0004"
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
        "node_syncs",
        sa.Column("driver", _identifier(64), nullable=False),
        sa.Column("host", _identifier(255), nullable=False),
        sa.Column("nodes", sa.Integer(), nullable=False),
        sa.Column("first_synced_at", TIMESTAMP, nullable=False),
        sa.Column("last_synced_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("driver", name=op.f("pk_node_syncs")),
    )


def downgrade() -> None:
    op.drop_table("node_syncs")
