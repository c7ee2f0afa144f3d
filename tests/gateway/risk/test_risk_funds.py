from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from backoffice.domain.enums import OffsetFlag
from backoffice.domain.rates import RateSet
from gateway.risk.funds import AccountFunds, FrozenOrder, fee_amount, margin_amount, pro_rata

D = Decimal
IF_RATES = RateSet(D("0.15"), D("0.16"), D("0.000023"), D(0), D("0.000023"), D(0), D("0.00023"), D(0))
CU_RATES = RateSet(D("0.10"), D("0.10"), D("0.00005"), D(1), D("0.00005"), D(1), D("0.0001"), D(0))


def test_margin_hand_computed():
    # IF: 3800.0 x 2 x 300 x 0.15 = 342000.00
    assert margin_amount(D("3800.0"), 2, D(300), D("0.15")) == D("342000.00")
    # 3800.2 x 1 x 300 x 0.15 = 171009.00
    assert margin_amount(D("3800.2"), 1, D(300), D("0.15")) == D("171009.00")


def test_fee_hand_computed_and_rounded_half_up():
    # 3800.0 x 2 x 300 x 0.000023 = 52.44
    assert fee_amount(D("3800.0"), 2, D(300), IF_RATES, OffsetFlag.OPEN) == D("52.44")
    # 3800.2 x 1 x 300 x 0.000023 = 26.221380 -> 26.22
    assert fee_amount(D("3800.2"), 1, D(300), IF_RATES, OffsetFlag.OPEN) == D("26.22")
    # close today: 3800.2 x 1 x 300 x 0.00023 = 262.2138 -> 262.21
    assert fee_amount(D("3800.2"), 1, D(300), IF_RATES, OffsetFlag.CLOSE_TODAY) == D("262.21")
    # cu: 68010 x 3 x 5 x 0.00005 + 3 x 1 = 51.0075 + 3 = 54.0075 -> 54.01 (half-up)
    assert fee_amount(D("68010"), 3, D(5), CU_RATES, OffsetFlag.OPEN) == D("54.01")


def test_pro_rata_last_share_takes_the_rest():
    assert pro_rata(D("100.00"), 1, 3) == D("33.33")
    assert pro_rata(D("0.02"), 1, 4) == D("0.01")  # 0.005 rounds half-up
    assert pro_rata(D("66.67"), 2, 2) == D("66.67")


def test_freeze_then_fill_then_cancel_loses_no_cent():
    funds = AccountFunds(balance=D("1000000.00"))
    # freeze 3 lots: margin 100.00 and fee 0.10 (figures chosen to not divide by 3)
    frozen = funds.freeze(3, D("100.00"), D("0.10"))
    assert funds.available == D("999899.90")
    # fill 1 lot: releases 100.00/3 = 33.33 and 0.10/3 = 0.033 -> 0.03; books actual margin 34.00, fee 0.04
    assert funds.convert(frozen, 1, D("34.00"), D("0.04")) == (D("33.33"), D("0.03"))
    assert (funds.frozen_margin, funds.frozen_fee) == (D("66.67"), D("0.07"))
    # cancel the 2 left: releases exactly what remains
    assert funds.release(frozen) == (D("66.67"), D("0.07"))
    assert (funds.frozen_margin, funds.frozen_fee, frozen.leaves) == (0, 0, 0)
    assert funds.release(frozen) == (0, 0)
    # 1000000.00 - 34.00 margin - 0.04 fee = 999965.96
    assert funds.available == D("999965.96")


def test_close_frees_margin_and_books_pnl():
    funds = AccountFunds(balance=D("1000.00"), margin_used=D("300.00"))
    funds.close(D("100.00"), D("1.50"), D("-20.00"))
    # 1000.00 - 20.00 - 200.00 - 1.50 = 778.50
    assert funds.available == D("778.50")


def test_take_refuses_more_than_leaves():
    with pytest.raises(ValueError):
        FrozenOrder(2, D("1.00"), D("0.01")).take(3)


cents = st.integers(min_value=0, max_value=10**9).map(lambda n: D(n) / 100)


@given(margin=cents, fee=cents, fills=st.lists(st.integers(min_value=1, max_value=7), max_size=8), extra=st.integers(0, 5))
def test_released_plus_converted_equals_frozen(margin, fee, fills, extra):
    qty = sum(fills) + extra
    assume(qty > 0)
    funds = AccountFunds(balance=D(0))
    frozen = funds.freeze(qty, margin, fee)
    taken_margin = taken_fee = D(0)
    for lots in fills:
        m, f = funds.convert(frozen, lots, D(0), D(0))
        assert m >= 0 and f >= 0 and m == m.quantize(D("0.01")) and f == f.quantize(D("0.01"))
        taken_margin += m
        taken_fee += f
    m, f = funds.release(frozen)
    assert taken_margin + m == margin and taken_fee + f == fee
    assert funds.frozen_margin == 0 and funds.frozen_fee == 0
