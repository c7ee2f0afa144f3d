"""Every reason an order or cancel can be refused, as one enum with a numeric band per stage.

One vocabulary for the whole order path (as exchange-core's CommandResultCode does): 1xx
validation of the request against reference data, 2xx risk against the account's state,
3xx matching. Each code maps straight to a FIX 4.4 OrdRejReason (tag 103) and, where a cancel
can be refused for it, a CxlRejReason (tag 102), so the FIX layer never has to interpret a
rejection. The text is a template for Text(58): Bloomberg shows about 44 characters, so every
template stays short even with its figures filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum, StrEnum


class Stage(StrEnum):
    VALIDATION = "validation"
    RISK = "risk"
    MATCHING = "matching"


class OrdRejReason(IntEnum):
    """FIX 4.4 OrdRejReason (103), the values this venue uses."""

    BROKER_OPTION = 0
    UNKNOWN_SYMBOL = 1
    EXCHANGE_CLOSED = 2
    ORDER_EXCEEDS_LIMIT = 3
    UNKNOWN_ORDER = 5
    DUPLICATE_ORDER = 6
    UNSUPPORTED_ORDER_CHARACTERISTIC = 11
    OTHER = 99


class CxlRejReason(IntEnum):
    """FIX 4.4 CxlRejReason (102), the values this venue uses."""

    TOO_LATE_TO_CANCEL = 0
    UNKNOWN_ORDER = 1
    BROKER_OPTION = 2
    OTHER = 99


_BANDS = {1: Stage.VALIDATION, 2: Stage.RISK, 3: Stage.MATCHING}
_R = OrdRejReason


class ResultCode(Enum):
    """(code, FIX OrdRejReason, Text(58) template)."""

    # 1xx validation: the request against reference data
    UNKNOWN_INSTRUMENT = (101, _R.UNKNOWN_SYMBOL, "Unknown instrument {instrument}")
    INSTRUMENT_NOT_LISTED = (102, _R.UNKNOWN_SYMBOL, "{instrument} not listed on {day}")
    NO_REFERENCE_PRICE = (103, _R.EXCHANGE_CLOSED, "No reference price for {instrument}")
    UNSUPPORTED_ORDER_TYPE = (104, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, "Order type {ord_type} not supported")
    UNSUPPORTED_TIME_IN_FORCE = (105, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, "Time in force {tif} not supported")
    PRICE_REQUIRED = (106, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, "{ord_type} order needs a price")
    PRICE_NOT_ALLOWED = (107, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, "{ord_type} order takes no price")
    STOP_PRICE_REQUIRED = (108, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, "{ord_type} order needs a stop price")
    STOP_PRICE_NOT_ALLOWED = (109, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, "{ord_type} order takes no stop price")
    PRICE_NOT_A_NUMBER = (110, _R.OTHER, "Price {price} is not a number")
    QTY_NOT_POSITIVE = (111, _R.OTHER, "Quantity {qty} must be positive")
    QTY_NOT_WHOLE = (112, _R.OTHER, "Quantity {qty} is not whole lots")
    QTY_ABOVE_MAX = (113, _R.ORDER_EXCEEDS_LIMIT, "Quantity {qty} above max order {max_qty}")
    PRICE_OFF_TICK = (114, _R.OTHER, "Price {price} not on tick {tick}")
    STOP_PRICE_OFF_TICK = (115, _R.OTHER, "Stop {price} not on tick {tick}")
    PRICE_ABOVE_LIMIT = (116, _R.ORDER_EXCEEDS_LIMIT, "Price {price} above limit up {limit}")
    PRICE_BELOW_LIMIT = (117, _R.ORDER_EXCEEDS_LIMIT, "Price {price} below limit down {limit}")
    STOP_PRICE_OUTSIDE_LIMITS = (118, _R.ORDER_EXCEEDS_LIMIT, "Stop {price} outside {lower}-{upper}")
    FORCED_MUST_CLOSE = (119, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, "Forced liquidation must close")
    UNKNOWN_ACCOUNT = (120, _R.BROKER_OPTION, "Unknown account {account}")
    # 2xx risk: the request against the account's state
    ACCOUNT_CLOSED = (201, _R.BROKER_OPTION, "Account {account} is closed")
    ACCOUNT_HALTED = (202, _R.BROKER_OPTION, "Account {account} is halted")
    NO_RATES = (203, _R.BROKER_OPTION, "No rates for {product} on account")
    TRADING_HALTED = (204, _R.EXCHANGE_CLOSED, "Trading halted")
    MEMBER_HALTED = (205, _R.BROKER_OPTION, "Member {member} is halted")
    INSTRUMENT_HALTED = (206, _R.EXCHANGE_CLOSED, "{instrument} is halted")
    MEMBER_BLOCKED = (207, _R.BROKER_OPTION, "Member {member} reserve low: close only")
    THROTTLED = (208, _R.BROKER_OPTION, "Over {limit} orders per second")
    CLOSE_EXCEEDS_POSITION = (209, _R.ORDER_EXCEEDS_LIMIT, "Close {qty} exceeds closable {closable}")
    POSITION_LIMIT = (210, _R.ORDER_EXCEEDS_LIMIT, "Position {total} over limit {limit}")
    INSUFFICIENT_FUNDS = (211, _R.ORDER_EXCEEDS_LIMIT, "Funds: need {need} have {available}")
    CANCEL_LIMIT = (212, _R.OTHER, "Cancel limit {limit} reached for today")
    # 3xx matching: for the book and the FIX layer around it
    DUPLICATE_ORDER = (301, _R.DUPLICATE_ORDER, "Duplicate order id {cl_ord_id}")
    UNKNOWN_ORDER = (302, _R.UNKNOWN_ORDER, "Unknown order {cl_ord_id}")
    MARKET_CLOSED = (303, _R.EXCHANGE_CLOSED, "Market closed for {instrument}")
    NOT_ALLOWED_IN_PHASE = (304, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, "{ord_type} not accepted in {phase}")
    TOO_LATE_TO_CANCEL = (305, _R.OTHER, "Order {cl_ord_id} is already done")
    QTY_NOT_ABOVE_FILLED = (306, _R.OTHER, "Qty {qty} not above filled {filled}")

    def __init__(self, code: int, fix_reason: OrdRejReason, template: str) -> None:
        self.code = code
        self.fix_ord_rej_reason = fix_reason
        self.template = template

    @property
    def stage(self) -> Stage:
        return _BANDS[self.code // 100]

    @property
    def fix_cxl_rej_reason(self) -> CxlRejReason:
        """CxlRejReason for a refused cancel; OTHER for codes that only refuse orders."""
        return _CXL_REASONS.get(self, CxlRejReason.OTHER)

    def reject(self, **figures: object) -> "Reject":
        return Reject(self, self.template.format(**figures))


_CXL_REASONS = {
    ResultCode.UNKNOWN_ORDER: CxlRejReason.UNKNOWN_ORDER,
    ResultCode.TOO_LATE_TO_CANCEL: CxlRejReason.TOO_LATE_TO_CANCEL,
    ResultCode.CANCEL_LIMIT: CxlRejReason.BROKER_OPTION,
    ResultCode.UNKNOWN_ACCOUNT: CxlRejReason.BROKER_OPTION,
    ResultCode.UNKNOWN_INSTRUMENT: CxlRejReason.BROKER_OPTION,
}


@dataclass(frozen=True, slots=True)
class Reject:
    """A refusal as a value: the code for the FIX fields and the filled-in Text(58)."""

    code: ResultCode
    text: str
