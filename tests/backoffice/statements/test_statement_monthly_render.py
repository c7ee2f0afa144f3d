"""The monthly statement rendered: the worked example's November (20 and 23 Nov)."""

import csv
import io
import json
from datetime import date

import pytest
from test_statement_member_monthly import day_two
from test_statement_text import tables

from backoffice.statements import layout
from backoffice.statements.monthly import build_monthly_statement
from backoffice.statements.monthly_render import CSV_COLUMNS, SCHEMA, render_csv, render_json, render_text


@pytest.fixture
def month(worked_example):
    return build_monthly_statement([worked_example, day_two(worked_example)], created=date(2026, 12, 1))


def test_monthly_json(month):
    data = json.loads(render_json(month))
    assert data["schema"] == SCHEMA
    assert data["header"] == {
        "client_id": "C0001", "client_name": "张伟", "member_code": "0188", "member_name": "明远期货有限公司",
        "month": "2026-11", "created": "2026-12-01", "trading_days": 2, "currency": "CNY",
    }
    # opening 1,000,000.00 + MTM (600.00 - 400.00) - fees 1.00 = closing 1,000,199.00
    assert data["account_summary"] == {
        "opening_balance": "1000000.00", "deposits": "0.00", "withdrawals": "0.00", "realized_pnl": "0.00",
        "mtm_pnl": "200.00", "commission": "1.00", "closing_balance": "1000199.00",
        "closing_equity": "1000199.00", "closing_margin": "12024.00",  # 5,010 x 2 x 10 x 12%
    }
    (trade,) = data["transactions"]
    assert (trade["date"], trade["trade_no"], trade["price"], trade["lots"], trade["turnover"], trade["fee"]) == (
        "2026-11-20", "T0001", "5000", 2, "100000.00", "1.00")
    (position,) = data["positions_summary"]
    assert (position["long_lots"], position["avg_buy_price"], position["settlement"], position["margin"]) == (2, "5000.000", "5010", "12024.00")


def test_monthly_csv(month):
    rows = list(csv.DictReader(io.StringIO(render_csv(month))))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert [r["section"] for r in rows] == ["header", "account_summary", "transactions", "positions_summary"]
    assert rows[0]["month"] == "2026-11" and rows[0]["client_name"] == "张伟"
    assert rows[1]["closing_balance"] == "1000199.00" and rows[1]["mtm_pnl"] == "200.00"
    assert rows[2]["trade_no"] == "T0001" and rows[3]["margin"] == "12024.00"


def test_monthly_text_lines_up(month):
    text = render_text(month)
    assert text.splitlines()[0].strip() == "月结单  Monthly Statement"
    assert "客户名称 Client Name: 张伟" in text and "月份 Month: 2026-11" in text
    assert "1,000,199.00" in text and "12,024.00" in text
    found = tables(text)
    assert len(found) == 2  # transaction record, closing positions
    for lines in found:
        assert len({layout.width(line) for line in lines}) == 1
    summary = [line for line in text.splitlines() if line.startswith("期初结存")]
    assert summary and summary[0].endswith("1,000,199.00")
