"""end-of-day job history, steps and lock

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backoffice.db.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # APScheduler's job store (`fixbroker scheduler run`), in its own layout. Created here, not
    # by the job store on start, so that two schedulers starting at once cannot race to create it.
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_apscheduler_jobs_next_run_time', 'apscheduler_jobs', ['next_run_time'])
    op.create_table('eod_lock',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=256), nullable=False),
    sa.Column('host', sa.String(length=128), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('acquired_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_eod_lock'))
    )
    op.create_table('eod_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=32), nullable=False),
    sa.Column('trading_day', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('operator', sa.String(length=64), nullable=False),
    sa.Column('host', sa.String(length=128), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resumed', sa.SmallInteger(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('running', 'succeeded', 'failed')", name=op.f('ck_eod_run_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eod_run'))
    )
    with op.batch_alter_table('eod_run', schema=None) as batch_op:
        batch_op.create_index('ix_eod_run_job_day', ['job', 'trading_day'], unique=False)
        batch_op.create_index('uq_eod_run_succeeded', ['job', 'trading_day'], unique=True, postgresql_where=sa.text("status = 'succeeded'"), sqlite_where=sa.text("status = 'succeeded'"))

    op.create_table('eod_step',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.SmallInteger(), nullable=False),
    sa.Column('started_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', backoffice.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('summary', sa.String(length=512), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('running', 'done', 'failed')", name=op.f('ck_eod_step_status_known')),
    sa.ForeignKeyConstraint(['run_id'], ['eod_run.id'], name=op.f('fk_eod_step_run_id_eod_run')),
    sa.PrimaryKeyConstraint('run_id', 'name', name=op.f('pk_eod_step'))
    )


def downgrade() -> None:
    op.drop_table('eod_step')
    with op.batch_alter_table('eod_run', schema=None) as batch_op:
        batch_op.drop_index('uq_eod_run_succeeded', postgresql_where=sa.text("status = 'succeeded'"), sqlite_where=sa.text("status = 'succeeded'"))
        batch_op.drop_index('ix_eod_run_job_day')

    op.drop_table('eod_run')
    op.drop_table('eod_lock')
    op.drop_index('ix_apscheduler_jobs_next_run_time', table_name='apscheduler_jobs')
    op.drop_table('apscheduler_jobs')
