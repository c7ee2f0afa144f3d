"""trading journal and trades

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backoffice.db.types
from migrations.append_only import allow_changes, forbid_changes

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('journal',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('trading_day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_journal'))
    )
    with op.batch_alter_table('journal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_trading_day'), ['trading_day'], unique=False)

    op.create_table('trade',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('trading_day', sa.Date(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('price', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('executed_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('aggressor', sa.String(length=4), nullable=True),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('journal_seq', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("source IN ('core', 'import')", name=op.f('ck_trade_source_known')),
    sa.CheckConstraint('price > 0', name=op.f('ck_trade_price_positive')),
    sa.CheckConstraint('qty > 0', name=op.f('ck_trade_qty_positive')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_trade_instrument_id_instrument')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trade'))
    )
    with op.batch_alter_table('trade', schema=None) as batch_op:
        batch_op.create_index('ix_trade_day_instrument', ['trading_day', 'instrument_id'], unique=False)

    op.create_table('trade_leg',
    sa.Column('trade_id', sa.String(length=32), nullable=False),
    sa.Column('side', sa.String(length=4), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.String(length=32), nullable=True),
    sa.Column('cl_ord_id', sa.String(length=64), nullable=True),
    sa.Column('offset_flag', sa.String(length=16), nullable=False),
    sa.Column('forced', sa.Boolean(), nullable=False),
    sa.CheckConstraint("offset_flag IN ('open', 'close', 'close_today', 'close_yesterday')", name=op.f('ck_trade_leg_offset_known')),
    sa.CheckConstraint("side IN ('buy', 'sell')", name=op.f('ck_trade_leg_side_known')),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_trade_leg_account_id_account')),
    sa.ForeignKeyConstraint(['trade_id'], ['trade.id'], name=op.f('fk_trade_leg_trade_id_trade')),
    sa.PrimaryKeyConstraint('trade_id', 'side', name=op.f('pk_trade_leg'))
    )
    with op.batch_alter_table('trade_leg', schema=None) as batch_op:
        batch_op.create_index('ix_trade_leg_account', ['account_id'], unique=False)
    forbid_changes('journal')


def downgrade() -> None:
    allow_changes('journal')
    with op.batch_alter_table('trade_leg', schema=None) as batch_op:
        batch_op.drop_index('ix_trade_leg_account')

    op.drop_table('trade_leg')
    with op.batch_alter_table('trade', schema=None) as batch_op:
        batch_op.drop_index('ix_trade_day_instrument')

    op.drop_table('trade')
    with op.batch_alter_table('journal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_trading_day'))

    op.drop_table('journal')
