"""a batch's done message may carry its children's results or only the batch's id (issue 14 item 9):
``child_batches.results_in_message``, true for every batch started before (they carried them).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('child_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results_in_message', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('child_batches', schema=None) as batch_op:
        batch_op.drop_column('results_in_message')
