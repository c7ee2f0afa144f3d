"""Every mistake in a venue file is reported with file, key path and problem."""

from pathlib import Path

import pytest

from backoffice.refdata.venue import parse_venue

SAMPLE = (Path(__file__).resolve().parents[3] / "config" / "venue.toml").read_text()


def issues_of(text: str) -> list[str]:
    spec, issues = parse_venue(text)
    assert (spec is None) == bool(issues)
    return [issue.render("v.toml") for issue in issues]


def edit(old: str, new: str, count: int = 1) -> str:
    assert old in SAMPLE, old
    return SAMPLE.replace(old, new, count)


def test_the_sample_venue_is_valid():
    spec, issues = parse_venue(SAMPLE)
    assert issues == []
    assert {i.code for i in spec.instruments} >= {"IF2612", "T2703", "cu2701", "ag2702", "au2702", "rb2705"}
    assert {m.kind.value for m in spec.members} == {"general_settlement", "trading_settlement", "trading"}
    assert {s.name for s in spec.sessions} == {"EMSX42", "TOMS44", "PROP42", "LAKE44"}
    if2612 = next(i for i in spec.instruments if i.code == "IF2612")
    assert str(if2612.terms.tick_size) == "0.2" and if2612.terms.multiplier == 300  # inherited from the product


def test_unknown_keys_are_named_with_their_path():
    assert issues_of(edit('code = "IF"\n', 'code = "IF"\ncolour = "red"\n')) == [
        "v.toml: product[0].colour: unknown key (expected one of: exchange, code, name, hours, currency, multiplier, "
        "tick_size, price_limit_pct, max_order_size, position_limit, settlement_rule, large_side_margin, rates, "
        "bloomberg_root, bloomberg_yellow_key)"
    ]
    assert issues_of(SAMPLE + "\n[extras]\nx = 1\n")[0].startswith("v.toml: extras: unknown section")


def test_bad_types_and_missing_keys():
    found = issues_of(edit("max_order_size = 20", 'max_order_size = "twenty"'))
    assert found == ["v.toml: product[0].max_order_size: expected a whole number, got the string 'twenty'"]
    found = issues_of(edit('kind = "general_settlement"\n', ""))
    assert "v.toml: member[0].kind: missing required key" in found


def test_non_positive_tick_and_multiplier():
    found = issues_of(edit('tick_size = "0.2"', 'tick_size = "0"').replace("multiplier = 10000", "multiplier = -1"))
    assert "v.toml: product[0].tick_size: must be positive, got 0" in found
    assert "v.toml: product[1].multiplier: must be positive, got -1" in found


def test_instrument_override_is_validated_too():
    found = issues_of(edit('code = "IF2612"\nproduct = "IF"\n', 'code = "IF2612"\nproduct = "IF"\ntick_size = "-0.2"\n'))
    assert found == ["v.toml: instrument[0].tick_size: must be positive, got -0.2"]


def test_trading_member_must_be_settled_by_a_general_or_special_member():
    found = issues_of(edit('settled_by = "0001"', 'settled_by = "0002"'))
    assert found == [
        "v.toml: member[2].settled_by: 0002 is a trading_settlement member; a trading member must be settled by a "
        "general_settlement or special_settlement member"
    ]


def test_client_rates_below_policy_relative_and_absolute():
    relative = issues_of(edit('fee_multiple = "3.5"', 'fee_multiple = "2.5"'))
    assert relative == ["v.toml: rate_schedule[3].fee_multiple: 2.5 is below member 0002's minimum 3"]
    # C000102's absolute cu close-today fee 0.0002 < 3 x exchange 0.0001
    absolute = issues_of(edit('fee_close_today_money = "0.0003"', 'fee_close_today_money = "0.0002"'))
    assert absolute == [
        "v.toml: rate_schedule[2]: client rates below member 0001's policy for cu (exchange rates of 2026-11-02): "
        "fee_close_today_money 0.0002 is below 3 x exchange 0.0001 = 0.0003"
    ]


