"""The customised data dictionaries: generated from stock, loadable, and validating the
Bloomberg-style messages the stock ones would refuse."""

from __future__ import annotations

import pytest
import quickfix as fix

from fix_support import dictionary, parse, raw_message
from gateway.fix.dictionaries import CUSTOMISATIONS, DICTIONARY_FILES, FIXSPEC_DIR, STOCK_DIR, customise

VERSIONS = sorted(DICTIONARY_FILES)

ORDER_42 = [
    (11, "ORD-1"), (21, "1"), (22, "A"), (38, "2"), (40, "2"), (44, "3890.2"), (48, "IFZ6 Index"),
    (54, "1"), (55, "IF"), (60, "20261201-01:30:00"), (77, "C"), (5077, "T"), (9001, "bbg-route"),
]


@pytest.mark.parametrize("begin_string", VERSIONS)
def test_committed_dictionaries_are_exactly_stock_plus_the_documented_additions(begin_string):
    # Hand edits to fixspec/*.xml would be lost on the next regeneration: forbid them.
    assert STOCK_DIR.is_dir(), f"stock QuickFIX dictionaries not found in {STOCK_DIR}"
    name = DICTIONARY_FILES[begin_string]
    expected = customise((STOCK_DIR / name).read_text(encoding="ascii"), begin_string)
    assert (FIXSPEC_DIR / name).read_text(encoding="ascii") == expected


@pytest.mark.parametrize("begin_string", VERSIONS)
def test_every_addition_is_in_the_loaded_dictionary(begin_string):
    dd = dictionary(begin_string)
    assert dd.getVersion() == begin_string
    spec = CUSTOMISATIONS[begin_string]
    for enum, _ in spec.id_source_values:
        assert dd.isFieldValue(22, enum)
    for message_name, field_name in spec.message_fields:
        msg_type = {"Logon": "A", "NewOrderSingle": "D", "OrderCancelReplaceRequest": "G", "ExecutionReport": "8"}[message_name]
        tag = {"Username": 553, "Password": 554, "CloseTodayYesterday": 5077}[field_name]
        assert dd.isMsgField(msg_type, tag), (message_name, field_name)


def test_stock_fix42_lacks_what_bloomberg_sends():
    stock = fix.DataDictionary(str(STOCK_DIR / "FIX42.xml"))
    assert not stock.isFieldValue(22, "A")
    assert not stock.isMsgField("A", 554)


def test_fix42_order_with_bloomberg_ticker_close_today_and_bloomberg_tags_validates():
    message = parse("FIX.4.2", "D", ORDER_42)
    assert message.getField(48) == "IFZ6 Index"
    assert message.getField(9001) == "bbg-route"  # tolerated and kept


def test_fix42_logon_with_username_and_password_validates():
    logon = parse("FIX.4.2", "A", [(98, "0"), (108, "30"), (553, "blp-emsx-1"), (554, "secret-secret")])
    assert logon.getField(553) == "blp-emsx-1"


def test_the_same_order_fails_against_the_stock_fix42_dictionary():
    stock = fix.DataDictionary(str(STOCK_DIR / "FIX42.xml"))
    stock.checkUserDefinedFields(False)
    stock.allowUnknownMsgFields(True)
    message = fix.Message(raw_message("FIX.4.2", "D", ORDER_42), stock, False)
    with pytest.raises(fix.IncorrectTagValue):  # 22=A is not a FIX 4.2 value
        stock.validate(message)


def test_fix44_order_with_figi_and_unknown_user_tags_validates():
    body = [
        (1, "C000201"), (11, "ORD-2"), (22, "S"), (38, "1"), (40, "1"), (48, "BBG00CU27010"), (54, "2"),
        (55, "[N/A]"), (60, "20261201-01:30:00"), (77, "O"), (7001, "x"), (20001, "y"),
    ]
    assert parse("FIX.4.4", "D", body).getField(22) == "S"


@pytest.mark.parametrize("begin_string", VERSIONS)
def test_a_bad_close_today_marker_is_refused_by_the_dictionary(begin_string):
    body = [(11, "O"), (21, "1"), (38, "1"), (40, "1"), (54, "1"), (55, "IF2612"), (60, "20261201-01:30:00"), (77, "C"), (5077, "X")]
    with pytest.raises(fix.IncorrectTagValue):
        parse(begin_string, "D", body)
