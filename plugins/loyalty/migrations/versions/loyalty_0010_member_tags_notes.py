"""member tags and notes: a shop's own labels for its members, and one private note per member

Revision ID: loyalty_0010_member_tags_notes
Revises: loyalty_0009
Create Date: 2026-12-12 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'loyalty_0010_member_tags_notes'
down_revision = 'loyalty_0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('loyalty_member_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_loyalty_member_tags_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_member_tags')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_loyalty_member_tags_tenant_id_name'))
    )
    op.create_index(op.f('ix_loyalty_member_tags_tenant_id'), 'loyalty_member_tags', ['tenant_id'], unique=False)
    op.create_table('loyalty_member_taggings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['loyalty_memberships.id'], name=op.f('fk_loyalty_member_taggings_membership_id_loyalty_memberships')),
    sa.ForeignKeyConstraint(['tag_id'], ['loyalty_member_tags.id'], name=op.f('fk_loyalty_member_taggings_tag_id_loyalty_member_tags')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_loyalty_member_taggings_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_member_taggings')),
    sa.UniqueConstraint('membership_id', 'tag_id', name=op.f('uq_loyalty_member_taggings_membership_id_tag_id'))
    )
    op.create_index('ix_loyalty_member_taggings_tag', 'loyalty_member_taggings', ['tag_id'], unique=False)
    op.create_index(op.f('ix_loyalty_member_taggings_tenant_id'), 'loyalty_member_taggings', ['tenant_id'], unique=False)
    op.create_table('loyalty_member_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['loyalty_memberships.id'], name=op.f('fk_loyalty_member_notes_membership_id_loyalty_memberships')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_loyalty_member_notes_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_loyalty_member_notes_updated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_member_notes')),
    sa.UniqueConstraint('membership_id', name=op.f('uq_loyalty_member_notes_membership_id'))
    )
    op.create_index(op.f('ix_loyalty_member_notes_tenant_id'), 'loyalty_member_notes', ['tenant_id'], unique=False)


def downgrade():
    op.drop_index('ix_loyalty_member_notes_tenant_id', table_name='loyalty_member_notes')
    op.drop_table('loyalty_member_notes')
    op.drop_index('ix_loyalty_member_taggings_tenant_id', table_name='loyalty_member_taggings')
    op.drop_index('ix_loyalty_member_taggings_tag', table_name='loyalty_member_taggings')
    op.drop_table('loyalty_member_taggings')
    op.drop_index('ix_loyalty_member_tags_tenant_id', table_name='loyalty_member_tags')
    op.drop_table('loyalty_member_tags')
