"""Statements through the real CLI on the sample venue after a settled day.

The day is the worked example of settlement.md as the runner tests settle it (settle_venue.py):
C000201 李娜 buys 2 rb2705 at 5,000 to open from C000202, official settlement 5,030;
C000202 also deposits 20,000.00 on the day. Hand-computed:
  C000201  MTM (5,030 - 5,000) x 2 x 10 = 600.00; fees 2 x 0.5 = 1.00; c/f 1,000,599.00;
           margin 5,030 x 2 x 10 x 12% = 12,072.00; available 988,527.00; risk 1.21%
  C000202  MTM -600.00; fees 2 x 0.35 = 0.70; c/f 500,000 + 20,000 - 600 - 0.70 = 519,399.30;
           margin 5,030 x 2 x 10 x 13% = 13,078.00
  RSV-SHFE-0002-B  reserve 3,000,000 + 0 - 18,108 + 0 - 0.40 = 2,981,891.60; net -0.40
"""

import csv
import io
import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select
from test_statement_text import tables

from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from backoffice.statements import layout

from settle_venue import RESERVES, TRADE_HEADER, fund, worked_example_venue, write_csv

D = Decimal
DAY = "2026-11-23"
SUMMARY_FIELDS = {
    "balance_bf": "balance_bf", "realized_pnl": "close_pnl", "mtm_pnl": "position_mtm", "commission": "fees",
    "balance_cf": "balance_cf", "client_equity": "equity", "margin_occupied": "margin", "fund_available": "available",
    "margin_call": "margin_call",
}


@pytest.fixture
def settled(fixbroker, tmp_path, monkeypatch):
    monkeypatch.setattr("backoffice.cli.clock.now", lambda: datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc))
    monkeypatch.chdir(tmp_path)
    fixbroker("ref", "load", str(worked_example_venue(tmp_path)))
    fund(fixbroker, {"C000201": "1000000.00", "C000202": "500000.00", **{code: "3000000.00" for code in RESERVES}})
    fixbroker("cash", "deposit", "C000202", "20000.00", "--reference", "DAY-DEP", "--date", DAY)
    fixbroker("prices", "set", "--date", "2026-11-20", "rb2705", "4990")
    fixbroker("prices", "set", "--date", DAY, "rb2705", "5030", "--reason", "exchange official price")
    trades = write_csv(tmp_path / "trades.csv", TRADE_HEADER, [
        f"X1,{DAY},C000201,rb2705,buy,open,5000,2,{DAY}T10:00:00+08:00",
        f"X1,{DAY},C000202,rb2705,sell,open,5000,2,{DAY}T10:00:00+08:00",
    ])
    fixbroker("trades", "import", str(trades))
    fixbroker("settle", "run", "--date", DAY)
    return fixbroker


def stored(url, code):
    engine = make_engine(url)
    with transaction(engine) as session:
        row = session.scalars(
            select(m.SettlementAccount).join(m.Account).join(m.SettlementRun)
            .where(m.Account.code == code, m.SettlementRun.status == "current")
        ).one()
        figures = {name: getattr(row, name) for name in (*SUMMARY_FIELDS.values(), "deposits", "withdrawals", "risk_degree")}
    engine.dispose()
    return figures


def test_generate_every_format_equal_to_the_settlement(settled, db_url, tmp_path):
    out = settled("statements", "generate", "--date", DAY, "--processes", "2").output
    assert "(run 1)" in out
    folder = tmp_path / "var" / "statements" / DAY / "0002"
    for code in ("C000201", "C000202"):
        for ext in ("txt", "json", "csv", "pdf"):
            assert (folder / f"{code}.{ext}").stat().st_size > 0
    for code in ("C000201", "C000202"):
        data = json.loads((folder / f"{code}.json").read_text(encoding="utf-8"))
        figures = stored(db_url, code)
        summary = data["account_summary"]
        for key, column in SUMMARY_FIELDS.items():
            assert D(summary[key]) == figures[column], key
        assert D(summary["deposit_withdrawal"]) == figures["deposits"] - figures["withdrawals"]
        assert D(summary["risk_degree"]) == figures["risk_degree"]
    c201 = json.loads((folder / "C000201.json").read_text(encoding="utf-8"))
    assert c201["header"]["client_name"] == "李娜" and c201["header"]["created"] == DAY
    assert c201["account_summary"]["balance_cf"] == "1000599.00" and c201["account_summary"]["margin_occupied"] == "12072.00"
    (trade,) = c201["transactions"]
    assert (trade["price"], trade["lots"], trade["turnover"], trade["fee"], trade["oc"]) == ("5000", 2, "100000.00", "1.00", "O")
    (lot,) = c201["positions_detail"]
    assert (lot["settlement"], lot["mtm_pnl"], lot["margin"]) == ("5030", "600.00", "12072.00")
    c202 = json.loads((folder / "C000202.json").read_text(encoding="utf-8"))
    assert c202["account_summary"]["balance_cf"] == "519399.30"
    assert [(r["type"], r["deposit"]) for r in c202["deposit_withdrawal_detail"]] == [("deposit", "20000.00")]
    rows = list(csv.DictReader(io.StringIO((folder / "C000202.csv").read_text(encoding="utf-8-sig"))))
    assert next(r for r in rows if r["section"] == "account_summary")["balance_cf"] == "519399.30"
    text = (folder / "C000201.txt").read_text(encoding="utf-8")
    assert "李娜" in text and "1,000,599.00" in text and "1.21%" in text
    for lines in tables(text):
        assert len({layout.width(line) for line in lines}) == 1
    document = (folder / "C000201.pdf").read_bytes()
    assert document.startswith(b"%PDF") and b"/FontFile2" in document and b"NotoSans" in document


