"""Nodes: the version of their ports that their inventory was read at.

``nodes.ports_version``: the driver's digest of the node's ports
(``NodeSpec.ports_version``: addresses, physical networks, switch ports,
bonds) when the node sync last read the node's inventory successfully. A
different digest in a later listing makes the sync read the inventory
again, so a port cabled or bonded after the read reaches bond planning.
Null for nodes whose driver gives no digest, and until the next read.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nodes") as batch:
        batch.add_column(sa.Column("ports_version", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("nodes") as batch:
        batch.drop_column("ports_version")
