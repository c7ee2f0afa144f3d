"""A real trading day on the sample venue (orders through the core, its journal and trades),
settled through the CLI; the invariants are re-checked here from the stored rows alone.
Also: partial-custody imports (one-legged trades) and how bad import files are reported."""

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from settle_venue import TRADE_HEADER, dump, fund, set_previous_prices, write_csv

DAY, NEXT = "2026-11-23", "2026-11-24"
ACCOUNTS = ("C000101", "C000102", "C000201", "C000202", "C010101", "P0001", "TM-0001-0101",
            "RSV-CFFEX-0001-B", "RSV-SHFE-0001-B", "RSV-CFFEX-0002-B", "RSV-SHFE-0002-B",
            "RSV-CFFEX-0001-P", "RSV-SHFE-0001-P", "RSV-CFFEX-0002-P", "RSV-SHFE-0002-P")


def stored_run(url, day):
    """The current run of `day` as plain rows, keyed by account code."""
    engine = make_engine(url)
    with transaction(engine) as session:
        run = session.scalars(select(m.SettlementRun).where(m.SettlementRun.trading_day == date.fromisoformat(day), m.SettlementRun.status == "current")).one()
        codes = dict(session.execute(select(m.Account.id, m.Account.code)).all())
        kinds = dict(session.execute(select(m.Account.code, m.Account.kind)).all())
        accounts = {codes[r.account_id]: r for r in session.scalars(select(m.SettlementAccount).where(m.SettlementAccount.run_id == run.id))}
        lines = [(codes[r.account_id], r) for r in session.scalars(select(m.SettlementTradeLine).where(m.SettlementTradeLine.run_id == run.id))]
        closes = [(codes[r.account_id], r) for r in session.scalars(select(m.SettlementClose).where(m.SettlementClose.run_id == run.id))]
        lots = [(codes[r.account_id], r.instrument.code, r) for r in session.scalars(select(m.SettlementLot).where(m.SettlementLot.run_id == run.id))]
        exchange_of = {i.code: i.product.exchange.code for i in session.scalars(select(m.Instrument))}
        trades = {t.id: len(t.legs) for t in session.scalars(select(m.Trade).where(m.Trade.trading_day == date.fromisoformat(day)))}
    engine.dispose()
    return run, accounts, lines, closes, lots, kinds, exchange_of, trades


def check_invariants(url, day):
    run, accounts, lines, closes, lots, kinds, exchange_of, trades = stored_run(url, day)
    clients = {code for code, kind in kinds.items() if kind == "client"}
    # balance c/f = b/f + deposits - withdrawals + close P&L + MTM - fees, for every account, to the cent
    for code, r in accounts.items():
        assert r.balance_cf == r.balance_bf + r.deposits - r.withdrawals + r.close_pnl + r.position_mtm - r.fees, code
        assert r.available == r.equity - r.margin and r.margin_call == max(r.margin - r.equity, 0), code
    # zero-sum per instrument among clients (every trade here has both legs at the venue)
    pnl = defaultdict(Decimal)
    for code, c in closes:
        if code in clients:
            pnl[c.instrument.code] += c.pnl
    for code, instrument, lot in lots:
        if code in clients:
            pnl[instrument] += lot.mtm
    assert all(total == 0 for total in pnl.values()), pnl
    # long open interest = short open interest, and each level-1 reserve account holds its clients' lots
    oi = Counter()
    by_member = Counter()
    by_clients = Counter()
    for code, instrument, lot in lots:
        if code in clients:
            oi[(instrument, lot.direction)] += lot.qty
            by_clients[(exchange_of[instrument], lot.direction, instrument)] += lot.qty
        elif code.startswith("RSV-"):
            by_member[(exchange_of[instrument], lot.direction, instrument)] += lot.qty
    for (instrument, direction), qty in oi.items():
        assert oi[(instrument, "short" if direction == "long" else "long")] == qty, instrument
    assert by_member == by_clients
    # every trade settled once per side at level 2 and once per side at level 1
    client_sides = Counter((line.trade_id, line.side) for code, line in lines if code in clients)
    member_sides = Counter((line.trade_id, line.side) for code, line in lines if code.startswith("RSV-"))
    expected = {(t, s): 1 for t in trades for s in ("buy", "sell")}
    assert dict(client_sides) == expected and dict(member_sides) == expected
    return run, accounts


