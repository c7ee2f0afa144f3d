"""The end-of-day steps, wired to the trading core and the back office (composition root).

close the trading day -> settlement prices -> settlement (both levels, invariants) -> margin
calls -> statements -> bank file -> roll to the next trading day. Each step is idempotent or
all-or-nothing (see backoffice.eod.pipeline) and, in a dry run, computes and reports without
writing anything:

- close: the gateway closes its day itself after the last session (gateway.fix.phasedriver);
  when the journal has no end_of_day yet and no gateway is serving the day, this step closes
  it through the order service (DAY orders expire; the core refuses new orders for the day).
  A gateway still serving the day is never written around: the step fails and says so.
- settle: settles the day once. A day already settled (by an operator, or by this run before
  a crash) is not settled again: reruns are `fixbroker settle rerun`'s business.
- statements: every client's statement in the configured formats, from the current run,
  written by a child process of its own (`statements_process`: this process has threads).
- bank file: the settlement-bank transfer file of the day.
- roll: builds the next trading day's start-of-day state exactly as the gateway will (settled
  balances, carried positions, previous settlement prices) and reports it; nothing is
  written, since the gateway builds it afresh when it starts the day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.db import models as m
from backoffice.db.engine import transaction
from backoffice.eod.config import SchedulerConfig
from backoffice.eod.pipeline import Step, StepContext, StepFailed, StepResult
from backoffice.refdata import repository
from backoffice.settlement import closure
from backoffice.settlement.day import day_prices
from backoffice.settlement.loading import load_day
from backoffice.settlement.runner import settle_days, settling_engine
from backoffice.settlement.transfers import transfers, write_transfers
from backoffice.statements.source import RunRef, current_run, statement_inputs
from gateway.core.commands import EndOfDay
from gateway.core.journal import JournalWriter, OrderService, journal_commands
from gateway.core.service import TradingCore
from gateway.core.startofday import load_start_of_day
from gateway.core.timestamps import to_nanoseconds
from gateway.fix.statusfile import serving
from gateway.matching import Expired

from .liquidation import liquidation_plan
from .statements import files_run, supersede_old_files
from .statements_process import StatementsFailed, write_day_statements

JOB = "end_of_day"


@dataclass(frozen=True, slots=True)
class EodSettings:
    operator: str
    config: SchedulerConfig
    processes: int | None = None  # PDF workers (default: every core)


def end_of_day_steps(settings: EodSettings) -> list[Step]:
    return [
        Step("close", "close the day", lambda ctx: close_day(ctx, settings)),
        Step("prices", "prices", settlement_prices),
        Step("settle", "settlement", lambda ctx: settle(ctx, settings)),
        Step("margin_calls", "margin calls", margin_calls),
        Step("statements", "statements", lambda ctx: statements(ctx, settings)),
        Step("bank_file", "bank file", lambda ctx: bank_file(ctx, settings)),
        Step("roll", "roll", roll),
    ]


# ------------------------------------------------------------------------------- close

def close_day(ctx: StepContext, settings: EodSettings) -> StepResult:
    day = ctx.trading_day
    journal = journal_commands(ctx.engine, day)
    if any(isinstance(command, EndOfDay) for _, command in journal):
        return StepResult(f"closed already ({len(journal)} journalled commands)", {"journal_commands": len(journal), "expired": 0})
    pid = serving(settings.config.paths.gateway_status, day)
    if pid is not None:
        raise StepFailed(
            f"the gateway (pid {pid}) is serving {day} and has not closed it yet; it closes the day itself after the last "
            "session: wait for that, or stop it (SIGTERM), then resume the end of day"
        )
    with transaction(ctx.engine) as session:
        calendar = repository.load_calendar(session)
        hours = repository.trading_hours(session).values()
        ends = [s.end for h in hours for s in calendar.sessions(day, h)]
        if not calendar.is_trading_day(day) or not ends:
            raise StepFailed(f"{day} is not a trading day")
        if ctx.clock() < max(ends):
            raise StepFailed(f"{day} has not ended: its last session closes at {max(ends):%Y-%m-%d %H:%M %Z}; nothing was closed")
        state = load_start_of_day(session, day)
    core = TradingCore(state)
    for _, command in journal:
        core.handle(command)
    last = max((command.time for _, command in journal), default=0)
    close = EndOfDay(max(to_nanoseconds(ctx.clock()), last + 1))
    if ctx.dry_run:
        expired = sum(isinstance(o, Expired) for o in core.handle(close))
        ctx.shared["closed"] = True
        return StepResult(f"would close the day: {expired} DAY order(s) would expire", {"expired": expired, "journal_commands": len(journal)})
    writer = JournalWriter(ctx.engine, day, core.ticks)
    outputs: list[object] = []
    service = OrderService(core, writer, lambda seq, command, out: outputs.extend(out), next_seq=writer.last_seq() + 1)
    try:
        service.execute(close)
    finally:
        service.close()
    expired = sum(isinstance(o, Expired) for o in outputs)
    return StepResult(f"closed the day: {expired} DAY order(s) expired", {"expired": expired, "journal_commands": len(journal) + 1})


# ------------------------------------------------------------------------------ prices

def settlement_prices(ctx: StepContext) -> StepResult:
    with ctx.unit() as session:
        data = load_day(session, ctx.trading_day)
    problems: list[str] = []
    prices = day_prices(data, problems)
    if problems:
        raise StepFailed("; ".join(problems))
    sources = Counter(price.source.value for price in prices.values())
    text = ", ".join(f"{count} {source.replace('_', ' ')}" for source, count in sorted(sources.items()))
    return StepResult(f"{len(prices)} instruments: {text or 'none'}", {"instruments": len(prices), **sources})


# ------------------------------------------------------------------------------ settle

def settle(ctx: StepContext, settings: EodSettings) -> StepResult:
    day = ctx.trading_day
    with ctx.unit() if ctx.dry_run else transaction(settling_engine(ctx.engine)) as session:
        existing = current_run(session, day)
        if existing is not None:
            result = StepResult(
                f"settled already as run {existing.id}; not settled again (reruns: fixbroker settle rerun)",
                {"run": existing.id, **_run_figures(session, existing.id)},
            )
            ctx.record(session, result)
            return result
        refusals = closure.refusals(session, repository.load_calendar(session), day)
        if ctx.shared.get("closed"):  # a dry run: the close step would have closed it
            refusals = [r for r in refusals if not r.forceable]
        if refusals:
            raise StepFailed("; ".join(r.message for r in refusals))
        stages = 0

        def progress(message: str) -> None:
            nonlocal stages
            stages += 1
            ctx.progress(stages, None, message.split(": ", 1)[-1][:60])

        now = ctx.clock()
        settled = settle_days(
            session, [day], operator=settings.operator, reason="end of day", force_reason=None, now=now, clock=ctx.clock,
            progress=progress,
        )
        if settled.problems:
            shown = "; ".join(settled.problems[:5]) + (f"; and {len(settled.problems) - 5} more" if len(settled.problems) > 5 else "")
            raise StepFailed(f"settlement of {day} found {len(settled.problems)} problem(s), nothing was written: {shown}")
        run_id = settled.days[0].run_id
        figures = {"run": run_id, **_run_figures(session, run_id)}
        result = StepResult(
            f"{'would settle' if ctx.dry_run else 'settled'} as run {run_id}: {figures['clients']} level-2 and "
            f"{figures['members']} level-1 accounts", figures,
        )
        ctx.record(session, result)
        return result


def _run_figures(session: Session, run_id: int) -> dict[str, int]:
    levels = dict(session.execute(
        select(m.SettlementAccount.level, func.count()).where(m.SettlementAccount.run_id == run_id).group_by(m.SettlementAccount.level)
    ).all())
    calls = session.scalar(select(func.count()).select_from(m.MarginCall).where(m.MarginCall.run_id == run_id)) or 0
    return {"clients": levels.get(2, 0), "members": levels.get(1, 0), "margin_calls": calls}


# ------------------------------------------------------------------------ margin calls

def margin_calls(ctx: StepContext) -> StepResult:
    with ctx.unit() as session:
        run = _settled(session, ctx.trading_day)
        rows = session.execute(
            select(m.MarginCall.level, m.MarginCall.amount, m.MarginCall.deadline).where(m.MarginCall.run_id == run.id)
        ).all()
        tz = repository.load_calendar(session).tz
    if not rows:
        return StepResult("no margin call", {"margin_calls": 0, "amount": "0.00"})
    total = sum((Decimal(amount) for _, amount, _ in rows), Decimal(0))
    clients = sum(1 for level, _, _ in rows if level == 2)
    deadline = min(d for _, _, d in rows).astimezone(tz)
    return StepResult(
        f"{len(rows)} margin call(s) ({clients} at level 2, {len(rows) - clients} at level 1), {total:,.2f} due by {deadline:%Y-%m-%d %H:%M %Z}",
        {"margin_calls": len(rows), "level_2": clients, "level_1": len(rows) - clients, "amount": f"{total:.2f}", "deadline": deadline.isoformat()},
    )


def _settled(session: Session, day: date) -> RunRef:
    run = current_run(session, day)
    if run is None:
        raise StepFailed(f"{day} is not settled")
    return run


# -------------------------------------------------------------------------- statements

def statements(ctx: StepContext, settings: EodSettings) -> StepResult:
    day = ctx.trading_day
    formats = list(settings.config.statement_formats)
    with ctx.unit() as session:
        run = _settled(session, day)
        created = ctx.clock().astimezone(repository.load_calendar(session).tz).date()
        if ctx.dry_run:
            found = len(statement_inputs(session, run, created))
            return StepResult(f"would write {found} statements ({', '.join(formats)})", {"statements": found})
    day_dir = settings.config.paths.statements / day.isoformat()
    supersede_old_files(day_dir, run.id)
    try:
        found, files = write_day_statements(
            ctx.engine, day, run.id, created, day_dir, formats, settings.processes,
            progress=lambda done, total: ctx.progress(done, total, "statements"),
        )
    except StatementsFailed as error:
        raise StepFailed(str(error)) from None
    return StepResult(f"{found} statements, {files} files in {day_dir}", {"statements": found, "files": files, "dir": str(day_dir)})


# --------------------------------------------------------------------------- bank file

def bank_file(ctx: StepContext, settings: EodSettings) -> StepResult:
    with ctx.unit() as session:
        run = _settled(session, ctx.trading_day)
        rows = transfers(session, run.id)
    receivable = sum((r.net for r in rows if r.net > 0), Decimal(0))
    payable = -sum((r.net for r in rows if r.net < 0), Decimal(0))
    figures = {"rows": len(rows), "receivable": f"{receivable:.2f}", "payable": f"{payable:.2f}"}
    if ctx.dry_run:
        return StepResult(f"would write {len(rows)} transfer rows", figures)
    path = write_transfers(settings.config.paths.settlement, ctx.trading_day, run.id, rows)
    return StepResult(f"{len(rows)} member rows in {path}", figures | {"file": str(path)})


# -------------------------------------------------------------------------------- roll

def roll(ctx: StepContext) -> StepResult:
    with ctx.unit() as session:
        following = repository.load_calendar(session).next_trading_day(ctx.trading_day)
        state = load_start_of_day(session, following)
    unpriced = sorted(set(state.instruments) - set(state.previous_settlement))
    figures = {
        "next_trading_day": following.isoformat(), "accounts": len(state.accounts), "carried_positions": len(state.positions),
        "books": len(set(state.instruments) & set(state.previous_settlement)), "unpriced_instruments": unpriced,
        "blocked_members": sorted(state.blocked_members),
    }
    text = (
        f"next trading day {following}: {len(state.accounts)} accounts, {len(state.positions)} carried positions, "
        f"{figures['books']} books"
    )
    if unpriced:
        text += f"; no price, no book: {', '.join(unpriced)}"
    if state.blocked_members:
        text += f"; opening blocked for members {', '.join(sorted(state.blocked_members))}"
    return StepResult(text, figures)


# ----------------------------------------------------------- margin-call deadline (job)

MARGIN_JOB = "margin_call_deadline"


def margin_deadline_check(ctx: StepContext) -> StepResult:
    """The margin calls of a settled day at their deadline: met (cash came in) or not. The
    unmet ones are the risk desk's forced liquidation (`fixbroker settle liquidate`)."""
    with ctx.unit() as session:
        run = _settled(session, ctx.trading_day)
        plan, cured, _ = liquidation_plan(session, run.id)
        calls = session.scalar(select(func.count()).select_from(m.MarginCall).where(m.MarginCall.run_id == run.id)) or 0
        following = repository.load_calendar(session).next_trading_day(ctx.trading_day)
    unmet = sorted({close.account for close in plan})
    figures = {"margin_calls": calls, "met": cured, "unmet": unmet, "forced_closes": len(plan), "liquidate_on": following.isoformat()}
    if not unmet:
        return StepResult(f"{calls} margin call(s): every client call met", figures)
    return StepResult(
        f"{len(unmet)} client margin call(s) not met ({', '.join(unmet)}): `fixbroker settle liquidate --date {following}`", figures,
    )


