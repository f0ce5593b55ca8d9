"""Migration loyalty_0012_referrals: members referred before it get a record in the platform programme.

Runs the real migrations on a database of its own (a file on SQLite, a schema on PostgreSQL), with rows written
as loyalty_0011_budgets left them.
"""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from mall import CORE_MIGRATIONS
from mall.extensions import db
from tests.migration_support import database_at

SCHEMA = "referrals_migration"
NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC).replace(tzinfo=None)


@pytest.fixture
def old_database(tmp_path):
    """An app on an empty database of its own, migrated to loyalty_0011_budgets (before referral records)."""
    with database_at(tmp_path, SCHEMA, "loyalty_0011_budgets", down_from_heads=True) as app:
        yield app


def _insert(conn, name, rows):
    columns = [sa.column(c, sa.Boolean) if c.startswith("is_") or c.startswith("consent_") else sa.column(c)
               for c in rows[0]]
    conn.execute(sa.insert(sa.table(name, *columns)), rows)


def test_referred_members_get_records_as_the_earlier_rules_decided(old_database):
    """Friend 2 was rewarded (200, entry and handled event), friend 3 was decided without a reward (handled
    event only), friend 4 has not settled an order: rewarded, held (earlier_rules) and pending."""
    user = {"password_hash": "x", "consent_email": False, "consent_sms": False, "is_operator": False,
            "is_disabled": False, "created_at": NOW}
    with db.engine.begin() as conn:
        _insert(conn, "users", [{**user, "id": i, "email": f"u{i}@example.com", "name": f"U{i}",
                                 "referral_code": f"R{i}", "referred_by_id": None if i == 1 else 1}
                                for i in (1, 2, 3, 4)])
        _insert(conn, "loyalty_programmes", [{"id": 5, "key": "platform", "tenant_id": None, "version": 1,
                                              "document": "{}", "updated_at": NOW}])
        _insert(conn, "loyalty_memberships", [{"id": 9, "programme_id": 5, "user_id": 1, "tier_code": "member",
                                               "period_metric": 0, "lifetime_metric": 0, "points_available": 200,
                                               "points_pending": 0, "streak": 0, "joined_at": NOW}])
        _insert(conn, "loyalty_points_entries", [{"membership_id": 9, "bucket": "available", "delta": 200,
                                                  "kind": "referral", "programme_version": 1,
                                                  "idempotency_key": "referral:5:2", "created_at": NOW}])
        _insert(conn, "loyalty_handled_events", [{"idempotency_key": f"referral:5:{i}", "created_at": NOW}
                                                 for i in (2, 3)])
    upgrade(directory=str(CORE_MIGRATIONS), revision="heads")
    with db.engine.begin() as conn:
        rows = conn.execute(sa.text(
            "SELECT idempotency_key, referee_id, referrer_id, status, reason, referrer_points "
            "FROM loyalty_referrals ORDER BY referee_id")).all()
    assert [tuple(r) for r in rows] == [("referral-record:5:2", 2, 1, "rewarded", None, 200),
                                        ("referral-record:5:3", 3, 1, "held", "earlier_rules", 0),
                                        ("referral-record:5:4", 4, 1, "pending", None, 0)]
