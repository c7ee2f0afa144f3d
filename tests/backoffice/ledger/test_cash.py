"""Deposits and withdrawals through the CLI, and the rules that guard them."""

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.db import models as m
from backoffice.db.engine import make_engine, transaction
from backoffice.domain.enums import CashDirection
from backoffice.ledger import cash


def test_deposit_then_withdraw_within_the_balance(venue):
    out = venue("cash", "deposit", "C000101", "1000000.00", "--reference", "B1", "--date", "2026-11-23", "--operator", "ops1").output
    assert "recorded deposit of 1,000,000.00 on C000101 for 2026-11-23" in out and "balance 1,000,000.00" in out
    out = venue("cash", "withdraw", "C000101", "250000.50", "--reference", "B2", "--date", "2026-11-23").output
    assert "balance 749,999.50" in out
    shown = venue("accounts", "show", "C000101").output
    assert "749,999.50 CNY" in shown and "张伟" in shown
    listed = venue("cash", "list", "--account", "C000101").output
    assert "ops1" in listed and "250,000.50" in listed


def test_a_withdrawal_above_the_withdrawable_amount_is_refused_with_the_figures(venue, db_url):
    venue("cash", "deposit", "C000201", "1000.00", "--reference", "B1")
    result = venue("cash", "withdraw", "C000201", "1000.01", "--reference", "B2", ok=False)
    assert result.exit_code == 1
    assert (
        "Error: withdrawal of 1,000.01 from C000201 refused: withdrawable is 1,000.00 "
        "(balance 1,000.00 - margin 0.00 - frozen 0.00)"
    ) in result.output
    assert _count(db_url) == 1


def test_the_same_bank_reference_is_recorded_once(venue, db_url):
    venue("cash", "deposit", "C000101", "500.00", "--reference", "B1")
    again = venue("cash", "deposit", "C000101", "500.00", "--reference", "B1").output
    assert "already recorded" in again and "nothing written" in again
    clash = venue("cash", "deposit", "C000101", "600.00", "--reference", "B1", ok=False)
    assert clash.exit_code == 1 and "reference 'B1' is already recorded on C000101 as a deposit of 500.00" in clash.output
    assert _count(db_url) == 1


@pytest.mark.parametrize("amount", ["0", "-5", "1.005", "1e6", "12,000", "ten", "0.001"])
def test_bad_amounts_are_refused(venue, db_url, amount):
    result = venue("cash", "deposit", "--reference", "B1", "--", "C000101", amount, ok=False)
    assert result.exit_code != 0
    assert "amount must be" in result.output and repr(amount) in result.output
    assert _count(db_url) == 0


def test_unknown_account_is_named(venue):
    result = venue("cash", "deposit", "NOPE", "10", "--reference", "B1", ok=False)
    assert result.exit_code == 1 and "Error: unknown account 'NOPE'" in result.output


def test_business_date_defaults_to_the_current_trading_day(venue, db_url):
    venue("cash", "deposit", "C000101", "10", "--reference", "B1")
    engine = make_engine(db_url)
    with transaction(engine) as session:
        movement = session.scalars(select(m.CashMovement)).one()
        calendar_day = movement.business_date
    engine.dispose()
    assert calendar_day.weekday() < 5  # always a trading day, never a weekend


def test_record_refuses_what_the_cli_would_never_send(venue, db_url):
    engine = make_engine(db_url)
    now = datetime.now(timezone.utc)
    with transaction(engine) as session:
        account = session.scalars(select(m.Account).filter_by(code="C000101")).one()
        for bad in (Decimal("0"), Decimal("1.001"), Decimal("-1")):
            with pytest.raises(cash.CashError):
                cash.record(session, account, CashDirection.DEPOSIT, bad, business_date=date(2026, 11, 23),
                            reference="X", operator="t", note="", now=now)
        account.status = "closed"
        with pytest.raises(cash.CashError, match="closed"):
            cash.record(session, account, CashDirection.DEPOSIT, Decimal("1"), business_date=date(2026, 11, 23),
                        reference="X", operator="t", note="", now=now)
    engine.dispose()


def test_accounts_list_shows_every_account_of_the_tree(venue):
    venue("cash", "deposit", "RSV-CFFEX-0001-B", "2500000.00", "--reference", "R1")
    output = venue("accounts", "list").output
    assert "15 accounts" in output
    for code in ("RSV-CFFEX-0001-P", "RSV-SHFE-0002-B", "TM-0001-0101", "C010101", "P0001"):
        assert code in output
    assert "2,500,000.00" in output
    only = venue("accounts", "list", "--member", "0101").output
    assert "C010101" in only and "C000101" not in only


def _count(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(m.CashMovement))
    engine.dispose()
    return count
