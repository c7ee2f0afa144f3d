"""The order state machine, as one explicit transition table.

Every status change of an order goes through `next_status`, which looks the pair (current
status, event kind) up in `TRANSITIONS`; a pair that is not in the table is a programming error
in the book and raises `IllegalTransition` rather than leaving an order in a made-up state.

Where the pending states apply. The book is synchronous: each command is fully answered within
one call, so inside the book an order is PENDING_NEW only between its record being created
and the ACCEPT/REJECT decision of the same call, and never PENDING_CANCEL or PENDING_REPLACE.
Those two exist for the FIX layer, which may acknowledge a cancel or replace request (ExecType
6 / E) before the book's answer is journalled; its transitions in and out of them are in the
table too (CANCEL_REQUEST, REPLACE_REQUEST, and RESUME_* back to the status the book reports).

REPLACED is an ExecType, not a status an order stays in: a replaced order goes on as NEW or
PARTIALLY_FILLED, so REPLACED is a member of the vocabulary but appears in no transition.
"""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    PENDING_NEW = "pending_new"
    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REPLACED = "replaced"
    REJECTED = "rejected"
    EXPIRED = "expired"
    PENDING_CANCEL = "pending_cancel"
    PENDING_REPLACE = "pending_replace"


class EventKind(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    FILL = "fill"  # a fill that leaves quantity open
    FILL_COMPLETE = "fill_complete"  # a fill that leaves nothing open
    CANCEL = "cancel"
    EXPIRE = "expire"
    REPLACE = "replace"
    TRIGGER = "trigger"  # a stop order enters the book
    CANCEL_REQUEST = "cancel_request"  # FIX layer only
    REPLACE_REQUEST = "replace_request"  # FIX layer only
    RESUME_NEW = "resume_new"  # FIX layer only: the book answered, nothing filled
    RESUME_PARTIALLY_FILLED = "resume_partially_filled"  # FIX layer only


class IllegalTransition(RuntimeError):
    """A status change the table does not allow: a bug in the caller, never a client error."""


S = OrderStatus
K = EventKind

TRANSITIONS: dict[tuple[OrderStatus, EventKind], OrderStatus] = {
    (S.PENDING_NEW, K.ACCEPT): S.NEW,
    (S.PENDING_NEW, K.REJECT): S.REJECTED,
    (S.NEW, K.FILL): S.PARTIALLY_FILLED,
    (S.NEW, K.FILL_COMPLETE): S.FILLED,
    (S.NEW, K.CANCEL): S.CANCELED,
    (S.NEW, K.EXPIRE): S.EXPIRED,
    (S.NEW, K.REPLACE): S.NEW,
    (S.NEW, K.TRIGGER): S.NEW,
    (S.NEW, K.CANCEL_REQUEST): S.PENDING_CANCEL,
    (S.NEW, K.REPLACE_REQUEST): S.PENDING_REPLACE,
    (S.PARTIALLY_FILLED, K.FILL): S.PARTIALLY_FILLED,
    (S.PARTIALLY_FILLED, K.FILL_COMPLETE): S.FILLED,
    (S.PARTIALLY_FILLED, K.CANCEL): S.CANCELED,
    (S.PARTIALLY_FILLED, K.EXPIRE): S.EXPIRED,
    (S.PARTIALLY_FILLED, K.REPLACE): S.PARTIALLY_FILLED,
    (S.PARTIALLY_FILLED, K.CANCEL_REQUEST): S.PENDING_CANCEL,
    (S.PARTIALLY_FILLED, K.REPLACE_REQUEST): S.PENDING_REPLACE,
    (S.PENDING_CANCEL, K.FILL): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, K.FILL_COMPLETE): S.FILLED,
    (S.PENDING_CANCEL, K.CANCEL): S.CANCELED,
    (S.PENDING_CANCEL, K.EXPIRE): S.EXPIRED,
    (S.PENDING_CANCEL, K.RESUME_NEW): S.NEW,
    (S.PENDING_CANCEL, K.RESUME_PARTIALLY_FILLED): S.PARTIALLY_FILLED,
    (S.PENDING_REPLACE, K.FILL): S.PENDING_REPLACE,
    (S.PENDING_REPLACE, K.FILL_COMPLETE): S.FILLED,
    (S.PENDING_REPLACE, K.CANCEL): S.CANCELED,
    (S.PENDING_REPLACE, K.EXPIRE): S.EXPIRED,
    (S.PENDING_REPLACE, K.RESUME_NEW): S.NEW,
    (S.PENDING_REPLACE, K.RESUME_PARTIALLY_FILLED): S.PARTIALLY_FILLED,
}

TERMINAL: frozenset[OrderStatus] = frozenset({S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED})


def next_status(status: OrderStatus, kind: EventKind) -> OrderStatus:
    try:
        return TRANSITIONS[status, kind]
    except KeyError:
        raise IllegalTransition(f"order in status {status} cannot take event {kind}") from None
