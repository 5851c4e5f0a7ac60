"""case customers: every customer a case's tasks have named, kept after the tasks close (issue 13
item 1: a batch's member finds the batch on their page and in the case search). Filled from the
open tasks' customers and from the history of completed tasks whose data named ``customers``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

CHUNK = 1000


def upgrade() -> None:
    op.create_table('case_customers',
                    sa.Column('instance_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
                    sa.Column('customer_number', sa.String(length=64), nullable=False),
                    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('instance_id', 'customer_number'))
    with op.batch_alter_table('case_customers', schema=None) as batch_op:
        batch_op.create_index('ix_case_customers_customer', ['customer_number', 'instance_id'], unique=False)
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    tasks, links = sa.table('user_tasks', sa.column('id'), sa.column('instance_id')), sa.table(
        'user_task_customers', sa.column('task_id'), sa.column('customer_number'))
    found: set[tuple[int, str]] = {(row[0], row[1]) for row in conn.execute(
        sa.select(tasks.c.instance_id, links.c.customer_number).join(links, links.c.task_id == tasks.c.id))}
    events = sa.table('history_events', sa.column('id'), sa.column('instance_id'), sa.column('type'),
                      sa.column('data', sa.JSON))
    last = 0
    while True:
        rows = conn.execute(sa.select(events.c.id, events.c.instance_id, events.c.data)
                            .where(events.c.type == 'task.completed', events.c.id > last)
                            .order_by(events.c.id).limit(CHUNK)).all()
        if not rows:
            break
        last = rows[-1].id
        for row in rows:
            named = ((row.data or {}).get('data') or {}).get('customers')
            if row.instance_id is not None and isinstance(named, list):
                found.update((row.instance_id, n) for n in named if isinstance(n, str) and 0 < len(n) <= 64)
    table = sa.table('case_customers', sa.column('instance_id'), sa.column('customer_number'))
    if found:
        conn.execute(table.insert(), [{'instance_id': i, 'customer_number': n} for i, n in sorted(found)])


def downgrade() -> None:
    with op.batch_alter_table('case_customers', schema=None) as batch_op:
        batch_op.drop_index('ix_case_customers_customer')
    op.drop_table('case_customers')
