from dataclasses import dataclass

import pytest

from gateway.risk.killswitch import KillLevel, KillSwitch


@dataclass
class Resting:
    name: str
    account: str
    member: str
    instrument: str
    forced: bool = False


A = Resting("a", "C1", "M1", "IF2612")
B = Resting("b", "C2", "M2", "cu2701")
C = Resting("c", "C3", "M1", "cu2701")
F = Resting("f", "C1", "M1", "cu2701", forced=True)
ALL = [A, B, C, F]


def names(orders):
    return [o.name for o in orders]


def test_nothing_halted():
    switch = KillSwitch()
    assert switch.blocking("C1", "M1", "IF2612") is None
    assert switch.orders_to_cancel(ALL) == []


def test_account_level():
    switch = KillSwitch()
    switch.halt(KillLevel.ACCOUNT, "C1")
    assert switch.blocking("C1", "M1", "IF2612") is KillLevel.ACCOUNT
    assert switch.blocking("C3", "M1", "IF2612") is None
    # the forced-liquidation order of C1 survives an account halt
    assert names(switch.orders_to_cancel(ALL)) == ["a"]
    switch.resume(KillLevel.ACCOUNT, "C1")
    assert switch.blocking("C1", "M1", "IF2612") is None


def test_member_level():
    switch = KillSwitch()
    switch.halt(KillLevel.MEMBER, "M1")
    assert switch.blocking("C3", "M1", "cu2701") is KillLevel.MEMBER
    assert switch.blocking("C3", "M1", "cu2701", forced=True) is None
    assert names(switch.orders_to_cancel(ALL)) == ["a", "c"]


def test_instrument_level_blocks_forced_too():
    switch = KillSwitch()
    switch.halt(KillLevel.INSTRUMENT, "cu2701")
    assert switch.blocking("C1", "M1", "cu2701", forced=True) is KillLevel.INSTRUMENT
    assert names(switch.orders_to_cancel(ALL)) == ["b", "c", "f"]


def test_global_level_wins_and_resumes():
    switch = KillSwitch()
    switch.halt(KillLevel.ACCOUNT, "C1")
    switch.halt(KillLevel.ALL)
    assert switch.blocking("C1", "M1", "IF2612") is KillLevel.ALL
    assert names(switch.orders_to_cancel(ALL)) == ["a", "b", "c", "f"]
    switch.resume(KillLevel.ALL)
    assert switch.blocking("C1", "M1", "IF2612") is KillLevel.ACCOUNT


def test_keys_are_required_where_meaningful():
    switch = KillSwitch()
    with pytest.raises(ValueError):
        switch.halt(KillLevel.ACCOUNT)
    with pytest.raises(ValueError):
        switch.halt(KillLevel.ALL, "C1")
