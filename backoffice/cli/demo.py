"""`fixbroker demo`: a whole trading day traded over real FIX by simulated Bloomberg-style
clients against the real gateway, closed, put through the end of day, and summed up.

`day` is what `make demo` runs. It owns every process it starts, the gateway and one client
per FIX session, and stops each of them (SIGTERM, then SIGKILL after a grace) whether the day
succeeds, a step fails or the operator presses Ctrl-C; a failed step exits non-zero with one
clear line. The sequence: check the venue -> if the journal already holds the day's end of day,
say so and skip trading -> give the sessions fresh demo passwords (never shown) -> start
`fixbroker gateway run` on a rehearsal clock (`--rehearse-from DATE HH:MM --speed N`: the
calendar's phases and the close in compressed time) and wait for its status file -> start the
clients -> wait until the gateway reports the day closed -> stop the clients and the gateway
-> run the end of day through the scheduler (`fixbroker scheduler run --once`) -> print the
orders and trades per session, the P&L by member from the level-1 settlement, the margin
calls, where the statements are, and the commands to look further.

`client` is one simulated client (gateway.fix.democlient): `day` starts it once per session,
and an operator can run it against any gateway.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.table import Table
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, aliased

from backoffice.db import models as m
from backoffice.db.engine import transaction
from backoffice.domain.calendar import TradingCalendar
from backoffice.eod.config import DEFAULT_PATH as SCHEDULER_CONFIG
from backoffice.eod.config import ConfigError, load_config
from backoffice.refdata import repository
from backoffice.refdata.repository import NotLoaded
from gateway.core.commands import Cancel, EndOfDay, NewOrder, Replace
from gateway.core.journal import journal_commands, rebuild
from gateway.core.startofday import load_start_of_day
from gateway.core.timestamps import from_nanoseconds
from gateway.fix.auth import hash_password
from gateway.fix.demoflow import Contract, OrderFlow, contract_of
from gateway.fix.profiles import SessionProfile
from gateway.fix.statusfile import GatewayStatus, read_status
from gateway.fix.store import instrument_records, load_session_profiles
from gateway.matching.states import OrderStatus

from . import clock
from .context import AppContext, CommandError, pass_app
from .gateway import DEFAULT_CONFIG as GATEWAY_CONFIG

_DATE = click.DateTime(["%Y-%m-%d"])
_DIR = click.Path(file_okay=False, path_type=Path)
_FILE = click.Path(dir_okay=False, path_type=Path)
DEFAULT_WORK_DIR = Path("var/demo")
FIXBROKER = (sys.executable, "-m", "backoffice.cli")  # the same interpreter and package as this process
GATEWAY_UP_SECONDS = 60
STOP_GRACE_SECONDS = 20
CLOSE_MARGIN_SECONDS = 120  # beyond the expected close (in real time) before giving up on it
PROGRESS_SECONDS = 15  # between progress lines when the output is not a terminal


@click.group("demo")
def group() -> None:
    """A whole trading day over FIX with simulated Bloomberg-style clients, or one such client."""


# ---------------------------------------------------------------------------------- demo client


@group.command()
@click.option("--session", "name", required=True, help="The FIX session to log on as (`fixbroker sessions list`).")
@click.option("--date", "day", type=_DATE, required=True, help="The trading day the gateway serves: listed contracts, previous prices.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Where the gateway listens (the port is the session's).")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the flow (combined with the session's name).")
@click.option("--rate", type=click.IntRange(1, 100), default=4, show_default=True, help="Requests per second.")
@click.option("--duration", type=click.IntRange(1), default=600, show_default=True, help="Stop after this many seconds at the latest.")
@click.option("--store-dir", type=_DIR, default=DEFAULT_WORK_DIR / "fix" / "store", show_default=True,
              help="QuickFIX FileStores (sequence numbers), one directory per session.")
@click.option("--log-dir", type=_DIR, default=DEFAULT_WORK_DIR / "fix" / "log", show_default=True,
              help="FIX message logs (passwords masked), one directory per session.")
@click.option("--password-stdin", is_flag=True, help="Read the session's password from standard input (one line) instead of a prompt.")
@pass_app
def client(
    app: AppContext, name: str, day: datetime, host: str, seed: int, rate: int, duration: int, store_dir: Path, log_dir: Path,
    password_stdin: bool,
) -> None:
    """Trade as one FIX session until the gateway says the day is closed (or --duration, SIGTERM).

    One QuickFIX initiator logs on with the session's username and the password and sends a
    seeded flow: limit orders around the previous settlement prices (by Bloomberg ticker or by
    symbol and maturity), cancels, cancel/replaces and, once it holds positions, closing
    orders, on the session's accounts in the contracts of its member's exchanges. It ends with
    one line: what it sent and what came back.
    """
    # quickfix resets SIGINT when imported: import it first, install our handlers after.
    from gateway.fix.democlient import ClientOptions, ClientSession, DemoClient

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else click.prompt("Password", hide_input=True)
    if not password:
        raise CommandError("no password given (one line on standard input with --password-stdin)")
    with transaction(app.migrated_engine()) as session:
        profile = _profile(session, name)
        contracts = _contracts(session, profile, day.date())
    flow = OrderFlow(contracts, profile.accounts, seed=f"{seed}:{name}", prefix=f"{name[:4]}{time.time_ns() // 1_000_000:x}-")
    identity = ClientSession(name, profile.begin_string, profile.target_comp_id, profile.sender_comp_id, host, profile.port, profile.username)
    options = ClientOptions(store_dir / name, log_dir / name, pause_ms=1000 // rate, duration_s=duration)
    demo = DemoClient(identity, password, flow, options)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: demo.stop("stopped by signal"))
    try:
        stopped = demo.run()
    except RuntimeError as exc:
        raise CommandError(str(exc)) from None
    app.console.print(demo.tally.line(identity, stopped), markup=False, highlight=False)


def _profile(session: Session, name: str) -> SessionProfile:
    profile = next((p for p in load_session_profiles(session) if p.name == name), None)
    if profile is None:
        raise CommandError(f"unknown FIX session {name!r} (see `fixbroker sessions list`)")
    if not profile.enabled:
        raise CommandError(f"FIX session {name} is disabled (`fixbroker sessions enable {name}`)")
    return profile


def _contracts(session: Session, profile: SessionProfile, day: date) -> list[Contract]:
    """The contracts the session's member may trade on `day` that have a previous price."""
    seats = set(session.scalars(
        select(m.Exchange.code).join(m.Membership, m.Membership.exchange_id == m.Exchange.id)
        .join(m.Member, m.Member.id == m.Membership.member_id).where(m.Member.code == profile.member)
    ))
    exchanges = repository.exchanges(session)
    instruments = repository.instruments(session)
    previous = repository.previous_settlement_prices(session, day)
    contracts = [
        contract_of(record, instruments[record.code], exchanges[record.exchange], previous[record.code])
        for record in instrument_records(session)
        if record.exchange in seats and record.code in previous and instruments[record.code].is_listed_on(day)
    ]
    if not contracts:
        raise CommandError(f"session {profile.name}: no contract of member {profile.member}'s exchanges has a settlement price before {day}")
    return contracts


