"""The settlement runner through the real CLI: the worked example at both levels, reruns,
price and trade corrections, refusals, failures that write nothing, disputes and finality.

Hand-computed figures (settlement.md worked example; test venue in settle_venue.py):

C000201 (member 0002, client schedule rb: margin 12%, 0.5 per lot): b/f 1,000,000.00,
buys 2 rb2705 at 5,000 to open (M = 10) from C000202; settlement (official) 5,030.
  MTM     (5,030 - 5,000) x 2 x 10           =       600.00
  fees    2 x 0.5                            =         1.00
  c/f     1,000,000 + 600 - 1                = 1,000,599.00
  margin  5,030 x 2 x 10 x 0.12              =    12,072.00
  avail   1,000,599 - 12,072                 =   988,527.00;  risk 12,072 / 1,000,599 = 1.21%
C000202 (member schedule: fee x 3.5, margin + 4 points: 0.35 per lot, 13%): b/f 500,000.00,
sells 2 to open.
  MTM     (5,030 - 5,000) x 2 x 10 x (-1)    =      -600.00
  fees    2 x 0.35                           =         0.70
  c/f     500,000 - 600 - 0.70               =   499,399.30
  margin  5,030 x 2 x 10 x 0.13              =    13,078.00
Level 1, RSV-SHFE-0002-B (exchange rates: 9%, 0.1 per lot; rb is large-side): b/f 3,000,000.00
  MTM     600 - 600                          =         0.00
  fees    (2 + 2) x 0.1                      =         0.40
  margin  the large-side rule applies per client (the exchange keeps positions per client
          code): C000201 long 5,030 x 20 x 0.09 = 9,054.00, C000202 short 9,054.00; 18,108.00
  reserve 3,000,000 + 0 - 18,108 + 0 - 0.40  = 2,981,891.60;  net to the bank: -0.40 (payable)
"""

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from backoffice.settlement.invariants import Violation
from settle_venue import RESERVES, TRADE_HEADER, dump, fund, worked_example_venue, write_csv

D = Decimal
DAY = "2026-11-23"  # a Monday; its dispute deadline is 20:30 Shanghai (the SHFE night open 21:00 - 30 min)
BEFORE_DEADLINE = datetime(2026, 11, 23, 12, 29, tzinfo=timezone.utc)  # 20:29 Shanghai
AFTER_DEADLINE = datetime(2026, 11, 23, 12, 30, tzinfo=timezone.utc)


@pytest.fixture
def clock(monkeypatch):
    """The operator's clock, set by the test (before the dispute deadline by default)."""
    state = {"now": BEFORE_DEADLINE}
    monkeypatch.setattr("backoffice.cli.clock.now", lambda: state["now"])
    return state


@pytest.fixture
def example(fixbroker, tmp_path, clock, monkeypatch):
    """The worked example venue, funded, with previous and official prices and the trade."""
    monkeypatch.chdir(tmp_path)  # transfer files go to var/settlement under the test's directory
    fixbroker("ref", "load", str(worked_example_venue(tmp_path)))
    fund(fixbroker, {"C000201": "1000000.00", "C000202": "500000.00", **{code: "3000000.00" for code in RESERVES}})
    fixbroker("prices", "set", "--date", "2026-11-20", "rb2705", "4990")
    fixbroker("prices", "set", "--date", DAY, "rb2705", "5030", "--reason", "exchange official price")
    trades = write_csv(tmp_path / "trades.csv", TRADE_HEADER, [
        f"X1,{DAY},C000201,rb2705,buy,open,5000,2,{DAY}T10:00:00+08:00",
        f"X1,{DAY},C000202,rb2705,sell,open,5000,2,{DAY}T10:00:00+08:00",
    ])
    assert "1 trade imported" in fixbroker("trades", "import", str(trades)).output
    return fixbroker


