"""analysis runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:46:07.142595
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('analysis_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('input_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('contribution_ids', sa.Text(), nullable=False),
    sa.Column('parameters', sa.Text(), nullable=False),
    sa.Column('versions', sa.Text(), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('analysis_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_run_consultation_id'), ['consultation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('analysis_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_run_consultation_id'))

    op.drop_table('analysis_run')
