"""`fixbroker db`: schema migrations (Alembic) of the configured database."""

from __future__ import annotations

import click
from sqlalchemy.exc import OperationalError

from backoffice.db import migrate

from .context import AppContext, CommandError, pass_app


@click.group("db")
def group() -> None:
    """Create and migrate the database schema."""


def _unreachable(app: AppContext, error: OperationalError) -> CommandError:
    return CommandError(f"cannot open the database {app.display_url}: {str(error.orig).strip().splitlines()[0]}")


@group.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@pass_app
def upgrade(app: AppContext, revision: str) -> None:
    """Upgrade the schema (creates an SQLite database file when it does not exist)."""
    try:
        before = migrate.current_revision(app.engine())
        migrate.upgrade(app.url, revision)
        after = migrate.current_revision(app.engine())
    except OperationalError as error:
        raise _unreachable(app, error) from None
    if before == after:
        app.console.print(f"{app.display_url}: already at {after}")
    else:
        app.console.print(f"{app.display_url}: upgraded {before or 'empty'} -> {after}")


@group.command()
@click.argument("revision")
@click.option("--yes", is_flag=True, help="Do not ask before downgrading to base (drops every table).")
@pass_app
def downgrade(app: AppContext, revision: str, yes: bool) -> None:
    """Downgrade the schema to REVISION: -1 for one step back, base to drop everything."""
    if revision == "base" and not yes:
        click.confirm(f"Drop every fixbroker table in {app.display_url}?", abort=True)
    try:
        before = migrate.current_revision(app.engine())
        migrate.downgrade(app.url, revision)
        after = migrate.current_revision(app.engine())
    except OperationalError as error:
        raise _unreachable(app, error) from None
    app.console.print(f"{app.display_url}: downgraded {before or 'empty'} -> {after or 'base'}")


@group.command()
@pass_app
def current(app: AppContext) -> None:
    """Show the schema revision of the database and the latest one available."""
    try:
        now = migrate.current_revision(app.engine())
    except OperationalError as error:
        raise _unreachable(app, error) from None
    head = migrate.head_revision(app.url)
    state = "up to date" if now == head else "needs `fixbroker db upgrade`"
    app.console.print(f"{app.display_url}: at {now or 'none'}, head {head} ({state})")