def account_result(url, code, run_id=None, day=DAY):
    engine = make_engine(url)
    with transaction(engine) as session:
        query = (
            select(m.SettlementAccount).join(m.Account).join(m.SettlementRun)
            .where(m.Account.code == code)
        )
        if run_id:
            query = query.where(m.SettlementRun.id == run_id)
        else:
            query = query.where(m.SettlementRun.status == "current", m.SettlementRun.trading_day == date.fromisoformat(day))
        row = session.scalars(query).one()
        figures = {name: getattr(row, name) for name in (
            "balance_bf", "deposits", "withdrawals", "close_pnl", "position_mtm", "fees", "balance_cf", "equity", "margin",
            "available", "risk_degree", "margin_call",
        )}
    engine.dispose()
    return figures


def reserve_result(url, code):
    engine = make_engine(url)
    with transaction(engine) as session:
        row = session.scalars(
            select(m.SettlementReserve).join(m.Account).join(m.SettlementRun)
            .where(m.Account.code == code, m.SettlementRun.status == "current")
        ).one()
        figures = (row.reserve_bf, row.margin, row.pnl, row.fees, row.reserve, row.margin_call, row.net_settlement)
    engine.dispose()
    return figures


def settlement_figures(url, run_id):
    """Every result row of a run, without the run id: equal for identical runs."""
    engine = make_engine(url)
    found = {}
    with engine.connect() as connection:
        for model in (m.SettlementAccount, m.SettlementTradeLine, m.SettlementClose, m.SettlementLot, m.SettlementMargin, m.SettlementReserve, m.MarginCall):
            columns = [c for c in model.__table__.columns if c.name != "run_id"]
            rows = connection.execute(select(*columns).where(model.__table__.c.run_id == run_id)).all()
            found[model.__tablename__] = sorted((tuple(r) for r in rows), key=repr)
    engine.dispose()
    return found


def test_worked_example_settles_both_levels_through_the_cli(example, db_url, tmp_path):
    out = example("settle", "run", "--date", DAY).output
    assert "settled 2026-11-23 as run 1: 7 level-2 and 8 level-1 accounts" in out
    assert "0 margin calls" in out
    assert account_result(db_url, "C000201") == {
        "balance_bf": D("1000000.00"), "deposits": D("0.00"), "withdrawals": D("0.00"), "close_pnl": D("0.00"),
        "position_mtm": D("600.00"), "fees": D("1.00"), "balance_cf": D("1000599.00"), "equity": D("1000599.00"),
        "margin": D("12072.00"), "available": D("988527.00"), "risk_degree": D("0.0121"), "margin_call": D("0.00"),
    }
    c202 = account_result(db_url, "C000202")
    assert (c202["position_mtm"], c202["fees"], c202["balance_cf"], c202["margin"]) == (D("-600.00"), D("0.70"), D("499399.30"), D("13078.00"))
    # level 1: large-side margin, zero-sum P&L, reserve rolled forward
    member = account_result(db_url, "RSV-SHFE-0002-B")
    assert (member["position_mtm"], member["fees"], member["margin"], member["balance_cf"]) == (D("0.00"), D("0.40"), D("18108.00"), D("2999999.60"))
    assert reserve_result(db_url, "RSV-SHFE-0002-B") == (D("3000000.00"), D("18108.00"), D("0.00"), D("0.40"), D("2981891.60"), D("0.00"), D("-0.40"))
    shown = example("settle", "show", "--date", DAY, "--account", "C000201").output
    for figure in ("1,000,599.00", "12,072.00", "988,527.00", "1.21%", "X1", "5000", "600.00"):
        assert figure in shown
    transfers = (tmp_path / "var" / "settlement" / DAY / "transfers.csv").read_text().splitlines()
    assert transfers[0] == "trading_day,member,member_name,exchange,net_settlement,direction,amount,run_id"
    assert "2026-11-23,0002,Jade River Futures (sample),SHFE,-0.40,payable,0.40,1" in transfers
    prices = example("prices", "show", "--date", DAY).output
    assert "rb2705" in prices and "official" in prices and "exchange official price" in prices


