"""history subjects and segment tallies (issue 14 item 9):

- whom each ``archive`` event is about (its data's ``customer`` or ``segment``), written with the
  event from now on and filled here from the archive stream: the customer's and the segment's
  timelines read an index, not every event's JSON;
- per segment, its customers and its SMS subscribers per notice type and in all, kept by triggers
  on ``customers`` and ``sms_subscriptions`` (``storage/segment_tallies.py``) and counted here
  once: ``/subscriptions`` reads them instead of grouping a million customers on every view.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage import segment_tallies

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

CHUNK = 5000
STREAM, KEYS, LONGEST = 'archive', ('customer', 'segment'), 64


def upgrade() -> None:
    op.create_table('history_subjects',
                    sa.Column('key', sa.String(length=16), nullable=False),
                    sa.Column('value', sa.String(length=64), nullable=False),
                    sa.Column('stream', sa.String(length=128), nullable=False),
                    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
                    sa.PrimaryKeyConstraint('key', 'value', 'stream', 'seq'))
    fill(op.get_bind())
    op.create_table('segment_tallies',
                    sa.Column('segment_code', sa.String(length=32), nullable=False),
                    sa.Column('kind', sa.String(length=32), nullable=False),
                    sa.Column('count', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('segment_code', 'kind'))
    for statement in _triggers():
        op.execute(statement)
    op.execute(segment_tallies.FILL)


def _triggers() -> tuple[str, ...]:
    if op.get_bind().dialect.name == 'postgresql':
        return segment_tallies.POSTGRES_TRIGGERS
    return segment_tallies.SQLITE_TRIGGERS


def fill(conn: sa.Connection) -> None:
    """Every archive event's subjects, read a chunk of events at a time."""
    events = sa.table('history_events', sa.column('stream'), sa.column('seq'), sa.column('data', sa.JSON))
    subjects = sa.table('history_subjects', sa.column('key'), sa.column('value'), sa.column('stream'),
                        sa.column('seq'))
    last = 0
    while True:
        rows = conn.execute(sa.select(events.c.seq, events.c.data).where(events.c.stream == STREAM,
                                                                          events.c.seq > last)
                            .order_by(events.c.seq).limit(CHUNK)).all()
        if not rows:
            break
        last = rows[-1].seq
        found = [{'key': key, 'value': value, 'stream': STREAM, 'seq': seq} for seq, data in rows for key in KEYS
                 if isinstance(value := (data or {}).get(key), str) and 0 < len(value) <= LONGEST]
        if found:
            conn.execute(subjects.insert(), found)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    for name, table in segment_tallies.TRIGGERS:
        op.execute(f'DROP TRIGGER {name} ON {table}' if postgres else f'DROP TRIGGER {name}')
    if postgres:
        for function in segment_tallies.POSTGRES_FUNCTIONS:
            op.execute(f'DROP FUNCTION {function}')
    op.drop_table('segment_tallies')
    op.drop_table('history_subjects')
