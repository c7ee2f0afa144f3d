"""SQLAlchemy models of the system of record; importing this registers every table."""

from .audit import RefChange, RefLoad
from .ledger import CashMovement
from .organisation import Account, Client, FixSession, FixSessionAccount, Member, Membership, RateSchedule
from .trading import JournalEntry, SettlementPrice, Trade, TradeLeg
from .reference import ExchangeRate, Exchange, Holiday, HoursPeriod, Instrument, Product, Setting, TradingHours

__all__ = [
    "Account",
    "CashMovement",
    "Client",
    "Exchange",
    "ExchangeRate",
    "FixSession",
    "FixSessionAccount",
    "Holiday",
    "HoursPeriod",
    "Instrument",
    "JournalEntry",
    "Member",
    "Membership",
    "Product",
    "RateSchedule",
    "RefChange",
    "RefLoad",
    "Setting",
    "SettlementPrice",
    "Trade",
    "TradeLeg",
    "TradingHours",
]