def test_running_a_day_twice_gives_identical_figures_and_keeps_the_first_run(example, db_url):
    example("settle", "run", "--date", DAY)
    again = example("settle", "run", "--date", DAY, "--reason", "check").output
    assert "as run 2, superseding run 1" in again
    assert settlement_figures(db_url, 1) == settlement_figures(db_url, 2)
    engine = make_engine(db_url)
    with transaction(engine) as session:
        runs = {r.id: r for r in session.scalars(select(m.SettlementRun))}
        assert (runs[1].status, runs[1].superseded_by_id, runs[2].status, runs[2].reason) == ("superseded", 2, "current", "check")
    engine.dispose()
    shown = example("settle", "show", "--date", DAY).output
    assert "superseded" in shown and "check" in shown


def test_a_price_correction_and_rerun_change_exactly_the_price_dependent_figures(example, db_url):
    example("settle", "run", "--date", DAY)
    before = account_result(db_url, "C000201")
    out = example("prices", "set", "--date", DAY, "rb2705", "5040.00", "--reason", "exchange corrected the price").output
    assert "official settlement price of rb2705 for 2026-11-23: 5040 (replaces official price 5030)" in out  # as `prices show` prints it
    assert "settle rerun --from 2026-11-23" in out
    example("settle", "rerun", "--from", DAY, "--reason", "price correction")
    after = account_result(db_url, "C000201")
    # MTM (5,040 - 5,000) x 2 x 10 = 800; c/f 1,000,000 + 800 - 1; margin 5,040 x 20 x 0.12 = 12,096
    assert (after["position_mtm"], after["balance_cf"], after["margin"], after["available"]) == (
        D("800.00"), D("1000799.00"), D("12096.00"), D("988703.00"))
    assert (after["balance_bf"], after["fees"]) == (before["balance_bf"], before["fees"])  # not price dependent
    # the counterparty: MTM -800, c/f 500,000 - 800 - 0.70; margin 5,040 x 20 x 0.13 = 13,104
    c202 = account_result(db_url, "C000202")
    assert (c202["position_mtm"], c202["balance_cf"], c202["margin"]) == (D("-800.00"), D("499199.30"), D("13104.00"))
    # level 1 margin 2 x 5,040 x 20 x 0.09 = 18,144; reserve 3,000,000 - 18,144 - 0.40
    assert reserve_result(db_url, "RSV-SHFE-0002-B")[4] == D("2981855.60")
    assert account_result(db_url, "C000201", run_id=1) == before  # the superseded run is kept as it was
    history = example("prices", "show", "--date", DAY, "--history").output
    assert "exchange official price" in history and "exchange corrected the price" in history


def test_a_bust_and_an_amend_are_audited_and_applied_by_a_rerun(example, db_url):
    example("settle", "run", "--date", DAY)
    assert "amended (correction 1): price 5000 -> 5010, qty 2 -> 1" in example(
        "trades", "amend", "X1", "--price", "5010", "--qty", "1", "--reason", "wrong fill").output
    example("settle", "rerun", "--from", DAY)
    # 1 lot at 5,010: MTM (5,030 - 5,010) x 1 x 10 = 200; fee 0.5; c/f 1,000,199.50; margin 5,030 x 10 x 0.12 = 6,036
    after = account_result(db_url, "C000201")
    assert (after["position_mtm"], after["fees"], after["balance_cf"], after["margin"]) == (D("200.00"), D("0.50"), D("1000199.50"), D("6036.00"))
    example("trades", "bust", "X1", "--reason", "erroneous trade")
    listed = example("trades", "list", "--date", DAY).output
    assert "busted" in listed
    example("settle", "rerun", "--from", DAY)
    assert account_result(db_url, "C000201")["balance_cf"] == D("1000000.00")  # no trade: b/f only
    engine = make_engine(db_url)
    with transaction(engine) as session:
        trade = session.get(m.Trade, "X1")
        assert (trade.price, trade.qty) == (D("5000"), 2)  # the trade keeps its original values
        audit = [(c.action, c.previous_price, c.previous_qty, c.price, c.qty, c.reason) for c in session.scalars(select(m.TradeCorrection).order_by(m.TradeCorrection.id))]
        assert audit == [("amend", D("5000"), 2, D("5010"), 1, "wrong fill"), ("bust", D("5010"), 1, None, None, "erroneous trade")]
    engine.dispose()
    again = example("trades", "bust", "X1", "--reason", "again", ok=False)
    assert again.exit_code == 1 and "already busted" in again.output


