"""Composition services: a tombstone while a service is being removed.

``composition_services.removing_at``: set by the service delete before it
withdraws the service's Placement providers, so a sync of the same service
on another engine sees the removal and neither starts nor keeps what it
wrote (``engine.composition_sync``). Null for a live service.

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


def downgrade() -> None:
    with op.batch_alter_table("composition_services") as batch:
        batch.drop_column("removing_at")
