"""the analysts' workbench: drafts, revisions, proposals, rehearsal runs; how each version was deployed (issue 12)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 20:18:42

Deployments and process versions say who deployed, with which comment, approved by whom (NULL:
without approval — ``relayflow deploy FILE`` or the start-up seed) and through which proposal.
A version made before this migration gets its deployment's ``deployed_by``/``deployed_at``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('process_drafts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('process_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('based_on_deployment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['based_on_deployment_id'], ['deployments.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('process_drafts', schema=None) as batch_op:
        batch_op.create_index('ix_process_drafts_process', ['process_id', 'status'], unique=False)

    op.create_table('draft_revisions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('draft_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('saved_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('has_errors', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['process_drafts.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('draft_id', 'n')
    )
    with op.batch_alter_table('draft_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_revisions_draft_id'), ['draft_id'], unique=False)

    op.create_table('proposals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('draft_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('revision_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('proposed_by', sa.String(length=64), nullable=False),
    sa.Column('proposed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.Column('deployment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['deployment_id'], ['deployments.id'], ),
    sa.ForeignKeyConstraint(['draft_id'], ['process_drafts.id'], ),
    sa.ForeignKeyConstraint(['revision_id'], ['draft_revisions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_draft_id'), ['draft_id'], unique=False)
        batch_op.create_index('ix_proposals_status', ['status', 'draft_id'], unique=False)

    op.create_table('rehearsal_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('revision_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('requested_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('scope', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('cases', sa.JSON(), nullable=True),
    sa.Column('finished_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['revision_id'], ['draft_revisions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rehearsal_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rehearsal_runs_revision_id'), ['revision_id'], unique=False)

    with op.batch_alter_table('deployments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('approved_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('proposal_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=True))

    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deployed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('deployed_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('approved_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('proposal_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=True))
    op.execute("UPDATE process_versions SET "
               "deployed_by = (SELECT d.deployed_by FROM deployments d WHERE d.id = process_versions.deployment_id), "
               "deployed_at = (SELECT d.deployed_at FROM deployments d WHERE d.id = process_versions.deployment_id)")


def downgrade() -> None:
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.drop_column('proposal_id')
        batch_op.drop_column('approved_by')
        batch_op.drop_column('comment')
        batch_op.drop_column('deployed_at')
        batch_op.drop_column('deployed_by')

    with op.batch_alter_table('deployments', schema=None) as batch_op:
        batch_op.drop_column('proposal_id')
        batch_op.drop_column('approved_by')
        batch_op.drop_column('comment')

    with op.batch_alter_table('rehearsal_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rehearsal_runs_revision_id'))

    op.drop_table('rehearsal_runs')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_status')
        batch_op.drop_index(batch_op.f('ix_proposals_draft_id'))

    op.drop_table('proposals')
    with op.batch_alter_table('draft_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_revisions_draft_id'))

    op.drop_table('draft_revisions')
    with op.batch_alter_table('process_drafts', schema=None) as batch_op:
        batch_op.drop_index('ix_process_drafts_process')

    op.drop_table('process_drafts')
