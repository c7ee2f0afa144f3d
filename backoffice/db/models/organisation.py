"""The organisation tree and its accounts: members, memberships, clients, rate schedules."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base
from ..types import Amount, UTCDateTime
from .reference import PRICE, RATE, Exchange


class Member(Base):
    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(24))
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    min_reserve: Mapped[Decimal] = mapped_column(Amount(20, 2))
    min_fee_multiple: Mapped[Decimal] = mapped_column(RATE)
    min_margin_addon: Mapped[Decimal] = mapped_column(RATE)
    settled_by: Mapped["Member | None"] = relationship(remote_side="Member.id")


class Membership(Base):
    """A member's seat at one exchange."""

    __tablename__ = "membership"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id"), primary_key=True)
    exchange: Mapped[Exchange] = relationship()


class Client(Base):
    __tablename__ = "client"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(16))
    group: Mapped[str | None] = mapped_column(String(32))
    member: Mapped[Member] = relationship()


class RateSchedule(Base):
    """One version of a member-to-client rate schedule (see backoffice.domain.rates)."""

    __tablename__ = "rate_schedule"
    __table_args__ = (
        UniqueConstraint("member_id", "scope", "target", "product_code", "effective_from"),
        CheckConstraint("mode IN ('absolute', 'relative')", name="mode_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    scope: Mapped[str] = mapped_column(String(8))
    # group name or client code; '' for the member scope, so the unique key has no NULLs
    target: Mapped[str] = mapped_column(String(32))
    # product code, '*' for every product
    product_code: Mapped[str] = mapped_column(String(16))
    effective_from: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(8))
    fee_multiple: Mapped[Decimal | None] = mapped_column(RATE)
    margin_addon: Mapped[Decimal | None] = mapped_column(RATE)
    margin_long: Mapped[Decimal | None] = mapped_column(RATE)
    margin_short: Mapped[Decimal | None] = mapped_column(RATE)
    fee_open_money: Mapped[Decimal | None] = mapped_column(RATE)
    fee_open_volume: Mapped[Decimal | None] = mapped_column(PRICE)
    fee_close_money: Mapped[Decimal | None] = mapped_column(RATE)
    fee_close_volume: Mapped[Decimal | None] = mapped_column(PRICE)
    fee_close_today_money: Mapped[Decimal | None] = mapped_column(RATE)
    fee_close_today_volume: Mapped[Decimal | None] = mapped_column(PRICE)
    member: Mapped[Member] = relationship()


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))  # where the money sits
    owner_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"), unique=True)
    exchange_id: Mapped[int | None] = mapped_column(ForeignKey("exchange.id"))
    business_type: Mapped[str] = mapped_column(String(12))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(8))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    owner_member: Mapped[Member | None] = relationship(foreign_keys=[owner_member_id])
    client: Mapped[Client | None] = relationship()
    exchange: Mapped[Exchange | None] = relationship()


class FixSession(Base):
    """A FIX session the gateway accepts; credentials are set with `fixbroker sessions`."""

    __tablename__ = "fix_session"
    __table_args__ = (UniqueConstraint("begin_string", "sender_comp_id", "target_comp_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    begin_string: Mapped[str] = mapped_column(String(8))
    sender_comp_id: Mapped[str] = mapped_column(String(64))  # ours
    target_comp_id: Mapped[str] = mapped_column(String(64))  # the client's
    port: Mapped[int]
    username: Mapped[str] = mapped_column(String(64))
    allowed_addresses: Mapped[str] = mapped_column(String(512))  # comma-separated CIDRs
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    default_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    enabled: Mapped[bool]
    # Salted password hash (scrypt, self-describing string); None until one is set.
    password_hash: Mapped[str | None] = mapped_column(String(256))
    password_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    member: Mapped[Member] = relationship()
    default_account: Mapped[Account | None] = relationship()
    entitlements: Mapped[list["FixSessionAccount"]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )


class FixSessionAccount(Base):
    """An account a FIX session may trade, cancel and query."""

    __tablename__ = "fix_session_account"

    session_id: Mapped[int] = mapped_column(ForeignKey("fix_session.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    session: Mapped[FixSession] = relationship(back_populates="entitlements")
    account: Mapped[Account] = relationship()



