"""report columns: ``reconnections.sends`` and ``reconnections.reconnected_at`` and the
``disconnections`` table, kept by the steps from now on (issue 14 item 8: the whole-period report
over 1 M customers reads columns, not the history's JSON). Backfilled here the way the reports
computed them before: sends from the recorded ``headend.send_command`` calls (or the order's
``direct_close`` commands when more), the remote time from the first executed close, the on-site
time from the last ``reconnection.record_reconnected`` call; disconnections from the completed
``disconnect_customer`` instances' results.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 02:20:00
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

CHUNK = 5000
WHEN = storage.types.UTCDateTime(timezone=True)
SEND, RECORD = 'headend.send_command', 'reconnection.record_reconnected'


def upgrade() -> None:
    with op.batch_alter_table('reconnections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sends', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('reconnected_at', WHEN, nullable=True))
    op.create_table('disconnections',
                    sa.Column('instance_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
                    sa.Column('customer_number', sa.String(length=64), nullable=False),
                    sa.Column('at', WHEN, nullable=False),
                    sa.Column('how', sa.String(length=16), nullable=False),
                    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('instance_id'))
    with op.batch_alter_table('disconnections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disconnections_at'), ['at'], unique=False)
    conn = op.get_bind()
    _backfill_orders(conn)
    _backfill_disconnections(conn)


def _backfill_orders(conn: sa.Connection) -> None:
    sends, on_site = _recorded_calls(conn)
    commands = sa.table('meter_commands', sa.column('instance_id'), sa.column('customer_id'), sa.column('action'),
                        sa.column('status'), sa.column('relay'), sa.column('executed_at', WHEN))
    own = (commands.c.instance_id, commands.c.customer_id)
    counted = {(r[0], r[1]): r[2] for r in conn.execute(
        sa.select(*own, sa.func.count()).where(commands.c.action == 'direct_close').group_by(*own))}
    closed = {(r[0], r[1]): r[2] for r in conn.execute(
        sa.select(*own, sa.func.min(commands.c.executed_at))
        .where(commands.c.action == 'direct_close', commands.c.status == 'executed', commands.c.relay == 'closed')
        .group_by(*own))}
    orders = sa.table('reconnections', sa.column('id'), sa.column('instance_id'), sa.column('customer_id'),
                      sa.column('outcome'), sa.column('sends'), sa.column('reconnected_at', WHEN))
    changes = []
    for order in conn.execute(sa.select(orders.c.id, orders.c.instance_id, orders.c.customer_id, orders.c.outcome)):
        key = (order.instance_id, order.customer_id)
        restored = closed.get(key) if order.outcome == 'reconnected_remote' \
            else on_site.get(order.instance_id) if order.outcome == 'reconnected_on_site' else None
        changes.append({'b_id': order.id, 'b_sends': max(sends.get(order.instance_id, 0), counted.get(key, 0)),
                        'b_at': restored})
    statement = (orders.update().where(orders.c.id == sa.bindparam('b_id'))
                 .values(sends=sa.bindparam('b_sends'), reconnected_at=sa.bindparam('b_at', type_=WHEN)))
    for start in range(0, len(changes), CHUNK):
        conn.execute(statement, changes[start:start + CHUNK])


def _recorded_calls(conn: sa.Connection) -> tuple[dict[int, int], dict[int, datetime | None]]:
    """Per instance: its recorded send calls, and the time its last ``record_reconnected`` call recorded."""
    events = sa.table('history_events', sa.column('id'), sa.column('instance_id'), sa.column('type'),
                      sa.column('seq'), sa.column('data', sa.JSON))
    operator = events.c.data['operator'].as_string()
    sends: dict[int, int] = {}
    on_site: dict[int, datetime | None] = {}
    rows = conn.execute(sa.select(events.c.instance_id, operator, events.c.data)
                        .where(events.c.type == 'service.called', operator.in_((SEND, RECORD)),
                               events.c.instance_id.is_not(None))
                        .order_by(events.c.instance_id, events.c.seq))
    for instance_id, called, data in rows:
        if called == SEND:
            sends[instance_id] = sends.get(instance_id, 0) + 1
        else:
            on_site[instance_id] = _aware(((data or {}).get('result') or {}).get('reconnected_at'))
    return sends, on_site


def _backfill_disconnections(conn: sa.Connection) -> None:
    instances = sa.table('instances', sa.column('id'), sa.column('process_id'), sa.column('status'),
                         sa.column('result', sa.JSON))
    rows = []
    for instance_id, result in conn.execute(sa.select(instances.c.id, instances.c.result).where(
            instances.c.process_id == 'disconnect_customer', instances.c.status == 'completed')):
        found = _disconnection(instance_id, result)
        if found is not None:
            rows.append(found)
    table = sa.table('disconnections', sa.column('instance_id'), sa.column('customer_number'),
                     sa.column('at', WHEN), sa.column('how'))
    for start in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[start:start + CHUNK])


def _disconnection(instance_id: int, result: Any) -> dict[str, Any] | None:
    if not isinstance(result, dict) or result.get('outcome') != 'disconnected':
        return None
    at = _aware(result.get('at'))
    if at is None:
        return None
    return {'instance_id': instance_id, 'customer_number': str(result.get('customer') or ''), 'at': at,
            'how': str(result.get('how') or 'remote')}


def _aware(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def downgrade() -> None:
    with op.batch_alter_table('disconnections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disconnections_at'))
    op.drop_table('disconnections')
    with op.batch_alter_table('reconnections', schema=None) as batch_op:
        batch_op.drop_column('reconnected_at')
        batch_op.drop_column('sends')
