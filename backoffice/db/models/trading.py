"""What the trading core makes durable: its command journal and the trades it printed.

The journal is the core's write-ahead log: every command the core processed, in order, so
that replaying it rebuilds every book and every hold exactly. Trades are also written as
rows (one per trade, one leg per side) in the same transaction, because settlement, reports
and statements read trades, not commands. Trades that a broker clears but did not execute
here (partial custody) arrive by import with only their own leg.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base
from ..types import UTCDateTime
from .organisation import Account
from .reference import PRICE, Instrument


class JournalEntry(Base):
    __tablename__ = "journal"

    # INTEGER on SQLite makes seq the table's rowid (no second b-tree to write per commit).
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False)
    trading_day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)  # the command, as compact JSON (decimals as strings)


class Trade(Base):
    __tablename__ = "trade"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("source IN ('core', 'import')", name="source_known"),
        Index("ix_trade_day_instrument", "trading_day", "instrument_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    trading_day: Mapped[date] = mapped_column(Date)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"))
    price: Mapped[Decimal] = mapped_column(PRICE)
    qty: Mapped[int]
    executed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    aggressor: Mapped[str | None] = mapped_column(String(4))  # buy | sell; None for an auction uncross
    source: Mapped[str] = mapped_column(String(8))
    journal_seq: Mapped[int | None] = mapped_column(BigInteger)  # the command that printed it
    instrument: Mapped[Instrument] = relationship()
    legs: Mapped[list["TradeLeg"]] = relationship(back_populates="trade", order_by="TradeLeg.side")


class TradeLeg(Base):
    """One side of a trade: whose account, which order, and what it did to the position."""

    __tablename__ = "trade_leg"
    __table_args__ = (
        CheckConstraint("side IN ('buy', 'sell')", name="side_known"),
        CheckConstraint("offset_flag IN ('open', 'close', 'close_today', 'close_yesterday')", name="offset_known"),
        Index("ix_trade_leg_account", "account_id"),
    )

    trade_id: Mapped[str] = mapped_column(ForeignKey("trade.id"), primary_key=True)
    side: Mapped[str] = mapped_column(String(4), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    order_id: Mapped[str | None] = mapped_column(String(32))
    cl_ord_id: Mapped[str | None] = mapped_column(String(64))
    offset_flag: Mapped[str] = mapped_column(String(16))
    forced: Mapped[bool]  # forced liquidation (强平)
    trade: Mapped[Trade] = relationship(back_populates="legs")
    account: Mapped[Account] = relationship()


class SettlementPrice(Base):
    """The settlement price of an instrument on a trading day, and where it came from.

    Computed by the settlement run (the product's rule) or set by an operator (`official`,
    which then wins); the next trading day's price limits and carried positions start here.
    """

    __tablename__ = "settlement_price"
    __table_args__ = (
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("source IN ('official', 'last_hour_vwap', 'whole_day_vwap', 'previous')", name="source_known"),
    )

    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), primary_key=True)
    trading_day: Mapped[date] = mapped_column(Date, primary_key=True)
    price: Mapped[Decimal] = mapped_column(PRICE)
    source: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(256))  # e.g. the VWAP window, or who set it and why
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    operator: Mapped[str] = mapped_column(String(64))
    instrument: Mapped[Instrument] = relationship()
