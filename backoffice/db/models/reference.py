"""Market reference data: exchanges, trading hours, calendar, products, instruments, rates."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base
from ..types import Amount

PRICE = Amount(20, 6)
RATE = Amount(16, 10)


class Exchange(Base):
    __tablename__ = "exchange"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    timezone: Mapped[str] = mapped_column(String(64))
    close_today_distinct: Mapped[bool]
    close_priority: Mapped[str] = mapped_column(String(16))
    tiered_settlement: Mapped[bool]


class TradingHours(Base):
    __tablename__ = "trading_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    auction_minutes: Mapped[int]
    periods: Mapped[list["HoursPeriod"]] = relationship(
        back_populates="hours", cascade="all, delete-orphan", order_by="(HoursPeriod.kind, HoursPeriod.seq)"
    )


class HoursPeriod(Base):
    __tablename__ = "hours_period"
    __table_args__ = (UniqueConstraint("hours_id", "kind", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hours_id: Mapped[int] = mapped_column(ForeignKey("trading_hours.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # day | night
    seq: Mapped[int]
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
    hours: Mapped[TradingHours] = relationship(back_populates="periods")


class Holiday(Base):
    __tablename__ = "holiday"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))


class Setting(Base):
    """Venue-wide settings that have one value (calendar timezone, rollover time)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


class Product(Base):
    __tablename__ = "product"
    __table_args__ = (
        UniqueConstraint("exchange_id", "code"),
        CheckConstraint("multiplier > 0", name="multiplier_positive"),
        CheckConstraint("tick_size > 0", name="tick_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id"))
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    hours_id: Mapped[int] = mapped_column(ForeignKey("trading_hours.id"))
    currency: Mapped[str] = mapped_column(String(3))
    multiplier: Mapped[Decimal] = mapped_column(PRICE)
    tick_size: Mapped[Decimal] = mapped_column(PRICE)
    price_limit_pct: Mapped[Decimal] = mapped_column(RATE)
    max_order_size: Mapped[int]
    position_limit: Mapped[int]
    settlement_rule: Mapped[str] = mapped_column(String(32))
    large_side_margin: Mapped[bool]
    bloomberg_root: Mapped[str | None] = mapped_column(String(16))
    bloomberg_yellow_key: Mapped[str | None] = mapped_column(String(16))
    exchange: Mapped[Exchange] = relationship()
    hours: Mapped[TradingHours] = relationship()


class Instrument(Base):
    """A listed contract with its terms resolved from the product (and any override)."""

    __tablename__ = "instrument"
    __table_args__ = (
        CheckConstraint("multiplier > 0", name="multiplier_positive"),
        CheckConstraint("tick_size > 0", name="tick_positive"),
        CheckConstraint("expiry_date >= listing_date", name="expiry_after_listing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    listing_date: Mapped[date] = mapped_column(Date)
    expiry_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    multiplier: Mapped[Decimal] = mapped_column(PRICE)
    tick_size: Mapped[Decimal] = mapped_column(PRICE)
    price_limit_pct: Mapped[Decimal] = mapped_column(RATE)
    max_order_size: Mapped[int]
    position_limit: Mapped[int]
    settlement_rule: Mapped[str] = mapped_column(String(32))
    large_side_margin: Mapped[bool]
    isin: Mapped[str | None] = mapped_column(String(12), unique=True)
    figi: Mapped[str | None] = mapped_column(String(12), unique=True)
    product: Mapped[Product] = relationship()


class ExchangeRate(Base):
    """One version of a product's exchange rates; the latest effective on a day applies."""

    __tablename__ = "exchange_rate"
    __table_args__ = (UniqueConstraint("product_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    margin_long: Mapped[Decimal] = mapped_column(RATE)
    margin_short: Mapped[Decimal] = mapped_column(RATE)
    fee_open_money: Mapped[Decimal] = mapped_column(RATE)
    fee_open_volume: Mapped[Decimal] = mapped_column(PRICE)
    fee_close_money: Mapped[Decimal] = mapped_column(RATE)
    fee_close_volume: Mapped[Decimal] = mapped_column(PRICE)
    fee_close_today_money: Mapped[Decimal] = mapped_column(RATE)
    fee_close_today_volume: Mapped[Decimal] = mapped_column(PRICE)
    product: Mapped[Product] = relationship()
