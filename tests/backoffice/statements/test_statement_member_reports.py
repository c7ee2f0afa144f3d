"""Member reports from real level-1 results: two reserve accounts of one member at exchange
rates, every figure computed by hand below."""

import csv
import io
from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from test_statement_text import tables

from backoffice.domain.enums import ClosePriority, OffsetFlag, PositionDirection, Side
from backoffice.domain.rates import RateSet
from backoffice.settlement.core import settle_level
from backoffice.settlement.inputs import AccountOpening, InstrumentDay, LevelInput, Lot, TradeLine
from backoffice.settlement.reserve import ReserveOpening, roll_reserve
from backoffice.statements import layout
from backoffice.statements.build import InstrumentRef
from backoffice.statements.member_reports import CSV_COLUMNS, build_member_report, render_csv, render_text
from backoffice.statements.model import BuySell, OpenClose

D = Decimal
DAY = date(2026, 11, 20)
SH = ZoneInfo("Asia/Shanghai")
BROKERAGE, PROPRIETARY = "RSV-CFFEX-0188-B", "RSV-CFFEX-0188-P"
# Exchange rates: margin 10% both sides, 0.2 per lot open and close, 0.5 per lot close today.
EXCHANGE_RATES = {"X": RateSet(D("0.10"), D("0.10"), D(0), D("0.2"), D(0), D("0.2"), D(0), D("0.5"))}
X = InstrumentDay("X2612", "X", D(10), D(4990), D(5030), False, False, ClosePriority.TODAY_FIRST)
REFS = {"X2612": InstrumentRef("CFFEX", "X", D(10))}
MIN_RESERVE = D("2000000.00")


def at(hour: int) -> datetime:
    return datetime.combine(DAY, time(hour), SH)


def member_day():
    lots = [Lot(BROKERAGE, "X2612", PositionDirection.LONG, date(2026, 11, 18), D(4980), 3, "T0900", "C0002")]
    trades = [
        TradeLine(BROKERAGE, "T1", "X2612", Side.BUY, OffsetFlag.OPEN, D(5000), 2, at(10), holder="C0001"),
        TradeLine(BROKERAGE, "T2", "X2612", Side.SELL, OffsetFlag.CLOSE, D(5010), 1, at(11), holder="C0002"),
        TradeLine(PROPRIETARY, "T3", "X2612", Side.SELL, OffsetFlag.OPEN, D(5020), 4, at(13), holder="0188-HOUSE"),
    ]
    openings = [
        AccountOpening(BROKERAGE, D("5000000.00"), D("100000.00"), D(0), EXCHANGE_RATES),
        AccountOpening(PROPRIETARY, D("1990000.00"), D(0), D(0), EXCHANGE_RATES),
    ]
    results = settle_level(LevelInput(DAY, {"X2612": X}, openings, lots, trades)).accounts
    by = {r.account: r for r in results}
    reserves = [
        # yesterday's margin: 3 lots x 4,990 x 10 x 10% = 14,970.00; reserve + margin = balance b/f
        roll_reserve(ReserveOpening(BROKERAGE, D("4985030.00"), D("14970.00"), MIN_RESERVE), by[BROKERAGE]),
        roll_reserve(ReserveOpening(PROPRIETARY, D("1990000.00"), D(0), MIN_RESERVE), by[PROPRIETARY]),
    ]
    return results, reserves


@pytest.fixture
def report():
    results, reserves = member_day()
    return build_member_report("0188", "明远期货有限公司", DAY, DAY, results, reserves, REFS)


def test_pnl_table_per_account_and_instrument(report):
    brokerage, proprietary = report.pnl
    assert (brokerage.account, proprietary.account) == (BROKERAGE, PROPRIETARY)
    # T2 closes 1 carried lot: (5,010 - 4,990) x 1 x 10 = 200.00
    # MTM: C0001 today's 2 @ 5,000: (5,030 - 5,000) x 2 x 10 = 600.00;
    #      C0002's 2 carried lots left: (5,030 - 4,990) x 2 x 10 = 800.00  -> 1,400.00
    # fees: T1 2 x 0.2 = 0.40, T2 1 x 0.2 = 0.20 -> 0.60
    assert (brokerage.close_pnl, brokerage.mtm_pnl, brokerage.fees) == (D("200.00"), D("1400.00"), D("0.60"))
    assert brokerage.net == D("1599.40")  # 200.00 + 1,400.00 - 0.60
    # T3 short 4 @ 5,020: -(5,030 - 5,020) x 4 x 10 = -400.00; fee 4 x 0.2 = 0.80
    assert (proprietary.close_pnl, proprietary.mtm_pnl, proprietary.fees) == (D(0), D("-400.00"), D("0.80"))
    assert proprietary.net == D("-400.80")


