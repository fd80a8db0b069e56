"""Initial schema: flavors, flavor access lists, keypairs.

The column types are spelled out here rather than imported from the models,
so this revision keeps meaning what it meant when later ones change the models;
``tests/db/test_migrations.py`` proves models and revisions agree.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-21 20:14:55.412186
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

MYSQL_DIALECTS = ("mysql", "mariadb")


def _identifier(length: int) -> sa.types.TypeEngine[str]:
    # NOTE: binary collation on MariaDB so names and ids compare exactly.
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"),
        *MYSQL_DIALECTS,
    )


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    # NOTE: DATETIME(6) on MariaDB keeps microseconds; values are UTC.
    return sa.Column(
        name,
        sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), *MYSQL_DIALECTS),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "flavors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", _identifier(36), nullable=False),
        sa.Column("name", _identifier(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("resources", sa.JSON(), nullable=False),
        sa.Column("resource_traits", sa.JSON(), nullable=False),
        sa.Column("resource_aggregates", sa.JSON(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flavors")),
        sa.UniqueConstraint("name", name=op.f("uq_flavors_name")),
        sa.UniqueConstraint("uuid", name=op.f("uq_flavors_uuid")),
    )
    op.create_table(
        "key_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _identifier(255), nullable=False),
        sa.Column("user_id", _identifier(255), nullable=False),
        sa.Column("project_id", _identifier(255), nullable=False),
        sa.Column("fingerprint", sa.String(length=255), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_pairs")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_key_pairs_user_id_name")),
    )
    op.create_index(
        op.f("ix_key_pairs_project_id"), "key_pairs", ["project_id"], unique=False
    )
    op.create_table(
        "flavor_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flavor_id", sa.Integer(), nullable=False),
        sa.Column("project_id", _identifier(255), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["flavor_id"],
            ["flavors.id"],
            name=op.f("fk_flavor_projects_flavor_id_flavors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flavor_projects")),
        sa.UniqueConstraint(
            "flavor_id",
            "project_id",
            name=op.f("uq_flavor_projects_flavor_id_project_id"),
        ),
    )
    op.create_index(
        op.f("ix_flavor_projects_flavor_id"),
        "flavor_projects",
        ["flavor_id"],
        unique=False,
    )


def downgrade() -> None:
    # NOTE: dropping a table drops its indexes; dropping an index first can
    # fail on MariaDB while a foreign key still needs it.
    op.drop_table("flavor_projects")
    op.drop_table("key_pairs")
    op.drop_table("flavors")
