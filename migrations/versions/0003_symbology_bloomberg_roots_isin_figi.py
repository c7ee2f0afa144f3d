"""symbology: Bloomberg roots, ISIN, FIGI

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.add_column(sa.Column('isin', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('figi', sa.String(length=12), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_instrument_figi'), ['figi'])
        batch_op.create_unique_constraint(batch_op.f('uq_instrument_isin'), ['isin'])

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bloomberg_root', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('bloomberg_yellow_key', sa.String(length=16), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('bloomberg_yellow_key')
        batch_op.drop_column('bloomberg_root')

    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_instrument_isin'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_instrument_figi'), type_='unique')
        batch_op.drop_column('figi')
        batch_op.drop_column('isin')

