"""retention offers: catalog, code pools, experiment assignments, deliveries, contacts, cart watches

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 23:20:22.531110
"""

from alembic import op
import sqlalchemy as sa
import livechat.db.types
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('offer_cart_watches',
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('visitor_id', sa.Uuid(), nullable=True),
    sa.Column('cart_cents', sa.Integer(), nullable=False),
    sa.Column('due_at', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject_id', name=op.f('pk_offer_cart_watches'))
    )
    with op.batch_alter_table('offer_cart_watches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_cart_watches_due_at'), ['due_at'], unique=False)

    op.create_table('offer_contacts',
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('last_offered_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('subject_id', name=op.f('pk_offer_contacts'))
    )
    op.create_table('offers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('code_mode', sa.String(length=16), nullable=False),
    sa.Column('shared_code', sa.String(length=64), nullable=True),
    sa.Column('cta_label', sa.String(length=80), nullable=True),
    sa.Column('cta_url', sa.String(length=500), nullable=True),
    sa.Column('trigger', sa.String(length=32), nullable=False),
    sa.Column('trigger_params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('segments', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('consent', sa.String(length=32), nullable=True),
    sa.Column('starts_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('budget_total', sa.Integer(), nullable=True),
    sa.Column('issued_count', sa.Integer(), nullable=False),
    sa.Column('cost_cents', sa.Integer(), nullable=False),
    sa.Column('max_per_customer', sa.Integer(), nullable=False),
    sa.Column('min_interval_s', sa.Integer(), nullable=False),
    sa.Column('valid_for_s', sa.Integer(), nullable=True),
    sa.Column('holdout_pct', sa.Integer(), nullable=False),
    sa.Column('variants', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers')),
    sa.UniqueConstraint('key', name=op.f('uq_offers_key'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offers_trigger'), ['trigger'], unique=False)

    op.create_table('offer_assignments',
    sa.Column('offer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('arm', sa.String(length=32), nullable=False),
    sa.Column('trigger', sa.String(length=32), nullable=False),
    sa.Column('assigned_at', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deliveries', sa.Integer(), nullable=False),
    sa.Column('last_delivered_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('converted_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('conversion_order', sa.String(length=64), nullable=True),
    sa.Column('conversion_revenue_cents', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_assignments_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offer_id', 'subject_id', name=op.f('pk_offer_assignments'))
    )
    with op.batch_alter_table('offer_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_offer_assignments_subject', ['subject_id'], unique=False)

    op.create_table('offer_codes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('offer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_codes_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_offer_codes_code')),
    sa.UniqueConstraint('delivery_id', name=op.f('uq_offer_codes_delivery_id'))
    )
    with op.batch_alter_table('offer_codes', schema=None) as batch_op:
        batch_op.create_index('ix_offer_codes_free', ['offer_id', 'delivery_id'], unique=False)

    op.create_table('offer_deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('offer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('arm', sa.String(length=32), nullable=False),
    sa.Column('trigger', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('visitor_id', sa.Uuid(), nullable=True),
    sa.Column('conversation_id', sa.Uuid(), nullable=True),
    sa.Column('code', sa.String(length=64), nullable=True),
    sa.Column('card', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('issued_at', livechat.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('shown_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('clicked_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('redeemed_at', livechat.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('order_id', sa.String(length=64), nullable=True),
    sa.Column('revenue_cents', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_deliveries_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_deliveries'))
    )
    with op.batch_alter_table('offer_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_deliveries_code'), ['code'], unique=False)
        batch_op.create_index('ix_offer_deliveries_due', ['due_at'], unique=False)
        batch_op.create_index('ix_offer_deliveries_subject', ['subject_id', 'offer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('offer_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_offer_deliveries_subject')
        batch_op.drop_index('ix_offer_deliveries_due')
        batch_op.drop_index(batch_op.f('ix_offer_deliveries_code'))

    op.drop_table('offer_deliveries')
    with op.batch_alter_table('offer_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_offer_codes_free')

    op.drop_table('offer_codes')
    with op.batch_alter_table('offer_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_offer_assignments_subject')

    op.drop_table('offer_assignments')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offers_trigger'))

    op.drop_table('offers')
    op.drop_table('offer_contacts')
    with op.batch_alter_table('offer_cart_watches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_cart_watches_due_at'))

    op.drop_table('offer_cart_watches')
