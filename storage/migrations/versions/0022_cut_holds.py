"""cut holds: the working-day calendar, weather moratoria per segment and the global stop
(issue 16 items 1 and 5), and the day a customer presented a medical certificate. The calendar starts empty: ``relayflow calendar-seed`` (and the demo's
first start) fills it from the kept Chinese holiday calendar.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
WHEN = storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('changed_at', WHEN, nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('moratoria',
    sa.Column('id', ID, nullable=False),
    sa.Column('segment_code', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.Column('set_at', WHEN, nullable=False),
    sa.Column('lifted_by', sa.String(length=64), nullable=True),
    sa.Column('lifted_at', WHEN, nullable=True),
    sa.ForeignKeyConstraint(['segment_code'], ['segments.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('moratoria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moratoria_segment_code'), ['segment_code'], unique=False)
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('medical_certificate_on', sa.Date(), nullable=True))
    op.create_table('trip_stops',
    sa.Column('id', ID, nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.Column('set_at', WHEN, nullable=False),
    sa.Column('lifted_by', sa.String(length=64), nullable=True),
    sa.Column('lifted_at', WHEN, nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('trip_stops')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('medical_certificate_on')
    with op.batch_alter_table('moratoria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moratoria_segment_code'))
    op.drop_table('moratoria')
    op.drop_table('calendar_days')
