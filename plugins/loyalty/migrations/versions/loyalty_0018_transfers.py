"""member imports and exports

Revision ID: loyalty_0018_transfers
Revises: loyalty_0017_rules
Create Date: 2026-12-22 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'loyalty_0018_transfers'
down_revision = 'loyalty_0017_rules'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('loyalty_member_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('file_hash', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('valid_rows', sa.Integer(), nullable=False),
    sa.Column('update_rows', sa.Integer(), nullable=False),
    sa.Column('error_rows', sa.Integer(), nullable=False),
    sa.Column('applied_rows', sa.Integer(), nullable=False),
    sa.Column('points_total', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('started_at', mall.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('finished_at', mall.dbtypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_loyalty_member_imports_created_by_users')),
    sa.ForeignKeyConstraint(['programme_id'], ['loyalty_programmes.id'], name=op.f('fk_loyalty_member_imports_programme_id_loyalty_programmes')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_loyalty_member_imports_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_member_imports')),
    sa.UniqueConstraint('programme_id', 'file_hash', name=op.f('uq_loyalty_member_imports_programme_id_file_hash'))
    )
    op.create_index(op.f('ix_loyalty_member_imports_programme_id'), 'loyalty_member_imports', ['programme_id'], unique=False)
    op.create_index(op.f('ix_loyalty_member_imports_tenant_id'), 'loyalty_member_imports', ['tenant_id'], unique=False)
    op.create_table('loyalty_member_import_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('applied', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['loyalty_member_imports.id'], name=op.f('fk_loyalty_member_import_rows_import_id_loyalty_member_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_member_import_rows')),
    sa.UniqueConstraint('import_id', 'line', name=op.f('uq_loyalty_member_import_rows_import_id_line'))
    )
    op.create_table('loyalty_member_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('filter', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', mall.dbtypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_loyalty_member_exports_created_by_users')),
    sa.ForeignKeyConstraint(['programme_id'], ['loyalty_programmes.id'], name=op.f('fk_loyalty_member_exports_programme_id_loyalty_programmes')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_loyalty_member_exports_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_member_exports'))
    )
    op.create_index(op.f('ix_loyalty_member_exports_programme_id'), 'loyalty_member_exports', ['programme_id'], unique=False)
    op.create_index(op.f('ix_loyalty_member_exports_tenant_id'), 'loyalty_member_exports', ['tenant_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_loyalty_member_exports_tenant_id'), table_name='loyalty_member_exports')
    op.drop_index(op.f('ix_loyalty_member_exports_programme_id'), table_name='loyalty_member_exports')
    op.drop_table('loyalty_member_exports')
    op.drop_table('loyalty_member_import_rows')
    op.drop_index(op.f('ix_loyalty_member_imports_tenant_id'), table_name='loyalty_member_imports')
    op.drop_index(op.f('ix_loyalty_member_imports_programme_id'), table_name='loyalty_member_imports')
    op.drop_table('loyalty_member_imports')
