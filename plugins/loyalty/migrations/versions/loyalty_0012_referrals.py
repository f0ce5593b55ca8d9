"""two-sided referrals: a record per programme and referred member, and the cards members paid with

Revision ID: loyalty_0012_referrals
Revises: loyalty_0011_budgets
Create Date: 2026-12-21 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'loyalty_0012_referrals'
down_revision = 'loyalty_0011_budgets'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('loyalty_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('referrer_id', sa.Integer(), nullable=False),
    sa.Column('referee_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('referrer_points', sa.Integer(), nullable=False),
    sa.Column('referee_points', sa.Integer(), nullable=False),
    sa.Column('coupon_id', sa.Integer(), nullable=True),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('decided_at', mall.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('rewarded_at', mall.dbtypes.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'rewarded', 'held')", name=op.f('ck_loyalty_referrals_status')),
    sa.CheckConstraint('referrer_points >= 0 AND referee_points >= 0',
                       name=op.f('ck_loyalty_referrals_points_nonneg')),
    sa.ForeignKeyConstraint(['programme_id'], ['loyalty_programmes.id'], name=op.f('fk_loyalty_referrals_programme_id_loyalty_programmes')),
    sa.ForeignKeyConstraint(['referrer_id'], ['users.id'], name=op.f('fk_loyalty_referrals_referrer_id_users')),
    sa.ForeignKeyConstraint(['referee_id'], ['users.id'], name=op.f('fk_loyalty_referrals_referee_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_loyalty_referrals_order_id_orders')),
    sa.ForeignKeyConstraint(['coupon_id'], ['loyalty_coupons.id'], name=op.f('fk_loyalty_referrals_coupon_id_loyalty_coupons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_referrals')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_loyalty_referrals_idempotency_key'))
    )
    op.create_index('ix_loyalty_referrals_referrer', 'loyalty_referrals', ['programme_id', 'referrer_id'], unique=False)
    op.create_index('ix_loyalty_referrals_status', 'loyalty_referrals', ['programme_id', 'status'], unique=False)
    op.create_index(op.f('ix_loyalty_referrals_referee_id'), 'loyalty_referrals', ['referee_id'], unique=False)
    op.create_table('loyalty_payment_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_loyalty_payment_cards_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_payment_cards')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_loyalty_payment_cards_idempotency_key'))
    )
    op.create_index(op.f('ix_loyalty_payment_cards_user_id'), 'loyalty_payment_cards', ['user_id'], unique=False)
    op.create_index(op.f('ix_loyalty_payment_cards_fingerprint'), 'loyalty_payment_cards', ['fingerprint'],
                    unique=False)
    # Members referred before records were kept get one in the platform programme: rewarded when the referrer's
    # entry exists, decided without a reward (earlier_rules) when only the handled settlement does, else pending.
    op.execute(_BACKFILL)


_KEY = "CAST(p.id AS VARCHAR) || ':' || CAST(u.id AS VARCHAR)"
_BACKFILL = f"""
INSERT INTO loyalty_referrals (idempotency_key, programme_id, referrer_id, referee_id, status, reason,
                               referrer_points, referee_points, created_at, decided_at, rewarded_at)
SELECT 'referral-record:' || {_KEY}, p.id, u.referred_by_id, u.id,
       CASE WHEN e.id IS NOT NULL THEN 'rewarded' WHEN h.id IS NOT NULL THEN 'held' ELSE 'pending' END,
       CASE WHEN e.id IS NULL AND h.id IS NOT NULL THEN 'earlier_rules' END,
       COALESCE(e.delta, 0), 0, u.created_at, COALESCE(e.created_at, h.created_at), e.created_at
FROM users u
JOIN loyalty_programmes p ON p.key = 'platform'
LEFT JOIN loyalty_points_entries e ON e.kind = 'referral' AND e.idempotency_key = 'referral:' || {_KEY}
LEFT JOIN loyalty_handled_events h ON h.idempotency_key = 'referral:' || {_KEY}
WHERE u.referred_by_id IS NOT NULL
"""


def downgrade():
    op.drop_index(op.f('ix_loyalty_payment_cards_fingerprint'), table_name='loyalty_payment_cards')
    op.drop_index(op.f('ix_loyalty_payment_cards_user_id'), table_name='loyalty_payment_cards')
    op.drop_table('loyalty_payment_cards')
    op.drop_index(op.f('ix_loyalty_referrals_referee_id'), table_name='loyalty_referrals')
    op.drop_index('ix_loyalty_referrals_status', table_name='loyalty_referrals')
    op.drop_index('ix_loyalty_referrals_referrer', table_name='loyalty_referrals')
    op.drop_table('loyalty_referrals')
