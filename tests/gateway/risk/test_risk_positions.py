from decimal import Decimal

import pytest

from backoffice.domain.enums import ClosePriority, OffsetFlag, PositionDirection, Side
from backoffice.domain.instruments import Exchange
from gateway.risk.positions import ClosedLots, CloseTarget, Position, PositionBook, close_target, position_direction

D = Decimal
LONG, SHORT = PositionDirection.LONG, PositionDirection.SHORT
SHFE = Exchange("SHFE", "Shanghai", "Asia/Shanghai", True, ClosePriority.YESTERDAY_FIRST, False)
CFFEX = Exchange("CFFEX", "CFFEX", "Asia/Shanghai", False, ClosePriority.TODAY_FIRST, True)


def test_direction_of_each_side_and_offset():
    assert position_direction(Side.BUY, OffsetFlag.OPEN) is LONG
    assert position_direction(Side.SELL, OffsetFlag.OPEN) is SHORT
    for offset in (OffsetFlag.CLOSE, OffsetFlag.CLOSE_TODAY, OffsetFlag.CLOSE_YESTERDAY):
        assert position_direction(Side.SELL, offset) is LONG  # a sell-close closes long
        assert position_direction(Side.BUY, offset) is SHORT  # a buy-close closes short


def test_close_target_on_both_exchange_styles():
    assert close_target(SHFE, OffsetFlag.CLOSE_TODAY) is CloseTarget.TODAY
    assert close_target(SHFE, OffsetFlag.CLOSE_YESTERDAY) is CloseTarget.YESTERDAY
    assert close_target(SHFE, OffsetFlag.CLOSE) is CloseTarget.YESTERDAY  # plain close = yesterday on SHFE
    for offset in (OffsetFlag.CLOSE, OffsetFlag.CLOSE_TODAY, OffsetFlag.CLOSE_YESTERDAY):
        assert close_target(CFFEX, offset) is CloseTarget.ANY
    with pytest.raises(ValueError):
        close_target(SHFE, OffsetFlag.OPEN)


def position(yesterday=0, today=0, yesterday_margin="0", today_margin="0", open_price="0"):
    return Position(LONG, yesterday, today, D(yesterday_margin), D(today_margin), D(open_price))


def test_reserve_per_bucket_and_total():
    pos = position(yesterday=3, today=2)
    assert pos.closable(CloseTarget.TODAY) == 2
    assert pos.closable(CloseTarget.YESTERDAY) == 3
    assert pos.closable(CloseTarget.ANY) == 5
    assert not pos.reserve(CloseTarget.TODAY, 3)  # only 2 today
    assert pos.reserve(CloseTarget.TODAY, 2)
    assert pos.closable(CloseTarget.TODAY) == 0
    assert pos.closable(CloseTarget.YESTERDAY) == 3
    assert pos.reserve(CloseTarget.YESTERDAY, 1)
    assert pos.closable(CloseTarget.YESTERDAY) == 2
    pos.release(CloseTarget.TODAY, 1)
    assert pos.closable(CloseTarget.TODAY) == 1
    with pytest.raises(ValueError):
        pos.release(CloseTarget.TODAY, 2)  # only 1 still reserved


def test_any_reservations_count_against_the_whole_position():
    pos = position(yesterday=1, today=2)
    assert pos.reserve(CloseTarget.ANY, 2)
    assert pos.closable(CloseTarget.ANY) == 1
    assert not pos.reserve(CloseTarget.ANY, 2)
    assert not pos.reserve(CloseTarget.ANY, 0)


def test_add_open_averages_todays_price():
    pos = position()
    pos.add_open(1, D("3800.0"), D("171000.00"))
    pos.add_open(3, D("3804.0"), D("513540.00"))
    # (3800.0 x 1 + 3804.0 x 3) / 4 = 15212.0 / 4 = 3803.0
    assert pos.today == 4 and pos.today_open_price == D("3803.0")
    assert pos.today_margin == D("684540.00")


