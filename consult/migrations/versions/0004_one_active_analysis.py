"""one queued or running analysis per consultation

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('queued', 'running')")


def upgrade() -> None:
    # The app is stopped while it upgrades: a run still marked running was interrupted (an
    # earlier version left a killed worker's run so forever), and would break the index.
    op.execute(
        "UPDATE analysis_run SET status = 'failed', error = 'Analyse interrompue avant sa fin "
        "/ interrupted before its end' WHERE status IN ('queued', 'running')"
    )
    with op.batch_alter_table('analysis_run', schema=None) as batch_op:
        batch_op.create_index('uq_analysis_run_active', ['consultation_id'], unique=True,
                              sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade() -> None:
    with op.batch_alter_table('analysis_run', schema=None) as batch_op:
        batch_op.drop_index('uq_analysis_run_active')