def test_a_day_with_an_unclosed_journal_is_refused_unless_forced_and_the_force_is_recorded(example, db_url):
    engine = make_engine(db_url)
    with transaction(engine) as session:
        session.add(m.JournalEntry(seq=1, trading_day=date(2026, 11, 23), kind="phase", body='{"t":1,"ph":"continuous","i":null}'))
    engine.dispose()
    refused = example("settle", "run", "--date", DAY, ok=False)
    assert refused.exit_code == 1
    assert "journal holds 1 command(s) for it and no end_of_day" in refused.output
    assert "nothing was written" in refused.output
    assert example("settle", "run", "--date", DAY, "--force", ok=False).exit_code != 0  # --force needs --reason
    out = example("settle", "run", "--date", DAY, "--force", "--reason", "exchange confirmed the close").output
    assert "overridden (--force)" in out
    engine = make_engine(db_url)
    with transaction(engine) as session:
        run = session.scalars(select(m.SettlementRun)).one()
        assert (run.forced, run.force_reason) == (True, "exchange confirmed the close")
    engine.dispose()


def test_a_run_that_finds_a_problem_writes_nothing(example, db_url, tmp_path):
    # closing a position nobody holds: the core reports an overclose, the run fails
    bad = write_csv(tmp_path / "bad.csv", TRADE_HEADER, [f"X2,{DAY},C000101,rb2705,sell,close,5000,1,{DAY}T10:05:00+08:00"])
    example("trades", "import", str(bad))
    before = dump(db_url)
    failed = example("settle", "run", "--date", DAY, ok=False)
    assert failed.exit_code == 1
    assert "overclose C000101 X2" in failed.output and "nothing was written" in failed.output
    assert dump(db_url) == before


def test_an_invariant_violation_fails_the_run_and_writes_nothing(example, db_url, monkeypatch):
    import backoffice.settlement.day as day

    real = day.check_level
    monkeypatch.setattr(day, "check_level", lambda accounts: real(accounts) + [Violation("zero_sum", "rb2705", "close P&L + MTM sums to 0.01, not 0")])
    before = dump(db_url)
    failed = example("settle", "run", "--date", DAY, ok=False)
    assert "problem: level 2: zero_sum rb2705: close P&L + MTM sums to 0.01, not 0" in failed.output
    assert dump(db_url) == before


def test_disputes_until_the_deadline_and_final_days_need_force(example, db_url, clock):
    example("settle", "run", "--date", DAY)
    filed = example("disputes", "file", "--date", DAY, "--member", "0002", "--text", "rb2705 price").output
    assert "dispute 1 filed by 0002 on 2026-11-23 (deadline 2026-11-23 20:30 CST)" in filed
    assert "superseding run 1" in example("settle", "rerun", "--from", DAY).output  # not final yet: no --force needed
    clock["now"] = AFTER_DEADLINE
    late = example("disputes", "file", "--date", DAY, "--member", "0002", "--text", "too late", ok=False)
    assert late.exit_code == 1 and "its results are final" in late.output
    refused = example("settle", "rerun", "--from", DAY, ok=False)
    assert refused.exit_code == 1 and "final day(s) 2026-11-23" in refused.output
    unexplained = example("settle", "rerun", "--from", DAY, "--force", ok=False)
    assert unexplained.exit_code == 1 and "--force needs --reason" in unexplained.output
    forced = example("settle", "rerun", "--from", DAY, "--force", "--reason", "dispute 1 upheld").output
    assert "superseding run 2" in forced
    example("disputes", "resolve", "1", "--resolution", "price confirmed")
    listed = example("disputes", "list", "--date", DAY).output
    assert "resolved" in listed and "price confirmed" in listed
    engine = make_engine(db_url)
    with transaction(engine) as session:
        run = session.scalars(select(m.SettlementRun).where(m.SettlementRun.status == "current")).one()
        assert (run.final, run.forced, run.force_reason) == (True, True, "dispute 1 upheld")
    engine.dispose()


