"""Server actions and their events: what was done to a server, step by step.

Neither table references ``servers`` (actions outlive their server and
the workflow rows). Column types are spelled out here (not imported from
the models), as in 0001.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0007"
down_revision = "0006"
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
        "server_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_uuid", _identifier(36), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("request_id", _identifier(64), nullable=False),
        sa.Column("project_id", _identifier(255), nullable=False),
        sa.Column("user_id", _identifier(255), nullable=True),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("message", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_actions")),
        sa.UniqueConstraint(
            "server_uuid",
            "request_id",
            name=op.f("uq_server_actions_server_uuid_request_id"),
        ),
    )
    op.create_index(
        "ix_server_actions_server_uuid_id",
        "server_actions",
        ["server_uuid", "id"],
        unique=False,
    )
    op.create_table(
        "server_action_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("node", _identifier(255), nullable=True),
        sa.Column("traceback", sa.Text(), nullable=True),
        sa.Column("details", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["server_actions.id"],
            name=op.f("fk_server_action_events_action_id_server_actions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_action_events")),
    )
    op.create_index(
        op.f("ix_server_action_events_action_id"),
        "server_action_events",
        ["action_id"],
        unique=False,
    )


def downgrade() -> None:
    # NOTE: dropping the table drops its indexes; MariaDB refuses to drop
    # the foreign key's index on its own.
    op.drop_table("server_action_events")
    op.drop_index("ix_server_actions_server_uuid_id", table_name="server_actions")
    op.drop_table("server_actions")
