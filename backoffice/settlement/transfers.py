"""The settlement-bank transfer file: what each member pays or receives for a settled day.

One row per settlement member and exchange: the net of its reserve accounts' settlement
cash effect (P&L - fees, proprietary and brokerage together). Positive: the exchange pays
the member (receivable); negative: the member pays (payable). Built from the committed
results of the day's current run, never from figures in memory, and written atomically
(a temporary file renamed into place), so a file that exists is complete.

Columns: trading_day, member, member_name, exchange, net_settlement, direction
(receivable | payable | nil), amount (the absolute value), run_id.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from backoffice.db import models as m

COLUMNS = ("trading_day", "member", "member_name", "exchange", "net_settlement", "direction", "amount", "run_id")


@dataclass(frozen=True, slots=True)
class Transfer:
    member: str
    member_name: str
    exchange: str
    net: Decimal

    @property
    def direction(self) -> str:
        return "receivable" if self.net > 0 else "payable" if self.net < 0 else "nil"


def transfers(session: Session, run_id: int) -> list[Transfer]:
    owner = aliased(m.Member)
    rows = session.execute(
        select(owner.code, owner.name, m.Exchange.code, func.sum(m.SettlementReserve.net_settlement))
        .join(m.Account, m.Account.id == m.SettlementReserve.account_id)
        .join(owner, owner.id == m.Account.owner_member_id)
        .join(m.Exchange, m.Exchange.id == m.Account.exchange_id)
        .where(m.SettlementReserve.run_id == run_id)
        .group_by(owner.code, owner.name, m.Exchange.code)
        .order_by(owner.code, m.Exchange.code)
    )
    return [Transfer(code, name, exchange, Decimal(net)) for code, name, exchange, net in rows]


def transfer_path(out_dir: Path, day: date) -> Path:
    return out_dir / day.isoformat() / "transfers.csv"


def write_transfers(out_dir: Path, day: date, run_id: int, rows: list[Transfer]) -> Path:
    path = transfer_path(out_dir, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".csv.partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([day.isoformat(), row.member, row.member_name, row.exchange, f"{row.net:.2f}", row.direction, f"{abs(row.net):.2f}", run_id])
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    return path