def test_trade_and_position_tables(report):
    assert [(t.account, t.trade_no, t.holder, t.buy_sell, t.open_close) for t in report.trades] == [
        (BROKERAGE, "T1", "C0001", BuySell.BUY, OpenClose.OPEN),
        (BROKERAGE, "T2", "C0002", BuySell.SELL, OpenClose.CLOSE),
        (PROPRIETARY, "T3", "0188-HOUSE", BuySell.SELL, OpenClose.OPEN),
    ]
    # turnover T1: 5,000 x 2 x 10 = 100,000.00; T2: 5,010 x 1 x 10 = 50,100.00; T3: 5,020 x 4 x 10 = 200,800.00
    assert [t.turnover for t in report.trades] == [D("100000.00"), D("50100.00"), D("200800.00")]
    assert [t.realized_pnl for t in report.trades] == [D(0), D("200.00"), D(0)]
    brokerage, proprietary = report.positions
    # brokerage: C0001 2 + C0002 2 = 4 long; margin 5,030 x 4 x 10 x 10% = 20,120.00
    assert (brokerage.long_lots, brokerage.short_lots, brokerage.mtm_pnl, brokerage.margin) == (4, 0, D("1400.00"), D("20120.00"))
    assert (brokerage.prev_settlement, brokerage.settlement) == (D(4990), D(5030))
    # proprietary: 4 short; margin 5,030 x 4 x 10 x 10% = 20,120.00
    assert (proprietary.long_lots, proprietary.short_lots, proprietary.mtm_pnl, proprietary.margin) == (0, 4, D("-400.00"), D("20120.00"))


def test_fund_settlement_rolls_the_reserve(report):
    brokerage, proprietary = report.funds
    # 4,985,030.00 + 14,970.00 - 20,120.00 + 1,600.00 + 100,000.00 - 0.60 = 5,081,479.40
    assert brokerage.reserve_cf == D("5081479.40")
    assert (brokerage.margin_bf, brokerage.margin_cf, brokerage.pnl, brokerage.deposits) == (
        D("14970.00"), D("20120.00"), D("1600.00"), D("100000.00"))
    assert brokerage.margin_call == D(0) and brokerage.net_settlement == D("1599.40")
    # 1,990,000.00 + 0 - 20,120.00 - 400.00 - 0.80 = 1,969,479.20, below 2,000,000.00 by 30,520.80
    assert proprietary.reserve_cf == D("1969479.20")
    assert proprietary.margin_call == D("30520.80")
    assert proprietary.net_settlement == D("-400.80")
    # the P&L table's net column adds up to the fund table's net settlement, account by account
    for fund in report.funds:
        assert sum(r.net for r in report.pnl if r.account == fund.account) == fund.net_settlement


def test_builder_refuses_figures_that_do_not_add_up():
    results, reserves = member_day()
    with pytest.raises(ValueError, match="results for"):
        build_member_report("0188", "x", DAY, DAY, results, reserves[:1], REFS)
    tampered = [replace(results[0], close_pnl=results[0].close_pnl + D("0.01")), results[1]]
    with pytest.raises(ValueError, match="add up"):
        build_member_report("0188", "x", DAY, DAY, tampered, reserves, REFS)


def test_text_tables_line_up_with_cjk(report):
    text = render_text(report)
    assert "明远期货有限公司" in text and "资金结算表  Fund Settlement" in text
    assert "5,081,479.40" in text and "30,520.80" in text
    found = tables(text)
    assert len(found) == 4
    for lines in found:
        assert len({layout.width(line) for line in lines}) == 1, lines
    # totals of the fund table: net settlement 1,599.40 - 400.80 = 1,198.60
    assert "1,198.60" in found[0][-2]


def test_csv_sections(report):
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert [r["section"] for r in rows] == ["funds"] * 2 + ["pnl"] * 2 + ["trades"] * 3 + ["positions"] * 2
    funds = {r["account"]: r for r in rows if r["section"] == "funds"}
    assert funds[PROPRIETARY]["reserve_cf"] == "1969479.20" and funds[PROPRIETARY]["margin_call"] == "30520.80"
    trade = next(r for r in rows if r["trade_no"] == "T2")
    assert (trade["holder"], trade["bs"], trade["oc"], trade["price"], trade["lots"], trade["realized_pnl"]) == (
        "C0002", "S", "C", "5010", "1", "200.00")
    assert all(r["member_code"] == "0188" and r["trading_day"] == "2026-11-20" for r in rows)