def test_close_today_first_then_yesterday():
    # 2 today (margin 200.00), 3 yesterday (margin 100.00)
    pos = position(yesterday=3, today=2, yesterday_margin="100.00", today_margin="200.00", open_price="50")
    assert pos.reserve(CloseTarget.ANY, 3)
    parts = pos.close(CloseTarget.ANY, 3, ClosePriority.TODAY_FIRST)
    # both of today's lots (all their margin), then 1 of 3 yesterday lots: 100.00 x 1/3 = 33.333 -> 33.33
    assert parts == [
        ClosedLots(CloseTarget.TODAY, 2, D("200.00"), D("50")),
        ClosedLots(CloseTarget.YESTERDAY, 1, D("33.33"), None),
    ]
    assert (pos.today, pos.yesterday, pos.reserved) == (0, 2, 0)
    assert pos.today_open_price == 0
    assert pos.yesterday_margin == D("66.67")


def test_close_yesterday_first():
    pos = position(yesterday=1, today=2, yesterday_margin="100.00", today_margin="200.00", open_price="50")
    assert pos.reserve(CloseTarget.ANY, 2)
    parts = pos.close(CloseTarget.ANY, 2, ClosePriority.YESTERDAY_FIRST)
    assert parts == [
        ClosedLots(CloseTarget.YESTERDAY, 1, D("100.00"), None),
        ClosedLots(CloseTarget.TODAY, 1, D("100.00"), D("50")),
    ]
    assert (pos.today, pos.yesterday) == (1, 0)


def test_named_bucket_close_ignores_priority():
    pos = position(yesterday=2, today=2, yesterday_margin="10.00", today_margin="20.00", open_price="7")
    assert pos.reserve(CloseTarget.TODAY, 1)
    assert pos.close(CloseTarget.TODAY, 1, ClosePriority.YESTERDAY_FIRST) == [ClosedLots(CloseTarget.TODAY, 1, D("10.00"), D("7"))]
    assert pos.reserve(CloseTarget.YESTERDAY, 2)
    assert pos.close(CloseTarget.YESTERDAY, 2, ClosePriority.TODAY_FIRST) == [ClosedLots(CloseTarget.YESTERDAY, 2, D("10.00"), None)]


def test_closing_lot_by_lot_releases_exactly_the_margin_held():
    # 100.00 over 3 lots: 100.00/3 = 33.333 -> 33.33; then 66.67/2 = 33.335 -> 33.34 (half-up);
    # the last lot takes the remaining 33.33
    pos = position(yesterday=3, yesterday_margin="100.00")
    released = []
    for _ in range(3):
        assert pos.reserve(CloseTarget.YESTERDAY, 1)
        released += [p.margin for p in pos.close(CloseTarget.YESTERDAY, 1, ClosePriority.YESTERDAY_FIRST)]
    assert released == [D("33.33"), D("33.34"), D("33.33")]
    assert sum(released) == D("100.00") and pos.yesterday_margin == 0


def test_close_without_reservation_is_a_bug():
    pos = position(yesterday=2)
    with pytest.raises(ValueError):
        pos.close(CloseTarget.YESTERDAY, 1, ClosePriority.YESTERDAY_FIRST)


def test_roll_moves_today_into_yesterday():
    book = PositionBook()
    pos = book.position("C1", "cu2701", LONG)
    pos.yesterday, pos.yesterday_margin = 1, D("34000.00")
    pos.add_open(2, D("68000"), D("68000.00"))
    book.roll()
    assert (pos.yesterday, pos.today, pos.yesterday_margin, pos.today_margin) == (3, 0, D("102000.00"), 0)
    assert pos.today_open_price == 0


def test_roll_refused_while_orders_work():
    pos = position(yesterday=1)
    assert pos.reserve(CloseTarget.YESTERDAY, 1)
    with pytest.raises(ValueError):
        pos.roll()


def test_book_peek_does_not_create():
    book = PositionBook()
    assert book.peek("C1", "IF2612", SHORT).total == 0
    assert book.items() == []
    book.position("C1", "IF2612", SHORT).pending_open = 1
    assert book.peek("C1", "IF2612", SHORT).pending_open == 1
    assert book.peek("C1", "IF2612", LONG).pending_open == 0
