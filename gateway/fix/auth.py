"""Logon security: salted password hashes, source-address checks, throttling of failures.

Why scrypt from the standard library: it is memory-hard, needs no extra dependency, and its
parameters travel with the hash ("scrypt$n$r$p$salt$hash", salt and hash in base64), so they
can be raised later without invalidating stored hashes. Verification compares in constant
time, and a session with no password set still costs one hash so that timing does not tell
an attacker which sessions exist.

Throttling is a pure state machine with the time passed in: after `max_failures` failed
logons within `window`, the CompID and the source address are each locked for `lockout`.
Nothing here ever puts a password in a message; refusal texts name the reason only, and the
text sent to the client does not say which credential was wrong.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import secrets
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from .profiles import Network, SessionProfile

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1  # 16 MiB and ~50 ms per hash on a current server core
SALT_BYTES = 16
KEY_BYTES = 32
MIN_PASSWORD_LENGTH = 12
_MAX_MEMORY = 256 * 1024 * 1024


def hash_password(password: str, *, n: int = N, r: int = R, p: int = P, salt: bytes | None = None) -> str:
    """A self-describing salted hash; a fresh random salt unless one is given (tests)."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES, maxmem=_MAX_MEMORY)
    return "$".join((SCHEME, str(n), str(r), str(p), _b64(salt), _b64(key)))


def verify_password(password: str, stored: str | None) -> bool:
    """Whether `password` matches `stored`; False for a missing or malformed hash."""
    parsed = _parse(stored) if stored else None
    if parsed is None:
        hash_password(password)  # same cost as a real check
        return False
    n, r, p, salt, expected = parsed
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=len(expected), maxmem=_MAX_MEMORY)
    return hmac.compare_digest(key, expected)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    if password.strip() != password:
        return "a password may not start or end with white space"
    if any(ord(c) < 32 or c == "\x7f" for c in password):
        return "a password may not contain control characters"
    return None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME or not all(x.isdigit() for x in parts[1:4]):
        return None
    n, r, p = (int(x) for x in parts[1:4])
    if n < 2 or n & (n - 1) or not (1 <= r <= 64 and 1 <= p <= 16):
        return None
    try:
        salt = base64.b64decode(parts[4], validate=True)
        key = base64.b64decode(parts[5], validate=True)
    except (binascii.Error, ValueError):
        return None
    return (n, r, p, salt, key) if salt and key else None


def address_allowed(address: str, networks: Iterable[Network]) -> bool:
    """Whether a peer address (as the socket reports it) lies in one of the CIDR blocks."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == network.version and ip in network for network in networks)


@dataclass
class FailureThrottle:
    """Failed logons per key (CompID, address); a key is locked after too many."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=5)
    lockout: timedelta = timedelta(minutes=15)
    _failures: dict[str, deque[datetime]] = field(default_factory=dict)
    _locked_until: dict[str, datetime] = field(default_factory=dict)

    def locked_until(self, key: str, now: datetime) -> datetime | None:
        until = self._locked_until.get(key)
        if until is not None and until <= now:
            del self._locked_until[key]
            return None
        return until

    def record_failure(self, key: str, now: datetime) -> None:
        recent = self._failures.setdefault(key, deque())
        recent.append(now)
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) >= self.max_failures:
            self._locked_until[key] = now + self.lockout
            recent.clear()

    def record_success(self, key: str) -> None:
        self._failures.pop(key, None)

    def forget_before(self, now: datetime) -> None:
        """Drop expired history so that the state does not grow without bound."""
        for key in [k for k, times in self._failures.items() if not times or times[-1] <= now - self.window]:
            del self._failures[key]
        for key in [k for k, until in self._locked_until.items() if until <= now]:
            del self._locked_until[key]


class LogonRefusal(StrEnum):
    UNKNOWN_SESSION = "unknown session"
    DISABLED = "session disabled"
    ADDRESS_NOT_ALLOWED = "source address not allowed"
    LOCKED = "too many failed logons: locked"
    NO_PASSWORD_SET = "no password set for the session"
    BAD_CREDENTIALS = "wrong username or password"


# What the client is told: enough to act on, not enough to probe with.
CLIENT_TEXT = {
    LogonRefusal.UNKNOWN_SESSION: "Logon refused",
    LogonRefusal.DISABLED: "Session disabled",
    LogonRefusal.ADDRESS_NOT_ALLOWED: "Logon refused",
    LogonRefusal.LOCKED: "Too many failed logons, try later",
    LogonRefusal.NO_PASSWORD_SET: "Logon refused",
    LogonRefusal.BAD_CREDENTIALS: "Invalid username or password",
}


@dataclass(frozen=True, slots=True)
class LogonDecision:
    refusal: LogonRefusal | None  # None: accepted

    @property
    def accepted(self) -> bool:
        return self.refusal is None

    @property
    def client_text(self) -> str:
        """Text for RejectLogon / the Logout; never mentions the password sent."""
        return "" if self.refusal is None else CLIENT_TEXT[self.refusal]


ACCEPTED = LogonDecision(None)


def check_logon(
    profile: SessionProfile | None,
    *,
    username: str | None,
    password: str | None,
    address: str,
    now: datetime,
    throttle: FailureThrottle,
) -> LogonDecision:
    """Decide a Logon (35=A). Failures are counted against the CompID and the address."""
    keys = [f"addr:{address}"] + ([f"comp:{profile.target_comp_id}"] if profile else [])
    if any(throttle.locked_until(key, now) for key in keys):
        return LogonDecision(LogonRefusal.LOCKED)
    refusal = _refusal(profile, username, password, address)
    if refusal is None:
        for key in keys:
            throttle.record_success(key)
        return ACCEPTED
    if refusal is not LogonRefusal.DISABLED:
        for key in keys:
            throttle.record_failure(key, now)
    return LogonDecision(refusal)


def _refusal(profile: SessionProfile | None, username: str | None, password: str | None, address: str) -> LogonRefusal | None:
    if profile is None:
        return LogonRefusal.UNKNOWN_SESSION
    if not profile.enabled:
        return LogonRefusal.DISABLED
    if not address_allowed(address, profile.allowed_networks):
        return LogonRefusal.ADDRESS_NOT_ALLOWED
    if profile.password_hash is None:
        return LogonRefusal.NO_PASSWORD_SET
    # Always hash, so a wrong username costs the same time as a wrong password.
    password_ok = verify_password(password or "", profile.password_hash)
    if not (password_ok and username is not None and hmac.compare_digest(username.encode(), profile.username.encode())):
        return LogonRefusal.BAD_CREDENTIALS
    return None