# ---------------------------------------------------------------------------------- demo day


@dataclass(frozen=True)
class _Plan:
    day: date
    calendar: TradingCalendar
    sessions: list[SessionProfile]  # the enabled ones: a client each
    rehearse_from: datetime  # exchange local time on the day (after the journal's last command, if any)
    last_close: datetime  # the end of the day's last session
    journalled: int  # commands already in the day's journal
    closed: bool  # the journal holds the day's end of day

    def expected_seconds(self, speed: Decimal) -> int:
        """Real seconds from the gateway's start until the calendar's last close."""
        span = max(0, int((self.last_close - self.rehearse_from).total_seconds()))
        return int(Decimal(span) / speed) + 1


@group.command()
@click.option("--date", "day", type=_DATE, required=True, help="The trading day to trade, close and settle.")
@click.option("--from", "start", default="14:30", show_default=True, metavar="HH:MM",
              help="Exchange-local time on DATE where the rehearsal clock starts (after the last command of a day traded before).")
@click.option("--speed", default="30", show_default=True, metavar="N", help="Simulated seconds per real second.")
@click.option("--rate", type=click.IntRange(1, 100), default=4, show_default=True, help="Requests per second of each client.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the clients' flows.")
@click.option("--config", "gateway_config", type=_FILE, default=GATEWAY_CONFIG, show_default=True, help="The gateway's host settings.")
@click.option("--scheduler-config", type=_FILE, default=SCHEDULER_CONFIG, show_default=True,
              help="The scheduler's configuration (defaults when absent): where statements and the gateway status go.")
