"""`fixbroker gateway`: run the FIX gateway, and ask a running one how it is doing.

`run` is the composition root of the trading side: it reads the host settings
(config/gateway.cfg) and everything else from the database, rebuilds the trading day from
its journal, and serves FIX until SIGINT or SIGTERM, when it logs every session out and
stops cleanly. Following the calendar, it closes the trading day itself after the last session
(DAY orders expire, new orders are refused). `--rehearse-from` and `--speed` run the gateway's
clock from another instant and faster, so that FIX clients can trade a compressed session
against the real gateway. `status` reads the status file the gateway rewrites every second.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from backoffice.db.engine import resolve_url
from backoffice.processes import process_alive, wait_until_set
from gateway.core.startofday import DEFAULT_LIMITS
from gateway.matching import TradingPhase

from .context import AppContext, CommandError, pass_app

if TYPE_CHECKING:
    from gateway.fix.clock import Rehearsal

_DATE = click.DateTime(["%Y-%m-%d"])
DEFAULT_CONFIG = Path("config/gateway.cfg")
DEFAULT_STATUS = Path("var/fix/status.json")


@click.group("gateway")
def group() -> None:
    """Run the FIX gateway and inspect it."""


@group.command()
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_CONFIG, show_default=True,
              help="Host settings ([DEFAULT] section in QuickFIX format).")
@click.option("--db", "db_url", metavar="URL", help="Database URL (instead of the global --db).")
@click.option("--date", "day", type=_DATE,
              help="Trading day to serve (default: the calendar's trading day of now, on the rehearsal clock when rehearsing).")
@click.option("--phase", type=click.Choice([p.value for p in TradingPhase]),
              help="Force every book into this phase instead of following the calendar (tests); "
                   "the trading day is then never closed automatically.")
@click.option("--rehearse-from", "rehearse_from", metavar="DATETIME",
              help="Run the gateway's clock from this ISO 8601 instant with offset (e.g. 2026-11-23T14:10:00+08:00): "
                   "phases, the close, order and trade times follow it. QuickFIX's session timing stays on real time.")
@click.option("--speed", metavar="N",
              help="With --rehearse-from: N simulated seconds pass per real second (a positive number; default 1).")
@click.option("--status-file", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_STATUS, show_default=True)
@click.option("--metrics-port", type=click.IntRange(1, 65535), help="Serve Prometheus /metrics on this port.")
@click.option("--metrics-address", default="127.0.0.1", show_default=True, help="Address of the /metrics endpoint.")
@click.option("--max-orders-per-second", type=click.IntRange(1), default=DEFAULT_LIMITS.max_orders_per_second, show_default=True,
              help="Per-account order rate limit of pre-trade risk.")
@pass_app
def run(
    app: AppContext, config: Path, db_url: str | None, day: datetime | None, phase: str | None,
    rehearse_from: str | None, speed: str | None, status_file: Path,
    metrics_port: int | None, metrics_address: str, max_orders_per_second: int,
) -> None:
    """Serve FIX until SIGINT/SIGTERM (then log every session out and stop).

    Without --phase the books follow the calendar's phases, and once the last session of the
    day has ended the gateway closes the trading day: DAY orders expire (their owners get the
    expiry reports), the end of day is journalled, and new orders are refused until a gateway
    runs for the next trading day. A gateway started after the close closes the day at once;
    one restarted after the close leaves it closed.
    """
    # quickfix resets SIGINT when imported: import it first, install our handlers after.
    import quickfix as fix

    from backoffice.refdata.repository import NotLoaded
    from gateway.fix.runner import Gateway, GatewayOptions
    from gateway.fix.settings import SettingsError, read_host_settings

    rehearsal = _rehearsal(rehearse_from, speed, phase)
    if db_url:
        app.url = resolve_url(db_url)
    try:
        host = read_host_settings(config)
    except SettingsError as exc:
        raise CommandError(str(exc)) from None
    engine = app.migrated_engine()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    options = GatewayOptions(
        host=host, trading_day=day.date() if day else None, phase=TradingPhase(phase) if phase else None,
        rehearsal=rehearsal, status_file=status_file, metrics_port=metrics_port, metrics_address=metrics_address,
        limits=replace(DEFAULT_LIMITS, max_orders_per_second=max_orders_per_second),
    )
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    gateway = Gateway(engine, options)
    try:
        gateway.start()
    except (NotLoaded, SettingsError, fix.ConfigError, fix.RuntimeError) as exc:
        gateway.stop()
        raise CommandError(f"gateway could not start: {exc}") from None
    assert gateway.app is not None
    app.console.print(
        f"gateway running: trading day {gateway.app.trading_day}, clock: {gateway.clock.describe()}, "
        f"pid {gateway.status(True).pid}; Ctrl-C to stop"
    )
    wait_until_set(stopping)
    app.console.print("stopping: logging sessions out")
    gateway.stop()
    app.console.print("gateway stopped")


def _rehearsal(rehearse_from: str | None, speed: str | None, phase: str | None) -> Rehearsal | None:
    """The rehearsal clock the options ask for (None: the real clock), or a CommandError."""
    from gateway.fix.clock import Rehearsal

    if rehearse_from is None:
        if speed is not None:
            raise CommandError("--speed needs --rehearse-from (the real clock runs at real speed)")
        return None
    if phase is not None:
        raise CommandError("--rehearse-from follows the calendar's phases: it cannot be combined with --phase")
    try:
        start = datetime.fromisoformat(rehearse_from)
    except ValueError:
        raise CommandError(f"--rehearse-from {rehearse_from!r} is not an ISO 8601 date and time") from None
    try:
        factor = Decimal(speed) if speed is not None else Decimal(1)
    except InvalidOperation:
        raise CommandError(f"--speed {speed!r} is not a number") from None
    try:
        return Rehearsal(start, factor)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


@group.command()
@click.option("--status-file", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_STATUS, show_default=True)
@pass_app
def status(app: AppContext, status_file: Path) -> None:
    """Sessions, logons, orders and trades of the running gateway (exit 1 when it is not running)."""
    from gateway.fix.statusfile import STALE_AFTER_SECONDS, read_status

    try:
        current = read_status(status_file)
    except (OSError, ValueError, TypeError) as exc:
        raise CommandError(f"no gateway status in {status_file}: {exc}") from None
    age = (datetime.now(timezone.utc) - datetime.fromisoformat(current.updated_at)).total_seconds()
    alive = current.running and process_alive(current.pid) and age <= STALE_AFTER_SECONDS
    summary = Table(title=f"Gateway pid {current.pid}", title_justify="left", show_header=False)
    for label, value in (
        ("state", "running" if alive else "not running"),
        ("trading day", current.trading_day),
        ("day closed", "yes (new orders refused)" if current.day_closed else "no"),
        ("started", current.started_at),
        ("updated", current.updated_at),
        ("orders today", current.orders),
        ("trades today", current.trades),
        ("last journal seq", current.journal_seq or "-"),
        ("metrics", f"port {current.metrics_port}" if current.metrics_port else "off"),
    ):
        summary.add_row(label, str(value))
    app.console.print(summary)
    sessions = Table("session", "version", "client CompID", "port", "logged on", title="Sessions", title_justify="left")
    for s in current.sessions:
        sessions.add_row(s.name, s.begin_string, s.target_comp_id, str(s.port), "yes" if s.logged_on and alive else "no")
    app.console.print(sessions)
    if not alive:
        raise CommandError("the gateway is not running")
