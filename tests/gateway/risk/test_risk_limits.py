from datetime import datetime, timedelta, timezone
from decimal import Decimal

from backoffice.domain.enums import SettlementPriceRule
from backoffice.domain.instruments import ContractTerms
from gateway.risk.limits import CancelCounter, OrderThrottle, PriceBand, price_band

D = Decimal
T0 = datetime(2026, 12, 1, 1, 30, tzinfo=timezone.utc)


def terms(tick: str, pct: str) -> ContractTerms:
    return ContractTerms("CNY", D(10), D(tick), D(pct), 100, 100, SettlementPriceRule.WHOLE_DAY_VWAP, False)


def test_band_exact_on_tick():
    # 3800.0 x 1.10 = 4180.0 and 3800.0 x 0.90 = 3420.0, both already on the 0.2 tick
    assert price_band(D("3800.0"), terms("0.2", "0.10")) == PriceBand(D("3420.0"), D("4180.0"))


def test_band_rounds_inward_to_tick():
    # 68130 x 1.07 = 72899.1 -> down to 72890; 68130 x 0.93 = 63360.9 -> up to 63370
    assert price_band(D("68130"), terms("10", "0.07")) == PriceBand(D("63370"), D("72890"))
    # 3001 x 1.04 = 3121.04 -> 3121; 3001 x 0.96 = 2880.96 -> 2881 (tick 1)
    assert price_band(D("3001"), terms("1", "0.04")) == PriceBand(D("2881"), D("3121"))
    # 101.335 x 1.02 = 103.3617 -> 103.36 (tick 0.005: 103.360); x 0.98 = 99.3083 -> 99.310
    assert price_band(D("101.335"), terms("0.005", "0.02")) == PriceBand(D("99.310"), D("103.360"))


def test_band_contains_edges():
    band = PriceBand(D("3420.0"), D("4180.0"))
    assert band.contains(D("3420.0")) and band.contains(D("4180.0"))
    assert not band.contains(D("4180.2")) and not band.contains(D("3419.8"))


def test_throttle_rolling_second():
    throttle = OrderThrottle(limit=3)
    for ms in (0, 100, 200):
        assert throttle.allows("C1", T0 + timedelta(milliseconds=ms))
        throttle.record("C1", T0 + timedelta(milliseconds=ms))
    # three orders in the last second: a fourth at 999 ms is refused
    assert not throttle.allows("C1", T0 + timedelta(milliseconds=999))
    # another account has its own budget
    assert throttle.allows("C2", T0 + timedelta(milliseconds=999))
    # at exactly 1 s the order at 0 ms has left the window
    assert throttle.allows("C1", T0 + timedelta(milliseconds=1000))
    throttle.record("C1", T0 + timedelta(milliseconds=1000))
    # at 1.1 s the orders at 100 ms has left too, but 200 ms and 1000 ms remain: room for one
    assert throttle.allows("C1", T0 + timedelta(milliseconds=1100))
    throttle.record("C1", T0 + timedelta(milliseconds=1100))
    assert not throttle.allows("C1", T0 + timedelta(milliseconds=1150))


def test_cancel_counter_per_account_and_instrument():
    counter = CancelCounter(limit=2)
    for _ in range(2):
        assert counter.allows("C1", "IF2612")
        counter.record("C1", "IF2612")
    assert not counter.allows("C1", "IF2612")
    assert counter.count("C1", "IF2612") == 2
    assert counter.allows("C1", "cu2701")
    assert counter.allows("C2", "IF2612")


def test_limits_are_written_with_the_ticks_decimals_whatever_the_stored_scale():
    from decimal import Decimal as D

    from backoffice.domain.enums import SettlementPriceRule
    from backoffice.domain.instruments import ContractTerms
    from gateway.risk.limits import price_band

    # As read from the database: six decimals of scale on price and tick.
    terms = ContractTerms("CNY", D(300), D("0.200000"), D("0.1000000000"), 20, 5000, SettlementPriceRule.LAST_HOUR_VWAP, False)
    band = price_band(D("3800.000000"), terms)
    assert (str(band.lower), str(band.upper)) == ("3420.0", "4180.0")
    copper = ContractTerms("CNY", D(5), D("10.000000"), D("0.08"), 500, 10000, SettlementPriceRule.WHOLE_DAY_VWAP, True)
    assert str(price_band(D("68000.000000"), copper).upper) == "73440"  # 68000 x 1.08 = 73440 on a 10 tick
