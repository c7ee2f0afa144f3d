import re

from backoffice.statements import layout
from backoffice.statements.text import render_text


def tables(text: str) -> list[list[str]]:
    """Each run of consecutive lines that start with '+' or '|' is one table."""
    found: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line[:1] in "+|" and line:
            current.append(line)
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def test_display_width_counts_cjk_as_two_columns():
    assert layout.width("张伟") == 4
    assert layout.width("Zhang Wei") == 9
    assert layout.width("上海明远资产管理有限公司") == 24
    assert layout.ljust("张伟", 6) == "张伟  "
    assert layout.rjust("1.00", 6) == "  1.00"


def test_amounts_and_percent():
    from decimal import Decimal

    assert layout.amount(Decimal("1000599.00")) == "1,000,599.00"
    assert layout.amount(Decimal("-15187.32")) == "-15,187.32"
    assert layout.percent(Decimal("0.0121")) == "1.21%"
    assert layout.percent(None) == "n/a"


def test_worked_example_text(worked_example):
    text = render_text(worked_example)
    assert "资金状况  Account Summary" in text
    assert "客户名称 Client Name: 张伟" in text
    lines = text.splitlines()
    assert any(re.match(r"上日结存 Balance b/f +1,000,000\.00 ", line) for line in lines)
    assert any(re.match(r"当日结存 Balance c/f +1,000,599\.00$", line) for line in lines)
    assert any(re.match(r"持仓盯市盈亏 MTM P/L +600\.00 ", line) for line in lines)
    assert any(re.match(r"手续费 Commission +1\.00 ", line) for line in lines)
    assert any("保证金占用 Margin Occupied" in line and line.endswith("12,072.00") for line in lines)
    assert any("可用资金 Fund Available" in line and line.endswith("988,527.00") for line in lines)
    assert any("风险度 Risk Degree" in line and line.endswith("1.21%") for line in lines)
    assert "追加保证金通知" not in text


def test_every_table_row_has_the_same_display_width(busy, worked_example):
    for statement in (busy, worked_example):
        found = tables(render_text(statement))
        assert len(found) >= 3
        for table in found:
            widths = {layout.width(line) for line in table}
            assert len(widths) == 1, table
            # and the column separators fall in the same display columns on every line
            positions = {tuple(layout.width(line[:i]) for i, ch in enumerate(line) if ch in "|+") for line in table}
            assert len(positions) == 1, table


def test_account_summary_values_are_right_aligned(busy):
    lines = render_text(busy).splitlines()
    start = lines.index(next(line for line in lines if "Account Summary" in line)) + 2
    block = lines[start : start + 5]
    # the left value column ends at the same display column on every line
    ends = {layout.width(re.match(r"^(.*?\d)    ", line).group(1)) for line in block}
    assert len(ends) == 1, block


def test_busy_text_has_every_section_and_the_notice(busy):
    text = render_text(busy)
    for title in (
        "出入金明细  Deposit/Withdrawal",
        "成交记录  Transaction Record",
        "平仓明细  Positions Closed",
        "持仓明细  Positions Detail",
        "持仓汇总  Positions Summary",
        "追加保证金通知  Margin Call Notice",
        "说明  Legends",
    ):
        assert title in text
    assert "上海明远资产管理有限公司" in text
    assert "15,187.32" in text
    assert "| 共3条 Total |" in text
    assert " FL " in text  # the forced liquidation
