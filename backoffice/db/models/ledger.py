"""The cash ledger: bank-futures transfers, append-only (corrections are new entries)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base
from ..types import Amount, UTCDateTime
from .organisation import Account


class CashMovement(Base):
    __tablename__ = "cash_movement"
    __table_args__ = (
        # A bank transfer reference is recorded once per account: resubmission is a no-op.
        UniqueConstraint("account_id", "reference"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("direction IN ('deposit', 'withdrawal')", name="direction_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    business_date: Mapped[date] = mapped_column(Date, index=True)
    direction: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(Amount(20, 2))
    reference: Mapped[str] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(256), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    account: Mapped[Account] = relationship()