def due_margin_call_days(session: Session, now: datetime) -> list[date]:
    """Settled days whose margin calls fell due by `now` and have not been checked yet."""
    checked = select(m.EodRun.trading_day).where(m.EodRun.job == MARGIN_JOB, m.EodRun.status == "succeeded")
    return list(session.scalars(
        select(m.SettlementRun.trading_day).distinct()
        .join(m.MarginCall, m.MarginCall.run_id == m.SettlementRun.id)
        .where(m.SettlementRun.status == "current", m.MarginCall.deadline <= now, m.SettlementRun.trading_day.not_in(checked))
        .order_by(m.SettlementRun.trading_day)
    ))


def stale_statement_days(session: Session, statements_dir: Path, days_back: int, today: date) -> list[tuple[date, int]]:
    """(day, current run) of the settled days of the last `days_back` trading days whose
    statements are missing or come from an older run (the day was settled again)."""
    calendar = repository.load_calendar(session)
    first = today
    for _ in range(days_back):
        first = calendar.previous_trading_day(first)
    rows = session.execute(
        select(m.SettlementRun.trading_day, m.SettlementRun.id)
        .where(m.SettlementRun.status == "current", m.SettlementRun.trading_day >= first, m.SettlementRun.trading_day <= today)
        .order_by(m.SettlementRun.trading_day)
    ).all()
    stale = []
    for day, run_id in rows:
        if files_run(statements_dir / day.isoformat()) != run_id:
            stale.append((day, run_id))
    return stale
