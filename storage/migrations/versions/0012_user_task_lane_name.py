"""user tasks: the lane's name people read (审批人), besides its role (``lane``), which decides who

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lane_name', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user_tasks', schema=None) as batch_op:
        batch_op.drop_column('lane_name')
