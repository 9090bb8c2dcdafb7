"""one latest vote per participant and contribution

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Parallel requests could leave several latest votes: keep the last one of each pair.
    op.execute(
        "UPDATE vote SET latest = false WHERE latest AND EXISTS ("
        "SELECT 1 FROM vote AS later WHERE later.latest "
        "AND later.contribution_id = vote.contribution_id "
        "AND later.participant_ref = vote.participant_ref AND later.id > vote.id)"
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index('uq_vote_latest', ['contribution_id', 'participant_ref'],
                              unique=True, sqlite_where=sa.text('latest'),
                              postgresql_where=sa.text('latest'))


def downgrade() -> None:
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_index('uq_vote_latest')
