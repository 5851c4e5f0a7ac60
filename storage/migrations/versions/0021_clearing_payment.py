"""the clearing payment on the reconnection order: ``reconnections.clearing_payment_id`` and
``reconnections.paid_at``, kept when the order opens from now on (issue 14 item 8: the whole-period
report no longer looks the payment up per order). Backfilled here the way the reports looked it
up: the customer's latest payment received by the time the order opened that left nothing owed
(on PostgreSQL in one pass, ``DISTINCT ON``; on SQLite a lookup per order). And an index on
``reconnections.opened_at``: the reports page lists the period's first manual orders (200 of
~30,000) by walking it instead of sorting them all.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import distinct_on

import storage.types

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
WHEN = storage.types.UTCDateTime(timezone=True)
ORDERS = sa.table('reconnections', sa.column('id'), sa.column('customer_id'), sa.column('opened_at', WHEN),
                  sa.column('clearing_payment_id'), sa.column('paid_at', WHEN))
PAYMENTS = sa.table('payments', sa.column('id'), sa.column('customer_id'), sa.column('paid_at', WHEN),
                    sa.column('received_at', WHEN), sa.column('owed_after_cents'))


def upgrade() -> None:
    with op.batch_alter_table('reconnections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clearing_payment_id', ID, sa.ForeignKey('payments.id', name='fk_reconnections_clearing_payment'), nullable=True))
        batch_op.add_column(sa.Column('paid_at', WHEN, nullable=True))
        batch_op.create_index(batch_op.f('ix_reconnections_opened_at'), ['opened_at'], unique=False)
    _backfill(op.get_bind())


def _clears(order: sa.FromClause) -> sa.ColumnElement[bool]:
    return sa.and_(PAYMENTS.c.customer_id == order.c.customer_id, PAYMENTS.c.owed_after_cents <= 0,
                   PAYMENTS.c.received_at <= order.c.opened_at)


def _backfill(conn: sa.Connection) -> None:
    """Every order's clearing payment, as ``storage.reconnections.open_order`` keeps it."""
    latest = (PAYMENTS.c.received_at.desc(), PAYMENTS.c.id.desc())
    if conn.dialect.name == 'postgresql':
        order = ORDERS.alias('o')
        found = (sa.select(order.c.id.label('order_id'), PAYMENTS.c.id.label('payment_id'), PAYMENTS.c.paid_at)
                 .join(PAYMENTS, _clears(order)).ext(distinct_on(order.c.id)).order_by(order.c.id, *latest)
                 .subquery('found'))
        conn.execute(ORDERS.update().where(ORDERS.c.id == found.c.order_id)
                     .values(clearing_payment_id=found.c.payment_id, paid_at=found.c.paid_at))
        return
    conn.execute(ORDERS.update().values(clearing_payment_id=sa.select(PAYMENTS.c.id).where(_clears(ORDERS))
                                        .order_by(*latest).limit(1).scalar_subquery()))
    conn.execute(ORDERS.update().where(ORDERS.c.clearing_payment_id.is_not(None)).values(
        paid_at=sa.select(PAYMENTS.c.paid_at).where(PAYMENTS.c.id == ORDERS.c.clearing_payment_id)
        .scalar_subquery()))


def downgrade() -> None:
    with op.batch_alter_table('reconnections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconnections_opened_at'))
        batch_op.drop_column('paid_at')
        batch_op.drop_column('clearing_payment_id')
