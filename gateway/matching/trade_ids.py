"""Deterministic trade ids, so that replaying a journal reproduces the same ids.

The book asks its caller-supplied source for each new id; this counter is the default source,
seeded by the caller (e.g. from the journal's last id) rather than from anything random.
"""

from __future__ import annotations


class TradeIdCounter:
    __slots__ = ("prefix", "next_number")

    def __init__(self, start: int = 1, prefix: str = "") -> None:
        self.prefix = prefix
        self.next_number = start

    def __call__(self) -> str:
        number = self.next_number
        self.next_number = number + 1
        return f"{self.prefix}{number}"
