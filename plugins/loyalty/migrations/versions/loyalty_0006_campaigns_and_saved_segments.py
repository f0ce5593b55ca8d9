"""saved segments, win-back campaigns, campaign pushes, coupons by template and member

Revision ID: loyalty_0006
Revises: loyalty_0005
Create Date: 2026-11-22 16:20:00

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (Money, UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'loyalty_0006'
down_revision = 'loyalty_0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('loyalty_coupons', schema=None) as batch_op:
        batch_op.create_index('ix_loyalty_coupons_template_user', ['template_id', 'user_id'], unique=False)
        batch_op.drop_index('ix_loyalty_coupons_template_id')
    with op.batch_alter_table('loyalty_push_results', schema=None) as batch_op:
        batch_op.drop_index('ix_loyalty_push_results_push')

    op.create_table('loyalty_saved_segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('filter', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_loyalty_saved_segments_created_by_users')),
    sa.ForeignKeyConstraint(['programme_id'], ['loyalty_programmes.id'], name=op.f('fk_loyalty_saved_segments_programme_id_loyalty_programmes')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_loyalty_saved_segments_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_saved_segments')),
    sa.UniqueConstraint('programme_id', 'name', name=op.f('uq_loyalty_saved_segments_programme_id_name'))
    )
    with op.batch_alter_table('loyalty_saved_segments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loyalty_saved_segments_programme_id'), ['programme_id'], unique=False)

    op.create_table('loyalty_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('last_run_at', mall.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_loyalty_campaigns_created_by_users')),
    sa.ForeignKeyConstraint(['programme_id'], ['loyalty_programmes.id'], name=op.f('fk_loyalty_campaigns_programme_id_loyalty_programmes')),
    sa.ForeignKeyConstraint(['template_id'], ['loyalty_coupon_templates.id'], name=op.f('fk_loyalty_campaigns_template_id_loyalty_coupon_templates')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_loyalty_campaigns_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_campaigns')),
    sa.UniqueConstraint('programme_id', 'kind', name=op.f('uq_loyalty_campaigns_programme_id_kind'))
    )
    with op.batch_alter_table('loyalty_pushes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('period', sa.String(length=8), nullable=True))
        batch_op.create_index(batch_op.f('ix_loyalty_pushes_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_loyalty_pushes_campaign_id_loyalty_campaigns'), 'loyalty_campaigns', ['campaign_id'], ['id'])


def downgrade():
    with op.batch_alter_table('loyalty_coupons', schema=None) as batch_op:
        batch_op.create_index('ix_loyalty_coupons_template_id', ['template_id'], unique=False)
        batch_op.drop_index('ix_loyalty_coupons_template_user')
    with op.batch_alter_table('loyalty_push_results', schema=None) as batch_op:
        batch_op.create_index('ix_loyalty_push_results_push', ['push_id', 'outcome'], unique=False)

    with op.batch_alter_table('loyalty_pushes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_loyalty_pushes_campaign_id_loyalty_campaigns'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_loyalty_pushes_campaign_id'))
        batch_op.drop_column('period')
        batch_op.drop_column('campaign_id')

    op.drop_table('loyalty_campaigns')
    with op.batch_alter_table('loyalty_saved_segments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loyalty_saved_segments_programme_id'))

    op.drop_table('loyalty_saved_segments')
