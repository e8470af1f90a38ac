"""crm sync cursors and contacts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import livechat.db.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('crm_cursors',
    sa.Column('connector', sa.String(length=32), nullable=False),
    sa.Column('stream', sa.String(length=32), nullable=False),
    sa.Column('position', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('updated_at', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('connector', 'stream', name=op.f('pk_crm_cursors'))
    )
    op.create_table('crm_contacts',
    sa.Column('connector', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('remote_id', sa.String(length=64), nullable=True),
    sa.Column('synced_at', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('connector', 'subject_id', name=op.f('pk_crm_contacts'))
    )
    op.create_index('ix_profiles_kind_updated', 'profiles', ['subject_kind', 'updated_at', 'subject_id'], unique=False)
    op.create_index('ix_orders_updated', 'orders', ['updated_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_orders_updated', table_name='orders')
    op.drop_index('ix_profiles_kind_updated', table_name='profiles')
    op.drop_table('crm_contacts')
    op.drop_table('crm_cursors')
