"""Per-section results of a server's hardware configuration.

``servers.hardware_result`` holds, for each section of the server's
hardware request (raid, bios, firmware, bonds), its status (pending,
applied, failed), the failure's message and what the node ended with.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("servers") as batch:
        batch.add_column(sa.Column("hardware_result", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("servers") as batch:
        batch.drop_column("hardware_result")
