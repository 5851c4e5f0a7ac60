"""reason codes (issue 16 item 7): the coded reasons of a disconnection (SAP-style 01–04) and of a
cut that was not made (C1–C7), an editable list a sysadmin keeps, and which code each not-cut
cause (a child's outcome, the outbox's cancellation) is counted under. Seeded here; codes are
never deleted or renumbered (a sysadmin renames or retires them).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.reason_codes import SEEDED_AT, seed_rows

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

WHEN = storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    codes = op.create_table('reason_codes',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('label_en', sa.String(length=120), nullable=False),
    sa.Column('label_zh', sa.String(length=120), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=False),
    sa.Column('changed_at', WHEN, nullable=False),
    sa.Column('retired_by', sa.String(length=64), nullable=True),
    sa.Column('retired_at', WHEN, nullable=True),
    sa.PrimaryKeyConstraint('kind', 'code')
    )
    causes = op.create_table('cut_cause_codes',
    sa.Column('cause', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=False),
    sa.Column('changed_at', WHEN, nullable=False),
    sa.PrimaryKeyConstraint('cause')
    )
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.create_index('ix_instances_process_ended', ['process_id', 'ended_at'], unique=False)
    code_rows, cause_rows = seed_rows(SEEDED_AT)  # the shipped list (storage.reason_codes.SEEDED_CODES)
    op.bulk_insert(codes, code_rows)
    op.bulk_insert(causes, cause_rows)


def downgrade() -> None:
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_index('ix_instances_process_ended')
    op.drop_table('cut_cause_codes')
    op.drop_table('reason_codes')
