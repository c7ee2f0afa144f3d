"""An account's funds during the trading day, CTP style: freeze on accept, convert on fill.

An opening order freezes its margin and fee at the order's price when it is accepted, so
that two orders cannot spend the same money. A fill converts the filled lots' share of the
freeze into real figures at the fill price: the frozen share is released, the actual margin
becomes margin used and the actual fee is charged (each rounded to the cent per trade line).
A cancel releases what is still frozen. Shares are taken proportionally to the lots, rounded
to the cent, and the last lot takes whatever is left, so released + converted always equals
what was frozen, to the cent.

Available = balance + realized close P&L - margin used - frozen margin - frozen fee - fees.
Balance is the settled balance carried from yesterday (deposits and withdrawals during the
day are not modelled here). Today's realized close P&L is included, gains and losses, as
CTP's available funds do; floating P&L on open positions is not (the engine has no price
feed), so the back office's daily settlement stays the authority.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backoffice.domain.enums import OffsetFlag
from backoffice.domain.money import round_money
from backoffice.domain.rates import RateSet

ZERO = Decimal(0)


def margin_amount(price: Decimal, qty: int, multiplier: Decimal, rate: Decimal) -> Decimal:
    """price x qty x multiplier x margin rate, to the cent."""
    return round_money(price * qty * multiplier * rate)


def fee_amount(price: Decimal, qty: int, multiplier: Decimal, rates: RateSet, offset: OffsetFlag) -> Decimal:
    """price x qty x multiplier x fee by money + qty x fee by volume, to the cent (one trade line)."""
    by_money, by_volume = rates.fee_rates(offset)
    return round_money(price * qty * multiplier * by_money + qty * by_volume)


def pro_rata(amount: Decimal, part: int, whole: int) -> Decimal:
    """`part` lots' share of a cent amount held for `whole` lots, to the cent.

    The last lots (part == whole) take all that is left, so repeated shares never lose a cent.
    """
    return amount if part == whole else round_money(amount * part / whole)


@dataclass(slots=True)
class FrozenOrder:
    """What one working opening order still holds frozen, for its `leaves` lots."""

    leaves: int
    margin: Decimal
    fee: Decimal

    def take(self, qty: int) -> tuple[Decimal, Decimal]:
        """Remove `qty` lots' share of the freeze; (margin, fee) taken."""
        if not 0 < qty <= self.leaves:
            raise ValueError(f"cannot take {qty} lots from a freeze for {self.leaves}")
        margin = pro_rata(self.margin, qty, self.leaves)
        fee = pro_rata(self.fee, qty, self.leaves)
        self.leaves -= qty
        self.margin -= margin
        self.fee -= fee
        return margin, fee


@dataclass(slots=True)
class AccountFunds:
    balance: Decimal
    margin_used: Decimal = ZERO
    frozen_margin: Decimal = ZERO
    frozen_fee: Decimal = ZERO
    fees: Decimal = ZERO  # charged today
    realized_pnl: Decimal = ZERO  # today's close P&L

    @property
    def available(self) -> Decimal:
        return self.balance + self.realized_pnl - self.margin_used - self.frozen_margin - self.frozen_fee - self.fees

    def freeze(self, qty: int, margin: Decimal, fee: Decimal) -> FrozenOrder:
        self.frozen_margin += margin
        self.frozen_fee += fee
        return FrozenOrder(qty, margin, fee)

    def release(self, frozen: FrozenOrder) -> tuple[Decimal, Decimal]:
        """Release everything still frozen for an order that will not fill further."""
        if not frozen.leaves:
            return ZERO, ZERO
        margin, fee = frozen.take(frozen.leaves)
        self.frozen_margin -= margin
        self.frozen_fee -= fee
        return margin, fee

    def convert(self, frozen: FrozenOrder, qty: int, margin: Decimal, fee: Decimal) -> tuple[Decimal, Decimal]:
        """An opening fill of `qty` lots: release their frozen share, book actual margin and fee.

        Returns the (margin, fee) released from the freeze.
        """
        released_margin, released_fee = frozen.take(qty)
        self.frozen_margin -= released_margin
        self.frozen_fee -= released_fee
        self.margin_used += margin
        self.fees += fee
        return released_margin, released_fee

    def close(self, margin_released: Decimal, fee: Decimal, pnl: Decimal) -> None:
        """A closing fill: the lots' margin is freed, the fee charged, the P&L realized."""
        self.margin_used -= margin_released
        self.fees += fee
        self.realized_pnl += pnl
