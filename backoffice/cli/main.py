"""The root `fixbroker` group: global options, then one small module per command group."""

from __future__ import annotations

import click

from backoffice.db.engine import DEFAULT_URL, ENV_VAR
from backoffice.processes import dump_stacks_on_signal

from . import accounts, cash, db, demo, disputes, eod, gateway, market, prices, ref, scheduler, sessions, settle, statements, trades
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
    `fixbroker ref load config/venue.toml`, fund accounts with `fixbroker cash`, trade through
    `fixbroker gateway run` (FIX) or `fixbroker market simulate`, then close the day with
    `fixbroker eod run` (or on schedule: `fixbroker scheduler run`).

    SIGUSR1 (`kill -USR1 PID`) makes any fixbroker process write the stack of each of its
    threads to stderr and carry on: where a run or a service is stuck.
    """
    dump_stacks_on_signal()
    app = new_context(db_url)
    ctx.obj = app
    ctx.call_on_close(app.close)


for group in (
    db.group, ref.group, cash.group, accounts.group, prices.group, trades.group, market.group, settle.group,
    disputes.group, statements.group, eod.group, scheduler.group, sessions.group, gateway.group, demo.group,
):
    cli.add_command(group)


def main() -> None:
    cli(prog_name="fixbroker")
