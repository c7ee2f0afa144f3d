"""What every command shares: the database URL, one engine, the operator's name, errors.

Commands raise `CommandError` (or let `LookupError`/`ValueError` from the domain surface
through `fail_on`) so that every failure prints one clear line and exits non-zero.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import click
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from backoffice.db import migrate
from backoffice.db.engine import make_engine, resolve_url


class CommandError(click.ClickException):
    """A failure the operator can act on; printed as `Error: ...`, exit status 1."""


@dataclass
class AppContext:
    url: str
    # Messages are never wrapped (a log line stays one line); piped tables get 200 columns, not 80.
    console: Console = field(default_factory=lambda: Console(width=None if sys.stdout.isatty() else 200, soft_wrap=True))
    _engine: Engine | None = None

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    def migrated_engine(self) -> Engine:
        """The engine, after checking that the schema is at the latest migration."""
        engine = self.engine()
        try:
            current = migrate.current_revision(engine)
        except OperationalError as exc:
            raise CommandError(f"cannot open the database {self.display_url}: {exc.orig}") from None
        head = migrate.head_revision(self.url)
        if current != head:
            raise CommandError(
                f"the database {self.display_url} is at schema {current or 'none'}, not {head}; run `fixbroker db upgrade`"
            )
        return engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def default_operator() -> str:
    return os.environ.get("FIXBROKER_OPERATOR") or getpass.getuser()


def new_context(db: str | None) -> AppContext:
    return AppContext(url=resolve_url(db))


@contextmanager
def fail_on(*errors: type[Exception]) -> Iterator[None]:
    """Turn expected domain errors into a clean `Error: ...` exit."""
    try:
        yield
    except errors as exc:
        raise CommandError(str(exc)) from None


pass_app = click.make_pass_decorator(AppContext)
