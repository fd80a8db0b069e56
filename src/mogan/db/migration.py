"""Schema migrations with Alembic: upgrade, current version, drift check.

The Alembic environment lives in ``migrations/`` inside the package, so an
installed Mogan can migrate its database with ``mogan-dbsync`` and no
``alembic.ini``.
"""

import pathlib
from typing import Any

import sqlalchemy as sa
from alembic import command, config, migration
from alembic import script as alembic_script
from alembic.autogenerate import compare_metadata

from mogan.db import models

MIGRATIONS_DIR = pathlib.Path(__file__).parent / "migrations"


def _alembic_config(engine: sa.Engine) -> config.Config:
    cfg = config.Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``."""
    command.upgrade(_alembic_config(engine), revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Take the schema down to ``revision`` (``base`` drops every table)."""
    command.downgrade(_alembic_config(engine), revision)


def version(engine: sa.Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with engine.connect() as conn:
        return migration.MigrationContext.configure(conn).get_current_revision()


def head() -> str | None:
    """The newest revision shipped with this code."""
    cfg = config.Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return alembic_script.ScriptDirectory.from_config(cfg).get_current_head()


def compare_type(
    context: migration.MigrationContext,
    inspected_column: sa.Column[Any],
    metadata_column: sa.Column[Any],
    inspected_type: sa.types.TypeEngine[Any],
    metadata_type: sa.types.TypeEngine[Any],
) -> bool | None:
    """Alembic's type comparison, made strict about precision and collation.

    Returns:
        True when the types differ, None to let Alembic's default decide.
    """
    # NOTE: Alembic ignores a type argument that only one side spells out, so
    # DATETIME vs DATETIME(6) or a missing utf8mb4_bin collation on MariaDB
    # would pass unseen; both change behaviour, so both count as drift.
    del inspected_column, metadata_column
    expected = metadata_type.dialect_impl(context.dialect)
    for attribute in ("fsp", "collation"):
        wanted = getattr(expected, attribute, None)
        if wanted is not None and getattr(inspected_type, attribute, None) != wanted:
            return True
    return None


def drift(engine: sa.Engine) -> list[object]:
    """Differences between the migrated schema and the models (empty = agree)."""
    with engine.connect() as conn:
        ctx = migration.MigrationContext.configure(
            conn,
            opts={"compare_type": compare_type, "compare_server_default": False},
        )
        return list(compare_metadata(ctx, models.Base.metadata))
