"""Node hardware: each node's inventory and the hardware classes scheduling uses.

``nodes.inventory`` holds the driver's typed inventory (JSON form),
``nodes.hardware_class`` the fingerprint of its scheduling facts, stored
once per hardware shape in ``hardware_classes``. Column types are spelled
out here (not imported from the models), as in 0001.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

MYSQL_DIALECTS = ("mysql", "mariadb")
CANDIDATES = ("placement_rc", "consumable", "maintenance", "allocated", "uuid")
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
        "hardware_classes",
        sa.Column("fingerprint", _identifier(64), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_hardware_classes")),
    )
    with op.batch_alter_table("nodes") as batch:
        batch.add_column(sa.Column("inventory", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("inventory_at", TIMESTAMP, nullable=True))
        batch.add_column(sa.Column("hardware_class", _identifier(64), nullable=True))
        batch.create_index(
            batch.f("ix_nodes_hardware_class"), ["hardware_class"], unique=False
        )
        # NOTE: the candidate query checks the hardware class (and the
        # server) from the index, reading no row for nodes it skips.
        batch.drop_index("ix_nodes_candidates")
        batch.create_index(
            "ix_nodes_candidates", [*CANDIDATES, "hardware_class", "server_uuid"]
        )


def downgrade() -> None:
    with op.batch_alter_table("nodes") as batch:
        batch.drop_index("ix_nodes_candidates")
        batch.create_index("ix_nodes_candidates", list(CANDIDATES))
        batch.drop_index(batch.f("ix_nodes_hardware_class"))
        batch.drop_column("hardware_class")
        batch.drop_column("inventory_at")
        batch.drop_column("inventory")
    op.drop_table("hardware_classes")
