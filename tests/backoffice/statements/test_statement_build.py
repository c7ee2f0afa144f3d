import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from statement_samples import BUSY_REF, CREATED, DAY, busy_result, worked_example_result

from backoffice.statements.build import build_client_statement, cash_rows
from backoffice.statements.model import BuySell, CashKind, CashRow, OpenClose

D = Decimal


def test_worked_example_summary_is_the_reference_figures(worked_example):
    s = worked_example.summary
    assert s.balance_bf == D("1000000.00")
    assert s.mtm_pnl == D("600.00")  # (5,030 - 5,000) x 2 x 10
    assert s.commission == D("1.00")  # 2 lots x 0.5
    assert s.balance_cf == D("1000599.00")  # 1,000,000 + 600 - 1
    assert s.client_equity == D("1000599.00")
    assert s.margin_occupied == D("12072.00")  # 5,030 x 2 x 10 x 0.12
    assert s.fund_available == D("988527.00")  # 1,000,599 - 12,072
    assert s.risk_degree == D("0.0121")  # 12,072 / 1,000,599 = 0.012065 -> 1.21%
    assert s.margin_call == D(0)
    assert worked_example.margin_call_notice is None
    assert worked_example.header.client_name == "张伟"


def test_worked_example_rows(worked_example):
    (trade,) = worked_example.transactions
    assert (trade.exchange, trade.product, trade.instrument, trade.buy_sell, trade.open_close) == ("CFFEX", "X", "X2612", BuySell.BUY, OpenClose.OPEN)
    assert trade.turnover == D("100000.00")  # 5,000 x 2 x 10
    assert trade.fee == D("1.00")
    (lot,) = worked_example.positions
    assert (lot.lots, lot.mtm_pnl, lot.margin, lot.trade_no) == (2, D("600.00"), D("12072.00"), "T0001")
    (summary,) = worked_example.position_summary
    assert (summary.long_lots, summary.avg_buy_price, summary.short_lots, summary.avg_sell_price) == (2, D("5000.000"), 0, None)
    assert worked_example.closed == ()


def test_busy_day_rows_come_from_the_settlement_result(busy):
    r = busy_result()
    s = busy.summary
    assert (s.realized_pnl, s.mtm_pnl, s.commission) == (r.close_pnl, r.position_mtm, r.fees)
    assert s.deposit_withdrawal == D("30000.00")  # 50,000 in - 20,000 out
    # IF close of a carried lot: (3,960 - 3,900) x 1 x 300 = 18,000; cu forced close of today's
    # short: (78,600 - 78,400) x 1 x 5 = 1,000
    assert [(t.trade_no, t.open_close, t.realized_pnl) for t in busy.transactions] == [
        ("T1001", OpenClose.CLOSE, D("18000.00")),
        ("T1002", OpenClose.OPEN, D("0")),
        ("T1003", OpenClose.FORCED, D("1000.00")),
    ]
    # the closing trade's side: a sell closes the long IF lot, a buy the short cu lot
    assert [(c.instrument, c.buy_sell, c.realized_pnl) for c in busy.closed] == [
        ("IF2612", BuySell.SELL, D("18000.00")),
        ("cu2701", BuySell.BUY, D("1000.00")),
    ]
    assert busy.transactions[0].turnover == D("1188000.00")  # 3,960 x 1 x 300


def test_margin_call_notice_when_equity_is_short(busy):
    # margin 2 x 3,950.2 x 300 x 0.15 = 355,518.00 + 78,500 x 1 x 5 x 0.10 = 39,250.00 -> 394,768.00
    # equity 379,580.68, so the call is 394,768.00 - 379,580.68 = 15,187.32
    assert busy.summary.margin_occupied == D("394768.00")
    assert busy.margin_call_notice is not None
    assert busy.margin_call_notice.amount == D("15187.32")


def test_cash_rows_must_match_the_settlement_totals():
    with pytest.raises(ValueError, match="cash rows"):
        build_client_statement(
            busy_result(),
            client_name="x",
            member_code="m",
            member_name="m",
            trading_day=DAY,
            created=CREATED,
            instruments=BUSY_REF,
            cash=(CashRow(DAY, CashKind.DEPOSIT, D("50000.00")),),
        )


def test_cash_rows_from_day_totals():
    rows = cash_rows(date(2026, 11, 20), D("50000.00"), D(0))
    assert [(r.kind, r.deposit, r.withdrawal) for r in rows] == [(CashKind.DEPOSIT, D("50000.00"), D(0))]


def test_unknown_instrument_is_refused():
    with pytest.raises(KeyError):
        build_client_statement(
            worked_example_result(),
            client_name="x",
            member_code="m",
            member_name="m",
            trading_day=DAY,
            created=CREATED,
            instruments={},
        )


def test_a_statement_input_is_checked_where_it_is_made_not_where_it_is_built(busy_input):
    # Inputs are built into statements in the workers that write the files: a bad one must
    # fail in the reading process, before any file of the day is written.
    with pytest.raises(ValueError, match="cash rows of C0002"):
        dataclasses.replace(busy_input, cash=())
    with pytest.raises(KeyError, match="C0002 trades or holds IF2612, not in the instrument reference data"):
        dataclasses.replace(busy_input, instruments={"cu2701": busy_input.instruments["cu2701"]})
    assert busy_input.client_id == "C0002"
    assert busy_input.build().header.client_id == "C0002"
