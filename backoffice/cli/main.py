"""The root `fixbroker` group: global options, then one small module per command group."""

from __future__ import annotations

import click

from backoffice.db.engine import DEFAULT_URL, ENV_VAR

from . import accounts, cash, db, gateway, market, ref, sessions
from . import disputes, prices, settle, trades
from . import statements
from .context import new_context


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    envvar=ENV_VAR,
    help=f"SQLAlchemy database URL (env {ENV_VAR}; default {DEFAULT_URL}).",
)
@click.version_option(package_name="fixbroker")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None) -> None:
    """fixbroker: FIX gateway and futures broker back office.

    Set up a database with `fixbroker db upgrade`, load the venue with
    `fixbroker ref load config/venue.toml`, then record cash and inspect accounts.
    """
    app = new_context(db_url)
    ctx.obj = app
    ctx.call_on_close(app.close)


for group in (db.group, ref.group, cash.group, accounts.group, market.group, sessions.group, gateway.group):
    cli.add_command(group)
cli.add_command(prices.group)
cli.add_command(trades.group)
cli.add_command(settle.group)
cli.add_command(disputes.group)
cli.add_command(statements.group)


def main() -> None:
    cli(prog_name="fixbroker")
