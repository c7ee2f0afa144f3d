"""Deposits and withdrawals (bank-futures transfers) into the append-only cash ledger.

A transfer's bank reference is its idempotency key: submitting the same reference again
for the same account and amount records nothing and says so; reusing a reference for a
different transfer is refused. A withdrawal may take at most the withdrawable amount,
computed inside the same transaction with the account row locked, so two withdrawals
cannot both pass the check.

Once an account has been settled, its balance is the balance c/f of the latest current
settlement run plus every movement that run did not count (dated after its day, or dated
on or before it but recorded after the run: `SettlementRun.cash_through`), and the margin
its positions hold is the margin occupied at that settlement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from backoffice.db import models as m
from backoffice.domain.enums import AccountStatus, CashDirection
from backoffice.domain.money import Money


class CashError(ValueError):
    """A movement that must not be recorded; the message says why, with the figures."""


@dataclass(frozen=True, slots=True)
class AccountFunds:
    """What an account holds: its balance, the margin its settled positions occupy, and
    funds frozen by working orders (held by the trading core during the day, not here)."""

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
    return settled_funds(session, account_id=account.id).get(account.id, AccountFunds(Money("0.00"), Money("0.00"), Money("0.00")))


def settled_funds(session: Session, on: date | None = None, account_id: int | None = None) -> dict[int, AccountFunds]:
    """Funds by account id, from the latest current settlement run (before trading day `on`
    when given) plus the cash movements it did not count (dated up to `on` when given).
    Accounts never settled get their ledger sum and no margin; accounts with neither a
    result nor a movement are absent."""
    latest = select(m.SettlementRun.id, m.SettlementRun.trading_day, m.SettlementRun.cash_through).where(m.SettlementRun.status == "current")
    if on is not None:
        latest = latest.where(m.SettlementRun.trading_day < on)
    run = session.execute(latest.order_by(m.SettlementRun.trading_day.desc()).limit(1)).first()
    balance: dict[int, Decimal] = {}
    margin: dict[int, Decimal] = {}
    if run is not None:
        settled = select(m.SettlementAccount.account_id, m.SettlementAccount.balance_cf, m.SettlementAccount.margin).where(
            m.SettlementAccount.run_id == run.id
        )
        if account_id is not None:
            settled = settled.where(m.SettlementAccount.account_id == account_id)
        for settled_id, balance_cf, occupied in session.execute(settled):
            balance[settled_id], margin[settled_id] = balance_cf, occupied
    signed = case((m.CashMovement.direction == CashDirection.DEPOSIT.value, m.CashMovement.amount), else_=-m.CashMovement.amount)
    # The sum keeps the column's exact type, so it comes back as Decimal on every backend.
    movements = select(m.CashMovement.account_id, func.sum(signed)).group_by(m.CashMovement.account_id)
    if run is not None:
        movements = movements.where(or_(m.CashMovement.business_date > run.trading_day, m.CashMovement.id > run.cash_through))
    if on is not None:
        movements = movements.where(m.CashMovement.business_date <= on)
    if account_id is not None:
        movements = movements.where(m.CashMovement.account_id == account_id)
    for moved_id, total in session.execute(movements):
        balance[moved_id] = balance.get(moved_id, Decimal("0.00")) + total
    zero = Money("0.00")
    return {
        key: AccountFunds(balance=Money(value), margin_held=Money(margin.get(key, zero)), frozen=zero)
        for key, value in balance.items()
    }


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
