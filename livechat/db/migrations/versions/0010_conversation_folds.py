"""conversation folds: how far each conversation's messages are in the interaction log

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'conversation_folds',
        sa.Column('conversation_id', sa.Uuid(), nullable=False),
        sa.Column('folded_seq', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_conversation_folds_conversation_id_conversations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_conversation_folds')),
    )
    # Until now every message recorded its event as it was stored: all of them are in the log already.
    op.execute("INSERT INTO conversation_folds (conversation_id, folded_seq) SELECT id, last_seq FROM conversations")


def downgrade() -> None:
    op.drop_table('conversation_folds')