def test_show_prints_one_statement(settled):
    shown = settled("statements", "show", "--date", DAY, "--account", "C000201").output
    assert "交易结算单(盯市)" in shown and "李娜" in shown and "988,527.00" in shown
    data = json.loads(settled("statements", "show", "--date", DAY, "--account", "C000201", "--format", "json").output)
    assert data["account_summary"]["fund_available"] == "988527.00"
    missing = settled("statements", "show", "--date", DAY, "--account", "NOPE", ok=False)
    assert missing.exit_code == 1 and "no settled client account NOPE" in missing.output
    unsettled = settled("statements", "show", "--date", "2026-11-24", "--account", "C000201", ok=False)
    assert unsettled.exit_code == 1 and "is not settled" in unsettled.output


def test_members_reports_and_client_summary_line_up(settled, tmp_path):
    out = settled("statements", "members", "--date", DAY, "--member", "0002", "--sort", "margin", "--descending",
                  "--csv-dir", str(tmp_path / "csv")).output
    assert "资金结算表  Fund Settlement" in out and "RSV-SHFE-0002-B" in out
    assert "2,981,891.60" in out and "18,108.00" in out
    summary = tables(out)[-1]
    assert len({layout.width(line) for line in summary}) == 1
    body = [line for line in summary if line.startswith("| C0")]
    # sorted on margin, largest first: C000202 13,078.00 before C000201 12,072.00
    assert [line.split("|")[1].strip() for line in body] == ["C000202", "C000201"]
    assert "李娜" in body[1]
    for found in tables(out):
        assert len({layout.width(line) for line in found}) == 1
    reports = list(csv.DictReader(io.StringIO((tmp_path / "csv" / "0002_reports.csv").read_text(encoding="utf-8-sig"))))
    fund_row = next(r for r in reports if r["section"] == "funds" and r["account"] == "RSV-SHFE-0002-B")
    assert (fund_row["reserve_cf"], fund_row["net_settlement"]) == ("2981891.60", "-0.40")


def test_rerun_regenerates_and_keeps_the_superseded_files(settled, tmp_path):
    settled("statements", "generate", "--date", DAY, "--format", "txt,json")
    settled("settle", "run", "--date", DAY, "--reason", "check")
    out = settled("statements", "generate", "--date", DAY, "--format", "txt,json").output
    assert "the files in place came from run 1, no longer current (now run 2)" in out
    day_dir = tmp_path / "var" / "statements" / DAY
    assert (day_dir / "RUN").read_text().strip() == "2"
    old = day_dir / "0002" / "superseded" / "1"
    assert sorted(p.name for p in old.iterdir()) == ["C000201.json", "C000201.txt", "C000202.json", "C000202.txt"]
    assert (day_dir / "0002" / "C000201.json").read_text(encoding="utf-8") == (old / "C000201.json").read_text(encoding="utf-8")


def test_monthly_statement(settled, tmp_path):
    out = settled("statements", "monthly", "--month", "2026-11", "--account", "C000202").output
    assert "over 1 settled days of 2026-11" in out
    folder = tmp_path / "var" / "statements" / "monthly" / "2026-11" / "0002"
    data = json.loads((folder / "C000202.json").read_text(encoding="utf-8"))
    # opening 500,000.00 + deposits 20,000.00 - 600.00 - 0.70 = 519,399.30
    assert data["account_summary"]["opening_balance"] == "500000.00"
    assert data["account_summary"]["deposits"] == "20000.00"
    assert data["account_summary"]["closing_balance"] == "519399.30"
    assert (folder / "C000202.txt").exists() and (folder / "C000202.csv").exists()
    bad = settled("statements", "monthly", "--month", "2026-13", ok=False)
    assert bad.exit_code == 2
