"""SQLAlchemy models of the system of record; importing this registers every table."""

from .audit import RefChange, RefLoad
from .eod import EodLock, EodRun, EodStep
from .ledger import CashMovement
from .organisation import Account, Client, FixSession, FixSessionAccount, Member, Membership, RateSchedule
from .trading import JournalEntry, SettlementPrice, Trade, TradeLeg
from .reference import ExchangeRate, Exchange, Holiday, HoursPeriod, Instrument, Product, Setting, TradingHours
from .settlement import (
    Dispute,
    MarginCall,
    SettlementAccount,
    SettlementClose,
    SettlementLot,
    SettlementMargin,
    SettlementPriceVersion,
    SettlementReserve,
    SettlementRun,
    SettlementTradeLine,
    TradeCorrection,
)

__all__ = [
    "Account",
    "CashMovement",
    "Client",
    "Dispute",
    "EodLock",
    "EodRun",
    "EodStep",
    "Exchange",
    "ExchangeRate",
    "FixSession",
    "FixSessionAccount",
    "Holiday",
    "HoursPeriod",
    "Instrument",
    "JournalEntry",
    "MarginCall",
    "Member",
    "Membership",
    "Product",
    "RateSchedule",
    "RefChange",
    "RefLoad",
    "Setting",
    "SettlementAccount",
    "SettlementClose",
    "SettlementLot",
    "SettlementMargin",
    "SettlementPrice",
    "SettlementPriceVersion",
    "SettlementReserve",
    "SettlementRun",
    "SettlementTradeLine",
    "Trade",
    "TradeCorrection",
    "TradeLeg",
    "TradingHours",
]
