"""bias tests of register entries, the committee's waivers and thresholds

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 06:08:08.575830
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bias_test',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('dataset_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('not_enough_data', sa.Integer(), nullable=False),
    sa.Column('author_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['register_entry.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bias_test', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bias_test_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bias_test_entry_id'), ['entry_id'], unique=False)

    op.create_table('bias_thresholds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('ratio_min', sa.Float(), nullable=False),
    sa.Column('ratio_max', sa.Float(), nullable=False),
    sa.Column('max_difference', sa.Float(), nullable=False),
    sa.Column('min_count', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('latest', sa.Boolean(), nullable=False),
    sa.Column('author_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['register_entry.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bias_thresholds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bias_thresholds_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('uq_bias_thresholds_latest', ['entry_id'], unique=True, sqlite_where=sa.text('latest'), postgresql_where=sa.text('latest'))

    op.create_table('bias_waiver',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('test_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('signer_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('author_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['register_entry.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['test_id'], ['bias_test.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('test_id', 'metric', name='uq_bias_waiver')
    )
    with op.batch_alter_table('bias_waiver', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bias_waiver_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bias_waiver_test_id'), ['test_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('bias_waiver', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bias_waiver_test_id'))
        batch_op.drop_index(batch_op.f('ix_bias_waiver_entry_id'))

    op.drop_table('bias_waiver')
    with op.batch_alter_table('bias_thresholds', schema=None) as batch_op:
        batch_op.drop_index('uq_bias_thresholds_latest', sqlite_where=sa.text('latest'), postgresql_where=sa.text('latest'))
        batch_op.drop_index(batch_op.f('ix_bias_thresholds_entry_id'))

    op.drop_table('bias_thresholds')
    with op.batch_alter_table('bias_test', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bias_test_entry_id'))
        batch_op.drop_index(batch_op.f('ix_bias_test_created_at'))

    op.drop_table('bias_test')
