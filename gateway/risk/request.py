"""The order request as the FIX codec hands it to risk, before anything is trusted.

Quantity arrives as a Decimal, not an int, on purpose: OrderQty(38) is a FIX float field, and
a client that sends 1.5 lots must get a reasoned reject from the checks rather than a silent
truncation in the codec.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backoffice.domain.enums import OffsetFlag, OrdType, Side, TimeInForce

__all__ = ["OrdType", "OrderRequest", "TimeInForce"]  # the order vocabulary risk and the codec share

# Holds (frozen funds, reserved lots) live for one trading day: the engine is rebuilt from the
# settled start-of-day state each morning, so an order may not outlive the day it was held in.
SUPPORTED_TIME_IN_FORCE = frozenset({TimeInForce.DAY, TimeInForce.IOC, TimeInForce.FOK})

# Order types that carry a limit price (Price 44) and a stop price (StopPx 99).
PRICED_TYPES = frozenset({OrdType.LIMIT, OrdType.STOP_LIMIT})
STOP_TYPES = frozenset({OrdType.STOP, OrdType.STOP_LIMIT})


@dataclass(frozen=True, slots=True)
class OrderRequest:
    account: str
    instrument: str
    side: Side
    offset: OffsetFlag
    ord_type: OrdType
    qty: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    tif: TimeInForce = TimeInForce.DAY
    forced: bool = False  # forced liquidation (强平) entered by the broker's risk desk
