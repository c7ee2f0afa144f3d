"""Shared fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL.

Each backend is migrated once per session into a template; every test gets its own copy
(a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), so tests are isolated
even when they go through the CLI or a subprocess, which open their own connections.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, create_engine, text

from backoffice.cli.main import cli
from backoffice.db import migrate
from backoffice.db.engine import make_engine
from paths import VENUE
from postgres_server import PostgresServer

BACKENDS = ["sqlite", "postgresql"]
_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres: PostgresServer) -> str:
    admin = create_engine(postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE fixbroker_template"))
    admin.dispose()
    migrate.upgrade(postgres.url("fixbroker_template"))
    return "fixbroker_template"


@pytest.fixture(scope="session")
def sqlite_venue_template(sqlite_template: Path) -> Path:
    path = sqlite_template.with_name("venue.db")
    shutil.copyfile(sqlite_template, path)
    Fixbroker(f"sqlite:///{path}")("ref", "load", str(VENUE))
    return path


@pytest.fixture(scope="session")
def postgres_venue_template(postgres: PostgresServer, postgres_template: str) -> str:
    admin = create_engine(postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE venue_template TEMPLATE {postgres_template}"))
    admin.dispose()
    Fixbroker(postgres.url("venue_template"))("ref", "load", str(VENUE))
    return "venue_template"


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh database at the latest schema; with the sample venue loaded
    when the test also asks for `venue` (cloned from a template: loading takes time)."""
    with_venue = "venue" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "fixbroker.db"
        shutil.copyfile(request.getfixturevalue("sqlite_venue_template" if with_venue else "sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    template = request.getfixturevalue("postgres_venue_template" if with_venue else "postgres_template")
    name = f"test_{next(_counter)}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    try:
        yield server.url(name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


class Fixbroker:
    """Runs `fixbroker` commands in-process against one database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True) -> Result:
        result = self.runner.invoke(cli, ["--db", self.url, *args], catch_exceptions=False)
        if ok and result.exit_code != 0:
            raise AssertionError(f"fixbroker {' '.join(args)} exited {result.exit_code}:\n{result.output}")
        return result


@pytest.fixture
def fixbroker(db_url: str) -> Fixbroker:
    return Fixbroker(db_url)


@pytest.fixture
def venue(fixbroker: Fixbroker) -> Fixbroker:
    """`fixbroker` on a database with the sample venue loaded (see `db_url`)."""
    return fixbroker
