"""Statements built from real settlement-core results (see statement_samples.py)."""

from __future__ import annotations

from datetime import datetime

import pytest

from backoffice.statements.build import StatementInput
from backoffice.statements.model import ClientStatement
from statement_samples import BUSY_CASH, BUSY_REF, CREATED, DAY, MEMBER, SH, X_REF, busy_result, worked_example_result


@pytest.fixture
def worked_example_input() -> StatementInput:
    return StatementInput(
        worked_example_result(),
        client_name="张伟",
        member_code=MEMBER[0],
        member_name=MEMBER[1],
        trading_day=DAY,
        created=CREATED,
        instruments=X_REF,
    )


@pytest.fixture
def busy_input() -> StatementInput:
    return StatementInput(
        busy_result(),
        client_name="上海明远资产管理有限公司",
        member_code=MEMBER[0],
        member_name=MEMBER[1],
        trading_day=DAY,
        created=CREATED,
        instruments=BUSY_REF,
        cash=BUSY_CASH,
        margin_call_deadline=datetime(2026, 11, 23, 8, 30, tzinfo=SH),
    )


@pytest.fixture
def worked_example(worked_example_input) -> ClientStatement:
    return worked_example_input.build()


@pytest.fixture
def busy(busy_input) -> ClientStatement:
    return busy_input.build()
