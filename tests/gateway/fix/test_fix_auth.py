"""Logon security: salted scrypt hashes, CIDR checks, and throttling with the time passed in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from fix_support import profile
from gateway.fix.auth import (
    FailureThrottle, LogonRefusal, address_allowed, check_logon, hash_password, password_problem, verify_password,
)
from gateway.fix.profiles import parse_networks

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
FAST = dict(n=2**10, r=8, p=1)  # cheap parameters: the scheme is the same


def test_hash_is_self_describing_salted_and_verifies():
    first = hash_password("correct horse battery", **FAST)
    second = hash_password("correct horse battery", **FAST)
    scheme, n, r, p, salt, key = first.split("$")
    assert (scheme, n, r, p) == ("scrypt", "1024", "8", "1")
    assert first != second  # a fresh salt each time
    assert "correct horse" not in first
    assert verify_password("correct horse battery", first) and verify_password("correct horse battery", second)
    assert not verify_password("correct horse batterx", first)


def test_default_parameters_are_the_documented_ones():
    assert hash_password("x" * 12).split("$")[1:4] == ["16384", "8", "1"]


@pytest.mark.parametrize("stored", [None, "", "plain", "scrypt$3$8$1$AAAA$AAAA", "scrypt$1024$8$1$!!$AAAA", "bcrypt$1$2$3$4$5"])
def test_missing_or_malformed_hashes_never_verify(stored):
    assert not verify_password("anything", stored)


def test_password_rules():
    assert password_problem("short") == "a password needs at least 12 characters"
    assert password_problem(" leading-space-pass") == "a password may not start or end with white space"
    assert password_problem("tab\tinside-password") == "a password may not contain control characters"
    assert password_problem("a perfectly fine passphrase") is None


def test_addresses_against_cidr_blocks():
    networks = parse_networks("127.0.0.1/32, 10.1.0.0/16,::1/128")
    assert address_allowed("127.0.0.1", networks)
    assert address_allowed("10.1.200.7", networks)
    assert address_allowed("::ffff:10.1.0.9", networks)  # IPv4-mapped, as a dual-stack socket reports it
    assert address_allowed("::1", networks)
    assert not address_allowed("10.2.0.1", networks)
    assert not address_allowed("not-an-address", networks)


def session(**changes):
    return profile(password_hash=hash_password("the right password", **FAST), **changes)


def logon(target, throttle, *, password="the right password", username="blp-emsx-1", address="127.0.0.1", now=T0):
    return check_logon(target, username=username, password=password, address=address, now=now, throttle=throttle)


def test_accepts_right_credentials_from_an_allowed_address():
    decision = logon(session(), FailureThrottle())
    assert decision.accepted and decision.client_text == ""


@pytest.mark.parametrize(
    "target, kwargs, refusal, text",
    [
        (None, {}, LogonRefusal.UNKNOWN_SESSION, "Logon refused"),
        ("disabled", {}, LogonRefusal.DISABLED, "Session disabled"),
        ("ok", {"address": "192.168.1.1"}, LogonRefusal.ADDRESS_NOT_ALLOWED, "Logon refused"),
        ("nopassword", {}, LogonRefusal.NO_PASSWORD_SET, "Logon refused"),
        ("ok", {"password": "the wrong password"}, LogonRefusal.BAD_CREDENTIALS, "Invalid username or password"),
        ("ok", {"username": "someone-else"}, LogonRefusal.BAD_CREDENTIALS, "Invalid username or password"),
        ("ok", {"password": None}, LogonRefusal.BAD_CREDENTIALS, "Invalid username or password"),
    ],
)
def test_refusals(target, kwargs, refusal, text):
    profiles = {None: None, "ok": session(), "disabled": session(enabled=False), "nopassword": profile()}
    decision = logon(profiles[target], FailureThrottle(), **kwargs)
    assert decision.refusal is refusal and decision.client_text == text
    assert "password" not in decision.client_text.replace("username or password", "")


def test_five_failures_in_five_minutes_lock_the_comp_id_and_the_address_for_fifteen():
    throttle = FailureThrottle()
    target = session()
    for minute in range(5):
        assert logon(target, throttle, password="wrong", now=T0 + timedelta(minutes=minute)).refusal is LogonRefusal.BAD_CREDENTIALS
    # Locked: even the right password is refused, from any address for this CompID...
    locked = logon(target, throttle, now=T0 + timedelta(minutes=5), address="10.1.0.5")
    assert locked.refusal is LogonRefusal.LOCKED and locked.client_text == "Too many failed logons, try later"
    # ...and for any session from the address that failed. Lock ends 15 minutes after the 5th failure (T0+4).
    assert logon(None, throttle, now=T0 + timedelta(minutes=18)).refusal is LogonRefusal.LOCKED
    assert logon(target, throttle, now=T0 + timedelta(minutes=19)).accepted


def test_failures_spread_beyond_the_window_do_not_lock():
    throttle = FailureThrottle()
    target = session()
    for step in range(10):  # one failure every 2 minutes: at most 3 inside any 5-minute window
        logon(target, throttle, password="wrong", now=T0 + timedelta(minutes=2 * step))
    assert logon(target, throttle, now=T0 + timedelta(minutes=21)).accepted


def test_a_success_clears_the_count_and_forget_drops_old_state():
    throttle = FailureThrottle(max_failures=2)
    target = session()
    logon(target, throttle, password="wrong")
    assert logon(target, throttle, now=T0 + timedelta(seconds=1)).accepted
    assert logon(target, throttle, password="wrong", now=T0 + timedelta(seconds=2)).refusal is LogonRefusal.BAD_CREDENTIALS
    throttle.forget_before(T0 + timedelta(hours=1))
    assert throttle._failures == {} and throttle._locked_until == {}
