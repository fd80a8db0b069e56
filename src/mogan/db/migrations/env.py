"""Alembic environment: migrate the engine handed over by ``mogan.db.migration``."""

from alembic import context

from mogan.db import migration, models

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=models.Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=migration.compare_type,
    )
    context.run_migrations()
