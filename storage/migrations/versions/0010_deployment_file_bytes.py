"""deployment files: the bytes as sent, when they are not the text in UTF-8 (issue 10 item 10)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:00:00

A BPMN file saved as ISO-8859-1, windows-1252 or UTF-16 is stored as text (for the diagram) and
as its bytes (the bundle hash, replay and case files need them exactly as the analyst sent them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deployment_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deployment_files', schema=None) as batch_op:
        batch_op.drop_column('raw')
