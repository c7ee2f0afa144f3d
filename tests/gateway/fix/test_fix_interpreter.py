"""The interpreter settings the gateway serves under: set by `Serving.begin`, given back by `end`.

While serving, the young generations are collected and the oldest never is, however much
long-lived state piles up; a garbage cycle that died old is freed when serving ends."""

from __future__ import annotations

import gc
import sys
import weakref

from gateway.fix.interpreter import NO_FULL_COLLECTION, SWITCH_INTERVAL_SECONDS, Serving


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_begin_sets_and_end_gives_back():
    interval, thresholds = sys.getswitchinterval(), gc.get_threshold()
    serving = Serving.begin()
    try:
        assert sys.getswitchinterval() == SWITCH_INTERVAL_SECONDS
        assert gc.get_threshold() == (thresholds[0], thresholds[1], NO_FULL_COLLECTION)
        assert gc.get_freeze_count() > 0  # what was loaded is out of the collector's way
    finally:
        serving.end()
    assert sys.getswitchinterval() == interval
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0


def test_only_young_generations_are_collected_while_serving():
    collected: list[int] = []

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            collected.append(info["generation"])

    serving = Serving.begin()
    gc.callbacks.append(record)
    try:
        a, b = Node(), Node()
        a.other, b.other = b, a
        dead_old = weakref.ref(a)
        gc.collect(1)  # the cycle, alive, moves to the oldest generation ...
        del a, b  # ... and dies there
        kept = [[n] for n in range(300_000)]  # long-lived state: ~430 young collections' worth
        assert collected.count(0) > 100 and 1 in collected
        assert 2 not in collected
        assert dead_old() is not None  # an old cycle waits ...
    finally:
        gc.callbacks.remove(record)
        serving.end()
    assert dead_old() is None  # ... for the end
    assert len(kept) == 300_000
