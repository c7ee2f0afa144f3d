import csv
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from statement_samples import CREATED, MEMBER, X_RATES, X_REF, worked_example_result

from backoffice.domain.enums import ClosePriority
from backoffice.settlement.core import settle_level
from backoffice.settlement.inputs import AccountOpening, InstrumentDay, LevelInput
from backoffice.statements import layout
from backoffice.statements.build import build_client_statement
from backoffice.statements.member_clients import member_client_summary, render_csv, render_text
from backoffice.statements.monthly import build_monthly_statement

D = Decimal
DAY2 = date(2026, 11, 23)


def day_two(first):
    # the 2 long lots carried into 23 Nov: settlement 5,030 -> 5,010, no trades
    inst = InstrumentDay("X2612", "X", D(10), D(5030), D(5010), False, False, ClosePriority.TODAY_FIRST)
    prior = worked_example_result()
    opening = AccountOpening("C0001", prior.balance_cf, D(0), D(0), {"X": X_RATES})
    result = settle_level(LevelInput(DAY2, {"X2612": inst}, [opening], prior.rolled_lots(), [])).accounts[0]
    return build_client_statement(
        result, client_name="张伟", member_code=MEMBER[0], member_name=MEMBER[1], trading_day=DAY2, created=DAY2, instruments=X_REF
    )


def test_monthly_statement_adds_up_the_days(worked_example):
    second = day_two(worked_example)
    # day 2 MTM: (5,010 - 5,030) x 2 x 10 = -400.00; c/f 1,000,599.00 - 400.00 = 1,000,199.00
    assert second.summary.mtm_pnl == D("-400.00") and second.summary.balance_cf == D("1000199.00")
    month = build_monthly_statement([second, worked_example], created=date(2026, 12, 1))
    assert (month.year, month.month, month.trading_days) == (2026, 11, 2)
    assert month.opening_balance == D("1000000.00")
    assert month.mtm_pnl == D("200.00")  # 600.00 - 400.00
    assert month.commission == D("1.00")
    assert month.closing_balance == D("1000199.00")  # 1,000,000.00 + 200.00 - 1.00
    assert month.closing_balance == month.opening_balance + month.deposits - month.withdrawals + month.realized_pnl + month.mtm_pnl - month.commission
    assert [t.trade_no for t in month.trades] == ["T0001"]
    assert month.positions == second.position_summary
    assert month.closing_margin == D("12024.00")  # 5,010 x 2 x 10 x 0.12


def test_monthly_statement_refuses_mixed_input(worked_example, busy):
    with pytest.raises(ValueError, match="mixed"):
        build_monthly_statement([worked_example, busy], created=CREATED)
    december = replace(worked_example, header=replace(worked_example.header, trading_day=date(2026, 12, 1)))
    with pytest.raises(ValueError, match="is not in"):
        build_monthly_statement([worked_example, december], created=CREATED)
    with pytest.raises(ValueError, match="twice"):
        build_monthly_statement([worked_example, worked_example], created=CREATED)


def test_member_client_summary_sorts_and_renders(worked_example, busy):
    summary = member_client_summary(MEMBER[0], MEMBER[1], date(2026, 11, 20), [worked_example, busy])
    by_risk = summary.sorted_by("risk_degree", descending=True)
    assert [r.client_id for r in by_risk.rows] == ["C0002", "C0001"]  # 104.00% before 1.21%
    assert [r.client_id for r in summary.sorted_by("equity").rows] == ["C0002", "C0001"]  # 379,580.68 < 1,000,599.00
    assert [r.client_id for r in summary.sorted_by("client_name").rows] == ["C0002", "C0001"]  # 上 < 张 in code points
    undefined = replace(summary.rows[0], client_id="C0003", risk_degree=None)
    worst = replace(summary, rows=(*summary.rows, undefined)).sorted_by("risk_degree", descending=True)
    assert worst.rows[0].client_id == "C0003"
    with pytest.raises(ValueError, match="cannot sort"):
        summary.sorted_by("colour")

    text = render_text(by_risk)
    table = [line for line in text.splitlines() if line and line[0] in "+|"]
    assert len({layout.width(line) for line in table}) == 1
    assert "上海明远资产管理有限公司" in text and "104.00%" in text and "15,187.32" in text

    rows = list(csv.DictReader(io.StringIO(render_csv(by_risk))))
    assert [(r["client_id"], r["equity"], r["risk_degree"], r["margin_call"]) for r in rows] == [
        ("C0002", "379580.68", "1.0400", "15187.32"),
        ("C0001", "1000599.00", "0.0121", "0.00"),
    ]
