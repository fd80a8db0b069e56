"""Hardware profiles, their access lists, flavors' profiles, servers' hardware.

Adds ``hardware_profiles`` and ``hardware_profile_projects``, the flavor's
default and allowed profiles, and the server's effective hardware request
(``servers.hardware``). Column types are spelled out here (not imported from
the models), as in 0001.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0009"
down_revision = "0008"
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
        "hardware_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", _identifier(36), nullable=False),
        sa.Column("name", _identifier(255), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("raid", sa.JSON(), nullable=True),
        sa.Column("partitions", sa.JSON(), nullable=True),
        sa.Column("bios", sa.JSON(), nullable=True),
        sa.Column("firmware", sa.JSON(), nullable=True),
        sa.Column("traits", sa.JSON(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hardware_profiles")),
        sa.UniqueConstraint("uuid", name=op.f("uq_hardware_profiles_uuid")),
        sa.UniqueConstraint("name", name=op.f("uq_hardware_profiles_name")),
    )
    op.create_table(
        "hardware_profile_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("project_id", _identifier(255), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["hardware_profiles.id"],
            name=op.f("fk_hardware_profile_projects_profile_id_hardware_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hardware_profile_projects")),
        sa.UniqueConstraint(
            "profile_id",
            "project_id",
            name=op.f("uq_hardware_profile_projects_profile_id_project_id"),
        ),
    )
    op.create_index(
        op.f("ix_hardware_profile_projects_profile_id"),
        "hardware_profile_projects",
        ["profile_id"],
        unique=False,
    )
    with op.batch_alter_table("flavors") as batch_op:
        batch_op.add_column(
            sa.Column("default_hardware_profile", _identifier(36), nullable=True)
        )
        batch_op.add_column(
            sa.Column("allowed_hardware_profiles", sa.JSON(), nullable=True)
        )
    with op.batch_alter_table("servers") as batch_op:
        batch_op.add_column(sa.Column("hardware", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("servers") as batch_op:
        batch_op.drop_column("hardware")
    with op.batch_alter_table("flavors") as batch_op:
        batch_op.drop_column("allowed_hardware_profiles")
        batch_op.drop_column("default_hardware_profile")
    op.drop_table("hardware_profile_projects")
    op.drop_table("hardware_profiles")
