"""`fixbroker disputes`: members' objections to a day's results, until the dispute deadline.

A member may file until 30 minutes before the next trading day's open
(backoffice.settlement.deadlines); after that the day's results are deemed accepted.
"""

from __future__ import annotations

from datetime import datetime

import click
from rich.table import Table
from sqlalchemy import select

from backoffice.db import models as m
from backoffice.db.engine import transaction
from backoffice.refdata import repository
from backoffice.settlement.corrections import is_settled
from backoffice.settlement.deadlines import dispute_deadline

from . import clock
from .context import AppContext, CommandError, default_operator, pass_app

_DATE = click.DateTime(["%Y-%m-%d"])


@click.group("disputes")
def group() -> None:
    """Members' disputes of settlement results: file, list, resolve."""


@group.command("file")
@click.option("--date", "day", type=_DATE, required=True, help="The settled trading day disputed.")
@click.option("--member", required=True, help="The member filing.")
@click.option("--text", required=True, help="What is disputed.")
@click.option("--operator", default=default_operator, show_default="$FIXBROKER_OPERATOR or login name")
@pass_app
def file_(app: AppContext, day: datetime, member: str, text: str, operator: str) -> None:
    """File a member's dispute of a settled day (refused after the dispute deadline)."""
    now = clock.now()
    with transaction(app.migrated_engine()) as session:
        member_row = session.scalars(select(m.Member).where(m.Member.code == member)).one_or_none()
        if member_row is None:
            raise CommandError(f"unknown member {member!r}")
        if not is_settled(session, day.date()):
            raise CommandError(f"{day:%Y-%m-%d} is not settled: there is nothing to dispute")
        deadline = dispute_deadline(repository.load_calendar(session), repository.trading_hours(session).values(), day.date())
        if now >= deadline:
            raise CommandError(
                f"the dispute deadline of {day:%Y-%m-%d} was {deadline:%Y-%m-%d %H:%M %Z}; its results are final"
            )
        if not text.strip():
            raise CommandError("--text must say what is disputed")
        row = m.Dispute(
            trading_day=day.date(), member_id=member_row.id, text=text.strip(), filed_at=now, filed_by=operator, status="open",
        )
        session.add(row)
        session.flush()
        number = row.id
    app.console.print(f"dispute {number} filed by {member} on {day:%Y-%m-%d} (deadline {deadline:%Y-%m-%d %H:%M %Z})", markup=False)


@group.command("list")
@click.option("--date", "day", type=_DATE, help="Only disputes of this trading day.")
@click.option("--open", "open_only", is_flag=True, help="Only unresolved disputes.")
@pass_app
def list_(app: AppContext, day: datetime | None, open_only: bool) -> None:
    """List disputes, oldest first."""
    query = select(m.Dispute).order_by(m.Dispute.id)
    if day is not None:
        query = query.where(m.Dispute.trading_day == day.date())
    if open_only:
        query = query.where(m.Dispute.status == "open")
    table = Table(title="Disputes", title_justify="left")
    for column in ("id", "day", "member", "status", "text", "filed (UTC)", "by", "resolution", "resolved by"):
        table.add_column(column)
    with transaction(app.migrated_engine()) as session:
        for row in session.scalars(query):
            table.add_row(
                str(row.id), row.trading_day.isoformat(), row.member.code, row.status, row.text,
                f"{row.filed_at:%Y-%m-%d %H:%M}", row.filed_by, row.resolution or "", row.resolved_by or "",
            )
    app.console.print(table)


@group.command()
@click.argument("dispute_id", type=int)
@click.option("--resolution", required=True, help="How it was resolved (e.g. 'price corrected, day rerun').")
@click.option("--operator", default=default_operator, show_default="$FIXBROKER_OPERATOR or login name")
@pass_app
def resolve(app: AppContext, dispute_id: int, resolution: str, operator: str) -> None:
    """Resolve dispute DISPUTE_ID."""
    with transaction(app.migrated_engine()) as session:
        row = session.get(m.Dispute, dispute_id)
        if row is None:
            raise CommandError(f"unknown dispute {dispute_id}")
        if row.status == "resolved":
            raise CommandError(f"dispute {dispute_id} was already resolved by {row.resolved_by}: {row.resolution}")
        if not resolution.strip():
            raise CommandError("--resolution must say how it was resolved")
        row.status, row.resolution, row.resolved_at, row.resolved_by = "resolved", resolution.strip(), clock.now(), operator
    app.console.print(f"dispute {dispute_id} resolved", markup=False)
