import csv
import dataclasses
import io
import json

from statement_samples import busy_result

from backoffice.statements.csv_render import COLUMNS, ENCODING, SECTION_FIELDS, csv_bytes, render_csv
from backoffice.statements.json_render import SCHEMA, json_bytes, render_json, statement_dict


def test_worked_example_json_keys_and_values(worked_example):
    data = json.loads(render_json(worked_example))
    assert data["schema"] == SCHEMA
    assert data["account_summary"] == {
        "balance_bf": "1000000.00",
        "deposit_withdrawal": "0.00",
        "realized_pnl": "0.00",
        "mtm_pnl": "600.00",
        "commission": "1.00",
        "balance_cf": "1000599.00",
        "client_equity": "1000599.00",
        "margin_occupied": "12072.00",
        "fund_available": "988527.00",
        "risk_degree": "0.0121",
        "margin_call": "0.00",
    }
    assert data["header"]["client_name"] == "张伟"
    assert data["header"]["trading_day"] == "2026-11-20"
    assert data["transactions"] == [
        {
            "date": "2026-11-20",
            "exchange": "CFFEX",
            "product": "X",
            "instrument": "X2612",
            "bs": "B",
            "sh": "S",
            "price": "5000",
            "lots": 2,
            "turnover": "100000.00",
            "oc": "O",
            "fee": "1.00",
            "realized_pnl": "0.00",
            "trade_no": "T0001",
        }
    ]
    assert data["positions_summary"][0]["avg_sell_price"] is None
    assert data["positions_closed"] == [] and data["deposit_withdrawal_detail"] == []
    assert data["margin_call_notice"] is None
    assert "张伟" in render_json(worked_example)  # CJK is not \u-escaped


def test_json_figures_equal_the_settlement_to_the_cent(busy):
    data = json.loads(render_json(busy))
    r = busy_result()
    summary = data["account_summary"]
    assert summary["balance_cf"] == f"{r.balance_cf:f}" == "379580.68"
    assert summary["margin_call"] == "15187.32"
    assert summary["risk_degree"] == "1.0400"
    assert [t["fee"] for t in data["transactions"]] == [f"{t.fee:f}" for t in r.trades]
    assert data["margin_call_notice"] == {"amount": "15187.32", "deadline": "2026-11-23T08:30:00+08:00"}
    assert [t["oc"] for t in data["transactions"]] == ["C", "O", "FL"]


def test_csv_field_lists_match_the_json_sections(busy):
    data = statement_dict(busy)
    for section, fields in SECTION_FIELDS.items():
        value = data[section]
        row = value[0] if isinstance(value, list) else value
        assert tuple(row) == fields, section


def test_csv_parses_back(busy):
    raw = csv_bytes(busy)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(raw.decode(ENCODING))))
    assert tuple(rows[0]) == COLUMNS
    sections = [row["section"] for row in rows]
    assert sections.count("header") == 1 and sections.count("account_summary") == 1
    assert sections.count("transactions") == 3 and sections.count("margin_call_notice") == 1
    summary = next(row for row in rows if row["section"] == "account_summary")
    assert summary["balance_cf"] == "379580.68" and summary["client_equity"] == "379580.68"
    header = next(row for row in rows if row["section"] == "header")
    assert header["client_name"] == "上海明远资产管理有限公司"
    # a row fills only its own section's fields
    for row in rows:
        filled = {k for k, v in row.items() if v != "" and k != "section"}
        assert filled <= set(SECTION_FIELDS[row["section"]])
    forced = [row for row in rows if row["section"] == "transactions" and row["oc"] == "FL"]
    assert [(r["trade_no"], r["lots"], r["realized_pnl"]) for r in forced] == [("T1003", "1", "1000.00")]


def test_csv_without_notice_has_no_notice_row(worked_example):
    rows = list(csv.DictReader(io.StringIO(render_csv(worked_example))))
    assert "margin_call_notice" not in {row["section"] for row in rows}


def test_json_is_laid_out_as_the_standard_library_would(busy):
    # The files come from orjson; the layout promised is json.dumps(indent=2, ensure_ascii=False).
    tricky = dataclasses.replace(busy, header=dataclasses.replace(busy.header, client_name='上海 "明远"\\资管\t\x01 é'))
    for statement in (busy, tricky):
        data = statement_dict(statement)
        assert json_bytes(data) == (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        assert render_json(statement) == json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def test_csv_is_what_csv_dictwriter_writes_even_for_cells_that_need_quoting(busy):
    # Lines are laid out by format strings; a cell with a comma, a quote or a line break must
    # still come out quoted exactly as the csv module quotes it.
    for name in ("Northbridge Capital, Ltd", 'The "Lake" Fund', "line\nbreak", "张伟"):
        statement = dataclasses.replace(busy, header=dataclasses.replace(busy.header, client_name=name))
        data = statement_dict(statement)
        expected = io.StringIO()
        writer = csv.DictWriter(expected, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for section in SECTION_FIELDS:
            rows = data[section] if isinstance(data[section], list) else [] if data[section] is None else [data[section]]
            writer.writerows({"section": section, **row} for row in rows)
        assert render_csv(statement) == expected.getvalue()
