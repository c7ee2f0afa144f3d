"""Forced liquidation plan: largest margin first, until margin occupied < equity."""

from decimal import Decimal

from backoffice.domain.enums import PositionDirection
from backoffice.settlement.liquidation import ForcedClose, HeldPosition, forced_closes, margin_occupied

D = Decimal
LONG, SHORT = PositionDirection.LONG, PositionDirection.SHORT


def test_closes_the_largest_margin_first_and_stops_below_100_percent():
    positions = [
        HeldPosition("IF2612", "IF", LONG, 2, D("280000.00"), False),  # 140,000 a lot
        HeldPosition("T2703", "T", SHORT, 4, D("40000.00"), False),  # 10,000 a lot
    ]
    # margin 320,000 against equity 200,000 (risk degree 160%): closing one IF lot leaves
    # 180,000 < 200,000 (90%), so one lot of the largest position and nothing else
    assert forced_closes("A", D("200000.00"), positions) == [ForcedClose("A", "IF2612", LONG, 1)]


def test_moves_on_to_the_next_position_when_the_first_is_not_enough():
    positions = [
        HeldPosition("IF2612", "IF", LONG, 1, D("140000.00"), False),
        HeldPosition("T2703", "T", SHORT, 4, D("40000.00"), False),
    ]
    # 180,000 against 25,000: the IF lot (-> 40,000), then T lots: 30,000 (still >= 25,000),
    # 20,000 < 25,000: 2 lots
    assert forced_closes("A", D("25000.00"), positions) == [ForcedClose("A", "IF2612", LONG, 1), ForcedClose("A", "T2703", SHORT, 2)]


def test_large_side_products_release_only_down_to_the_other_side():
    positions = [
        HeldPosition("cu2701", "cu", LONG, 2, D("60000.00"), True),
        HeldPosition("cu2702", "cu", SHORT, 1, D("30000.00"), True),
    ]
    assert margin_occupied(positions, [2, 1]) == D("60000.00")  # max(60,000, 30,000)
    assert margin_occupied(positions, [1, 1]) == D("30000.00")
    # equity 20,000: closing both long lots leaves 30,000 (the short side) >= 20,000, so the short goes too
    assert forced_closes("A", D("20000.00"), positions) == [ForcedClose("A", "cu2701", LONG, 2), ForcedClose("A", "cu2702", SHORT, 1)]


def test_everything_goes_when_equity_is_not_positive():
    positions = [HeldPosition("IF2612", "IF", LONG, 3, D("420000.00"), False)]
    assert forced_closes("A", D("-5.00"), positions) == [ForcedClose("A", "IF2612", LONG, 3)]
