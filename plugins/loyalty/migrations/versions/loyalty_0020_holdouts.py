"""holdouts on pushes: the share held back and the seed that picks them

Revision ID: loyalty_0020_holdouts
Revises: loyalty_0019_simulations
Create Date: 2026-12-02 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'loyalty_0020_holdouts'
down_revision = 'loyalty_0019_simulations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('loyalty_pushes') as batch:
        batch.add_column(sa.Column('holdout', sa.Numeric(precision=4, scale=3), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('seed', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('loyalty_pushes') as batch:
        batch.drop_column('seed')
        batch.drop_column('holdout')
