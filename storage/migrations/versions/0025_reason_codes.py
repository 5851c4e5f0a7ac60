"""reason codes (issue 16 item 7): the coded reasons of a disconnection (SAP-style 01–04) and of a
cut that was not made (C1–C7), an editable list a sysadmin keeps, and which code each not-cut
cause (a child's outcome, the outbox's cancellation) is counted under. Seeded here; codes are
never deleted or renumbered (a sysadmin renames or retires them).

Revision ID: 0025
Revises: 0022
Create Date: 2026-12-05 13:30:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0025'
down_revision = '0022'
branch_labels = None
depends_on = None

WHEN = storage.types.UTCDateTime(timezone=True)
SEEDED_AT = datetime(2026, 12, 5, 13, 30, tzinfo=UTC)
SEEDED_BY = 'migration 0025'
CODES = [
    ('disconnection', '01', 'Dunning level reached (arrears)', '欠费达到催缴级别'),
    ('disconnection', '02', 'Vacancy', '房屋空置'),
    ('disconnection', '03', 'Customer request', '客户申请'),
    ('disconnection', '04', 'Technical', '技术原因'),
    ('cancelled_cut', 'C1', 'Paid before the trip', '断电前已缴清'),
    ('cancelled_cut', 'C2', 'Protected customer', '保护用户'),
    ('cancelled_cut', 'C3', 'Outside the cut window or policy', '不在允许停电的时段或政策之外'),
    ('cancelled_cut', 'C4', 'Global stop', '全局暂停停电'),
    ('cancelled_cut', 'C5', 'Command expired', '命令过期'),
    ('cancelled_cut', 'C6', 'Ended by an operator', '操作员终止'),
    ('cancelled_cut', 'C7', 'Not cut on site', '现场未停电'),
]
CAUSES = [  # a child's outcome (disconnect_customer.bpmn), its end, or the outbox's cancellation
    ('paid_before_trip', 'C1'), ('cancelled_paid', 'C1'), ('protected', 'C2'), ('global_stop', 'C4'),
    ('command_expired', 'C5'), ('terminated', 'C6'), ('not_disconnected', 'C7'),
]


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
    op.bulk_insert(codes, [{'kind': kind, 'code': code, 'label_en': en, 'label_zh': zh, 'changed_by': SEEDED_BY,
                            'changed_at': SEEDED_AT} for kind, code, en, zh in CODES])
    op.bulk_insert(causes, [{'cause': cause, 'code': code, 'changed_by': SEEDED_BY, 'changed_at': SEEDED_AT}
                            for cause, code in CAUSES])


def downgrade() -> None:
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_index('ix_instances_process_ended')
    op.drop_table('cut_cause_codes')
    op.drop_table('reason_codes')
