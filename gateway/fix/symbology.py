"""Which listed contract a client means: Bloomberg tickers, exchange symbols, ISIN, FIGI, or
Symbol + MaturityMonthYear + SecurityExchange, all resolved to our contract code (IF2612, cu2701).

Why a table built from plain records: resolution runs for every order inside a QuickFIX
callback, so it must be a dictionary lookup with no database access and no exception; the
table is rebuilt from the reference data when it changes (`symbology_store.load_symbology`).

A Bloomberg futures ticker is root + month code + year digit(s) + yellow key ("IFZ6 Index",
"CUF7 Comdty"); the Bloomberg root may differ from the exchange's product code (SHFE silver
`ag` is `SAI`). One year digit names a decade's worth of contracts, so the ticker resolves to
the listed contract of that month whose expiry is nearest on or after the trading day.
Every failure is a `SymbologyError` whose reason fits Text(58) (Bloomberg shows ~44 chars).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from .tags import FIGI_PRIVATE_SOURCE, SOURCE_BLOOMBERG, SOURCE_EXCHANGE_SYMBOL, SOURCE_FIGI, SOURCE_ISIN

MONTH_CODES = "FGHJKMNQUVXZ"  # January .. December

# ISO 10383 market identifier codes, accepted in SecurityExchange(207) beside our own codes.
EXCHANGE_MICS = {"CCFX": "CFFEX", "XSGE": "SHFE", "XINE": "INE", "XDCE": "DCE", "XZCE": "CZCE", "GFEX": "GFEX"}

FUTURE = "FUT"

_TICKER = re.compile(r"(?P<root>[A-Z0-9 ]+?)(?P<month>[FGHJKMNQUVXZ])(?P<year>[0-9]{1,2}) +(?P<key>[A-Za-z]+)")
_CODE_MONTH = re.compile(r"([0-9]{3,4})$")
_MATURITY = re.compile(r"([0-9]{4})(0[1-9]|1[0-2])(?:[0-9]{2}|w[1-5])?")
_ECHO_LIMIT = 16  # characters of a client's input repeated in a reason
RESOLVED_LIMIT = 10_000  # resolutions remembered (the rest are resolved every time)


@dataclass(frozen=True, slots=True)
class InstrumentRecord:
    """What symbology needs to know about one listed contract."""

    code: str  # our contract code, e.g. IF2612
    exchange: str  # our exchange code, e.g. CFFEX
    product: str  # the exchange's product code, e.g. IF
    expiry_date: date  # last trading day
    bloomberg_root: str | None = None
    bloomberg_yellow_key: str | None = None
    isin: str | None = None
    figi: str | None = None

    @property
    def contract_month(self) -> tuple[int, int]:
        """(year, month) from the code's digits: YYMM (IF2612), or YMM (CZCE style, SR701)."""
        digits = _CODE_MONTH.search(self.code)
        if digits is None:
            raise ValueError(f"contract code {self.code!r} does not end in a year and month")
        text = digits.group(1)
        month = int(text[-2:])
        if len(text) == 4:
            return 2000 + int(text[:2]), month
        # One year digit: the decade that puts the contract month no more than a year before
        # its expiry (a contract expires in or shortly before its month).
        year = self.expiry_date.year - (self.expiry_date.year - int(text[0])) % 10
        return year, month


@dataclass(frozen=True, slots=True)
class SymbologyError:
    """A failed resolution: `reason` is the Text(58) of the reject."""

    reason: str


Resolution = InstrumentRecord | SymbologyError


@dataclass(frozen=True, slots=True)
class InstrumentQuery:
    """The instrument fields of an order message, as sent (None where absent)."""

    symbol: str | None = None  # 55
    security_id: str | None = None  # 48
    security_id_source: str | None = None  # 22
    security_type: str | None = None  # 167
    maturity_month_year: str | None = None  # 200
    security_exchange: str | None = None  # 207


def _clip(text: str) -> str:
    return text if len(text) <= _ECHO_LIMIT else text[: _ECHO_LIMIT - 1] + "~"


