"""reference data, organisation, cash ledger

Revision ID: 0001
Revises: 
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backoffice.db.types
from migrations.append_only import allow_changes, forbid_changes

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('close_today_distinct', sa.Boolean(), nullable=False),
    sa.Column('close_priority', sa.String(length=16), nullable=False),
    sa.Column('tiered_settlement', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange')),
    sa.UniqueConstraint('code', name=op.f('uq_exchange_code'))
    )
    op.create_table('holiday',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_holiday'))
    )
    op.create_table('member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('settled_by_id', sa.Integer(), nullable=True),
    sa.Column('min_reserve', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('min_fee_multiple', backoffice.db.types.Amount(precision=16, scale=10), nullable=False),
    sa.Column('min_margin_addon', backoffice.db.types.Amount(precision=16, scale=10), nullable=False),
    sa.ForeignKeyConstraint(['settled_by_id'], ['member.id'], name=op.f('fk_member_settled_by_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member')),
    sa.UniqueConstraint('code', name=op.f('uq_member_code'))
    )
    op.create_table('ref_load',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loaded_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=512), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('operator', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ref_load'))
    )
    op.create_table('setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=256), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )
    op.create_table('trading_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('auction_minutes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trading_hours')),
    sa.UniqueConstraint('name', name=op.f('uq_trading_hours_name'))
    )
    op.create_table('client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('group', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_client_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client')),
    sa.UniqueConstraint('code', name=op.f('uq_client_code'))
    )
    op.create_table('hours_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hours_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('start', sa.Time(), nullable=False),
    sa.Column('end', sa.Time(), nullable=False),
    sa.ForeignKeyConstraint(['hours_id'], ['trading_hours.id'], name=op.f('fk_hours_period_hours_id_trading_hours'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_period')),
    sa.UniqueConstraint('hours_id', 'kind', 'seq', name=op.f('uq_hours_period_hours_id_kind_seq'))
    )
    op.create_table('membership',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('exchange_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchange.id'], name=op.f('fk_membership_exchange_id_exchange')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_membership_member_id_member')),
    sa.PrimaryKeyConstraint('member_id', 'exchange_id', name=op.f('pk_membership'))
    )
    op.create_table('product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exchange_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('hours_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('multiplier', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('tick_size', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('price_limit_pct', backoffice.db.types.Amount(precision=16, scale=10), nullable=False),
    sa.Column('max_order_size', sa.Integer(), nullable=False),
    sa.Column('position_limit', sa.Integer(), nullable=False),
    sa.Column('settlement_rule', sa.String(length=32), nullable=False),
    sa.Column('large_side_margin', sa.Boolean(), nullable=False),
    sa.CheckConstraint('multiplier > 0', name=op.f('ck_product_multiplier_positive')),
    sa.CheckConstraint('tick_size > 0', name=op.f('ck_product_tick_positive')),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchange.id'], name=op.f('fk_product_exchange_id_exchange')),
    sa.ForeignKeyConstraint(['hours_id'], ['trading_hours.id'], name=op.f('fk_product_hours_id_trading_hours')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product')),
    sa.UniqueConstraint('exchange_id', 'code', name=op.f('uq_product_exchange_id_code'))
    )
    op.create_table('rate_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('target', sa.String(length=32), nullable=False),
    sa.Column('product_code', sa.String(length=16), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('fee_multiple', backoffice.db.types.Amount(precision=16, scale=10), nullable=True),
    sa.Column('margin_addon', backoffice.db.types.Amount(precision=16, scale=10), nullable=True),
    sa.Column('margin_long', backoffice.db.types.Amount(precision=16, scale=10), nullable=True),
    sa.Column('margin_short', backoffice.db.types.Amount(precision=16, scale=10), nullable=True),
    sa.Column('fee_open_money', backoffice.db.types.Amount(precision=16, scale=10), nullable=True),
    sa.Column('fee_open_volume', backoffice.db.types.Amount(precision=20, scale=6), nullable=True),
    sa.Column('fee_close_money', backoffice.db.types.Amount(precision=16, scale=10), nullable=True),
    sa.Column('fee_close_volume', backoffice.db.types.Amount(precision=20, scale=6), nullable=True),
    sa.Column('fee_close_today_money', backoffice.db.types.Amount(precision=16, scale=10), nullable=True),
    sa.Column('fee_close_today_volume', backoffice.db.types.Amount(precision=20, scale=6), nullable=True),
    sa.CheckConstraint("mode IN ('absolute', 'relative')", name=op.f('ck_rate_schedule_mode_known')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_rate_schedule_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_schedule')),
    sa.UniqueConstraint('member_id', 'scope', 'target', 'product_code', 'effective_from', name=op.f('uq_rate_schedule_member_id_scope_target_product_code_effective_from'))
    )
    op.create_table('ref_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('load_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['load_id'], ['ref_load.id'], name=op.f('fk_ref_change_load_id_ref_load')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ref_change'))
    )
    with op.batch_alter_table('ref_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ref_change_load_id'), ['load_id'], unique=False)

    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=48), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('owner_member_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('exchange_id', sa.Integer(), nullable=True),
    sa.Column('business_type', sa.String(length=12), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('opened_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_account_client_id_client')),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchange.id'], name=op.f('fk_account_exchange_id_exchange')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_account_member_id_member')),
    sa.ForeignKeyConstraint(['owner_member_id'], ['member.id'], name=op.f('fk_account_owner_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    sa.UniqueConstraint('client_id', name=op.f('uq_account_client_id')),
    sa.UniqueConstraint('code', name=op.f('uq_account_code'))
    )
    op.create_table('exchange_rate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('margin_long', backoffice.db.types.Amount(precision=16, scale=10), nullable=False),
    sa.Column('margin_short', backoffice.db.types.Amount(precision=16, scale=10), nullable=False),
    sa.Column('fee_open_money', backoffice.db.types.Amount(precision=16, scale=10), nullable=False),
    sa.Column('fee_open_volume', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('fee_close_money', backoffice.db.types.Amount(precision=16, scale=10), nullable=False),
    sa.Column('fee_close_volume', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('fee_close_today_money', backoffice.db.types.Amount(precision=16, scale=10), nullable=False),
    sa.Column('fee_close_today_volume', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_exchange_rate_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_rate')),
    sa.UniqueConstraint('product_id', 'effective_from', name=op.f('uq_exchange_rate_product_id_effective_from'))
    )
    op.create_table('instrument',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('listing_date', sa.Date(), nullable=False),
    sa.Column('expiry_date', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('multiplier', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('tick_size', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('price_limit_pct', backoffice.db.types.Amount(precision=16, scale=10), nullable=False),
    sa.Column('max_order_size', sa.Integer(), nullable=False),
    sa.Column('position_limit', sa.Integer(), nullable=False),
    sa.Column('settlement_rule', sa.String(length=32), nullable=False),
    sa.Column('large_side_margin', sa.Boolean(), nullable=False),
    sa.CheckConstraint('expiry_date >= listing_date', name=op.f('ck_instrument_expiry_after_listing')),
    sa.CheckConstraint('multiplier > 0', name=op.f('ck_instrument_multiplier_positive')),
    sa.CheckConstraint('tick_size > 0', name=op.f('ck_instrument_tick_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_instrument_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument')),
    sa.UniqueConstraint('code', name=op.f('uq_instrument_code'))
    )
    op.create_table('cash_movement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('amount', backoffice.db.types.Amount(precision=20, scale=2), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('operator', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=256), nullable=False),
    sa.Column('recorded_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("direction IN ('deposit', 'withdrawal')", name=op.f('ck_cash_movement_direction_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_cash_movement_amount_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_cash_movement_account_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cash_movement')),
    sa.UniqueConstraint('account_id', 'reference', name=op.f('uq_cash_movement_account_id_reference'))
    )
    with op.batch_alter_table('cash_movement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cash_movement_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cash_movement_business_date'), ['business_date'], unique=False)

    op.create_table('fix_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('begin_string', sa.String(length=8), nullable=False),
    sa.Column('sender_comp_id', sa.String(length=64), nullable=False),
    sa.Column('target_comp_id', sa.String(length=64), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('allowed_addresses', sa.String(length=512), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('default_account_id', sa.Integer(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['default_account_id'], ['account.id'], name=op.f('fk_fix_session_default_account_id_account')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_fix_session_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fix_session')),
    sa.UniqueConstraint('begin_string', 'sender_comp_id', 'target_comp_id', name=op.f('uq_fix_session_begin_string_sender_comp_id_target_comp_id')),
    sa.UniqueConstraint('name', name=op.f('uq_fix_session_name'))
    )
    op.create_table('fix_session_account',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_fix_session_account_account_id_account')),
    sa.ForeignKeyConstraint(['session_id'], ['fix_session.id'], name=op.f('fk_fix_session_account_session_id_fix_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'account_id', name=op.f('pk_fix_session_account'))
    )
    forbid_changes('cash_movement')


def downgrade() -> None:
    allow_changes('cash_movement')
    op.drop_table('fix_session_account')
    op.drop_table('fix_session')
    with op.batch_alter_table('cash_movement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cash_movement_business_date'))
        batch_op.drop_index(batch_op.f('ix_cash_movement_account_id'))

    op.drop_table('cash_movement')
    op.drop_table('instrument')
    op.drop_table('exchange_rate')
    op.drop_table('account')
    with op.batch_alter_table('ref_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ref_change_load_id'))

    op.drop_table('ref_change')
    op.drop_table('rate_schedule')
    op.drop_table('product')
    op.drop_table('membership')
    op.drop_table('hours_period')
    op.drop_table('client')
    op.drop_table('trading_hours')
    op.drop_table('setting')
    op.drop_table('ref_load')
    op.drop_table('member')
    op.drop_table('holiday')
    op.drop_table('exchange')
