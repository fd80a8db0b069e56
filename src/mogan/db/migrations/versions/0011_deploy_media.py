"""Deploy media: files the API serves to BMCs on URLs that expire.

``deploy_media`` holds each medium's bytes (a config drive ISO) under the
name its publisher gave it, the SHA-256 of its URL token, and when it
expires. Column types are spelled out here (not imported from the
models), as in 0001.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

MYSQL_DIALECTS = ("mysql", "mariadb")
# NOTE: DATETIME(6) on MariaDB keeps microseconds; values are UTC.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(
    mysql.DATETIME(fsp=6), *MYSQL_DIALECTS
)
# NOTE: MariaDB's BLOB holds 64 KiB; LONGBLOB holds 4 GiB.
BLOB = sa.LargeBinary().with_variant(mysql.LONGBLOB(), *MYSQL_DIALECTS)


def _identifier(length: int) -> sa.types.TypeEngine[str]:
    # NOTE: binary collation on MariaDB so names and ids compare exactly.
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"),
        *MYSQL_DIALECTS,
    )


def upgrade() -> None:
    op.create_table(
        "deploy_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _identifier(255), nullable=False),
        sa.Column("token_hash", _identifier(64), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", BLOB, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deploy_media")),
        sa.UniqueConstraint("name", name=op.f("uq_deploy_media_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_deploy_media_token_hash")),
    )
    op.create_index(
        op.f("ix_deploy_media_expires_at"), "deploy_media", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_deploy_media_expires_at"), table_name="deploy_media")
    op.drop_table("deploy_media")
