"""journal seq as SQLite's rowid

On SQLite a primary key is the table's own rowid only when its declared type is exactly
INTEGER; BIGINT made it a second b-tree beside the table, and every journal commit (one per
order in the gateway) wrote one more 4 KiB page to the WAL for it. The table is rebuilt with
seq declared INTEGER (SQLite's integers are 64-bit either way). PostgreSQL keeps BIGINT.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migrations.append_only import allow_changes, forbid_changes

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _declare_seq(new: sa.types.TypeEngine, old: sa.types.TypeEngine) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    allow_changes('journal')  # the rebuild copies the rows into a new table and drops the old one
    with op.batch_alter_table('journal', recreate='always') as batch_op:
        batch_op.alter_column('seq', type_=new, existing_type=old, existing_nullable=False, autoincrement=False)
    forbid_changes('journal')


def upgrade() -> None:
    _declare_seq(sa.Integer(), sa.BigInteger())


def downgrade() -> None:
    _declare_seq(sa.BigInteger(), sa.Integer())
