"""segments by subject and segment definitions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa
import livechat.db.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('segment_definitions',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.Text(), nullable=False),
    sa.Column('created_at', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_segment_definitions'))
    )
    # Memberships are derived (recomputed from profiles by `livechat segments refresh` and as events
    # arrive), and the key changes from customers only to any profile subject: recreate the table.
    op.drop_table('segment_memberships')
    op.create_table('segment_memberships',
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('segment', sa.String(length=64), nullable=False),
    sa.Column('since', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject_id', 'segment', name=op.f('pk_segment_memberships'))
    )


def downgrade() -> None:
    op.drop_table('segment_memberships')
    op.create_table('segment_memberships',
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('segment', sa.String(length=64), nullable=False),
    sa.Column('since', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_segment_memberships_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'segment', name=op.f('pk_segment_memberships'))
    )
    op.drop_table('segment_definitions')