@click.option("--work-dir", type=_DIR, default=DEFAULT_WORK_DIR, show_default=True,
              help="The clients' FIX stores and logs, and every process's output (logs/).")
@pass_app
def day(
    app: AppContext, day: datetime, start: str, speed: str, rate: int, seed: int, gateway_config: Path, scheduler_config: Path,
    work_dir: Path,
) -> None:
    """Trade DATE over FIX with a simulated client per session, close it, run its end of day.

    The gateway runs on a rehearsal clock from --from at --speed times real time, so the day's
    last hour passes in a couple of minutes, and closes the day itself after the calendar's
    last session. The end of day runs through the scheduler (`fixbroker scheduler run --once`).
    A day whose journal is already closed is not traded again. Every process started here is
    stopped before the command returns, also on failure or Ctrl-C.
    """
    pace = _speed(speed)
    try:
        config = load_config(scheduler_config, required=scheduler_config != SCHEDULER_CONFIG)
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    engine = app.migrated_engine()
    plan = _plan(engine, day.date(), _time(start))
    env = {**os.environ, "FIXBROKER_DB": app.url, "PYTHONUNBUFFERED": "1"}
    signal.signal(signal.SIGTERM, _interrupted)  # the finally blocks below stop what was started
    if plan.closed:
        app.console.print(f"{plan.day} is already traded and closed ({plan.journalled} journalled commands): not trading it again",
                          markup=False)
    else:
        _trade(app, engine, plan, pace, rate, seed, gateway_config, config.paths.gateway_status, work_dir, env)
    _end_of_day(app, plan.day, scheduler_config, env)
    _summary(app, engine, plan, config.paths.statements, work_dir)


def _interrupted(signum: int, frame: Any) -> NoReturn:
    raise KeyboardInterrupt


