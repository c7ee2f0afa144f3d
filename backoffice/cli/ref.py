"""`fixbroker ref`: load the venue file into the database and show what is loaded."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import click
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.db import models as m
from backoffice.db.engine import transaction
from backoffice.domain.calendar import TradingCalendar
from backoffice.domain.enums import OffsetFlag
from backoffice.domain.rates import client_rates, rate_on
from backoffice.refdata import repository
from backoffice.refdata.loader import load_venue
from backoffice.refdata.venue import parse_venue

from .context import AppContext, CommandError, default_operator, fail_on, pass_app


@click.group("ref")
def group() -> None:
    """Reference data: exchanges, products, instruments, rates, members, clients, sessions."""


@group.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--operator", default=default_operator, show_default="$FIXBROKER_OPERATOR or login name")
@click.option("-v", "--verbose", is_flag=True, help="List every change, field by field.")
@pass_app
def load(app: AppContext, file: Path, operator: str, verbose: bool) -> None:
    """Validate FILE (TOML) and load it in one transaction.

    Every problem is reported as FILE: key.path: message, and nothing is written when
    there is any. Loading the same file again changes nothing.
    """
    content = file.read_bytes()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{file}: not UTF-8 text (byte {exc.start}); nothing was loaded") from None
    spec, issues = parse_venue(text)
    if spec is None:
        for issue in issues:
            app.console.print(issue.render(str(file)), style="red", markup=False, highlight=False)
        raise CommandError(f"{len(issues)} problem{'s' if len(issues) != 1 else ''} in {file}; nothing was loaded")
    with transaction(app.migrated_engine()) as session:
        report = load_venue(session, spec, source=str(file), content=content, operator=operator)
    if not report.changed:
        app.console.print(f"{file}: no changes (the database already matches)")
    else:
        counts = Counter((entity, action) for entity, _, action, _ in report.changes)
        summary = ", ".join(f"{n} {entity} {action}{'s' if n > 1 else ''}" for (entity, action), n in sorted(counts.items()))
        app.console.print(f"{file}: loaded as change set {report.load_id}: {summary}")
        if verbose:
            for entity, key, action, detail in report.changes:
                app.console.print(f"  {action} {entity} {key}" + "".join(f"\n      {line}" for line in detail.splitlines()), markup=False)
    for item in report.not_in_file:
        app.console.print(f"note: {item} is in the database but not in {file} (kept)", style="yellow", markup=False)


SECTIONS = ("calendar", "exchanges", "products", "instruments", "members", "clients", "sessions")


@group.command()
@click.option("--section", "sections", multiple=True, type=click.Choice(SECTIONS), help="Show only these sections.")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), help="Rates in force on this day (default: today).")
@pass_app
def show(app: AppContext, sections: tuple[str, ...], on: object) -> None:
    """Print the loaded reference data."""
    day = on.date() if on else date.today()  # type: ignore[attr-defined]
    with transaction(app.migrated_engine()) as session, fail_on(repository.NotLoaded):
        calendar = repository.load_calendar(session)
        for name in sections or SECTIONS:
            app.console.print(_SHOW[name](session, day, calendar))


def _calendar(session: Session, day: date, calendar: TradingCalendar) -> Table:
    table = Table(title="Calendar (holidays)", title_justify="left")
    table.add_column("day")
    table.add_column("holiday")
    for holiday in session.scalars(select(m.Holiday).order_by(m.Holiday.day)):
        table.add_row(holiday.day.isoformat(), holiday.name)
    table.caption = f"time zone {calendar.timezone}; after {calendar.rollover:%H:%M} a timestamp belongs to the next trading day"
    return table


def _exchanges(session: Session, day: date, calendar: TradingCalendar) -> Table:
    table = Table(title="Exchanges", title_justify="left")
    for column in ("code", "name", "close-today distinct", "plain close takes", "tiered settlement"):
        table.add_column(column)
    for row in session.scalars(select(m.Exchange).order_by(m.Exchange.code)):
        table.add_row(row.code, row.name, _yes(row.close_today_distinct), row.close_priority.replace("_", " "), _yes(row.tiered_settlement))
    return table


def _products(session: Session, day: date, calendar: TradingCalendar) -> Table:
    versions = repository.exchange_rate_versions(session)
    table = Table(title=f"Products and exchange rates in force on {day}", title_justify="left")
    for column in ("exchange", "product", "mult", "tick", "limit", "margin L/S", "fee open", "fee close", "fee close-today", "since"):
        table.add_column(column, justify="right" if column in ("mult", "tick", "limit") else "left")
    products = session.scalars(select(m.Product).join(m.Product.exchange).order_by(m.Exchange.code, m.Product.code))
    for product in products:
        version = rate_on(versions.get(product.code, []), day)
        if version is None:
            cells = ["(no rates yet)"] + [""] * 4
        else:
            r = version.rates
            cells = [
                f"{_pct(r.margin_long)} / {_pct(r.margin_short)}",
                _fee(r.fee_open_money, r.fee_open_volume),
                _fee(r.fee_close_money, r.fee_close_volume),
                _fee(r.fee_close_today_money, r.fee_close_today_volume),
                version.effective_from.isoformat(),
            ]
        table.add_row(
            product.exchange.code, f"{product.code} {product.name}", _num(product.multiplier), _num(product.tick_size),
            _pct(product.price_limit_pct), *cells,
        )
    return table


def _instruments(session: Session, day: date, calendar: TradingCalendar) -> Table:
    table = Table(title="Instruments", title_justify="left")
    for column in ("code", "product", "listed", "last trading day", "max order", "position limit", "settlement price"):
        table.add_column(column)
    for row in session.scalars(select(m.Instrument).order_by(m.Instrument.code)):
        rule = row.settlement_rule.replace("_", " ") + (", large-side margin" if row.large_side_margin else "")
        table.add_row(row.code, row.product.code, row.listing_date.isoformat(), row.expiry_date.isoformat(), str(row.max_order_size), str(row.position_limit), rule)
    return table


def _members(session: Session, day: date, calendar: TradingCalendar) -> Table:
    table = Table(title="Members", title_justify="left")
    for column in ("code", "name", "kind", "settled by", "exchanges", "min reserve", "client rate floor"):
        table.add_column(column)
    for member in session.scalars(select(m.Member).order_by(m.Member.code)):
        exchanges = session.scalars(select(m.Exchange.code).join(m.Membership).where(m.Membership.member_id == member.id).order_by(m.Exchange.code))
        table.add_row(
            member.code, member.name, member.kind.replace("_", " "), member.settled_by.code if member.settled_by else "",
            ", ".join(exchanges), f"{member.min_reserve:,.2f}",
            f"fee x{_num(member.min_fee_multiple)}, margin +{_pct(member.min_margin_addon)}",
        )
    return table


def _clients(session: Session, day: date, calendar: TradingCalendar) -> Table:
    versions = repository.exchange_rate_versions(session)
    schedules = repository.rate_schedules(session)
    table = Table(title=f"Clients and their rates on {day} (margin L/S; fee open/close/close-today)", title_justify="left")
    for column in ("client", "name", "member", "kind", "group", "product", "margin", "fees", "schedule"):
        table.add_column(column)
    clients = session.scalars(select(m.Client).order_by(m.Client.code))
    for client in clients:
        member = client.member
        products = session.scalars(
            select(m.Product).join(m.Membership, m.Membership.exchange_id == m.Product.exchange_id)
            .where(m.Membership.member_id == member.id).order_by(m.Product.code)
        )
        first = True
        for product in products:
            version = rate_on(versions.get(product.code, []), day)
            if version is None:
                continue
            rates, schedule = client_rates(
                schedules, repository.member_policy(member), member=member.code, client=client.code,
                group=client.group, product=product.code, exchange=version.rates, on=day,
            )
            source = f"{schedule.scope.value}{':' + schedule.target if schedule.target else ''} {schedule.mode.value}"
            table.add_row(
                client.code if first else "", client.name if first else "", member.code if first else "",
                client.kind if first else "", (client.group or "") if first else "", product.code,
                f"{_pct(rates.margin_long)} / {_pct(rates.margin_short)}",
                " / ".join(_fee(*rates.fee_rates(flag)) for flag in _FLAGS), source,
            )
            first = False
    return table


def _sessions(session: Session, day: date, calendar: TradingCalendar) -> Table:
    table = Table(title="FIX sessions", title_justify="left")
    for column in ("name", "version", "ours -> theirs", "port", "username", "member", "accounts", "default", "allowed from", "enabled"):
        table.add_column(column)
    for row in session.scalars(select(m.FixSession).order_by(m.FixSession.name)):
        table.add_row(
            row.name, row.begin_string, f"{row.sender_comp_id} -> {row.target_comp_id}", str(row.port), row.username,
            row.member.code, ", ".join(sorted(e.account.code for e in row.entitlements)),
            row.default_account.code if row.default_account else "", row.allowed_addresses.replace(",", ", "), _yes(row.enabled),
        )
    return table


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _num(value: object) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _pct(value: object) -> str:
    return _num(value * 100) + "%"  # type: ignore[operator]


def _fee(money: object, volume: object) -> str:
    parts = []
    if money:
        parts.append(f"{_num(money * 10000)}‱")  # type: ignore[operator]
    if volume:
        parts.append(f"{_num(volume)}/lot")
    return " + ".join(parts) or "0"


_SHOW = {
    "calendar": _calendar,
    "exchanges": _exchanges,
    "products": _products,
    "instruments": _instruments,
    "members": _members,
    "clients": _clients,
    "sessions": _sessions,
}

_FLAGS = (OffsetFlag.OPEN, OffsetFlag.CLOSE, OffsetFlag.CLOSE_TODAY)
