"""the tamper-evident audit log: each event's place in a Merkle tree, the tree's state,
signed checkpoints, and append-only triggers

Events recorded before this revision are given their place in id order, and their canonical
form gains its index and the leaf hash of the event before it, as every later event has: the
log starts here, before any checkpoint was signed, so no signed history is rewritten.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:20:00
"""

import hashlib
import json

from alembic import op
import sqlalchemy as sa
import sqlmodel

from consult import append_only
from ethics_register.merkle import RightEdge


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('right_edge', sa.Text(), nullable=False),
        sa.Column('last_leaf', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('root_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.CheckConstraint('id = 1', name='audit_log_one_row'),
    )
    op.create_table(
        'audit_checkpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('tree_size', sa.Integer(), nullable=False),
        sa.Column('root_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_checkpoint_created_at', 'audit_checkpoint', ['created_at'])
    op.create_index('ix_audit_checkpoint_tree_size', 'audit_checkpoint', ['tree_size'])
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leaf_index', sa.Integer(), nullable=True))

    connection = op.get_bind()
    events = sa.table('audit_event', sa.column('id'), sa.column('leaf_index'),
                      sa.column('canonical'), sa.column('leaf_hash'))
    edge, previous = RightEdge(), "0" * 64
    rows = connection.execute(sa.select(events.c.id, events.c.canonical)
                              .order_by(events.c.id)).all()
    for index, (row_id, canonical) in enumerate(rows):
        document = json.loads(canonical)
        document.update(index=index, previous_leaf=previous)
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False)
        leaf = hashlib.sha256(b"\x00" + canonical.encode("utf-8")).digest()
        connection.execute(events.update().where(events.c.id == row_id).values(
            leaf_index=index, canonical=canonical, leaf_hash=leaf.hex()))
        edge.append(leaf)
        previous = leaf.hex()
    connection.execute(sa.text(
        "INSERT INTO audit_log (id, size, right_edge, last_leaf, root_hash) "
        "VALUES (1, :size, :edge, :last, :root)"),
        {"size": edge.size, "edge": "".join(h.hex() for h in edge.subtrees),
         "last": previous if rows else "", "root": edge.root().hex()})

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('leaf_index', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index('ix_audit_event_leaf_index', ['leaf_index'], unique=True)
    append_only.create(connection)


def downgrade() -> None:
    append_only.drop(op.get_bind())
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_leaf_index')
        batch_op.drop_column('leaf_index')
    op.drop_index('ix_audit_checkpoint_tree_size', table_name='audit_checkpoint')
    op.drop_index('ix_audit_checkpoint_created_at', table_name='audit_checkpoint')
    op.drop_table('audit_checkpoint')
    op.drop_table('audit_log')
