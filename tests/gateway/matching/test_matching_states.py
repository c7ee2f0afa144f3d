"""The order state machine's transition table."""

from __future__ import annotations

import pytest

from gateway.matching import EventKind, IllegalTransition, OrderStatus
from gateway.matching.states import TERMINAL, TRANSITIONS, next_status

S, K = OrderStatus, EventKind


@pytest.mark.parametrize(
    ("path", "end"),
    [
        ([K.ACCEPT, K.FILL, K.FILL, K.FILL_COMPLETE], S.FILLED),
        ([K.ACCEPT, K.REPLACE, K.FILL, K.REPLACE, K.CANCEL], S.CANCELED),
        ([K.ACCEPT, K.TRIGGER, K.FILL, K.EXPIRE], S.EXPIRED),
        ([K.REJECT], S.REJECTED),
        # the FIX layer's pending states: a fill may arrive while a cancel is pending
        ([K.ACCEPT, K.CANCEL_REQUEST, K.FILL, K.RESUME_PARTIALLY_FILLED], S.PARTIALLY_FILLED),
        ([K.ACCEPT, K.CANCEL_REQUEST, K.CANCEL], S.CANCELED),
        ([K.ACCEPT, K.REPLACE_REQUEST, K.RESUME_NEW], S.NEW),
        ([K.ACCEPT, K.REPLACE_REQUEST, K.FILL_COMPLETE], S.FILLED),
    ],
)
def test_paths_through_the_table(path, end):
    status = S.PENDING_NEW
    for kind in path:
        status = next_status(status, kind)
    assert status is end


def test_finished_orders_take_no_event():
    for status in TERMINAL:
        for kind in K:
            with pytest.raises(IllegalTransition):
                next_status(status, kind)


def test_illegal_transitions_raise():
    with pytest.raises(IllegalTransition, match="new cannot take event accept"):
        next_status(S.NEW, K.ACCEPT)
    with pytest.raises(IllegalTransition):
        next_status(S.PENDING_NEW, K.FILL)


def test_replaced_is_an_exec_type_not_a_resting_status():
    assert all(S.REPLACED not in (source, target) for (source, _), target in TRANSITIONS.items())
    assert next_status(S.NEW, K.REPLACE) is S.NEW
    assert next_status(S.PARTIALLY_FILLED, K.REPLACE) is S.PARTIALLY_FILLED
