"""referral rewards are keyed by programme and referred member, paid when the first order settles

Revision ID: loyalty_0008
Revises: loyalty_0007
Create Date: 2026-12-01 06:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'loyalty_0008'
down_revision = 'loyalty_0007'
branch_labels = None
depends_on = None

# The programme of a points entry, as text, for building its key.
_PROGRAMME = ("CAST((SELECT m.programme_id FROM loyalty_memberships m "
              "WHERE m.id = loyalty_points_entries.membership_id) AS VARCHAR)")


def upgrade():
    # Rewards paid before keep their entry under the new key, so the referred member's first settled order
    # finds it and pays nothing twice.
    op.execute(f"UPDATE loyalty_points_entries SET idempotency_key = 'referral:' || {_PROGRAMME} || ':' || "
               "SUBSTR(idempotency_key, 10) "
               "WHERE kind = 'referral' AND idempotency_key LIKE 'referral:%' "
               "AND idempotency_key NOT LIKE 'referral:%:%'")


def downgrade():
    op.execute(f"UPDATE loyalty_points_entries SET idempotency_key = 'referral:' || "
               f"SUBSTR(idempotency_key, LENGTH('referral:' || {_PROGRAMME} || ':') + 1) "
               "WHERE kind = 'referral' AND idempotency_key LIKE 'referral:%:%'")
