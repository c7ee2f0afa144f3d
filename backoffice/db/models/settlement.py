"""What a settlement run leaves behind: its results, the lots it rolled, and the audit around it.

A run of a trading day is written whole, in one transaction, or not at all. Running a day
again writes a new run and marks the old one superseded by it (the new run says who ran it,
when, and why), so every figure ever reported stays on record. Exactly one run per day is
`current`: the next day starts from its balances, its rolled lots and its settlement prices.

The per-account figures are those of `backoffice.settlement.results.AccountResult`, one row
per account and level, with its lines (transaction record, positions closed, positions
detail, margin per product) in line tables, so statements are built from stored results and
never recomputed. Level 1 is the exchange settling members' reserve accounts; level 2 is
members settling clients and trading members.

Corrections never rewrite history: a trade keeps its original values and every bust or amend
is a new row in `trade_correction`; every settlement price ever recorded stays in
`settlement_price_version` (both append-only, enforced by the database).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base
from ..types import Amount, UTCDateTime
from .organisation import Account, Member
from .reference import PRICE, Instrument

MONEY = Amount(20, 2)
RISK = Amount(12, 4)  # risk degree: a fraction with 4 places (1.21% = 0.0121)


class SettlementRun(Base):
    __tablename__ = "settlement_run"
    __table_args__ = (
        CheckConstraint("status IN ('current', 'superseded')", name="status_known"),
        # One current run per trading day (a concurrent second run fails on commit).
        Index(
            "uq_settlement_run_current_day", "trading_day", unique=True,
            postgresql_where=text("status = 'current'"), sqlite_where=text("status = 'current'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trading_day: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    operator: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(256))  # why this run: first run, rerun after ...
    forced: Mapped[bool]
    force_reason: Mapped[str] = mapped_column(String(256))  # '' unless forced
    final: Mapped[bool]  # run after the day's dispute deadline: results final at once
    # The highest cash_movement id the run read: movements dated on or before the day with a
    # higher id arrived late and are not in its balances.
    cash_through: Mapped[int] = mapped_column(BigInteger)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("settlement_run.id"))
    superseded_by: Mapped["SettlementRun | None"] = relationship(remote_side="SettlementRun.id")


class SettlementAccount(Base):
    """One account's settlement for the day (the account summary of its statement)."""

    __tablename__ = "settlement_account"
    __table_args__ = (CheckConstraint("level IN (1, 2)", name="level_known"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("settlement_run.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True, index=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    balance_bf: Mapped[Decimal] = mapped_column(MONEY)
    deposits: Mapped[Decimal] = mapped_column(MONEY)
    withdrawals: Mapped[Decimal] = mapped_column(MONEY)
    close_pnl: Mapped[Decimal] = mapped_column(MONEY)
    position_mtm: Mapped[Decimal] = mapped_column(MONEY)
    fees: Mapped[Decimal] = mapped_column(MONEY)
    balance_cf: Mapped[Decimal] = mapped_column(MONEY)
    equity: Mapped[Decimal] = mapped_column(MONEY)
    margin: Mapped[Decimal] = mapped_column(MONEY)
    available: Mapped[Decimal] = mapped_column(MONEY)
    risk_degree: Mapped[Decimal | None] = mapped_column(RISK)  # None: margin held against equity <= 0
    margin_call: Mapped[Decimal] = mapped_column(MONEY)
    run: Mapped[SettlementRun] = relationship()
    account: Mapped[Account] = relationship()


class SettlementTradeLine(Base):
    """One trade side as settled to one account (transaction record), with the values used."""

    __tablename__ = "settlement_trade_line"

    run_id: Mapped[int] = mapped_column(ForeignKey("settlement_run.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    trade_id: Mapped[str] = mapped_column(ForeignKey("trade.id"), primary_key=True, index=True)
    side: Mapped[str] = mapped_column(String(4), primary_key=True)
    holder: Mapped[str] = mapped_column(String(48))  # the client inside a member's book; '' at level 2
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"))
    offset_flag: Mapped[str] = mapped_column(String(16))
    price: Mapped[Decimal] = mapped_column(PRICE)  # after any amend
    qty: Mapped[int]
    executed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    forced: Mapped[bool]  # forced liquidation (强平)
    fee: Mapped[Decimal] = mapped_column(MONEY)
    realized: Mapped[Decimal] = mapped_column(MONEY)
    instrument: Mapped[Instrument] = relationship()


class SettlementClose(Base):
    """One closing trade against one lot (positions closed)."""

    __tablename__ = "settlement_close"

    run_id: Mapped[int] = mapped_column(ForeignKey("settlement_run.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    trade_id: Mapped[str] = mapped_column(String(32))
    holder: Mapped[str] = mapped_column(String(48))
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"))
    direction: Mapped[str] = mapped_column(String(5))  # of the position closed
    open_date: Mapped[date] = mapped_column(Date)
    open_trade_id: Mapped[str] = mapped_column(String(32))
    qty: Mapped[int]
    open_price: Mapped[Decimal] = mapped_column(PRICE)
    previous_settlement: Mapped[Decimal] = mapped_column(PRICE)
    close_price: Mapped[Decimal] = mapped_column(PRICE)
    pnl: Mapped[Decimal] = mapped_column(MONEY)
    instrument: Mapped[Instrument] = relationship()


class SettlementLot(Base):
    """A lot open after the day (positions detail): the next trading day's opening lot."""

    __tablename__ = "settlement_lot"

    run_id: Mapped[int] = mapped_column(ForeignKey("settlement_run.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    holder: Mapped[str] = mapped_column(String(48))
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"))
    direction: Mapped[str] = mapped_column(String(5))
    open_date: Mapped[date] = mapped_column(Date)
    open_trade_id: Mapped[str] = mapped_column(String(32))
    qty: Mapped[int]
    open_price: Mapped[Decimal] = mapped_column(PRICE)
    previous_settlement: Mapped[Decimal] = mapped_column(PRICE)
    settlement: Mapped[Decimal] = mapped_column(PRICE)
    accumulated_pnl: Mapped[Decimal] = mapped_column(MONEY)
    mtm: Mapped[Decimal] = mapped_column(MONEY)
    margin: Mapped[Decimal] = mapped_column(MONEY)  # before the large-side rule
    instrument: Mapped[Instrument] = relationship()


class SettlementMargin(Base):
    """Margin of one product for one holder, and what the large-side rule charges."""

    __tablename__ = "settlement_margin"

    run_id: Mapped[int] = mapped_column(ForeignKey("settlement_run.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    holder: Mapped[str] = mapped_column(String(48), primary_key=True)
    product: Mapped[str] = mapped_column(String(16), primary_key=True)
    long_margin: Mapped[Decimal] = mapped_column(MONEY)
    short_margin: Mapped[Decimal] = mapped_column(MONEY)
    charged: Mapped[Decimal] = mapped_column(MONEY)


class SettlementReserve(Base):
    """A settlement member's reserve at one exchange and business type, rolled forward."""

    __tablename__ = "settlement_reserve"

    run_id: Mapped[int] = mapped_column(ForeignKey("settlement_run.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    reserve_bf: Mapped[Decimal] = mapped_column(MONEY)
    margin_bf: Mapped[Decimal] = mapped_column(MONEY)
    margin: Mapped[Decimal] = mapped_column(MONEY)
    pnl: Mapped[Decimal] = mapped_column(MONEY)
    deposits: Mapped[Decimal] = mapped_column(MONEY)
    withdrawals: Mapped[Decimal] = mapped_column(MONEY)
    fees: Mapped[Decimal] = mapped_column(MONEY)
    reserve: Mapped[Decimal] = mapped_column(MONEY)
    min_reserve: Mapped[Decimal] = mapped_column(MONEY)
    margin_call: Mapped[Decimal] = mapped_column(MONEY)
    net_settlement: Mapped[Decimal] = mapped_column(MONEY)  # P&L - fees; positive: receivable by the member
    account: Mapped[Account] = relationship()


class MarginCall(Base):
    """An account left short after settlement: a client or trading member whose equity is
    below its margin, or a member whose reserve is below its minimum."""

    __tablename__ = "margin_call"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("settlement_run.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)  # to be met before this instant
    account: Mapped[Account] = relationship()


class SettlementPriceVersion(Base):
    """Every settlement price ever recorded for a day, in order; the last one is in force
    (`settlement_price`). Append-only: a correction is a new version saying who, when, why."""

    __tablename__ = "settlement_price_version"
    __table_args__ = (Index("ix_settlement_price_version_day", "trading_day", "instrument_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"))
    trading_day: Mapped[date] = mapped_column(Date)
    price: Mapped[Decimal] = mapped_column(PRICE)
    source: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(256))
    reason: Mapped[str] = mapped_column(String(256))
    operator: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("settlement_run.id"))  # the run that computed it
    instrument: Mapped[Instrument] = relationship()


class TradeCorrection(Base):
    """A bust or an amend of a trade, after the fact. The trade row keeps its original values;
    settlement applies the latest correction. Append-only."""

    __tablename__ = "trade_correction"
    __table_args__ = (
        CheckConstraint("action IN ('bust', 'amend')", name="action_known"),
        CheckConstraint("action = 'bust' OR (price > 0 AND qty > 0)", name="amend_values"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trade_id: Mapped[str] = mapped_column(ForeignKey("trade.id"), index=True)
    action: Mapped[str] = mapped_column(String(8))
    price: Mapped[Decimal | None] = mapped_column(PRICE)  # the values in force after an amend
    qty: Mapped[int | None]
    previous_price: Mapped[Decimal] = mapped_column(PRICE)  # the values in force before it
    previous_qty: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    operator: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Dispute(Base):
    """A member's objection to a day's results, filed before the dispute deadline."""

    __tablename__ = "dispute"
    __table_args__ = (CheckConstraint("status IN ('open', 'resolved')", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trading_day: Mapped[date] = mapped_column(Date, index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    text: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    filed_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    member: Mapped[Member] = relationship()
