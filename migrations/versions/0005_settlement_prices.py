"""settlement prices

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backoffice.db.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('settlement_price',
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('trading_day', sa.Date(), nullable=False),
    sa.Column('price', backoffice.db.types.Amount(precision=20, scale=6), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.String(length=256), nullable=False),
    sa.Column('recorded_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('operator', sa.String(length=64), nullable=False),
    sa.CheckConstraint("source IN ('official', 'last_hour_vwap', 'whole_day_vwap', 'previous')", name=op.f('ck_settlement_price_source_known')),
    sa.CheckConstraint('price > 0', name=op.f('ck_settlement_price_price_positive')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_settlement_price_instrument_id_instrument')),
    sa.PrimaryKeyConstraint('instrument_id', 'trading_day', name=op.f('pk_settlement_price'))
    )


def downgrade() -> None:
    op.drop_table('settlement_price')
