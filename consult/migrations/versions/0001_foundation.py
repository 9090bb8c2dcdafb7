"""foundation: cooperative, colleges, members, tokens, audit events

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 10:42:44.949403
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('event_type', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('actor_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('object_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('object_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('canonical', sa.Text(), nullable=False),
    sa.Column('leaf_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_actor_ref'), ['actor_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_event_type'), ['event_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('college',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('vote_weight', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('cooperative',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('member',
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('college_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_login_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['college_id'], ['college.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ref')
    )
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_college_id'), ['college_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_email'), ['email'], unique=True)

    op.create_table('member_role',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'role')
    )
    op.create_table('member_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('member_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_token_member_id'), ['member_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('member_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_token_member_id'))

    op.drop_table('member_token')
    op.drop_table('member_role')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_email'))
        batch_op.drop_index(batch_op.f('ix_member_college_id'))

    op.drop_table('member')
    op.drop_table('cooperative')
    op.drop_table('college')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_audit_event_event_type'))
        batch_op.drop_index(batch_op.f('ix_audit_event_actor_ref'))

    op.drop_table('audit_event')