def test_earlier_unsettled_days_and_later_settled_days_are_refused(example, tmp_path):
    later = write_csv(tmp_path / "later.csv", TRADE_HEADER, [
        "Y1,2026-11-24,C000201,rb2705,sell,close,5040,1,2026-11-24T10:00:00+08:00",
        "Y1,2026-11-24,C000202,rb2705,buy,close,5040,1,2026-11-24T10:00:00+08:00",
    ])
    example("trades", "import", str(later))
    early = example("settle", "run", "--date", "2026-11-24", ok=False)
    assert "earlier trading day(s) with trades are not settled: 2026-11-23" in early.output
    example("settle", "run", "--date", DAY)
    example("settle", "run", "--date", "2026-11-24")
    again = example("settle", "run", "--date", DAY, ok=False)
    assert "later day(s) are already settled (2026-11-24)" in again.output and "settle rerun --from 2026-11-23" in again.output


def test_a_skipped_day_is_settled_by_a_rerun_from_it_then_the_later_days_again(example, db_url, tmp_path):
    example("settle", "run", "--date", DAY)  # run 1
    example("settle", "run", "--date", "2026-11-25")  # run 2: nothing had traded on the 24th yet
    late = write_csv(tmp_path / "late.csv", TRADE_HEADER, [
        "Z1,2026-11-24,C000201,rb2705,sell,close,5040,1,2026-11-24T10:00:00+08:00",
        "Z1,2026-11-24,C000202,rb2705,buy,close,5040,1,2026-11-24T10:00:00+08:00",
    ])
    example("trades", "import", str(late))
    refused = example("settle", "run", "--date", "2026-11-24", ok=False)
    assert "settle rerun --from 2026-11-24" in refused.output
    out = example("settle", "rerun", "--from", "2026-11-24").output
    assert "settled 2026-11-24 as run 3" in out and "settled 2026-11-25 as run 4, superseding run 2" in out
    engine = make_engine(db_url)
    with transaction(engine) as session:
        runs = [(r.trading_day.isoformat(), r.status) for r in session.scalars(select(m.SettlementRun).order_by(m.SettlementRun.id))]
    engine.dispose()
    assert runs == [(DAY, "current"), ("2026-11-25", "superseded"), ("2026-11-24", "current"), ("2026-11-25", "current")]


