"""Alembic environment: runs migrations on the connection or URL that fixbroker hands it."""

from __future__ import annotations

from alembic import context

from backoffice.db import models  # noqa: F401  (registers every table on the metadata)
from backoffice.db.base import Base
from backoffice.db.engine import make_engine

config = context.config
target_metadata = Base.metadata

# APScheduler's job store table: created by migration 0007 in APScheduler's own layout, not a model.
FOREIGN_TABLES = {"apscheduler_jobs"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    return not (type_ == "table" and name in FOREIGN_TABLES)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        user_module_prefix="backoffice.db.types.",
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `fixbroker db upgrade`")
run_migrations_online()
