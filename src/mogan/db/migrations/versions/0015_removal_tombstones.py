"""Tombstones for removals that race a sync on another engine.

- ``composition_services.removing_at``: set by the service delete before
  it withdraws the service's Placement providers, so a sync of the same
  service on another engine sees the removal and neither starts nor keeps
  what it wrote (``engine.composition_sync``, ``engine.composition_removal``).
- ``nodes.leaving_at``: set by a node's removal (``engine.enrolment``)
  before it deletes the node's provider, so the node sync of another engine
  skips the node, and withdraws a provider it created for it meanwhile,
  while the driver forgets it (``engine.node_sync``).

Both are null for a live row.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

MYSQL_DIALECTS = ("mysql", "mariadb")
# NOTE: DATETIME(6) on MariaDB keeps microseconds; values are UTC.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(
    mysql.DATETIME(fsp=6), *MYSQL_DIALECTS
)


def upgrade() -> None:
    with op.batch_alter_table("composition_services") as batch:
        batch.add_column(sa.Column("removing_at", TIMESTAMP, nullable=True))
    with op.batch_alter_table("nodes") as batch:
        batch.add_column(sa.Column("leaving_at", TIMESTAMP, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("nodes") as batch:
        batch.drop_column("leaving_at")
    with op.batch_alter_table("composition_services") as batch:
        batch.drop_column("removing_at")
