"""Alembic environment of the collection database (run by collect.db.upgrade or by alembic)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from collect.models import metadata

config = context.config


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is not None:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=True)
        context.run_migrations()


run()
