"""Resource blocks: the chassis they are in.

``resource_blocks.chassis``: the ids of the chassis the composition
service links the block to (Redfish ``ResourceBlock.Links.Chassis``), in
the service's order, written by the composition sync. The chassis of a
composed server's Compute block is its failure domain at the ``chassis``
scope of server groups. Existing rows get an empty list (no chassis known)
until the next sync.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOTE: existing rows get [] through a server default that is dropped
    # again, so the schema matches the model (which defaults in Python).
    with op.batch_alter_table("resource_blocks") as batch:
        batch.add_column(
            sa.Column("chassis", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("resource_blocks") as batch:
        batch.alter_column("chassis", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("resource_blocks") as batch:
        batch.drop_column("chassis")
