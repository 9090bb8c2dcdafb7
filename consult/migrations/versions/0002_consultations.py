"""consultations, contributions, votes, moderation, proposals, erasure

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:59:43.262369
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consultation',
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('opens_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('closes_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('anonymity', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('stance_scale', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_by_ref', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_status'), ['status'], unique=False)

    op.create_table('consent_record',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('participant_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('notice_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('accepted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('consultation_id', 'participant_ref')
    )
    op.create_table('consultation_college',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('college_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['college_id'], ['college.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('consultation_id', 'college_id')
    )
    op.create_table('contribution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('participant_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('college_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('redacted_text', sa.Text(), nullable=False),
    sa.Column('stance', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('withdrawn', sa.Boolean(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.Column('hidden_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('report_count', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('submission_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['member.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['college_id'], ['college.id'], ),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('submission_key')
    )
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_college_id'), ['college_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_hidden'), ['hidden'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_participant_ref'), ['participant_ref'], unique=False)

    op.create_table('proposal',
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('need', sa.Text(), nullable=False),
    sa.Column('benefits', sa.Text(), nullable=False),
    sa.Column('affected', sa.Text(), nullable=False),
    sa.Column('data_used', sa.Text(), nullable=False),
    sa.Column('personal_data', sa.Boolean(), nullable=False),
    sa.Column('sensitive_data', sa.Boolean(), nullable=False),
    sa.Column('risks', sa.Text(), nullable=False),
    sa.Column('environmental_cost', sa.Text(), nullable=False),
    sa.Column('alternatives', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('college_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('submission_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['member.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['college_id'], ['college.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('submission_key')
    )
    op.create_table('contribution_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('reporter_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('contribution_id', 'reporter_ref')
    )
    with op.batch_alter_table('contribution_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_report_contribution_id'), ['contribution_id'], unique=False)

    op.create_table('contribution_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('redacted_text', sa.Text(), nullable=False),
    sa.Column('stance', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('withdrawn', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contribution_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_version_contribution_id'), ['contribution_id'], unique=False)

    op.create_table('proposal_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('college_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('submission_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['member.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['college_id'], ['college.id'], ),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('submission_key')
    )
    with op.batch_alter_table('proposal_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_comment_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_support',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'member_id')
    )
    op.create_table('vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('participant_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('college_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('latest', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['college_id'], ['college.id'], ),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_contribution_id'), ['contribution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_latest'), ['latest'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_participant_ref'), ['participant_ref'], unique=False)

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_participant_ref'))
        batch_op.drop_index(batch_op.f('ix_vote_latest'))
        batch_op.drop_index(batch_op.f('ix_vote_contribution_id'))

    op.drop_table('vote')
    op.drop_table('proposal_support')
    with op.batch_alter_table('proposal_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_comment_proposal_id'))

    op.drop_table('proposal_comment')
    with op.batch_alter_table('contribution_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_version_contribution_id'))

    op.drop_table('contribution_version')
    with op.batch_alter_table('contribution_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_report_contribution_id'))

    op.drop_table('contribution_report')
    op.drop_table('proposal')
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_participant_ref'))
        batch_op.drop_index(batch_op.f('ix_contribution_hidden'))
        batch_op.drop_index(batch_op.f('ix_contribution_consultation_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_college_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_author_id'))

    op.drop_table('contribution')
    op.drop_table('consultation_college')
    op.drop_table('consent_record')
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_status'))

    op.drop_table('consultation')
