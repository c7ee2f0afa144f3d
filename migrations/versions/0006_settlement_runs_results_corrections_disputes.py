"""settlement runs, results, corrections and disputes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backoffice.db.types
from migrations.append_only import allow_changes, forbid_changes

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('settlement_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trading_day', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('started_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('operator', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=256), nullable=False),
    sa.Column('forced', sa.Boolean(), nullable=False),
    sa.Column('force_reason', sa.String(length=256), nullable=False),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.Column('cash_through', sa.BigInteger(), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('current', 'superseded')", name=op.f('ck_settlement_run_status_known')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['settlement_run.id'], name=op.f('fk_settlement_run_superseded_by_id_settlement_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_run'))
    )
    with op.batch_alter_table('settlement_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_run_trading_day'), ['trading_day'], unique=False)
        batch_op.create_index('uq_settlement_run_current_day', ['trading_day'], unique=True, postgresql_where=sa.text("status = 'current'"), sqlite_where=sa.text("status = 'current'"))

    op.create_table('dispute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trading_day', sa.Date(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('filed_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('filed_by', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('resolved_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f('ck_dispute_status_known')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_dispute_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute'))
    )
    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispute_trading_day'), ['trading_day'], unique=False)

    op.create_table('margin_call',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('amount', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('deadline', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_margin_call_amount_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_margin_call_account_id_account')),
    sa.ForeignKeyConstraint(['run_id'], ['settlement_run.id'], name=op.f('fk_margin_call_run_id_settlement_run')),
    sa.PrimaryKeyConstraint('run_id', 'account_id', name=op.f('pk_margin_call'))
    )
    op.create_table('settlement_account',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('balance_bf', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('deposits', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('withdrawals', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('close_pnl', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('position_mtm', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('fees', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('balance_cf', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('equity', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('margin', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('available', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('risk_degree', backoffice.db.types.Amount(precision=12, scale=4), nullable=True),
    sa.Column('margin_call', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.CheckConstraint('level IN (1, 2)', name=op.f('ck_settlement_account_level_known')),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_settlement_account_account_id_account')),
    sa.ForeignKeyConstraint(['run_id'], ['settlement_run.id'], name=op.f('fk_settlement_account_run_id_settlement_run')),
    sa.PrimaryKeyConstraint('run_id', 'account_id', name=op.f('pk_settlement_account'))
    )
    with op.batch_alter_table('settlement_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_account_account_id'), ['account_id'], unique=False)

    op.create_table('settlement_close',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('trade_id', sa.String(length=32), nullable=False),
    sa.Column('holder', sa.String(length=48), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=5), nullable=False),
    sa.Column('open_date', sa.Date(), nullable=False),
    sa.Column('open_trade_id', sa.String(length=32), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('open_price', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('previous_settlement', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('close_price', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('pnl', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_settlement_close_account_id_account')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_settlement_close_instrument_id_instrument')),
    sa.ForeignKeyConstraint(['run_id'], ['settlement_run.id'], name=op.f('fk_settlement_close_run_id_settlement_run')),
    sa.PrimaryKeyConstraint('run_id', 'account_id', 'seq', name=op.f('pk_settlement_close'))
    )
    op.create_table('settlement_lot',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('holder', sa.String(length=48), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=5), nullable=False),
    sa.Column('open_date', sa.Date(), nullable=False),
    sa.Column('open_trade_id', sa.String(length=32), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('open_price', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('previous_settlement', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('settlement', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('accumulated_pnl', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('mtm', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('margin', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_settlement_lot_account_id_account')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_settlement_lot_instrument_id_instrument')),
    sa.ForeignKeyConstraint(['run_id'], ['settlement_run.id'], name=op.f('fk_settlement_lot_run_id_settlement_run')),
    sa.PrimaryKeyConstraint('run_id', 'account_id', 'seq', name=op.f('pk_settlement_lot'))
    )
    op.create_table('settlement_margin',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=48), nullable=False),
    sa.Column('product', sa.String(length=16), nullable=False),
    sa.Column('long_margin', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('short_margin', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('charged', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_settlement_margin_account_id_account')),
    sa.ForeignKeyConstraint(['run_id'], ['settlement_run.id'], name=op.f('fk_settlement_margin_run_id_settlement_run')),
    sa.PrimaryKeyConstraint('run_id', 'account_id', 'holder', 'product', name=op.f('pk_settlement_margin'))
    )
    op.create_table('settlement_price_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('trading_day', sa.Date(), nullable=False),
    sa.Column('price', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.String(length=256), nullable=False),
    sa.Column('reason', sa.String(length=256), nullable=False),
    sa.Column('operator', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_settlement_price_version_instrument_id_instrument')),
    sa.ForeignKeyConstraint(['run_id'], ['settlement_run.id'], name=op.f('fk_settlement_price_version_run_id_settlement_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_price_version'))
    )
    with op.batch_alter_table('settlement_price_version', schema=None) as batch_op:
        batch_op.create_index('ix_settlement_price_version_day', ['trading_day', 'instrument_id'], unique=False)

    op.create_table('settlement_reserve',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('reserve_bf', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('margin_bf', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('margin', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('pnl', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('deposits', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('withdrawals', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('fees', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('reserve', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('min_reserve', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('margin_call', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('net_settlement', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_settlement_reserve_account_id_account')),
    sa.ForeignKeyConstraint(['run_id'], ['settlement_run.id'], name=op.f('fk_settlement_reserve_run_id_settlement_run')),
    sa.PrimaryKeyConstraint('run_id', 'account_id', name=op.f('pk_settlement_reserve'))
    )
    op.create_table('settlement_trade_line',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('trade_id', sa.String(length=32), nullable=False),
    sa.Column('side', sa.String(length=4), nullable=False),
    sa.Column('holder', sa.String(length=48), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('offset_flag', sa.String(length=16), nullable=False),
    sa.Column('price', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('executed_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('forced', sa.Boolean(), nullable=False),
    sa.Column('fee', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('realized', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_settlement_trade_line_account_id_account')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_settlement_trade_line_instrument_id_instrument')),
    sa.ForeignKeyConstraint(['run_id'], ['settlement_run.id'], name=op.f('fk_settlement_trade_line_run_id_settlement_run')),
    sa.ForeignKeyConstraint(['trade_id'], ['trade.id'], name=op.f('fk_settlement_trade_line_trade_id_trade')),
    sa.PrimaryKeyConstraint('run_id', 'account_id', 'trade_id', 'side', name=op.f('pk_settlement_trade_line'))
    )
    with op.batch_alter_table('settlement_trade_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_trade_line_trade_id'), ['trade_id'], unique=False)

    op.create_table('trade_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trade_id', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('price', backoffice.db.types.Amount(precision=20, scale=6), nullable=True),
    sa.Column('qty', sa.Integer(), nullable=True),
    sa.Column('previous_price', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('previous_qty', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('operator', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action = 'bust' OR (price > 0 AND qty > 0)", name=op.f('ck_trade_correction_amend_values')),
    sa.CheckConstraint("action IN ('bust', 'amend')", name=op.f('ck_trade_correction_action_known')),
    sa.ForeignKeyConstraint(['trade_id'], ['trade.id'], name=op.f('fk_trade_correction_trade_id_trade')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trade_correction'))
    )
    with op.batch_alter_table('trade_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trade_correction_trade_id'), ['trade_id'], unique=False)
    forbid_changes('settlement_price_version')
    forbid_changes('trade_correction')


def downgrade() -> None:
    allow_changes('trade_correction')
    allow_changes('settlement_price_version')
    with op.batch_alter_table('trade_correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trade_correction_trade_id'))

    op.drop_table('trade_correction')
    with op.batch_alter_table('settlement_trade_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_trade_line_trade_id'))

    op.drop_table('settlement_trade_line')
    op.drop_table('settlement_reserve')
    with op.batch_alter_table('settlement_price_version', schema=None) as batch_op:
        batch_op.drop_index('ix_settlement_price_version_day')

    op.drop_table('settlement_price_version')
    op.drop_table('settlement_margin')
    op.drop_table('settlement_lot')
    op.drop_table('settlement_close')
    with op.batch_alter_table('settlement_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_account_account_id'))

    op.drop_table('settlement_account')
    op.drop_table('margin_call')
    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispute_trading_day'))

    op.drop_table('dispute')
    with op.batch_alter_table('settlement_run', schema=None) as batch_op:
        batch_op.drop_index('uq_settlement_run_current_day', postgresql_where=sa.text("status = 'current'"), sqlite_where=sa.text("status = 'current'"))
        batch_op.drop_index(batch_op.f('ix_settlement_run_trading_day'))

    op.drop_table('settlement_run')
