"""The operator's kill switch: halt and resume trading for an account, a member, an
instrument, or everything.

It only answers questions: is this order blocked, and which resting orders must go. It
cancels nothing itself; the caller sends the cancels through the book so that every
cancel is an ordinary, journalled event.

Forced-liquidation orders are not blocked by an account or member halt: halting a client in
trouble must not stop the risk desk from closing its positions. An instrument halt (the
market is not trading) and a global halt (everything stops) block them too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, TypeVar


class KillLevel(StrEnum):
    ALL = "all"
    MEMBER = "member"
    ACCOUNT = "account"
    INSTRUMENT = "instrument"


class Routed(Protocol):
    """What the kill switch needs to know about a resting order."""

    @property
    def account(self) -> str: ...
    @property
    def member(self) -> str: ...
    @property
    def instrument(self) -> str: ...
    @property
    def forced(self) -> bool: ...


O = TypeVar("O", bound=Routed)


@dataclass(slots=True)
class KillSwitch:
    everything: bool = False
    members: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    instruments: set[str] = field(default_factory=set)

    def halt(self, level: KillLevel, key: str | None = None) -> None:
        self._switch(level, key, on=True)

    def resume(self, level: KillLevel, key: str | None = None) -> None:
        self._switch(level, key, on=False)

    def blocking(self, account: str, member: str, instrument: str, forced: bool = False) -> KillLevel | None:
        """The widest halt that blocks this order, or None when it may trade."""
        if self.everything:
            return KillLevel.ALL
        if not forced and member in self.members:
            return KillLevel.MEMBER
        if not forced and account in self.accounts:
            return KillLevel.ACCOUNT
        if instrument in self.instruments:
            return KillLevel.INSTRUMENT
        return None

    def orders_to_cancel(self, resting: Iterable[O]) -> list[O]:
        """The resting orders that the current halts block, in the order given."""
        return [o for o in resting if self.blocking(o.account, o.member, o.instrument, o.forced) is not None]

    def _switch(self, level: KillLevel, key: str | None, on: bool) -> None:
        if level is KillLevel.ALL:
            if key is not None:
                raise ValueError("a global halt takes no key")
            self.everything = on
            return
        if not key:
            raise ValueError(f"a {level} halt needs a key")
        target = {KillLevel.MEMBER: self.members, KillLevel.ACCOUNT: self.accounts, KillLevel.INSTRUMENT: self.instruments}[level]
        if on:
            target.add(key)
        else:
            target.discard(key)
