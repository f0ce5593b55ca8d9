"""An Idempotency-Key belongs to one caller and one endpoint; a replay changes nothing and logs nothing."""

from decimal import Decimal

import pytest

from mall.audit.models import AuditEntry
from mall.extensions import db
from mall.tenants.models import StaffRole
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.seeds import FOUR_TIERS
from plugins.loyalty.wallet.models import WalletEntry
from plugins.loyalty.wallet.operations import wallet_for
from tests.conftest import requires_pg
from tests.fixtures.factories import ApiClient
from tests.races_support import CommitGate

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
#: POST endpoints that only compute an answer and change nothing.
READS_BY_POST = {"api.checkout_quote"}


@pytest.fixture
def adjusting(make_user, make_shop, add_staff, make_programme, api):
    """A shop with a programme, a member with their joining points, and two managers' API clients."""
    owner, manager, member = make_user(), make_user(), make_user()
    shop = make_shop(owner=owner)
    add_staff(shop, manager, StaffRole.MANAGER)
    programme = make_programme(shop, FOUR_TIERS)
    membership, _ = join_programme(programme, member)
    db.session.commit()
    url = f"/api/v1/shops/{shop.slug}/members/{member.id}/points/adjust"
    return {"url": url, "staff": [api(owner), api(manager)], "membership_id": membership.id,
            "start": membership.points_available}


def _count(model, **filters) -> int:
    db.session.expire_all()
    return db.session.query(model).filter_by(**filters).count()


def _available(membership_id) -> int:
    db.session.expire_all()
    return db.session.query(PointsEntry).filter_by(membership_id=membership_id, kind="adjust").with_entities(
        db.func.coalesce(db.func.sum(PointsEntry.delta), 0)).scalar()


def test_two_staff_with_the_same_key_each_adjust_points(adjusting):
    first, second = adjusting["staff"]
    headers = {"Idempotency-Key": "same-key"}
    one = first.post(adjusting["url"], json={"delta": 10, "reason": "apology"}, headers=headers)
    two = second.post(adjusting["url"], json={"delta": 30, "reason": "late parcel"}, headers=headers)
    assert one.status_code == two.status_code == 200
    assert two.json["membership"]["points"]["available"] == adjusting["start"] + 40
    assert _available(adjusting["membership_id"]) == 40
    assert _count(AuditEntry, action="points.adjusted") == 2


def test_a_replay_moves_and_logs_nothing_and_another_body_is_a_conflict(adjusting):
    staff = adjusting["staff"][0]
    headers = {"Idempotency-Key": "k-1"}
    body = {"delta": 10, "reason": "apology"}
    first = staff.post(adjusting["url"], json=body, headers=headers)
    again = staff.post(adjusting["url"], json=body, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200) and again.json == first.json
    other = staff.post(adjusting["url"], json={"delta": 99, "reason": "apology"}, headers=headers)
    assert other.status_code == 409 and other.json["error"]["code"] == "idempotency_conflict"
    assert _available(adjusting["membership_id"]) == 10
    assert _count(AuditEntry, action="points.adjusted") == 1


def test_two_operators_with_the_same_key_each_adjust_a_wallet(make_user, api):
    shopper = make_user()
    operators = [api(make_user(operator=True)) for _ in range(2)]
    url = f"/api/v1/platform/users/{shopper.id}/wallet/adjust"
    headers = {"Idempotency-Key": "gift"}
    for operator, amount in zip(operators, ("5.00", "7.00"), strict=True):
        reply = operator.post(url, json={"amount": amount, "balance": "bonus", "reason": "gift"}, headers=headers)
        assert reply.status_code == 200
    assert reply.json["wallet"]["bonus"] == "12.00"
    replay = operators[1].post(url, json={"amount": "7.00", "balance": "bonus", "reason": "gift"}, headers=headers)
    assert replay.json["wallet"]["bonus"] == "12.00"
    clash = operators[1].post(url, json={"amount": "8.00", "balance": "bonus", "reason": "gift"}, headers=headers)
    assert clash.status_code == 409 and clash.json["error"]["code"] == "idempotency_conflict"
    db.session.expire_all()
    assert wallet_for(shopper).bonus == Decimal("12.00")
    assert _count(WalletEntry, kind="adjust") == 2
    assert _count(AuditEntry, action="wallet.adjusted") == 2


def test_one_key_on_two_endpoints_is_two_operations(make_user, api):
    shopper = make_user()
    operator = make_user(operator=True)
    headers = {"Idempotency-Key": "reused"}
    adjusted = api(operator).post(f"/api/v1/platform/users/{shopper.id}/wallet/adjust",
                                  json={"amount": "3.00", "balance": "cash", "reason": "gift"}, headers=headers)
    topped = api(operator).post("/api/v1/me/wallet/top-up", json={"amount": "4.00"}, headers=headers)
    assert (adjusted.status_code, topped.status_code) == (200, 200)
    db.session.expire_all()
    assert (wallet_for(shopper).cash, wallet_for(operator).cash) == (Decimal("3.00"), Decimal("4.00"))


def test_shoppers_with_the_same_key_each_top_up(make_user, api):
    shoppers = [make_user() for _ in range(2)]
    for shopper in shoppers:
        reply = api(shopper).post("/api/v1/me/wallet/top-up", json={"amount": "10.00"},
                                  headers={"Idempotency-Key": "ten"})
        assert reply.status_code == 200 and reply.json["wallet"]["cash"] == "10.00"
    replay = api(shoppers[0]).post("/api/v1/me/wallet/top-up", json={"amount": "10.00"},
                                   headers={"Idempotency-Key": "ten"})
    assert replay.json["wallet"]["cash"] == "10.00"
    references = db.session.execute(db.select(WalletEntry.reason).filter_by(kind="top_up")).scalars().all()
    assert len(references) == len(set(references)) == 2  # two charges at the gateway, not one charge seen twice


def test_every_api_write_goes_through_the_idempotent_write(app):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("api.", "loyalty_api.")) or not rule.methods & WRITES:
            continue
        if rule.endpoint in READS_BY_POST:
            continue
        assert getattr(app.view_functions[rule.endpoint], "idempotent_write", False), rule.endpoint


@requires_pg
def test_two_staff_each_sending_one_key_twice_at_once_adjust_twice(app, adjusting):
    """Four requests at once, two per manager with the same key: each manager's adjustment lands once."""
    clients = [ApiClient(app.test_client(), staff.token) for staff in adjusting["staff"] for _ in range(2)]
    bodies = [{"delta": 10, "reason": "apology"}, {"delta": 30, "reason": "late parcel"}]
    gate = CommitGate(len(clients))
    with gate:
        replies = gate.run(*(lambda c=c, i=i: c.post(adjusting["url"], json=bodies[i // 2],
                                                      headers={"Idempotency-Key": "same-key"})
                             for i, c in enumerate(clients)))
    assert [r.status_code for r in replies] == [200] * 4
    assert _available(adjusting["membership_id"]) == 40
    assert _count(PointsEntry, kind="adjust") == 2
    assert _count(AuditEntry, action="points.adjusted") == 2
