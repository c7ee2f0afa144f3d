"""`fixbroker settle`: run, rerun and show the daily settlement; write the transfer file.

`run` and `rerun` settle inside one transaction (see backoffice.settlement.runner): they
refuse, saying exactly why, when the day is not closed (the core's journal has no
end_of_day), when an earlier day with trades is unsettled, or when the day is final
(its dispute deadline has passed); `--force --reason` overrides what may be overridden
and is recorded with the run. On any problem nothing is written. Progress goes to the
terminal as it happens (one line per step, so a log shows it too).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import click
from rich.table import Table
from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session, aliased

from backoffice.db import models as m
from backoffice.db.engine import transaction
from backoffice.refdata import repository
from backoffice.settlement import closure
from backoffice.settlement.corrections import is_settled
from backoffice.settlement.deadlines import dispute_deadline
from backoffice.settlement.runner import Settled, final_days, settle_days, settled_days_from, settling_engine
from backoffice.settlement.transfers import transfers, write_transfers

from . import clock
from .context import AppContext, CommandError, default_operator, pass_app
from .formats import plain
from .liquidation import liquidate

_DATE = click.DateTime(["%Y-%m-%d"])
_OUT = click.Path(file_okay=False, path_type=Path)
DEFAULT_OUT = Path("var/settlement")


@click.group("settle")
def group() -> None:
    """Daily settlement: exchange -> members -> clients, reruns, results, forced liquidation."""


group.add_command(liquidate)


@group.command()
@click.option("--date", "day", type=_DATE, required=True, help="Trading day to settle.")
@click.option("--force", is_flag=True, help="Settle although the day is not closed or is final (needs --reason).")
@click.option("--reason", help="Why this run (required with --force; recorded with the run).")
@click.option("--operator", default=default_operator, show_default="$FIXBROKER_OPERATOR or login name")
@click.option("--out-dir", type=_OUT, default=DEFAULT_OUT, show_default=True, help="Where DAY/transfers.csv is written.")
@pass_app
def run(app: AppContext, day: datetime, force: bool, reason: str | None, operator: str, out_dir: Path) -> None:
    """Settle one trading day: prices, both levels, reserves, invariants, margin calls.

    Running a day again supersedes its previous run (kept for audit) with identical
    figures unless an input changed.
    """
    trading_day = day.date()
    if force and not reason:
        raise CommandError("--force needs --reason (it is recorded with the run)")
    now = clock.now()
    engine = settling_engine(app.migrated_engine())
    with transaction(engine) as session:
        again = is_settled(session, trading_day)
        refusals = closure.refusals(session, repository.load_calendar(session), trading_day)
        if again and final_days(session, [trading_day], now):
            refusals.append(closure.Refusal(_final_message(session, trading_day), forceable=True))
        _refuse(app, refusals, force, f"settlement of {trading_day}")
        why = reason or ("run again" if again else "first run")
        settled = _settle(app, session, [trading_day], operator, why, reason if force else None, now)
    _after_commit(app, engine, settled, out_dir)


@group.command()
@click.option("--from", "first", type=_DATE, required=True, help="First trading day to recompute.")
@click.option("--force", is_flag=True, help="Rerun final days too (their dispute deadline has passed).")
@click.option("--reason", help="Why (a price correction, a bust, a late deposit...); recorded with the new runs.")
@click.option("--operator", default=default_operator, show_default="$FIXBROKER_OPERATOR or login name")
@click.option("--out-dir", type=_OUT, default=DEFAULT_OUT, show_default=True, help="Where DAY/transfers.csv is written.")
@pass_app
def rerun(app: AppContext, first: datetime, force: bool, reason: str | None, operator: str, out_dir: Path) -> None:
    """Recompute FROM and every later settled day, in order, in one transaction.

    The old runs are kept, marked superseded by the new ones (who, when, why). A FROM that was
    skipped (never settled, but later days were) is settled first, then the later days again.
    """
    start = first.date()
    if force and not reason:
        raise CommandError("--force needs --reason (it is recorded with the new runs)")
    now = clock.now()
    engine = settling_engine(app.migrated_engine())
    with transaction(engine) as session:
        days = settled_days_from(session, start)
        if not days:
            raise CommandError(f"{start} is not settled; use `fixbroker settle run --date {start}`")
        if days[0] != start:
            days = [start, *days]  # skipped: later days must follow from it
        calendar = repository.load_calendar(session)
        refusals = [r for i, day in enumerate(days) for r in closure.refusals(session, calendar, day, rerun=True, batch=days[:i])]
        final = final_days(session, days, now)
        if final:
            refusals.append(closure.Refusal(
                f"final day(s) {', '.join(d.isoformat() for d in final)}: the dispute deadline has passed", forceable=True
            ))
        _refuse(app, refusals, force, f"rerun from {start}")
        why = f"rerun from {start}" + (f": {reason}" if reason else "")
        settled = _settle(app, session, days, operator, why, reason if force and final else None, now)
    _after_commit(app, engine, settled, out_dir)


@group.command("transfers")
@click.option("--date", "day", type=_DATE, required=True)
@click.option("--out-dir", type=_OUT, default=DEFAULT_OUT, show_default=True)
@pass_app
def transfers_(app: AppContext, day: datetime, out_dir: Path) -> None:
    """(Re)write the settlement-bank transfer file of a settled day from its current run."""
    engine = app.migrated_engine()
    with transaction(engine) as session:
        run_id = _current_run(session, day.date()).id
        rows = transfers(session, run_id)
    path = write_transfers(out_dir, day.date(), run_id, rows)
    app.console.print(f"wrote {path} ({len(rows)} member rows)", markup=False)


def _refuse(app: AppContext, refusals: list[closure.Refusal], force: bool, what: str) -> None:
    blocking = [r for r in refusals if not r.forceable or not force]
    for refusal in refusals:
        overridden = refusal.forceable and force
        app.console.print(("overridden (--force): " if overridden else "refused: ") + refusal.message, markup=False, highlight=False)
    if blocking:
        hint = " (--force --reason TEXT overrides)" if all(r.forceable for r in blocking) else ""
        raise CommandError(f"{what} refused: {len(blocking)} reason{'s' if len(blocking) != 1 else ''}{hint}; nothing was written")


def _settle(app: AppContext, session: Session, days: list[date], operator: str, reason: str, force_reason: str | None, now: datetime) -> Settled:
    console = app.console

    def progress(message: str) -> None:
        console.print(message, markup=False, highlight=False)

    if console.is_terminal:
        with console.status("settling...") as status:
            def shown(message: str) -> None:
                status.update(message)
                progress(message)

            settled = settle_days(session, days, operator=operator, reason=reason, force_reason=force_reason, now=now, clock=clock.now, progress=shown)
    else:
        settled = settle_days(session, days, operator=operator, reason=reason, force_reason=force_reason, now=now, clock=clock.now, progress=progress)
    if settled.problems:
        for problem in settled.problems:
            console.print(f"problem: {problem}", style="red", markup=False, highlight=False)
        raise CommandError(
            f"settlement of {settled.failed_day} failed with {len(settled.problems)} problem"
            f"{'s' if len(settled.problems) != 1 else ''}; nothing was written"
        )
    progress("committing")
    return settled


def _after_commit(app: AppContext, engine: Engine, settled: Settled, out_dir: Path) -> None:
    app.console.print("committed", markup=False)
    for day in settled.days:
        with transaction(engine) as session:
            rows = transfers(session, day.run_id)
        path = write_transfers(out_dir, day.trading_day, day.run_id, rows)
        superseded = f", superseding run {day.superseded}" if day.superseded else ""
        app.console.print(
            f"settled {day.trading_day} as run {day.run_id}{superseded}: {day.level_two} level-2 and {day.level_one} level-1 accounts, "
            f"{day.prices} prices, {day.calls} margin call{'s' if day.calls != 1 else ''}; transfers in {path}",
            markup=False,
        )


def _current_run(session: Session, day: date) -> m.SettlementRun:
    run_row = session.scalars(
        select(m.SettlementRun).where(m.SettlementRun.trading_day == day, m.SettlementRun.status == "current")
    ).one_or_none()
    if run_row is None:
        raise CommandError(f"{day} is not settled")
    return run_row


def _final_message(session: Session, day: date) -> str:
    deadline = dispute_deadline(repository.load_calendar(session), repository.trading_hours(session).values(), day)
    return f"{day} is final: its dispute deadline {deadline:%Y-%m-%d %H:%M %Z} has passed"


# ---------------------------------------------------------------------------------- show

_SUMMARY = ("balance_bf", "deposits", "withdrawals", "close_pnl", "position_mtm", "fees", "balance_cf", "equity", "margin", "available")
_HEADERS = ("b/f", "deposits", "withdrawals", "close P&L", "MTM", "fees", "c/f", "equity", "margin", "available")


@group.command()
@click.option("--date", "day", type=_DATE, required=True)
@click.option("--account", help="One account's statement figures: summary, trades, closes, positions.")
@click.option("--member", help="One member: its reserves and every account it settles.")
@pass_app
def show(app: AppContext, day: datetime, account: str | None, member: str | None) -> None:
    """Show a settled day: runs, member reserves, account results (or one account/member)."""
    if account and member:
        raise CommandError("give --account or --member, not both")
    with transaction(app.migrated_engine()) as session:
        current = _current_run(session, day.date())
        if account:
            _show_account(app, session, current, account)
            return
        if member is None:
            _show_runs(app, session, day.date())
        owner = aliased(m.Member)
        accounts = (
            select(m.SettlementAccount, m.Account)
            .join(m.Account, m.Account.id == m.SettlementAccount.account_id)
            .join(m.Member, m.Member.id == m.Account.member_id)
            .outerjoin(owner, owner.id == m.Account.owner_member_id)
            .where(m.SettlementAccount.run_id == current.id)
            .order_by(m.SettlementAccount.level, m.Account.code)
        )
        if member is not None:
            if session.scalar(select(m.Member.id).where(m.Member.code == member)) is None:
                raise CommandError(f"unknown member {member!r}")
            accounts = accounts.where(or_(m.Member.code == member, owner.code == member))
        _show_reserves(app, session, current, member)
        table = Table(title=f"Account results {day:%Y-%m-%d} (run {current.id})", title_justify="left")
        for column in ("level", "account", *_HEADERS, "risk", "margin call"):
            table.add_column(column, justify="left" if column in ("level", "account") else "right")
        for result, row in session.execute(accounts):
            table.add_row(str(result.level), row.code, *_money(result, _SUMMARY), _risk(result.risk_degree), _amount(result.margin_call))
        app.console.print(table)


def _show_runs(app: AppContext, session: Session, day: date) -> None:
    table = Table(title=f"Settlement runs {day}", title_justify="left")
    for column in ("run", "status", "started (UTC)", "operator", "reason", "forced", "final", "superseded by"):
        table.add_column(column)
    for row in session.scalars(select(m.SettlementRun).where(m.SettlementRun.trading_day == day).order_by(m.SettlementRun.id)):
        table.add_row(
            str(row.id), row.status, f"{row.started_at:%Y-%m-%d %H:%M:%S}", row.operator, row.reason,
            f"yes: {row.force_reason}" if row.forced else "", "yes" if row.final else "", str(row.superseded_by_id or ""),
        )
    app.console.print(table)


def _show_reserves(app: AppContext, session: Session, run_row: m.SettlementRun, member: str | None) -> None:
    owner = aliased(m.Member)
    query = (
        select(m.SettlementReserve, m.Account.code)
        .join(m.Account, m.Account.id == m.SettlementReserve.account_id)
        .join(owner, owner.id == m.Account.owner_member_id)
        .where(m.SettlementReserve.run_id == run_row.id)
        .order_by(m.Account.code)
    )
    if member is not None:
        query = query.where(owner.code == member)
    table = Table(title="Member reserves (level 1)", title_justify="left")
    fields = ("reserve_bf", "margin_bf", "margin", "pnl", "deposits", "withdrawals", "fees", "reserve", "min_reserve", "margin_call", "net_settlement")
    for column in ("account", "reserve b/f", "margin b/f", "margin", "P&L", "deposits", "withdrawals", "fees", "reserve", "minimum", "margin call", "net"):
        table.add_column(column, justify="left" if column == "account" else "right")
    for reserve, code in session.execute(query):
        table.add_row(code, *_money(reserve, fields))
    app.console.print(table)


def _show_account(app: AppContext, session: Session, run_row: m.SettlementRun, code: str) -> None:
    account = session.scalars(select(m.Account).where(m.Account.code == code)).one_or_none()
    if account is None:
        raise CommandError(f"unknown account {code!r}")
    result = session.get(m.SettlementAccount, (run_row.id, account.id))
    if result is None:
        raise CommandError(f"{code} has no result in run {run_row.id}")
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column(justify="right")
    summary.add_row("account", f"{code} (level {result.level}, run {run_row.id}, {run_row.trading_day})")
    for label, value in zip(_HEADERS, _money(result, _SUMMARY)):
        summary.add_row(label, value)
    summary.add_row("risk degree", _risk(result.risk_degree))
    summary.add_row("margin call", _amount(result.margin_call))
    app.console.print(summary)
    trades = Table(title="Transaction record", title_justify="left")
    for column in ("trade", "holder", "instrument", "B/S", "O/C", "price", "lots", "fee", "realized P/L"):
        trades.add_column(column, justify="right" if column in ("price", "lots", "fee", "realized P/L") else "left")
    for line in session.scalars(
        select(m.SettlementTradeLine).where(m.SettlementTradeLine.run_id == run_row.id, m.SettlementTradeLine.account_id == account.id)
        .order_by(m.SettlementTradeLine.executed_at, m.SettlementTradeLine.trade_id, m.SettlementTradeLine.side)
    ):
        offset = f"forced liquidation ({line.offset_flag})" if line.forced else line.offset_flag
        trades.add_row(
            line.trade_id, line.holder, line.instrument.code, line.side, offset, plain(line.price),
            str(line.qty), _amount(line.fee), _amount(line.realized),
        )
    app.console.print(trades)
    closes = Table(title="Positions closed", title_justify="left")
    for column in ("trade", "instrument", "open date", "direction", "lots", "open price", "prev. settlement", "close price", "realized P/L"):
        closes.add_column(column)
    for close in session.scalars(
        select(m.SettlementClose).where(m.SettlementClose.run_id == run_row.id, m.SettlementClose.account_id == account.id).order_by(m.SettlementClose.seq)
    ):
        closes.add_row(
            close.trade_id, close.instrument.code, close.open_date.isoformat(), close.direction, str(close.qty),
            plain(close.open_price), plain(close.previous_settlement), plain(close.close_price), _amount(close.pnl),
        )
    app.console.print(closes)
    lots = Table(title="Positions detail", title_justify="left")
    for column in ("instrument", "holder", "open date", "direction", "lots", "open price", "prev. settlement", "settlement", "accumulated P/L", "MTM P/L", "margin"):
        lots.add_column(column)
    for lot in session.scalars(
        select(m.SettlementLot).where(m.SettlementLot.run_id == run_row.id, m.SettlementLot.account_id == account.id).order_by(m.SettlementLot.seq)
    ):
        lots.add_row(
            lot.instrument.code, lot.holder, lot.open_date.isoformat(), lot.direction, str(lot.qty), plain(lot.open_price),
            plain(lot.previous_settlement), plain(lot.settlement), _amount(lot.accumulated_pnl), _amount(lot.mtm), _amount(lot.margin),
        )
    app.console.print(lots)


def _money(row: object, fields: tuple[str, ...]) -> list[str]:
    return [_amount(getattr(row, name)) for name in fields]


def _amount(value: object) -> str:
    return f"{value:,.2f}"


def _risk(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"