def test_a_simulated_trading_day_settles_at_both_levels_and_reruns_identically(venue, db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    set_previous_prices(venue)
    fund(venue, {code: "200000000.00" for code in ACCOUNTS})
    assert "day closed" in venue("market", "simulate", "--date", DAY, "--orders", "800").output
    out = venue("settle", "run", "--date", DAY).output
    assert "settled 2026-11-23 as run 1: 7 level-2 and 8 level-1 accounts" in out
    for step in ("loading", "settlement prices", "level 2", "trading members", "level 1 CFFEX", "level 1 SHFE", "checks done", "committed"):
        assert step in out
    run, first = check_invariants(db_url, DAY)
    assert len(stored_run(db_url, DAY)[7]) > 20  # a real day: many trades
    venue("settle", "run", "--date", DAY)
    _, second = check_invariants(db_url, DAY)
    figures = ("balance_bf", "close_pnl", "position_mtm", "fees", "balance_cf", "margin", "risk_degree", "margin_call")
    assert {c: [getattr(r, f) for f in figures] for c, r in first.items()} == {c: [getattr(r, f) for f in figures] for c, r in second.items()}
    # the next day trades from the settled state (carried lots, settled balances) and settles too
    venue("market", "simulate", "--date", NEXT, "--orders", "800", "--seed", "8")
    venue("settle", "run", "--date", NEXT)
    _, day2 = check_invariants(db_url, NEXT)
    assert all(day2[c].balance_bf == second[c].balance_cf for c in second)
    assert (tmp_path / "var" / "settlement" / NEXT / "transfers.csv").exists()


def test_partial_custody_trades_settle_against_the_outside_world(venue, db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    set_previous_prices(venue)
    fund(venue, {"C000101": "1000000.00", "RSV-CFFEX-0001-B": "3000000.00", "RSV-SHFE-0001-B": "3000000.00",
                 "RSV-CFFEX-0002-B": "3000000.00", "RSV-SHFE-0002-B": "3000000.00"})
    trades = write_csv(tmp_path / "custody.csv", TRADE_HEADER, [
        f"EXT-1,{DAY},C000101,IF2612,buy,open,3810.0,1,{DAY}T14:10:00+08:00",  # counterparty outside the venue
    ])
    venue("trades", "import", str(trades))
    assert "0 trades imported, 1 already imported" in venue("trades", "import", str(trades)).output  # idempotent
    venue("settle", "run", "--date", DAY)
    run, accounts, lines, *_ = stored_run(db_url, DAY)
    # settlement price: last-hour VWAP of the one print, 3,810.0; MTM (3,810 - 3,810) = 0
    # fee at member 0001's rates (exchange 0.000023 x 4): 3,810 x 300 x 0.000092 = 105.156 -> 105.16
    assert (accounts["C000101"].position_mtm, accounts["C000101"].fees) == (Decimal("0.00"), Decimal("105.16"))
    assert [line.trade_id for code, line in lines if code == "C000101"] == ["EXT-1"]
    prices = venue("prices", "show", "--date", DAY).output
    assert "3810" in prices and "last_hour_vwap" in prices and "14:00-15:00" in prices


def test_bad_trade_files_are_reported_by_line_and_field_and_nothing_is_imported(venue, db_url, tmp_path):
    before = dump(db_url)
    bad = write_csv(tmp_path / "bad.csv", TRADE_HEADER, [
        f"OK-1,{DAY},C000101,IF2612,buy,open,3810.0,1,{DAY}T10:00:00+08:00",
        f"B-2,{DAY},NOPE,IF2612,buy,open,3810.1,1,{DAY}T10:00:00+08:00",
        "B-3,2026-11-22,C000101,XX,hold,opn,-1,1.5,yesterday",
        f"OK-1,{DAY},C000102,IF2612,buy,open,3812.0,1,{DAY}T10:00:00+08:00",
        f"B-5,{DAY},C000101,IF2612,sell,open,3810.0,1,{DAY}T19:00:00+08:00",
    ])
    result = venue("trades", "import", str(bad), ok=False)
    assert result.exit_code == 1
    out = result.output
    for line in (
        f"{bad}:3: account: unknown client account 'NOPE'",
        f"{bad}:3: price: 3810.1 is not on the tick 0.2 of IF2612",
        f"{bad}:4: trading_day: 2026-11-22 is not a trading day",
        f"{bad}:4: instrument: unknown instrument 'XX'",
        f"{bad}:4: side: must be buy or sell, got 'hold'",
        f"{bad}:4: offset: must be one of open, close, close_today, close_yesterday, got 'opn'",
        f"{bad}:4: qty: must be a positive whole number of lots, got '1.5'",
        f"{bad}:4: time: not an ISO 8601 timestamp: 'yesterday'",
        f"{bad}:5: side: OK-1 has a buy leg already (line 2)",
        f"{bad}:6: time: 2026-11-23T19:00:00+08:00 belongs to trading day 2026-11-24, not 2026-11-23",
    ):
        assert line in out, line
    assert "problems in" in out and "nothing was imported" in out
    assert dump(db_url) == before
    header = write_csv(tmp_path / "header.csv", "trade_id,day,account", [])
    assert "header: missing column(s) trading_day" in venue("trades", "import", str(header), ok=False).output


def test_bad_price_files_are_reported_and_good_ones_recorded(venue, tmp_path):
    bad = write_csv(tmp_path / "prices.csv", "trading_day,instrument,price,reason", [
        f"{DAY},IF2612,3810.1,x",
        f"{DAY},NOPE,1,x",
    ])
    out = venue("prices", "import", str(bad), ok=False).output
    assert f"{bad}:2: price: 3810.1 is not on the tick 0.2 of IF2612" in out and f"{bad}:3: instrument: unknown instrument 'NOPE'" in out
    good = write_csv(tmp_path / "good.csv", "trading_day,instrument,price,reason", [f"{DAY},IF2612,3810.2,exchange list", f"{DAY},cu2701,68010,exchange list"])
    assert "2 official prices recorded" in venue("prices", "import", str(good)).output
    shown = venue("prices", "show", "--date", DAY).output
    assert "3810.2" in shown and "68010" in shown and "official" in shown
