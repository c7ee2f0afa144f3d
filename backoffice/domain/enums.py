"""Closed vocabularies of the market model, as str enums so they store and print as text."""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrdType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"  # best prices within the daily limits, the rest cancelled
    STOP = "stop"  # held until the last price reaches the stop, then MARKET
    STOP_LIMIT = "stop_limit"  # held until the last price reaches the stop, then LIMIT


class TimeInForce(StrEnum):
    DAY = "day"
    GTC = "gtc"
    GTD = "gtd"  # good until the end of `expire_date` (a trading day)
    IOC = "ioc"  # CTP FAK: fill what can be filled now, cancel the rest
    FOK = "fok"  # CTP FOK: fill everything now or nothing


class OffsetFlag(StrEnum):
    """CTP CombOffsetFlag: what a trade does to the position it touches."""

    OPEN = "open"
    CLOSE = "close"
    CLOSE_TODAY = "close_today"
    CLOSE_YESTERDAY = "close_yesterday"


class PositionDirection(StrEnum):
    """Long and short positions are kept separately, never netted."""

    LONG = "long"
    SHORT = "short"


class ClosePriority(StrEnum):
    """Which lots a plain CLOSE takes first on exchanges that do not need the distinction."""

    TODAY_FIRST = "today_first"
    YESTERDAY_FIRST = "yesterday_first"


class MemberKind(StrEnum):
    """CFFEX member kinds. Commodity exchanges settle every settlement member directly."""

    TRADING_SETTLEMENT = "trading_settlement"  # settles its own clients
    GENERAL_SETTLEMENT = "general_settlement"  # own clients and trading members it clears for
    SPECIAL_SETTLEMENT = "special_settlement"  # only trading members, no clients of its own
    TRADING = "trading"  # settled by a general- or special-settlement member

    @property
    def settles_at_exchange(self) -> bool:
        return self is not MemberKind.TRADING

    @property
    def may_clear_for_others(self) -> bool:
        return self in (MemberKind.GENERAL_SETTLEMENT, MemberKind.SPECIAL_SETTLEMENT)

    @property
    def may_have_clients(self) -> bool:
        return self is not MemberKind.SPECIAL_SETTLEMENT


class BusinessType(StrEnum):
    """Members' proprietary and brokerage business are settled separately."""

    PROPRIETARY = "proprietary"
    BROKERAGE = "brokerage"


class AccountKind(StrEnum):
    MEMBER_RESERVE = "member_reserve"  # a settlement member's reserve at the exchange
    TRADING_MEMBER = "trading_member"  # a trading member's account at its settlement member
    CLIENT = "client"  # a client's account at its member


class AccountStatus(StrEnum):
    ACTIVE = "active"
    HALTED = "halted"
    CLOSED = "closed"


class ClientKind(StrEnum):
    INDIVIDUAL = "individual"
    INSTITUTION = "institution"
    PROPRIETARY = "proprietary"  # the member's own house account: proprietary business

    @property
    def business_type(self) -> BusinessType:
        return BusinessType.PROPRIETARY if self is ClientKind.PROPRIETARY else BusinessType.BROKERAGE


class SettlementPriceRule(StrEnum):
    LAST_HOUR_VWAP = "last_hour_vwap"  # CFFEX: last hour, stepping back an hour at a time
    WHOLE_DAY_VWAP = "whole_day_vwap"  # commodity exchanges


class RateMode(StrEnum):
    ABSOLUTE = "absolute"  # the schedule states every rate
    RELATIVE = "relative"  # exchange fee x k, exchange margin + add-on


class RateScope(StrEnum):
    """How widely a member's client-rate schedule applies; the narrowest one wins."""

    MEMBER = "member"
    GROUP = "group"
    CLIENT = "client"


class CashDirection(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"


class SessionKind(StrEnum):
    CALL_AUCTION = "call_auction"
    DAY = "day"
    NIGHT = "night"


class YellowKey(StrEnum):
    """Bloomberg market sectors used for futures tickers."""

    INDEX = "Index"
    COMDTY = "Comdty"
    CURNCY = "Curncy"
