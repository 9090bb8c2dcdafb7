"""the board: AI charter versions, motions, open and secret ballots, proxies, notifications; a proposal's consultation

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 06:32:58.221225
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('motion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('majority', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('quorum', sa.Float(), nullable=False),
    sa.Column('college_quorum', sa.Float(), nullable=False),
    sa.Column('weights', sa.Text(), nullable=False),
    sa.Column('empty_college', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('secret', sa.Boolean(), nullable=False),
    sa.Column('opens_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closes_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('outcome_statement', sa.Text(), nullable=False),
    sa.Column('created_by_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('minutes_signed_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('minutes_signed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('motion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_motion_status'), ['status'], unique=False)

    op.create_table('charter_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('principles', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('base_version_id', sa.Integer(), nullable=True),
    sa.Column('consultation_id', sa.Integer(), nullable=True),
    sa.Column('motion_id', sa.Integer(), nullable=True),
    sa.Column('author_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('adopted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['base_version_id'], ['charter_version.id'], ),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('charter_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charter_version_status'), ['status'], unique=False)
        batch_op.create_index('uq_charter_version_adopted', ['status'], unique=True, sqlite_where=sa.text("status = 'adopted'"), postgresql_where=sa.text("status = 'adopted'"))

    op.create_table('secret_ballot',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('voter_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('college_id', sa.Integer(), nullable=True),
    sa.Column('by_proxy', sa.Boolean(), nullable=False),
    sa.Column('choice', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('commitment', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('latest', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['college_id'], ['college.id'], ),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('secret_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_secret_ballot_motion_id'), ['motion_id'], unique=False)
        batch_op.create_index('uq_secret_ballot_latest', ['motion_id', 'voter_key'], unique=True, sqlite_where=sa.text('latest'), postgresql_where=sa.text('latest'))

    op.create_table('ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=True),
    sa.Column('voter_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('college_id', sa.Integer(), nullable=True),
    sa.Column('cast_by_id', sa.Integer(), nullable=True),
    sa.Column('by_proxy', sa.Boolean(), nullable=False),
    sa.Column('choice', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('latest', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cast_by_id'], ['member.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['college_id'], ['college.id'], ),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['member.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_motion_id'), ['motion_id'], unique=False)
        batch_op.create_index('uq_ballot_latest', ['motion_id', 'voter_id'], unique=True, sqlite_where=sa.text('latest'), postgresql_where=sa.text('latest'))

    op.create_table('ballot_participation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('member_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('cast_by_id', sa.Integer(), nullable=True),
    sa.Column('by_proxy', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cast_by_id'], ['member.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('motion_id', 'member_id', name='uq_ballot_participation')
    )
    with op.batch_alter_table('ballot_participation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_participation_motion_id'), ['motion_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_member_id'), ['member_id'], unique=False)

    op.create_table('notification_setting',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'kind')
    )
    op.create_table('proxy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['giver_id'], ['member.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['holder_id'], ['member.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('proxy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxy_giver_id'), ['giver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proxy_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proxy_motion_id'), ['motion_id'], unique=False)
        batch_op.create_index('uq_proxy_standing', ['motion_id', 'giver_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consultation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_proposal_consultation_id', 'consultation', ['consultation_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_constraint('fk_proposal_consultation_id', type_='foreignkey')
        batch_op.drop_column('consultation_id')

    with op.batch_alter_table('proxy', schema=None) as batch_op:
        batch_op.drop_index('uq_proxy_standing', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_proxy_motion_id'))
        batch_op.drop_index(batch_op.f('ix_proxy_holder_id'))
        batch_op.drop_index(batch_op.f('ix_proxy_giver_id'))

    op.drop_table('proxy')
    op.drop_table('notification_setting')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_member_id'))
        batch_op.drop_index(batch_op.f('ix_notification_created_at'))

    op.drop_table('notification')
    with op.batch_alter_table('ballot_participation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_participation_motion_id'))

    op.drop_table('ballot_participation')
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index('uq_ballot_latest', sqlite_where=sa.text('latest'), postgresql_where=sa.text('latest'))
        batch_op.drop_index(batch_op.f('ix_ballot_motion_id'))

    op.drop_table('ballot')
    with op.batch_alter_table('secret_ballot', schema=None) as batch_op:
        batch_op.drop_index('uq_secret_ballot_latest', sqlite_where=sa.text('latest'), postgresql_where=sa.text('latest'))
        batch_op.drop_index(batch_op.f('ix_secret_ballot_motion_id'))

    op.drop_table('secret_ballot')
    with op.batch_alter_table('charter_version', schema=None) as batch_op:
        batch_op.drop_index('uq_charter_version_adopted', sqlite_where=sa.text("status = 'adopted'"), postgresql_where=sa.text("status = 'adopted'"))
        batch_op.drop_index(batch_op.f('ix_charter_version_status'))

    op.drop_table('charter_version')
    with op.batch_alter_table('motion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_motion_status'))

    op.drop_table('motion')
