"""user tasks: the user a task is offered to first (the diagram's ``offer_to``), for "my tasks"

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offered_to', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_user_tasks_offered', ['offered_to', 'claimed_by', 'lane', 'due_at', 'created_at',
                                                        'id', 'process_id', 'element_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('user_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_user_tasks_offered')
        batch_op.drop_column('offered_to')