def test_a_later_exchange_rate_rise_is_checked_against_absolute_client_rates():
    rise = '''[product.rates]
margin_long = "0.09"'''
    text = edit(rise, '''[[product.rates]]
margin_long = "0.09"''')
    text = text.replace('''fee_close_today_money = "0.0001"
fee_close_today_volume = "0"

[[product]]
exchange = "SHFE"
code = "ag"''', '''fee_close_today_money = "0.0001"
fee_close_today_volume = "0"
[[product.rates]]
effective = 2026-12-01
margin_long = "0.11"
margin_short = "0.09"
fee_open_money = "0.00005"
fee_open_volume = "0"
fee_close_money = "0.00005"
fee_close_volume = "0"
fee_close_today_money = "0.0001"
fee_close_today_volume = "0"

[[product]]
exchange = "SHFE"
code = "ag"''')
    assert issues_of(text) == [
        "v.toml: rate_schedule[2]: client rates below member 0001's policy for cu (exchange rates of 2026-12-01): "
        "margin_long 0.13 is below exchange 0.11 + 0.03 = 0.14"
    ]


def test_references_between_entities_are_checked():
    found = issues_of(edit('member = "0002"\nkind = "individual"', 'member = "0009"\nkind = "individual"'))
    assert found == [
        "v.toml: client[3].member: unknown member '0009'",
        "v.toml: fix_session[1].accounts: account C000201 is held at member 0009, not 0002",
    ]
    found = issues_of(edit('accounts = ["C000201", "C000202"]', 'accounts = ["C000201", "C000101"]'))
    assert found == ["v.toml: fix_session[1].accounts: account C000101 is held at member 0001, not 0002"]


def test_duplicates_are_reported():
    assert "v.toml: instrument: duplicate code 'IF2612'" in issues_of(edit('code = "IF2701"', 'code = "IF2612"'))


def test_syntax_errors_give_line_and_column():
    (found,) = issues_of(SAMPLE.replace('name = "fixbroker sample venue"', 'name = "unterminated'))
    assert found.startswith("v.toml: (syntax): ") and "line 11" in found


@pytest.mark.parametrize("bad, message", [
    ('day = ["09:30-11:30", "13:00-15:00"]', "v.toml: hours.cffex_index.day: expected \"HH:MM-HH:MM\", got '9:30-11:30'"),
    ('timezone = "Asia/Shanghai"\nrollover', "v.toml: calendar.timezone: unknown time zone 'Mars/Olympus'"),
])
def test_calendar_and_hours_values(bad, message):
    replacement = {
        'day = ["09:30-11:30", "13:00-15:00"]': 'day = ["9:30-11:30", "13:00-15:00"]',
        'timezone = "Asia/Shanghai"\nrollover': 'timezone = "Mars/Olympus"\nrollover',
    }[bad]
    assert issues_of(edit(bad, replacement)) == [message]


def test_symbology_fields():
    spec, _ = parse_venue(SAMPLE)
    assert {(p.code, p.bloomberg_root, p.bloomberg_yellow_key) for p in spec.products} >= {("IF", "IF", "Index"), ("cu", "CU", "Comdty")}
    found = issues_of(edit('bloomberg_yellow_key = "Index"', 'bloomberg_yellow_key = "Equity"'))
    assert found == ["v.toml: product[0].bloomberg_yellow_key: expected one of Index, Comdty, Curncy, got the string 'Equity'"]
    found = issues_of(edit('bloomberg_root = "TFT"', 'bloomberg_root = "IF"').replace('bloomberg_yellow_key = "Comdty"', 'bloomberg_yellow_key = "Index"', 1))
    assert found == ["v.toml: product: duplicate Bloomberg root ('IF', 'Index')"]


@pytest.mark.parametrize("isin, ok", [("US0378331005", True), ("US0378331006", False), ("us0378331005", False), ("CNE1000000X", False)])
def test_isin_check_digit(isin, ok):
    text = edit('code = "T2703"\nproduct = "T"\n', f'code = "T2703"\nproduct = "T"\nisin = "{isin}"\n')
    found = issues_of(text)
    assert (found == []) == ok
