"""the ethics register's entries and their versions

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:41:12.121413
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('register_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('ai_act_tier', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('builtin', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('builtin')
    )
    with op.batch_alter_table('register_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_entry_ai_act_tier'), ['ai_act_tier'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_entry_status'), ['status'], unique=False)

    op.create_table('register_entry_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('author_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['register_entry.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('entry_id', 'version', name='uq_register_entry_version')
    )
    with op.batch_alter_table('register_entry_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_entry_version_entry_id'), ['entry_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('register_entry_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_entry_version_entry_id'))

    op.drop_table('register_entry_version')
    with op.batch_alter_table('register_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_entry_status'))
        batch_op.drop_index(batch_op.f('ix_register_entry_ai_act_tier'))

    op.drop_table('register_entry')