def test_the_next_day_starts_from_the_rolled_lots_and_settled_balance(example, db_url, tmp_path):
    example("settle", "run", "--date", DAY)
    # C000201 sells 1 of its 2 carried lots at 5,050 (close yesterday, SHFE) to C000202, who closes 1 short.
    nextday = write_csv(tmp_path / "next.csv", TRADE_HEADER, [
        "Y1,2026-11-24,C000201,rb2705,sell,close_yesterday,5050,1,2026-11-24T10:00:00+08:00",
        "Y1,2026-11-24,C000202,rb2705,buy,close_yesterday,5050,1,2026-11-24T10:00:00+08:00",
    ])
    example("trades", "import", str(nextday))
    example("prices", "set", "--date", "2026-11-24", "rb2705", "5060")
    example("settle", "run", "--date", "2026-11-24")
    day2 = account_result(db_url, "C000201", day="2026-11-24")
    # b/f = yesterday's c/f; close P&L from the previous settlement: (5,050 - 5,030) x 1 x 10 = 200;
    # MTM of the carried lot: (5,060 - 5,030) x 1 x 10 = 300; close fee 0.5
    # c/f 1,000,599 + 200 + 300 - 0.5 = 1,001,098.50; margin 5,060 x 10 x 0.12 = 6,072
    assert (day2["balance_bf"], day2["close_pnl"], day2["position_mtm"], day2["fees"], day2["balance_cf"], day2["margin"]) == (
        D("1000599.00"), D("200.00"), D("300.00"), D("0.50"), D("1001098.50"), D("6072.00"))
    # the core's start of day for 2026-11-25 sees the settled balance and the carried lot
    from gateway.core.startofday import load_start_of_day

    engine = make_engine(db_url)
    with transaction(engine) as session:
        state = load_start_of_day(session, date(2026, 11, 25))
    engine.dispose()
    assert state.accounts["C000201"].balance == D("1001098.50")
    carried = {(p.account, p.instrument, p.direction.value): (p.qty, p.margin) for p in state.positions}
    assert carried[("C000201", "rb2705", "long")] == (1, D("6072.00"))


def test_funds_use_the_settled_balance_margin_and_later_cash(example, db_url):
    example("settle", "run", "--date", DAY)
    example("cash", "deposit", "C000201", "1000.00", "--reference", "LATE", "--date", DAY)  # dated DAY, after the run
    shown = example("accounts", "show", "C000201").output
    # 1,000,599.00 settled + 1,000.00 since = 1,001,599.00; withdrawable 1,001,599 - 12,072 = 989,527.00
    assert "1,001,599.00 CNY" in shown and "12,072.00" in shown and "989,527.00" in shown
    refused = example("cash", "withdraw", "C000201", "989527.01", "--reference", "W1", ok=False)
    assert refused.exit_code == 1 and "withdrawable is 989,527.00" in refused.output
    # the late deposit reaches the day's figures on a rerun
    example("settle", "rerun", "--from", DAY, "--reason", "late deposit")
    rerun = account_result(db_url, "C000201")
    assert (rerun["deposits"], rerun["balance_cf"]) == (D("1000.00"), D("1001599.00"))


def test_settle_show_for_a_member_lists_its_reserves_and_accounts(example):
    example("settle", "run", "--date", DAY)
    shown = example("settle", "show", "--date", DAY, "--member", "0002").output
    assert "RSV-SHFE-0002-B" in shown and "C000201" in shown and "C000202" in shown
    assert "C000101" not in shown and "RSV-SHFE-0001-B" not in shown


def test_a_member_below_its_minimum_reserve_is_called_and_blocked_until_it_pays(example, db_url):
    # RSV-SHFE-0002-B: 3,000,000 - 990,000 = 2,010,000; after the day 2,010,000 - 18,108 - 0.40
    # = 1,991,891.60 < 2,000,000: a member margin call of 8,108.40, and no new openings for 0002
    example("cash", "withdraw", "RSV-SHFE-0002-B", "990000.00", "--reference", "W-RSV", "--date", "2026-11-20")
    assert "1 margin call" in example("settle", "run", "--date", DAY).output
    assert reserve_result(db_url, "RSV-SHFE-0002-B")[4:6] == (D("1991891.60"), D("8108.40"))
    from gateway.core.startofday import load_start_of_day

    def blocked():
        engine = make_engine(db_url)
        with transaction(engine) as session:
            members = load_start_of_day(session, date(2026, 11, 24)).blocked_members
        engine.dispose()
        return members

    assert "0002" in blocked()  # (0101 too: its account at 0001 was never funded)
    example("cash", "deposit", "RSV-SHFE-0002-B", "8108.40", "--reference", "TOPUP", "--date", "2026-11-24")
    assert "0002" not in blocked()
