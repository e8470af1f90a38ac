"""agents, routing and canned responses

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

assignee_id becomes a real foreign key to agents; before this revision no agents existed, so no
conversation could be assigned and the old string column is dropped rather than converted.
"""

from alembic import op
import sqlalchemy as sa
import livechat.db.types
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('agent', 'supervisor', 'admin', name='agent_role', native_enum=False, length=16), nullable=False),
    sa.Column('teams', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('languages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('max_chats', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_assigned_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agents')),
    sa.UniqueConstraint('email', name=op.f('uq_agents_email'))
    )
    op.create_table('canned_responses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('shortcut', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_responses')),
    sa.UniqueConstraint('shortcut', name=op.f('uq_canned_responses_shortcut'))
    )
    op.create_table('agent_sessions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('agent_id', sa.Uuid(), nullable=False),
    sa.Column('refresh_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_agent_sessions_agent_id_agents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_sessions'))
    )
    with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_sessions_agent_id'), ['agent_id'], unique=False)

    op.create_table('segment_memberships',
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('segment', sa.String(length=64), nullable=False),
    sa.Column('since', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_segment_memberships_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'segment', name=op.f('pk_segment_memberships'))
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('handoff_reason', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('queued_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('assigned_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_agent_reply_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('agent_involved', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('resolution', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('offline_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('visitor_read_seq', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('agent_read_seq', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_column('assignee_id')
        batch_op.add_column(sa.Column('assignee_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_conversations_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_conversations_assignee_id_agents'), 'agents', ['assignee_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_conversations_assignee_id_agents'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_conversations_assignee_id'))
        batch_op.drop_column('assignee_id')
        batch_op.add_column(sa.Column('assignee_id', sa.String(length=64), nullable=True))
        batch_op.drop_column('agent_read_seq')
        batch_op.drop_column('visitor_read_seq')
        batch_op.drop_column('contact_email')
        batch_op.drop_column('offline_at')
        batch_op.drop_column('resolution')
        batch_op.drop_column('agent_involved')
        batch_op.drop_column('first_agent_reply_at')
        batch_op.drop_column('assigned_at')
        batch_op.drop_column('queued_at')
        batch_op.drop_column('handoff_reason')
        batch_op.drop_column('team')

    op.drop_table('segment_memberships')
    with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_sessions_agent_id'))

    op.drop_table('agent_sessions')
    op.drop_table('canned_responses')
    op.drop_table('agents')
