"""Bloomberg tickers, exchange symbols, ISIN, FIGI and Symbol+MaturityMonthYear resolve to
our contract codes; every failure is a short reason."""

from __future__ import annotations

from datetime import date

import pytest

from fix_support import TRADING_DAY
from gateway.fix.symbology import InstrumentQuery, InstrumentRecord, Symbology, SymbologyError


def code(found):
    assert isinstance(found, InstrumentRecord), found
    return found.code


@pytest.mark.parametrize(
    "ticker, expected",
    [
        ("IFZ6 Index", "IF2612"),
        ("IFF7 Index", "IF2701"),
        ("CUF7 Comdty", "cu2701"),
        ("SAIG7 Comdty", "ag2702"),  # Bloomberg root differs from the exchange's `ag`
        ("IFZ36 Index", "IF3612"),  # two year digits pick the decade
        ("IFZ6 INDEX", "IF2612"),  # yellow key case does not matter
    ],
)
def test_bloomberg_tickers(symbology, ticker, expected):
    assert code(symbology.by_bloomberg_ticker(ticker, TRADING_DAY)) == expected


def test_one_year_digit_takes_the_nearest_contract_not_expired(symbology):
    # IFZ6 could be IF2612 or IF3612 (and IF1612 if listed): on 2026-12-01 IF2612 is nearest.
    assert code(symbology.by_bloomberg_ticker("IFZ6 Index", date(2026, 12, 18))) == "IF2612"
    # The day after IF2612 expires, IFZ6 means the 2036 contract.
    assert code(symbology.by_bloomberg_ticker("IFZ6 Index", date(2026, 12, 21))) == "IF3612"
    # IFZ5 names only the expired IF2512.
    assert symbology.by_bloomberg_ticker("IFZ5 Index", TRADING_DAY) == SymbologyError("IFZ5 Index has expired")


@pytest.mark.parametrize(
    "ticker, reason",
    [
        ("IFH7 Index", "Unknown ticker IFH7 Index"),  # no March 2027 listed
        ("IFZ6 Comdty", "Unknown ticker IFZ6 Comdty"),  # wrong yellow key
        ("IF Index", "Bad Bloomberg ticker IF Index"),
        ("IFZ6", "Bad Bloomberg ticker IFZ6"),
        ("XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "Bad Bloomberg ticker XXXXXXXXXXXXXXX~"),
    ],
)
def test_bad_tickers_give_short_reasons(symbology, ticker, reason):
    found = symbology.by_bloomberg_ticker(ticker, TRADING_DAY)
    assert found == SymbologyError(reason)
    assert len(reason) <= 44


def test_security_id_sources(symbology):
    day = TRADING_DAY
    assert code(symbology.by_security_id("IF2612", "8", day)) == "IF2612"
    assert code(symbology.by_security_id("CU2701", "8", day)) == "cu2701"  # unique ignoring case
    assert code(symbology.by_security_id("CNE100000XX1", "4", day)) == "cu2701"
    assert code(symbology.by_security_id("BBG00CU27010", "S", day)) == "cu2701"
    assert code(symbology.by_security_id("bbg00cu27010", "112", day)) == "cu2701"
    assert symbology.by_security_id("CNE000000000", "4", day) == SymbologyError("Unknown ISIN CNE000000000")
    assert symbology.by_security_id("BBG000000000", "S", day) == SymbologyError("Unknown FIGI BBG000000000")
    assert symbology.by_security_id("037833100", "1", day) == SymbologyError("SecurityIDSource(22) 1 not supported")


def test_resolve_prefers_security_id_and_needs_its_source(symbology):
    query = InstrumentQuery(symbol="ignored", security_id="IFZ6 Index", security_id_source="A")
    assert code(symbology.resolve(query, TRADING_DAY)) == "IF2612"
    assert symbology.resolve(InstrumentQuery(security_id="IF2612"), TRADING_DAY) == SymbologyError(
        "SecurityID(48) needs SecurityIDSource(22)"
    )
    assert symbology.resolve(InstrumentQuery(), TRADING_DAY) == SymbologyError("Symbol(55) or SecurityID(48) required")


@pytest.mark.parametrize(
    "query, expected",
    [
        (InstrumentQuery(symbol="IF", security_type="FUT", maturity_month_year="202612", security_exchange="CFFEX"), "IF2612"),
        (InstrumentQuery(symbol="IF", maturity_month_year="202612", security_exchange="CCFX"), "IF2612"),  # MIC
        (InstrumentQuery(symbol="cu", maturity_month_year="202701", security_exchange="XSGE"), "cu2701"),
        (InstrumentQuery(symbol="CU", maturity_month_year="20270115"), "cu2701"),  # day given, exchange omitted
        (InstrumentQuery(symbol="IF2612"), "IF2612"),  # the contract code as Symbol
    ],
)
def test_symbol_and_maturity(symbology, query, expected):
    assert code(symbology.resolve(query, TRADING_DAY)) == expected


@pytest.mark.parametrize(
    "query, reason",
    [
        (InstrumentQuery(symbol="IF", security_type="OPT", maturity_month_year="202612"), "SecurityType OPT not supported"),
        (InstrumentQuery(symbol="IF", maturity_month_year="2026-12"), "Bad MaturityMonthYear 2026-12"),
        (InstrumentQuery(symbol="IF", maturity_month_year="202612", security_exchange="XNYS"), "Unknown exchange XNYS"),
        (InstrumentQuery(symbol="IF", maturity_month_year="202603"), "Unknown contract IF 202603"),
        (InstrumentQuery(symbol="IF"), "Unknown contract IF: send 200"),
    ],
)
def test_symbol_failures(symbology, query, reason):
    assert symbology.resolve(query, TRADING_DAY) == SymbologyError(reason)


def test_same_product_code_on_two_exchanges_needs_the_exchange():
    table = Symbology.build([
        InstrumentRecord("au2702", "SHFE", "au", date(2027, 2, 15)),
        InstrumentRecord("AU2702", "OTHER", "AU", date(2027, 2, 20)),
    ])
    ambiguous = InstrumentQuery(symbol="Au", maturity_month_year="202702")
    assert table.resolve(ambiguous, TRADING_DAY) == SymbologyError("Au 202702: send 207")
    assert code(table.resolve(InstrumentQuery(symbol="au", maturity_month_year="202702"), TRADING_DAY)) == "au2702"
    assert code(table.resolve(InstrumentQuery(symbol="Au", maturity_month_year="202702", security_exchange="OTHER"), TRADING_DAY)) == "AU2702"
    assert table.by_exchange_symbol("aU2702") == SymbologyError("Unknown contract aU2702")  # ambiguous ignoring case


def test_czce_style_three_digit_codes_take_the_decade_from_the_expiry():
    record = InstrumentRecord("SR701", "CZCE", "SR", date(2027, 1, 14))
    assert record.contract_month == (2027, 1)