@dataclass(frozen=True)
class Symbology:
    """Lookup tables over the listed contracts; build it with `Symbology.build`."""

    by_code: dict[str, InstrumentRecord]
    by_code_folded: dict[str, tuple[InstrumentRecord, ...]]
    by_isin: dict[str, InstrumentRecord]
    by_figi: dict[str, InstrumentRecord]
    # (bloomberg root, yellow key lower-case, month) -> contracts, any year
    by_ticker: dict[tuple[str, str, int], tuple[InstrumentRecord, ...]]
    # (product code folded, year, month) -> contracts on any exchange
    by_product_month: dict[tuple[str, int, int], tuple[InstrumentRecord, ...]]
    exchanges: frozenset[str] = field(default_factory=frozenset)
    # (query, trading day) -> what `resolve` found: a session's orders name the same few contracts
    # the same way all day, and a ticker takes a regular expression and a scan of its decade.
    _resolved: dict[tuple[InstrumentQuery, date], Resolution] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, records: Iterable[InstrumentRecord]) -> "Symbology":
        by_code: dict[str, InstrumentRecord] = {}
        folded: dict[str, list[InstrumentRecord]] = {}
        by_isin: dict[str, InstrumentRecord] = {}
        by_figi: dict[str, InstrumentRecord] = {}
        tickers: dict[tuple[str, str, int], list[InstrumentRecord]] = {}
        product_months: dict[tuple[str, int, int], list[InstrumentRecord]] = {}
        for record in records:
            by_code[record.code] = record
            folded.setdefault(record.code.upper(), []).append(record)
            if record.isin:
                by_isin[record.isin.upper()] = record
            if record.figi:
                by_figi[record.figi.upper()] = record
            year, month = record.contract_month
            if record.bloomberg_root and record.bloomberg_yellow_key:
                key = (record.bloomberg_root.strip().upper(), record.bloomberg_yellow_key.lower(), month)
                tickers.setdefault(key, []).append(record)
            product_months.setdefault((record.product.upper(), year, month), []).append(record)
        return cls(
            by_code,
            {k: tuple(v) for k, v in folded.items()},
            by_isin,
            by_figi,
            {k: tuple(v) for k, v in tickers.items()},
            {k: tuple(v) for k, v in product_months.items()},
            frozenset(r.exchange for r in by_code.values()),
        )

    def resolve(self, query: InstrumentQuery, trading_day: date) -> Resolution:
        """The contract an order names: by SecurityID when one is sent, else by Symbol."""
        key = (query, trading_day)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolve(query, trading_day)
            if len(self._resolved) < RESOLVED_LIMIT:  # whatever clients send, the table stays small
                self._resolved[key] = found
        return found

    def _resolve(self, query: InstrumentQuery, trading_day: date) -> Resolution:
        if query.security_id is not None:
            if query.security_id_source is None:
                return SymbologyError("SecurityID(48) needs SecurityIDSource(22)")
            return self.by_security_id(query.security_id, query.security_id_source, trading_day)
        if query.symbol is None:
            return SymbologyError("Symbol(55) or SecurityID(48) required")
        return self.by_symbol(query, trading_day)

    def by_security_id(self, security_id: str, source: str, trading_day: date) -> Resolution:
        if source == SOURCE_BLOOMBERG:
            return self.by_bloomberg_ticker(security_id, trading_day)
        if source == SOURCE_EXCHANGE_SYMBOL:
            return self.by_exchange_symbol(security_id)
        if source == SOURCE_ISIN:
            found = self.by_isin.get(security_id.strip().upper())
            return found or SymbologyError(f"Unknown ISIN {_clip(security_id)}")
        if source in (SOURCE_FIGI, FIGI_PRIVATE_SOURCE):
            found = self.by_figi.get(security_id.strip().upper())
            return found or SymbologyError(f"Unknown FIGI {_clip(security_id)}")
        return SymbologyError(f"SecurityIDSource(22) {_clip(source)} not supported")

    def by_exchange_symbol(self, code: str) -> Resolution:
        exact = self.by_code.get(code.strip())
        if exact is not None:
            return exact
        candidates = self.by_code_folded.get(code.strip().upper(), ())
        if len(candidates) == 1:
            return candidates[0]
        return SymbologyError(f"Unknown contract {_clip(code)}")

    def by_bloomberg_ticker(self, ticker: str, trading_day: date) -> Resolution:
        parsed = _TICKER.fullmatch(ticker.strip())
        if parsed is None:
            return SymbologyError(f"Bad Bloomberg ticker {_clip(ticker)}")
        root = parsed["root"].strip()
        month = MONTH_CODES.index(parsed["month"]) + 1
        year_digits = parsed["year"]
        candidates = [
            record
            for record in self.by_ticker.get((root, parsed["key"].lower(), month), ())
            if str(record.contract_month[0]).endswith(year_digits)
        ]
        if not candidates:
            return SymbologyError(f"Unknown ticker {_clip(ticker)}")
        live = [record for record in candidates if record.expiry_date >= trading_day]
        if not live:
            return SymbologyError(f"{_clip(ticker)} has expired")
        return min(live, key=lambda record: record.expiry_date)

    def by_symbol(self, query: InstrumentQuery, trading_day: date) -> Resolution:
        symbol = query.symbol or ""
        if query.security_type is not None and query.security_type != FUTURE:
            return SymbologyError(f"SecurityType {_clip(query.security_type)} not supported")
        if query.maturity_month_year is None:
            # A Symbol alone may be the contract code itself (IF2612).
            found = self.by_exchange_symbol(symbol)
            if isinstance(found, InstrumentRecord):
                return found
            return SymbologyError(f"Unknown contract {_clip(symbol)}: send 200")
        maturity = _MATURITY.fullmatch(query.maturity_month_year)
        if maturity is None:
            return SymbologyError(f"Bad MaturityMonthYear {_clip(query.maturity_month_year)}")
        year, month = int(maturity.group(1)), int(maturity.group(2))
        candidates = self.by_product_month.get((symbol.strip().upper(), year, month), ())
        if query.security_exchange is not None:
            exchange = EXCHANGE_MICS.get(query.security_exchange, query.security_exchange)
            if exchange not in self.exchanges:
                return SymbologyError(f"Unknown exchange {_clip(query.security_exchange)}")
            candidates = tuple(record for record in candidates if record.exchange == exchange)
        if len(candidates) > 1:
            exact = [record for record in candidates if record.product == symbol]
            if len(exact) != 1:
                return SymbologyError(f"{_clip(symbol)} {year}{month:02d}: send 207")
            candidates = tuple(exact)
        if not candidates:
            return SymbologyError(f"Unknown contract {_clip(symbol)} {year}{month:02d}")
        return candidates[0]
