"""Self-trade prevention: when two orders may not trade with each other, and what happens then.

An order's own setting wins over the book's; the setting of the incoming order (the aggressor,
or in the call-auction uncross the later of the two by time priority) decides both the scope
(same account or same member) and the action.
"""

from __future__ import annotations

from .orders import Order, SelfTradePrevention, StpAction, StpScope


def self_trade_action(
    incoming: Order, resting: Order, book_default: SelfTradePrevention | None
) -> StpAction | None:
    """The action to take instead of trading, or None when the two orders may trade."""
    rule = incoming.request.stp or book_default
    if rule is None:
        return None
    if rule.scope is StpScope.ACCOUNT:
        same = incoming.request.account == resting.request.account
    else:
        same = incoming.request.member == resting.request.member
    return rule.action if same else None
