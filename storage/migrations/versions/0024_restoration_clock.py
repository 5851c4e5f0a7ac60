"""the restoration clock on the reconnection order (issue 16 item 3): when it started (the
clearing payment, or the order's opening when the patrol found the customer), when it falls due
(the policy's hours for the customer's class), when the reconnection was escalated to a
supervisor, and, once closed, whether power came back in time (``met``) or not (``breached``).
Orders opened before this migration carry no clock. An index on ``due_at`` serves the open
clocks' page.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 13:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

WHEN = storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('reconnections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clock_started_at', WHEN, nullable=True))
        batch_op.add_column(sa.Column('due_at', WHEN, nullable=True))
        batch_op.add_column(sa.Column('escalated_at', WHEN, nullable=True))
        batch_op.add_column(sa.Column('clock_outcome', sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_reconnections_due_at'), ['due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reconnections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconnections_due_at'))
        batch_op.drop_column('clock_outcome')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('due_at')
        batch_op.drop_column('clock_started_at')
