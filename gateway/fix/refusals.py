"""Why the FIX codec refuses a message before it reaches risk: the 4xx band of result codes.

Risk's `ResultCode` holds 1xx validation, 2xx risk and 3xx matching; these are the reasons
found while decoding the message itself (fields, enumerations, entitlements, symbology),
with the same shape: a code, the FIX OrdRejReason (103) and CxlRejReason (102) it maps to,
and a Text(58) template short enough for Bloomberg's ~44 characters. Next to them, the one
table that maps the matching stage's reject reasons to FIX (`MATCHING_REASONS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from gateway.matching.events import RejectReason
from gateway.risk.codes import CxlRejReason, OrdRejReason

_R = OrdRejReason
_C = CxlRejReason


class DecodeReason(Enum):
    """(code, OrdRejReason, CxlRejReason, Text(58) template)."""

    MISSING_FIELD = (401, _R.OTHER, _C.OTHER, "{name}({tag}) required")
    BAD_VALUE = (402, _R.OTHER, _C.OTHER, "{name}({tag}) {value} invalid")
    FIELD_TOO_LONG = (403, _R.OTHER, _C.OTHER, "{name}({tag}) over {limit} chars")
    UNSUPPORTED_SIDE = (404, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER, "Side(54) {value} not supported")
    UNSUPPORTED_ORD_TYPE = (405, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER, "OrdType(40) {value} not supported")
    UNSUPPORTED_TIME_IN_FORCE = (406, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER, "TimeInForce(59) {value} not supported")
    EXPIRY_NEEDS_GTD = (407, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER, "Expire date/time only with GTD (59=6)")
    GTD_NEEDS_EXPIRY = (408, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER, "GTD needs ExpireDate(432) or 126")
    POSITION_EFFECT_REQUIRED = (409, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER, "PositionEffect(77) O or C required")
    UNSUPPORTED_POSITION_EFFECT = (410, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER, "PositionEffect(77) {value} unsupported")
    CLOSE_DETAIL_NEEDS_CLOSE = (411, _R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER, "Tag {tag} needs PositionEffect(77)=C")
    UNKNOWN_INSTRUMENT = (412, _R.UNKNOWN_SYMBOL, _C.OTHER, "{reason}")
    ACCOUNT_REQUIRED = (413, _R.BROKER_OPTION, _C.BROKER_OPTION, "Account(1) required: no default")
    ACCOUNT_NOT_ENTITLED = (414, _R.BROKER_OPTION, _C.BROKER_OPTION, "Account {account} not entitled")
    SAME_CL_ORD_ID = (415, _R.DUPLICATE_ORDER, _C.OTHER, "ClOrdID(11) equals OrigClOrdID(41)")
    UNSUPPORTED_MESSAGE = (416, _R.OTHER, _C.OTHER, "MsgType {value} not supported")
    GARBLED = (417, _R.OTHER, _C.OTHER, "Message could not be parsed")
    NOT_ACCEPTING = (418, _R.EXCHANGE_CLOSED, _C.BROKER_OPTION, "Gateway not accepting orders now")
    INTERNAL_ERROR = (419, _R.OTHER, _C.OTHER, "Internal error: request not processed")
    REPLACE_CHANGES_ORDER = (420, _R.OTHER, _C.OTHER, "Replace must keep {what}")

    def __init__(self, code: int, ord_rej_reason: OrdRejReason, cxl_rej_reason: CxlRejReason, template: str) -> None:
        self.code = code
        self.fix_ord_rej_reason = ord_rej_reason
        self.fix_cxl_rej_reason = cxl_rej_reason
        self.template = template

    def refuse(self, **figures: object) -> "Refusal":
        return Refusal(self, self.template.format(**figures))


@dataclass(frozen=True, slots=True)
class Refusal:
    """A decoded message refused: the reason and the filled-in Text(58)."""

    reason: DecodeReason
    text: str


# The matching stage's reject reasons (gateway/matching/events.RejectReason) in FIX terms: the
# one table the gateway reads for a book's Rejected, CancelRejected and ReplaceRejected.
# Risk's and the core's codes carry their FIX reasons themselves (gateway/risk/codes.py).
_MR = RejectReason
MATCHING_REASONS: dict[RejectReason, tuple[OrdRejReason, CxlRejReason]] = {
    _MR.DUPLICATE_ORDER_ID: (_R.DUPLICATE_ORDER, _C.OTHER),
    _MR.UNKNOWN_ORDER: (_R.UNKNOWN_ORDER, _C.UNKNOWN_ORDER),
    _MR.MARKET_CLOSED: (_R.EXCHANGE_CLOSED, _C.BROKER_OPTION),
    _MR.TRADING_BREAK: (_R.EXCHANGE_CLOSED, _C.BROKER_OPTION),
    _MR.AUCTION_LIMIT_ONLY: (_R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER),
    _MR.INVALID_QUANTITY: (_R.OTHER, _C.OTHER),
    _MR.QTY_NOT_ABOVE_FILLED: (_R.OTHER, _C.OTHER),
    _MR.MISSING_PRICE: (_R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER),
    _MR.UNEXPECTED_PRICE: (_R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER),
    _MR.MISSING_STOP_PRICE: (_R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER),
    _MR.UNEXPECTED_STOP_PRICE: (_R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER),
    _MR.PRICE_OUTSIDE_LIMITS: (_R.ORDER_EXCEEDS_LIMIT, _C.OTHER),
    _MR.STOP_PRICE_OUTSIDE_LIMITS: (_R.ORDER_EXCEEDS_LIMIT, _C.OTHER),
    _MR.MISSING_EXPIRE_DATE: (_R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER),
    _MR.UNEXPECTED_EXPIRE_DATE: (_R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER),
    _MR.EXPIRE_DATE_PASSED: (_R.UNSUPPORTED_ORDER_CHARACTERISTIC, _C.OTHER),
}
