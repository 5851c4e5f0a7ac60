"""protected customers and reversed payments (issue 16 items 4 and 5): who marked a customer
protected and when (``customers.protected_by``, ``customers.protected_at``); the classes of
protection as data (``protection_classes``, seeded with the classes the archive knew plus
``medical``); on a payment, the customer's ``overdue_since`` before it (``payments.overdue_before``,
so a reversal can give it back) and the reversal, once (``payments.reversed_at``,
``payments.reversal_reason``).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

WHEN = storage.types.UTCDateTime(timezone=True)
SEEDED = [
    {'code': 'life_support', 'label': 'Life support at home'},
    {'code': 'important', 'label': 'Important customer'},
    {'code': 'power_protect', 'label': 'Power supply protection'},
    {'code': 'medical', 'label': 'Medical equipment at home'},
]


def upgrade() -> None:
    classes = op.create_table(
        'protection_classes',
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('code'),
    )
    op.bulk_insert(classes, SEEDED)
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('protected_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('protected_at', WHEN, nullable=True))
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_before', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reversed_at', WHEN, nullable=True))
        batch_op.add_column(sa.Column('reversal_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('reversal_reason')
        batch_op.drop_column('reversed_at')
        batch_op.drop_column('overdue_before')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('protected_at')
        batch_op.drop_column('protected_by')
    op.drop_table('protection_classes')
