"""A FIX session as the gateway sees it: identity, where it may connect from, what it may trade.

Built from the `fix_session` reference data (`store.load_session_profiles`) so that the
codec, the logon check and the QuickFIX settings all read one immutable value and never the
database inside a callback.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(allowed_addresses: str) -> tuple[Network, ...]:
    """The comma-separated CIDR list stored with a session (a bare address is a /32 or /128)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in allowed_addresses.split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class SessionProfile:
    name: str
    begin_string: str  # FIX.4.2 or FIX.4.4
    sender_comp_id: str  # ours
    target_comp_id: str  # the client's
    port: int
    username: str
    allowed_networks: tuple[Network, ...]
    member: str
    accounts: frozenset[str]  # entitled: may trade, cancel and query these
    default_account: str | None
    enabled: bool
    password_hash: str | None

    def __repr__(self) -> str:
        # The hash is not a secret the way a password is, but it has no business in logs.
        return f"SessionProfile({self.name!r}, {self.begin_string}, {self.sender_comp_id}->{self.target_comp_id})"
