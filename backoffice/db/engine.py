"""Engines and sessions: which database, and how SQLite is made fit for a system of record.

The URL comes from `--db`, else `FIXBROKER_DB`, else the embedded SQLite default. SQLite is
opened with WAL (readers never block the writer), foreign keys enforced, and every
transaction started with BEGIN IMMEDIATE so that read-then-write checks (is there enough
to withdraw?) cannot interleave with another writer.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///var/fixbroker.db"
ENV_VAR = "FIXBROKER_DB"


def resolve_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get(ENV_VAR) or DEFAULT_URL


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    resolved = make_url(resolve_url(url))
    if resolved.get_backend_name() == "sqlite":
        return _sqlite_engine(resolved, **kwargs)
    return create_engine(resolved, pool_pre_ping=True, **kwargs)


def _sqlite_engine(url: Any, **kwargs: Any) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see `_on_begin`).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back whole on any error."""
    with session_factory(engine).begin() as session:
        yield session


@contextmanager
def sqlite_page_cache(connection: Connection, mib: int) -> Iterator[None]:
    """A page cache of `mib` MiB for `connection` while the block runs, on SQLite.

    SQLite's default cache is 2 MiB: a transaction that inserts millions of rows into tables
    with several indexes (a settlement run) then reads index pages back from the operating
    system for most inserts. The cache is only allocated as pages are used, and the previous
    size is restored after. Other databases size their buffers on the server: nothing to do.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    # On the driver's connection: it is still there to restore after the caller's Connection
    # was closed by a rollback inside the block.
    raw = connection.connection.dbapi_connection
    assert raw is not None
    before = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size = {-mib * 1024}")
    try:
        yield
    finally:
        try:
            raw.execute(f"PRAGMA cache_size = {before}")
        except sqlite3.ProgrammingError:  # the driver's connection was closed: its cache went with it
            pass
