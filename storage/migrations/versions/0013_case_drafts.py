"""case drafts: a case is its author's draft until its start event's ``draft_until`` task is first
completed (issue 13 item 6); a discarded draft keeps its row (who, when) so no count includes it

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_drafts',
    sa.Column('instance_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('until_element', sa.String(length=255), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('discarded_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ),
    sa.PrimaryKeyConstraint('instance_id')
    )
    with op.batch_alter_table('case_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_drafts_author'), ['author'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_drafts_author'))
    op.drop_table('case_drafts')
