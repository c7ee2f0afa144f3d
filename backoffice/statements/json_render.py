"""Client statement as JSON: stable, documented keys; every amount and price a decimal string.

Numbers are strings so that no reader parses a cent into a binary float; lots are integers.
Amounts have exactly two decimals ("1000599.00"), prices are as stored ("5030", "3950.2"),
risk degree is the settlement's fraction to 4 places ("0.0121" = 1.21%) or null when
undefined (margin held against equity <= 0). Dates are ISO 8601 ("2026-11-20"). Keys never
change meaning; a new key may be added, in which case `schema` stays the same; removing or
renaming one bumps it.

Schema `fixbroker.client_statement/1`:

    schema                       "fixbroker.client_statement/1"
    header         client_id, client_name, member_code, member_name, trading_day, created,
                   currency
    account_summary
                   balance_bf, deposit_withdrawal (deposits - withdrawals), realized_pnl,
                   mtm_pnl, commission, balance_cf, client_equity, margin_occupied,
                   fund_available, risk_degree, margin_call
    deposit_withdrawal_detail  [date, type ("deposit" | "withdrawal"), deposit, withdrawal, note]
    transactions   [date, exchange, product, instrument, bs ("B" | "S"), sh ("S" | "H"),
                    price, lots, turnover, oc ("O" | "C" | "CT" | "CY" | "FL"), fee,
                    realized_pnl, trade_no]
    positions_closed  [close_date, instrument, open_date, bs (of the closing trade), lots,
                       open_price, prev_settlement, trade_price, realized_pnl, trade_no]
    positions_detail  [instrument, open_date, bs ("B" long | "S" short), lots, open_price,
                       prev_settlement, settlement, accumulated_pnl, mtm_pnl, margin, trade_no]
    positions_summary [instrument, long_lots, avg_buy_price (null without longs), short_lots,
                       avg_sell_price (null without shorts), prev_settlement, settlement,
                       mtm_pnl, margin]
    margin_call_notice  null | {amount, deadline (ISO 8601 date-time, or null: before the
                        next open)}
    legends        [code, zh, en]

The section arrays are always present (empty when there is nothing to show).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from .model import ClientStatement, PositionSummaryRow, TransactionRow

SCHEMA = "fixbroker.client_statement/1"
_PRETTY = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE


def money(value: Decimal) -> str:
    """Two decimals, no separators: '1000599.00' (as quantizing to the cent prints it, a third faster)."""
    return f"{value:.2f}"


def number(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def transaction_dict(r: TransactionRow) -> dict[str, Any]:
    return {
        "date": r.date.isoformat(),
        "exchange": r.exchange,
        "product": r.product,
        "instrument": r.instrument,
        "bs": r.buy_sell.value,
        "sh": r.hedge.value,
        "price": number(r.price),
        "lots": r.lots,
        "turnover": money(r.turnover),
        "oc": r.open_close.value,
        "fee": money(r.fee),
        "realized_pnl": money(r.realized_pnl),
        "trade_no": r.trade_no,
    }


def position_summary_dict(r: PositionSummaryRow) -> dict[str, Any]:
    return {
        "instrument": r.instrument,
        "long_lots": r.long_lots,
        "avg_buy_price": number(r.avg_buy_price),
        "short_lots": r.short_lots,
        "avg_sell_price": number(r.avg_sell_price),
        "prev_settlement": number(r.prev_settlement),
        "settlement": number(r.settlement),
        "mtm_pnl": money(r.mtm_pnl),
        "margin": money(r.margin),
    }


def statement_dict(statement: ClientStatement) -> dict[str, Any]:
    h, s = statement.header, statement.summary
    notice = statement.margin_call_notice
    return {
        "schema": SCHEMA,
        "header": {
            "client_id": h.client_id,
            "client_name": h.client_name,
            "member_code": h.member_code,
            "member_name": h.member_name,
            "trading_day": h.trading_day.isoformat(),
            "created": h.created.isoformat(),
            "currency": h.currency,
        },
        "account_summary": {
            "balance_bf": money(s.balance_bf),
            "deposit_withdrawal": money(s.deposit_withdrawal),
            "realized_pnl": money(s.realized_pnl),
            "mtm_pnl": money(s.mtm_pnl),
            "commission": money(s.commission),
            "balance_cf": money(s.balance_cf),
            "client_equity": money(s.client_equity),
            "margin_occupied": money(s.margin_occupied),
            "fund_available": money(s.fund_available),
            "risk_degree": number(s.risk_degree),
            "margin_call": money(s.margin_call),
        },
        "deposit_withdrawal_detail": [
            {
                "date": r.date.isoformat(),
                "type": r.kind.value,
                "deposit": money(r.deposit),
                "withdrawal": money(r.withdrawal),
                "note": r.note,
            }
            for r in statement.cash
        ],
        "transactions": [transaction_dict(r) for r in statement.transactions],
        "positions_closed": [
            {
                "close_date": r.close_date.isoformat(),
                "instrument": r.instrument,
                "open_date": r.open_date.isoformat(),
                "bs": r.buy_sell.value,
                "lots": r.lots,
                "open_price": number(r.open_price),
                "prev_settlement": number(r.prev_settlement),
                "trade_price": number(r.trade_price),
                "realized_pnl": money(r.realized_pnl),
                "trade_no": r.trade_no,
            }
            for r in statement.closed
        ],
        "positions_detail": [
            {
                "instrument": r.instrument,
                "open_date": r.open_date.isoformat(),
                "bs": r.buy_sell.value,
                "lots": r.lots,
                "open_price": number(r.open_price),
                "prev_settlement": number(r.prev_settlement),
                "settlement": number(r.settlement),
                "accumulated_pnl": money(r.accumulated_pnl),
                "mtm_pnl": money(r.mtm_pnl),
                "margin": money(r.margin),
                "trade_no": r.trade_no,
            }
            for r in statement.positions
        ],
        "positions_summary": [position_summary_dict(r) for r in statement.position_summary],
        "margin_call_notice": None
        if notice is None
        else {"amount": money(notice.amount), "deadline": notice.deadline.isoformat() if notice.deadline else None},
        "legends": [{"code": x.code, "zh": x.zh, "en": x.en} for x in statement.legends],
    }


def render_json(statement: ClientStatement) -> str:
    """Pretty-printed UTF-8 JSON (CJK kept as characters, not \\u escapes), keys in schema order."""
    return json_bytes(statement_dict(statement)).decode("utf-8")


def json_bytes(data: dict[str, Any]) -> bytes:
    """A statement dict as its file's bytes: `json.dumps(data, ensure_ascii=False, indent=2)`
    and a newline, byte for byte, made by orjson. The standard library falls back to its
    pure-Python encoder whenever `indent` is given, which took longer than building the
    statement; orjson takes a fifteenth of that."""
    return orjson.dumps(data, option=_PRETTY)
