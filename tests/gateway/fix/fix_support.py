"""Shared pieces for the FIX tests (imported by name: conftest.py is not importable): the sample venue's contracts, two session profiles, and
real QuickFIX parsing of hand-written messages through our customised dictionaries.

Contracts (as in config/venue.toml, plus an expired IF2512 and a 2036 IF to exercise the
year digit): IF2512 expired 2025-12-19, IF2612 expires 2026-12-18, IF3612 in 2036,
cu2701 (Bloomberg CU, ISIN and FIGI set), ag2702 (Bloomberg root SAI differs from `ag`).
"""

from __future__ import annotations

from datetime import date, time

import quickfix as fix

from backoffice.domain.calendar import TradingCalendar
from gateway.fix.dictionaries import dictionary_path
from gateway.fix.profiles import SessionProfile, parse_networks
from gateway.fix.symbology import InstrumentRecord

TRADING_DAY = date(2026, 12, 1)
SOH = "\x01"

RECORDS = [
    InstrumentRecord("IF2512", "CFFEX", "IF", date(2025, 12, 19), "IF", "Index"),
    InstrumentRecord("IF2612", "CFFEX", "IF", date(2026, 12, 18), "IF", "Index"),
    InstrumentRecord("IF3612", "CFFEX", "IF", date(2036, 12, 19), "IF", "Index"),
    InstrumentRecord("IF2701", "CFFEX", "IF", date(2027, 1, 15), "IF", "Index"),
    InstrumentRecord("cu2701", "SHFE", "cu", date(2027, 1, 15), "CU", "Comdty", "CNE100000XX1", "BBG00CU27010"),
    InstrumentRecord("ag2702", "SHFE", "ag", date(2027, 2, 15), "SAI", "Comdty"),
]

CALENDAR = TradingCalendar(timezone="Asia/Shanghai", holidays=frozenset(), rollover=time(18, 0))


def profile(begin_string: str = "FIX.4.2", **changes: object) -> SessionProfile:
    values: dict[str, object] = dict(
        name="EMSX42" if begin_string == "FIX.4.2" else "TOMS44",
        begin_string=begin_string,
        sender_comp_id="FIXBROKER",
        target_comp_id="BLPEMSX1",
        port=9878,
        username="blp-emsx-1",
        allowed_networks=parse_networks("127.0.0.1/32,10.1.0.0/16"),
        member="0001",
        accounts=frozenset({"C000101", "C000102"}),
        default_account="C000101",
        enabled=True,
        password_hash=None,
    )
    values.update(changes)
    return SessionProfile(**values)  # type: ignore[arg-type]


def dictionary(begin_string: str) -> fix.DataDictionary:
    """Our dictionary, configured as the acceptor settings configure the session."""
    dd = fix.DataDictionary(str(dictionary_path(begin_string)))
    dd.checkUserDefinedFields(False)  # ValidateUserDefinedFields=N
    dd.allowUnknownMsgFields(True)  # AllowUnknownMsgFields=Y
    return dd


def raw_message(
    begin_string: str, msg_type: str, body: list[tuple[int, str]], header: list[tuple[int, str]] | None = None,
    seq: int = 2, sending_time: str = "20261201-01:30:00.000",
) -> str:
    """A complete tag=value message with correct BodyLength(9) and CheckSum(10)."""
    head = [(35, msg_type), (34, str(seq)), (49, "BLPEMSX1"), (52, sending_time), (56, "FIXBROKER"), *(header or [])]
    content = "".join(f"{tag}={value}{SOH}" for tag, value in head + body)
    start = f"8={begin_string}{SOH}9={len(content)}{SOH}"
    checksum = sum((start + content).encode("latin-1")) % 256
    return f"{start}{content}10={checksum:03d}{SOH}"


def parse(begin_string: str, msg_type: str, body: list[tuple[int, str]], header: list[tuple[int, str]] | None = None) -> fix.Message:
    """Parse and validate as a QuickFIX session would (raises on what QuickFIX would reject)."""
    dd = dictionary(begin_string)
    message = fix.Message(raw_message(begin_string, msg_type, body, header), dd, True)
    dd.validate(message)
    return message


def fields_of(message: fix.Message) -> dict[int, str]:
    """Every tag of a message (first occurrence), header included."""
    return {int(tag): value for tag, _, value in (part.partition("=") for part in message.toString().split(SOH) if part)}