def _speed(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CommandError(f"--speed must be a number, not {text!r}") from None
    if not (value.is_finite() and value > 0):
        raise CommandError(f"--speed must be positive, not {text}")
    return value


def _time(text: str) -> time_of_day:
    try:
        return time_of_day.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--from must be HH:MM (exchange local time), not {text!r}") from None


def _plan(engine: Engine, day: date, start: time_of_day) -> _Plan:
    """What the day needs, checked before anything is started."""
    with transaction(engine) as session:
        try:
            calendar = repository.load_calendar(session)
        except NotLoaded as exc:
            raise CommandError(f"{exc} (the demo needs the sample venue: `fixbroker ref load config/venue.toml`)") from None
        if not calendar.is_trading_day(day):
            raise CommandError(f"{day} is not a trading day")
        sessions = [p for p in load_session_profiles(session) if p.enabled]
        if not sessions:
            raise CommandError("no enabled FIX session in the reference data: load the venue or `fixbroker sessions add`")
        previous = repository.previous_settlement_prices(session, day)
        if not previous:
            raise CommandError(f"no instrument has a settlement price before {day}; import them (`fixbroker prices import FILE.csv`)")
        hours = repository.instrument_hours(session)
        ends = [s.end for code in previous if code in hours for s in calendar.sessions(day, hours[code])]
    if not ends:
        raise CommandError(f"no instrument with a previous price trades on {day}")
    journal = journal_commands(engine, day)
    rehearse_from = datetime.combine(day, start, tzinfo=calendar.tz)
    if journal:
        # A day traded before (an interrupted demo) goes on after its last command: trade times
        # must not go back, or settlement would match closes against later opens.
        last = from_nanoseconds(journal[-1][1].time).astimezone(calendar.tz)
        rehearse_from = max(rehearse_from, (last + timedelta(seconds=1)).replace(microsecond=0))
    return _Plan(
        day, calendar, sessions, rehearse_from, max(ends), len(journal), any(isinstance(c, EndOfDay) for _, c in journal),
    )


@dataclass
class _Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def last_line(self) -> str:
        lines = [line for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        return lines[-1] if lines else "(no output)"


@dataclass
class _Children:
    """The processes this command started, stopped in the reverse order of their start."""

    env: dict[str, str]
    started: list[_Child] = field(default_factory=list)

    def start(self, name: str, args: list[str], log: Path, stdin: str | None = None) -> _Child:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as output:
            # A session of its own: the terminal's Ctrl-C reaches this command only, which then
            # stops the clients before the gateway.
            process = subprocess.Popen(
                [*FIXBROKER, *args], stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT, env=self.env, start_new_session=True,
            )
        child = _Child(name, process, log)
        self.started.append(child)
        if stdin is not None:
            assert process.stdin is not None
            process.stdin.write(f"{stdin}\n".encode())
            process.stdin.close()
        return child

    def stop(self, child: _Child) -> int:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
            try:
                child.process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
        return child.process.returncode

    def stop_all(self) -> None:
        for child in reversed(self.started):
            self.stop(child)


def _trade(
    app: AppContext, engine: Engine, plan: _Plan, speed: Decimal, rate: int, seed: int, gateway_config: Path, status_file: Path,
    work_dir: Path, env: dict[str, str],
) -> None:
    _check_ports({p.port for p in plan.sessions})
    passwords = _demo_passwords(engine, [p.name for p in plan.sessions])
    expected = plan.expected_seconds(speed)
    children = _Children(env)
    day = plan.day.isoformat()
    try:
        gateway = children.start("gateway", [
            "gateway", "run", "--config", str(gateway_config), "--date", day, "--rehearse-from", plan.rehearse_from.isoformat(),
            "--speed", str(speed), "--status-file", str(status_file),
        ], work_dir / "logs" / "gateway.log")
        _wait_until_up(gateway, status_file)
        if plan.journalled:
            app.console.print(f"{day} was traded before ({plan.journalled} journalled commands): going on from its last one", markup=False)
        app.console.print(
            f"gateway up (pid {gateway.process.pid}): {day} from {plan.rehearse_from:%H:%M:%S} exchange time at {speed}x, "
            f"last close {plan.last_close:%H:%M} in about {expected}s", markup=False,
        )
        clients = [
            children.start(profile.name, [
                "demo", "client", "--session", profile.name, "--date", day, "--seed", str(seed), "--rate", str(rate),
                "--duration", str(expected + CLOSE_MARGIN_SECONDS), "--store-dir", str(work_dir / "fix" / "store"),
                "--log-dir", str(work_dir / "fix" / "log"), "--password-stdin",
            ], work_dir / "logs" / f"client-{profile.name}.log", stdin=passwords[profile.name])
            for profile in plan.sessions
        ]
        app.console.print(f"{len(clients)} FIX clients trading: {', '.join(f'{p.name} ({p.begin_string})' for p in plan.sessions)}",
                          markup=False)
        _wait_until_closed(app, plan, speed, gateway, clients, status_file, expected + CLOSE_MARGIN_SECONDS)
        for child in clients:
            children.stop(child)
            app.console.print(f"  {child.last_line()}", markup=False, highlight=False)
        code = children.stop(gateway)
        if code != 0:
            raise CommandError(f"the gateway exited with status {code} (see {gateway.log})")
        app.console.print(f"{plan.day} closed by the gateway; gateway and clients stopped (logs in {work_dir / 'logs'})", markup=False)
    except KeyboardInterrupt:
        raise CommandError(f"interrupted before {plan.day} closed: the gateway and the clients are stopped; run again to go on") from None
    finally:
        children.stop_all()


def _check_ports(ports: set[int]) -> None:
    for port in sorted(ports):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("", port))
            except OSError:
                raise CommandError(f"port {port} of the FIX sessions is in use (is a gateway already running? `fixbroker gateway status`)") from None


def _demo_passwords(engine: Engine, names: list[str]) -> dict[str, str]:
    """A fresh random password per session, set like `fixbroker sessions set-password` does;
    they go to the clients on their standard input, never to the screen or a log."""
    passwords = {name: secrets.token_urlsafe(24) for name in names}
    with transaction(engine) as session:
        for row in session.scalars(select(m.FixSession).where(m.FixSession.name.in_(names))):
            row.password_hash = hash_password(passwords[row.name])
            row.password_set_at = clock.now()
    return passwords


def _status(status_file: Path) -> GatewayStatus | None:
    try:
        return read_status(status_file)
    except (OSError, ValueError, TypeError):
        return None


def _failed(child: _Child, what: str) -> CommandError:
    return CommandError(f"{child.name} {what} (exit status {child.process.returncode}): {child.last_line()} (log: {child.log})")


def _wait_until_up(gateway: _Child, status_file: Path) -> None:
    deadline = time.monotonic() + GATEWAY_UP_SECONDS
    while time.monotonic() < deadline:
        if gateway.process.poll() is not None:
            raise _failed(gateway, "stopped before it was up")
        status = _status(status_file)
        if status is not None and status.pid == gateway.process.pid and status.running:
            return
        time.sleep(0.2)
    raise CommandError(f"the gateway did not come up within {GATEWAY_UP_SECONDS}s (log: {gateway.log})")


def _wait_until_closed(
    app: AppContext, plan: _Plan, speed: Decimal, gateway: _Child, clients: list[_Child], status_file: Path, limit: int,
) -> None:
    started = time.monotonic()
    shown = started
    with app.console.status("trading") as progress:
        while True:
            if gateway.process.poll() is not None:
                raise _failed(gateway, "stopped before the day closed")
            for child in clients:
                if child.process.poll() not in (None, 0):
                    raise _failed(child, "failed")
            status = _status(status_file)
            if status is not None and status.pid == gateway.process.pid and status.day_closed:
                return
            elapsed = time.monotonic() - started
            if elapsed > limit:
                raise CommandError(f"the gateway did not close {plan.day} within {limit}s (log: {gateway.log})")
            now = plan.rehearse_from + timedelta(seconds=int(Decimal(int(elapsed)) * speed))
            line = f"trading {plan.day}, about {now:%H:%M} exchange time"
            if status is not None:
                line += f": {status.orders} orders, {status.trades} trades, {sum(s.logged_on for s in status.sessions)} sessions logged on"
            progress.update(line)
            if not app.console.is_terminal and time.monotonic() - shown >= PROGRESS_SECONDS:
                app.console.print(line, markup=False, highlight=False)
                shown = time.monotonic()
            time.sleep(0.5)


def _end_of_day(app: AppContext, day: date, scheduler_config: Path, env: dict[str, str]) -> None:
    """The end of day through the scheduler's own code path, in a process of its own."""
    app.console.print(f"end of day {day} through the scheduler", markup=False)
    sys.stdout.flush()
    done = subprocess.run([*FIXBROKER, "scheduler", "run", "--once", "--date", day.isoformat(), "--config", str(scheduler_config)],
                          env=env, check=False)
    if done.returncode != 0:
        raise CommandError(f"the end of day of {day} failed (exit status {done.returncode}); see above and `fixbroker eod status --date {day}`")


# ---------------------------------------------------------------------------------- summary


def _summary(app: AppContext, engine: Engine, plan: _Plan, statements_root: Path, work_dir: Path) -> None:
    day = plan.day
    console = app.console
    console.print(_sessions_table(engine, day))
    with transaction(engine) as session:
        run_id = session.scalar(select(m.SettlementRun.id).where(m.SettlementRun.trading_day == day, m.SettlementRun.status == "current"))
        if run_id is None:
            console.print(f"{day} is not settled: no P&L or margin calls to show", markup=False)
        else:
            console.print(_members_table(session, run_id, day))
            console.print(_margin_calls(session, run_id, plan.calendar))
    folder = statements_root / day.isoformat()
    files = Counter(path.suffix for path in folder.rglob("*.*")) if folder.is_dir() else Counter()
    clients = len({path.stem for path in folder.rglob("*.json")}) if folder.is_dir() else 0
    written = ", ".join(f"{n} {suffix}" for suffix, n in sorted(files.items())) or "none"
    console.print(f"statements: {folder}/<member>/<account>.* for {clients} accounts ({written})", markup=False)
    client = next((p.default_account for p in plan.sessions if p.default_account), "C000101")
    member = plan.sessions[0].member
    console.print("to look further:", markup=False)
    for command in (
        f"fixbroker statements show --date {day} --account {client}",
        f"fixbroker statements members --date {day} --member {member}",
        f"fixbroker settle show --date {day}",
        f"fixbroker eod status --date {day}",
        f"fixbroker market status --date {day}",
        "fixbroker accounts list",
    ):
        console.print(f"  {command}", markup=False, highlight=False)
    console.print(f"  logs of the gateway and the clients: {work_dir / 'logs'}; the clients' FIX messages: {work_dir / 'fix' / 'log'}",
                  markup=False, highlight=False)


def _sessions_table(engine: Engine, day: date) -> Table:
    """Per FIX session: what it sent (from the journal) and what came of it (the rebuilt day)."""
    with transaction(engine) as session:
        state = load_start_of_day(session, day)
        versions = {p.name: p.begin_string for p in load_session_profiles(session)}
        legs = session.execute(
            select(m.TradeLeg.order_id, m.Trade.qty).join(m.Trade, m.Trade.id == m.TradeLeg.trade_id)
            .where(m.Trade.trading_day == day, m.Trade.source == "core")
        ).all()
    core = rebuild(engine, state)
    sent: dict[str, Counter[str]] = defaultdict(Counter)
    for _, command in journal_commands(engine, day):
        if isinstance(command, (NewOrder, Cancel, Replace)):
            sent[command.session][type(command).__name__] += 1
    for record in core.orders.values():
        sent[record.session][record.status.value] += 1
        sent[record.session]["accepted"] += 1
    for order_id, qty in legs:
        record = core.orders.get(order_id or "")
        if record is not None:
            sent[record.session]["trades"] += 1
            sent[record.session]["lots"] += qty
    table = Table(title=f"Orders and trades of {day} per FIX session (from the journal)", title_justify="left")
    columns = ("session", "FIX", "orders", "refused", "cancels", "replaces", "trade sides", "lots", "expired at close")
    for column in columns:
        table.add_column(column, justify="left" if column in ("session", "FIX") else "right")
    total: Counter[str] = Counter()
    for name in sorted(sent):
        counts = sent[name]
        total.update(counts)
        table.add_row(name, versions.get(name, "-"), *_session_figures(counts))
    table.add_row("total", "", *_session_figures(total), style="bold")
    return table


def _session_figures(counts: Counter[str]) -> list[str]:
    refused = counts["NewOrder"] - counts["accepted"] + counts[OrderStatus.REJECTED.value]
    return [str(n) for n in (counts["NewOrder"], refused, counts["Cancel"], counts["Replace"], counts["trades"], counts["lots"],
                             counts[OrderStatus.EXPIRED.value])]


def _members_table(session: Session, run_id: int, day: date) -> Table:
    """P&L by settlement member at the exchange: the level-1 results, summed over its accounts."""
    owner = aliased(m.Member)
    rows = session.execute(
        select(owner.code, owner.name, m.SettlementAccount)
        .join(m.Account, m.Account.id == m.SettlementAccount.account_id)
        .join(owner, owner.id == m.Account.owner_member_id)
        .where(m.SettlementAccount.run_id == run_id, m.SettlementAccount.level == 1)
        .order_by(owner.code)
    ).all()
    fields = ("close_pnl", "position_mtm", "fees", "margin")  # the calls: the margin-call table (reserve rule)
    sums: dict[tuple[str, str], dict[str, Decimal]] = {}
    for code, name, result in rows:
        totals = sums.setdefault((code, name), dict.fromkeys(fields, Decimal("0.00")))
        for figure in fields:
            totals[figure] += getattr(result, figure)
    table = Table(title=f"P&L by member, {day} (level-1 settlement, run {run_id})", title_justify="left")
    for column in ("member", "name", "close P&L", "MTM", "P&L", "fees", "net", "margin"):
        table.add_column(column, justify="left" if column in ("member", "name") else "right")
    for (code, name), totals in sums.items():
        pnl = totals["close_pnl"] + totals["position_mtm"]
        table.add_row(code, name, *(f"{v:,.2f}" for v in (
            totals["close_pnl"], totals["position_mtm"], pnl, totals["fees"], pnl - totals["fees"], totals["margin"],
        )))
    return table


def _margin_calls(session: Session, run_id: int, calendar: TradingCalendar) -> Table | str:
    rows = session.execute(
        select(m.Account.code, m.MarginCall.level, m.MarginCall.amount, m.MarginCall.deadline)
        .join(m.Account, m.Account.id == m.MarginCall.account_id).where(m.MarginCall.run_id == run_id)
        .order_by(m.MarginCall.level, m.Account.code)
    ).all()
    if not rows:
        return "margin calls: none"
    table = Table(title="Margin calls", title_justify="left")
    for column in ("account", "level", "amount", "deadline"):
        table.add_column(column, justify="right" if column == "amount" else "left")
    for code, level, amount, deadline in rows:
        table.add_row(code, str(level), f"{amount:,.2f}", f"{deadline.astimezone(calendar.tz):%Y-%m-%d %H:%M %Z}")
    return table
