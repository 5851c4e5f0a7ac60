"""meter commands: when the head-end was handed the command (status 'sent')

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meter_commands', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_at', storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('meter_commands', schema=None) as batch_op:
        batch_op.drop_column('sent_at')
