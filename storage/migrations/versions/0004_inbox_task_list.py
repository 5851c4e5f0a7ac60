"""inbox: due times, the process and the customers of open user tasks, and the inbox's indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 03:09:06.265767

Open tasks get ``process_id`` (copied from their instance) and ``due_at`` (NULL for tasks opened
before the diagrams named due times); ``user_task_customers`` is filled by the runtime from now on.
The single-column claimant and lane indexes give way to the inbox's covering ones, and the
customers' segment index also holds their numbers (the segment filter reads no customer row).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_task_customers',
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('customer_number', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['user_tasks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', 'customer_number')
    )
    with op.batch_alter_table('user_task_customers', schema=None) as batch_op:
        batch_op.create_index('ix_user_task_customers_customer', ['customer_number', 'task_id'], unique=False)
    with op.batch_alter_table('customers', schema=None) as batch_op:  # now covers the customers' numbers
        batch_op.drop_index('ix_customers_segment_code')
        batch_op.create_index('ix_customers_segment_code', ['segment_code', 'number'], unique=False)

    with op.batch_alter_table('user_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('process_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('due_at', storage.types.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE user_tasks SET process_id = "
               "(SELECT instances.process_id FROM instances WHERE instances.id = user_tasks.instance_id)")
    with op.batch_alter_table('user_tasks', schema=None) as batch_op:
        batch_op.alter_column('process_id', existing_type=sa.String(length=255), nullable=False)
        batch_op.drop_index(batch_op.f('ix_user_tasks_claimed_by'))
        batch_op.drop_index(batch_op.f('ix_user_tasks_lane'))
        batch_op.create_index('ix_user_tasks_due', ['due_at', 'created_at', 'id', 'process_id', 'element_id'],
                              unique=False)
        batch_op.create_index('ix_user_tasks_element', ['element_id', 'name'], unique=False)
        batch_op.create_index('ix_user_tasks_inbox',
                              ['claimed_by', 'lane', 'due_at', 'created_at', 'id', 'process_id', 'element_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('user_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_user_tasks_inbox')
        batch_op.drop_index('ix_user_tasks_element')
        batch_op.drop_index('ix_user_tasks_due')
        batch_op.create_index(batch_op.f('ix_user_tasks_lane'), ['lane'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_tasks_claimed_by'), ['claimed_by'], unique=False)
        batch_op.drop_column('due_at')
        batch_op.drop_column('process_id')

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_segment_code')
        batch_op.create_index('ix_customers_segment_code', ['segment_code'], unique=False)
    with op.batch_alter_table('user_task_customers', schema=None) as batch_op:
        batch_op.drop_index('ix_user_task_customers_customer')

    op.drop_table('user_task_customers')
