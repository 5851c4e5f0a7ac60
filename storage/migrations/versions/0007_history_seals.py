"""history: the global chain of seals (each a signed digest of a range of events, anchored outside)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 06:10:00

On PostgreSQL the seals are append-only like the events (the same trigger function).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'history_seals',
        sa.Column('n', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('after_event_id', ID, nullable=False),
        sa.Column('through_event_id', ID, nullable=False),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('heads', sa.JSON(), nullable=False),
        sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('signature', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('n'),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE OR REPLACE FUNCTION relayflow_history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
            END $$
        """)
        op.execute("CREATE TRIGGER history_seals_append_only BEFORE UPDATE OR DELETE ON history_seals "
                   "FOR EACH ROW EXECUTE FUNCTION relayflow_history_is_append_only()")


def downgrade() -> None:
    op.drop_table('history_seals')
