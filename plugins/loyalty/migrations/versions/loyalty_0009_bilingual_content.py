"""bilingual content: coupon templates get an English name beside the Chinese one

Tiers, perks and the programme's name are in the programme document (JSON): they need no column.

Revision ID: loyalty_0009
Revises: loyalty_0008
Create Date: 2026-12-10 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'loyalty_0009'
down_revision = 'loyalty_0008'
branch_labels = None
depends_on = None


def upgrade():
    # Existing templates get "" (no English yet), so they show their Chinese name everywhere.
    with op.batch_alter_table('loyalty_coupon_templates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=80), nullable=False, server_default=''))


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+): copying the table, batch mode's default, trips its foreign keys.
    with op.batch_alter_table('loyalty_coupon_templates', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('name_en')
