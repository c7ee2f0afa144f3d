"""Deposits and withdrawals (bank-futures transfers) into the append-only cash ledger.

A transfer's bank reference is its idempotency key: submitting the same reference again
for the same account and amount records nothing and says so; reusing a reference for a
different transfer is refused. A withdrawal may take at most the withdrawable amount,
computed inside the same transaction with the account row locked, so two withdrawals
cannot both pass the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from backoffice.db import models as m
from backoffice.domain.enums import AccountStatus, CashDirection
from backoffice.domain.money import Money


class CashError(ValueError):
    """A movement that must not be recorded; the message says why, with the figures."""


@dataclass(frozen=True, slots=True)
class AccountFunds:
    """What an account holds. Margin and frozen funds are held by positions and working
    orders, which this ledger does not have yet; they are zero until those exist."""

    balance: Decimal
    margin_held: Decimal
    frozen: Decimal

    @property
    def withdrawable(self) -> Decimal:
        return max(Decimal("0.00"), self.balance - self.margin_held - self.frozen)


@dataclass(frozen=True, slots=True)
class Recorded:
    movement: m.CashMovement
    duplicate: bool  # the same transfer was already recorded; nothing was written


def funds(session: Session, account: m.Account) -> AccountFunds:
    signed = case((m.CashMovement.direction == CashDirection.DEPOSIT.value, m.CashMovement.amount), else_=-m.CashMovement.amount)
    # The sum keeps the column's exact type, so it comes back as Decimal on every backend.
    total = session.scalar(select(func.coalesce(func.sum(signed), 0)).where(m.CashMovement.account_id == account.id))
    return AccountFunds(balance=Money(total), margin_held=Money("0.00"), frozen=Money("0.00"))


def record(
    session: Session,
    account: m.Account,
    direction: CashDirection,
    amount: Money,
    *,
    business_date: date,
    reference: str,
    operator: str,
    note: str,
    now: datetime,
) -> Recorded:
    if not isinstance(amount, Decimal) or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise CashError(f"amount must be positive with at most 2 decimals, got {amount}")
    if not reference.strip():
        raise CashError("a bank reference is required")
    locked = session.scalars(select(m.Account).where(m.Account.id == account.id).with_for_update()).one()
    if locked.status == AccountStatus.CLOSED.value:
        raise CashError(f"account {locked.code} is closed")
    previous = session.scalars(select(m.CashMovement).filter_by(account_id=locked.id, reference=reference)).one_or_none()
    if previous is not None:
        if previous.direction == direction.value and previous.amount == amount:
            return Recorded(previous, duplicate=True)
        raise CashError(
            f"reference {reference!r} is already recorded on {locked.code} as a {previous.direction} of "
            f"{previous.amount:,.2f} on {previous.business_date}; use a new reference"
        )
    if direction is CashDirection.WITHDRAWAL:
        held = funds(session, locked)
        if amount > held.withdrawable:
            raise CashError(
                f"withdrawal of {amount:,.2f} from {locked.code} refused: withdrawable is {held.withdrawable:,.2f} "
                f"(balance {held.balance:,.2f} - margin {held.margin_held:,.2f} - frozen {held.frozen:,.2f})"
            )
    movement = m.CashMovement(
        account_id=locked.id,
        business_date=business_date,
        direction=direction.value,
        amount=amount,
        reference=reference.strip(),
        operator=operator,
        note=note,
        recorded_at=now,
    )
    session.add(movement)
    session.flush()
    return Recorded(movement, duplicate=False)
