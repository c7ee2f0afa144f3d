from decimal import Decimal

from gateway.risk.codes import CxlRejReason, OrdRejReason, Reject, ResultCode, Stage

# The widest figures each template meets in practice (instrument codes are at most 6 chars).
WORST_FIGURES = dict(
    instrument="IF2612",
    day="2026-12-01",
    ord_type="STOP_LIMIT",
    tif="GTD",
    price=Decimal("123456.78"),
    qty=Decimal("10000"),
    max_qty=1000,
    filled=Decimal("9999"),
    tick=Decimal("0.05"),
    limit=Decimal("123456.7"),
    lower=Decimal("11111.1"),
    upper=Decimal("22222.2"),
    account="C12345678",
    product="cu",
    member="M1234",
    closable=10000,
    total=10000,
    need=Decimal("12345678.90"),
    available=Decimal("-1234567.89"),
    cl_ord_id="ORD-0000000001",
    phase="CALL_AUCTION",
)


def test_codes_are_unique_and_banded_by_stage():
    codes = [c.code for c in ResultCode]
    assert len(codes) == len(set(codes))
    assert ResultCode.UNKNOWN_INSTRUMENT.stage is Stage.VALIDATION
    assert ResultCode.INSUFFICIENT_FUNDS.stage is Stage.RISK
    assert ResultCode.DUPLICATE_ORDER.stage is Stage.MATCHING
    for code in ResultCode:
        assert 101 <= code.code <= 399
        assert code.stage is {1: Stage.VALIDATION, 2: Stage.RISK, 3: Stage.MATCHING}[code.code // 100]


def test_fix_reasons_are_fix44_values():
    assert {r.value for r in OrdRejReason} == {0, 1, 2, 3, 5, 6, 11, 99}
    assert ResultCode.UNKNOWN_INSTRUMENT.fix_ord_rej_reason == 1
    assert ResultCode.INSTRUMENT_HALTED.fix_ord_rej_reason == 2
    assert ResultCode.INSUFFICIENT_FUNDS.fix_ord_rej_reason == 3
    assert ResultCode.UNKNOWN_ORDER.fix_ord_rej_reason == 5
    assert ResultCode.DUPLICATE_ORDER.fix_ord_rej_reason == 6
    assert ResultCode.UNSUPPORTED_TIME_IN_FORCE.fix_ord_rej_reason == 11
    assert ResultCode.PRICE_OFF_TICK.fix_ord_rej_reason == 99
    assert ResultCode.MEMBER_BLOCKED.fix_ord_rej_reason == 0


def test_cancel_reject_reasons():
    assert ResultCode.CANCEL_LIMIT.fix_cxl_rej_reason is CxlRejReason.BROKER_OPTION
    assert ResultCode.UNKNOWN_ORDER.fix_cxl_rej_reason is CxlRejReason.UNKNOWN_ORDER
    assert ResultCode.TOO_LATE_TO_CANCEL.fix_cxl_rej_reason is CxlRejReason.TOO_LATE_TO_CANCEL
    assert ResultCode.PRICE_OFF_TICK.fix_cxl_rej_reason is CxlRejReason.OTHER


def test_every_text_fits_bloomberg_with_worst_figures():
    for code in ResultCode:
        text = code.reject(**WORST_FIGURES).text
        assert len(text) <= 44, (code, text)


def test_reject_carries_figures():
    found = ResultCode.INSUFFICIENT_FUNDS.reject(need=Decimal("342052.44"), available=Decimal("1000.00"))
    assert found == Reject(ResultCode.INSUFFICIENT_FUNDS, "Funds: need 342052.44 have 1000.00")
