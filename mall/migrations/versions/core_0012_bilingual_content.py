"""bilingual content: English names and descriptions beside the Chinese ones

Revision ID: core_0012
Revises: core_0011
Create Date: 2026-12-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0012'
down_revision = 'core_0011'
branch_labels = None
depends_on = None

# (table, column, type): each existing row gets "" (no English yet), so it shows its Chinese value everywhere.
COLUMNS = [
    ('categories', 'name_en', sa.String(length=80)),
    ('products', 'name_en', sa.String(length=120)),
    ('products', 'description_en', sa.Text()),
    ('tenants', 'name_en', sa.String(length=120)),
    ('tenants', 'description_en', sa.Text()),
    ('order_lines', 'name_en', sa.String(length=120)),
]


#: Catalogue search finds English names too: trigram indexes beside core_0011's (PostgreSQL only).
TRIGRAM = (
    ('ix_products_name_en_trgm', 'products', 'name_en'),
    ('ix_categories_name_en_trgm', 'categories', 'name_en'),
    ('ix_tenants_name_en_trgm', 'tenants', 'name_en'),
)


def trigram_ops() -> str:
    """pg_trgm's operator class, named with the schema the extension lives in (see core_0011)."""
    schema = op.get_bind().execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'")).scalar_one()
    return f'"{schema}".gin_trgm_ops'


def upgrade():
    for table, column, kind in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, kind, nullable=False, server_default=''))
    if op.get_bind().dialect.name == 'postgresql':
        ops = trigram_ops()
        for name, table, column in TRIGRAM:
            op.execute(f'CREATE INDEX {name} ON {table} USING gin ({column} {ops})')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name, _table, _column in TRIGRAM:
            op.execute(f'DROP INDEX IF EXISTS {name}')
    # A plain DROP COLUMN (SQLite 3.35+): copying the table, batch mode's default, trips its foreign keys.
    for table, column, _kind in reversed(COLUMNS):
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.drop_column(column)
