"""Personal-data rights: the export holds the shopper's data and nobody else's; an erasure leaves no personal data
in any table while every ledger row, balance and settlement figure stays as it was."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from mall import clock
from mall.accounts.models import ApiToken, User
from mall.aftersales import operations as aftersales
from mall.audit.models import AuditEntry
from mall.cli import run_tick
from mall.extensions import db
from mall.orders import operations as orders
from mall.orders.models import Order, Payment, Refund
from mall.payments.gateway import fingerprint
from mall.privacy import operations as privacy
from mall.privacy.models import PrivacyRequest
from mall.reviews.operations import post_review
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import MemberNote, MemberTagging
from plugins.loyalty.members.operations import membership
from plugins.loyalty.points import operations as points
from plugins.loyalty.points.models import PointsEntry, PointsLot
from plugins.loyalty.roster import operations as roster
from plugins.loyalty.seeds import PLATFORM_PROGRAMME
from plugins.loyalty.settlement.operations import statement
from plugins.loyalty.wallet.models import Wallet, WalletEntry
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.conftest import requires_pg
from tests.fixtures.factories import PASSWORD, ApiClient, give_address
from tests.fixtures.programmes import START
from tests.races_support import CommitGate

D = Decimal
NAME, PHONE, BIRTHDAY = "Zhao Quixote", "13912345678", date(1991, 7, 23)
CARD = "tok-zhao-visa"
ADDRESS = {"name": "Qian Recipient", "phone": "13700001111", "street": "Xiangyang Road 777 Lane 9",
           "postcode": "200031"}


@pytest.fixture
def story(make_shop, make_user, make_product, make_programme, checkout_at, settle):  # noqa: PLR0913
    """A member of the platform programme with a settled order paid with points and wallet money, a review, a
    staff adjustment, a shop's note and tag about them, and a bystander who bought too."""
    make_programme(None, PLATFORM_PROGRAMME)
    owner = make_user(name="Shop Owner")
    shop = make_shop(owner=owner, slug="teashop")
    coat = make_product(shop, price="100.00")
    with clock.frozen_at(START):
        user = make_user(name=NAME, address=False, birthday=BIRTHDAY)
        user.phone = PHONE
        give_address(user, **ADDRESS)
        bystander = make_user(name="Bystander Person")
        member = membership(_platform(), user)
        points.credit(member, 950, "adjust", "seed")
        points.adjust(member, 50, f"goodwill for {NAME}", "adj-1", owner, None)
        move(wallet_for(user), "cash", D("30.00"), "top_up", "seed-wallet")
        move(wallet_for(user), "bonus", D("5.00"), "rebate", "seed-bonus")
        roster.save_note(member, f"Call {NAME} on {PHONE}", owner, shop)
        roster.add_tag(member, roster.tag_named(shop, "VIP"), owner, shop)
        template = coupon_ops.create_template(_platform(), {"name": "5 off", "kind": "amount_off", "value": "5",
                                                            "valid_days": 30})
        coupon_ops.issue(template, user, "staff")
        db.session.commit()
    (order,) = checkout_at(user, START, (coat, 1), points={"platform": 1000}, wallet="35.00", token=CARD)
    (other,) = checkout_at(bystander, START, (coat, 1))
    with clock.frozen_at(START + timedelta(hours=2)):
        orders.ship(order, None)
        asked = aftersales.request_after_sale(order, user, "refund", [{"line_id": order.lines[0].id, "qty": 1}],
                                              "damaged", f"Scratched, {NAME} {PHONE}")
        aftersales.reject(asked, owner, f"Sorry {NAME}, no scratch in the photos")
        orders.complete(order, user)
        post_review(user, order.lines[0], 5, f"Lovely coat — {NAME}")
        db.session.commit()
    settle(other, START + timedelta(hours=2))
    run_tick(START + timedelta(days=shop.return_window_days + 2))
    db.session.expire_all()
    return {"user": db.session.get(User, user.id), "bystander": db.session.get(User, bystander.id), "shop": shop,
            "order": order}


def _platform():
    from plugins.loyalty.programmes.models import Programme

    return db.session.execute(select(Programme).filter_by(key="platform")).scalar_one()


def _personal_data_left(words, emails) -> list[str]:
    """Every (table, column) whose text still holds one of the words: a scan of all columns of all tables."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()).mappings():
            for column, value in row.items():
                text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else value
                found += [f"{table.name}.{column}: {w}" for w in [*words, *emails] if w in text]
    return found


def _ledgers() -> dict:
    """The money and points ledgers and their cached balances, row by row."""
    def rows(model, *cols):
        return sorted(tuple(str(getattr(r, c)) for c in cols) for r in db.session.execute(select(model)).scalars())

    return {"points": rows(PointsEntry, "id", "membership_id", "bucket", "delta", "kind", "idempotency_key",
                           "order_id"),
            "lots": rows(PointsLot, "id", "membership_id", "remaining", "expires_at"),
            "wallet": rows(WalletEntry, "id", "wallet_id", "balance", "delta", "kind", "idempotency_key"),
            "wallets": rows(Wallet, "id", "cash", "bonus"),
            "orders": rows(Order, "id", "status", "goods", "discount", "points_value", "wallet_paid",
                           "gateway_paid", "total", "refunded_amount", "settled_at"),
            "payments": rows(Payment, "id", "method", "amount", "refunded"), "refunds": rows(Refund, "id", "amount")}


def _settlement(shop):
    month = (START.replace(day=1), START.replace(day=1, month=2))
    return [(s.goods, s.collected, s.refunded, s.platform_funded, s.payable) for s in statement(shop, *month)]


def test_erasure_leaves_no_personal_data_and_keeps_ledgers(story, app):
    """A generic scan finds the name, e-mail, phone, birthday and address only before the erasure; after it no
    table holds them, while ledgers, balances, orders and the shop's settlement are unchanged and the audit passes."""
    user = story["user"]
    email = user.email
    assert wallet_for(user).cash == D("0.00") and wallet_for(user).bonus == D("0.00")
    words = [NAME, PHONE, BIRTHDAY.isoformat(), *ADDRESS.values(), fingerprint(CARD)]
    before_scan = {s.split(":")[0] for s in _personal_data_left(words, [email])}
    assert {"users.email", "users.name", "users.phone", "users.birthday", "addresses.street", "orders.address",
            "reviews.text", "after_sales.reason", "after_sales.reject_reason", "loyalty_member_notes.body",
            "loyalty_points_entries.reason", "audit_entries.target", "audit_entries.details",
            "loyalty_payment_cards.fingerprint", "loyalty_payment_cards.idempotency_key"} <= before_scan
    ledgers, settlement = _ledgers(), _settlement(story["shop"])
    # The member's order: 100.00 less 1000 points (10.00, platform-funded) = 90.00 collected; the bystander's 100.00.
    assert settlement == [(D("100.00"), D("90.00"), D("0.00"), D("10.00"), D("100.00")),
                          (D("100.00"), D("100.00"), D("0.00"), D("0.00"), D("100.00"))]
    token = ApiToken.issue(user)
    db.session.commit()

    privacy.erase(user, PASSWORD, "web")
    db.session.commit()
    db.session.expire_all()

    assert _personal_data_left(words, [email]) == []
    assert _ledgers() == ledgers and _settlement(story["shop"]) == settlement
    assert violations() == []
    erased = db.session.get(User, user.id)
    assert erased.email == f"erased-{user.id}@erased.invalid" and erased.is_disabled and erased.phone is None
    assert ApiToken.find(token) is None and db.session.query(ApiToken).filter_by(user_id=user.id).count() == 0
    assert db.session.query(MemberNote).count() == 0 and db.session.query(MemberTagging).count() == 0
    assert db.session.get(User, story["bystander"].id).name == "Bystander Person"
    # Asking again changes nothing: the same request, one audit entry.
    again = privacy.erase(erased, "anything", "api")
    db.session.commit()
    assert again.idempotency_key == f"erase:{user.id}"
    assert db.session.query(AuditEntry).filter_by(action="privacy.erased").count() == 1


def test_export_holds_own_data_only(story, api):
    """GET /me/export returns the shopper's account, addresses, order, review, ledgers and the shop's note about
    them, and nothing of the bystander's; the request is recorded and audited."""
    user, bystander = story["user"], story["bystander"]
    reply = api(user).get("/api/v1/me/export")
    assert reply.status_code == 200
    data = reply.get_json()
    assert data["account"]["email"] == user.email and "password_hash" not in data["account"]
    assert [a["street"] for a in data["addresses"]] == [ADDRESS["street"]]
    assert [o["id"] for o in data["orders"]] == [story["order"].id]
    (order,) = data["orders"]
    assert (order["total"], order["wallet_paid"], order["gateway_paid"], order["points_used"]) == (
        "90.00", "35.00", "55.00", 1000)
    assert [line["qty"] for line in order["lines"]] == [1] and len(order["payments"]) == 3
    assert data["reviews"][0]["text"] == f"Lovely coat — {NAME}"
    (member,) = data["plugins"]["loyalty"]["memberships"]
    assert member["note"] == f"Call {NAME} on {PHONE}" and member["tags"] == ["VIP"]
    assert sum(e["delta"] for e in member["points_ledger"] if e["bucket"] == "available") == \
        member["points_available"]
    assert [w["delta"] for w in data["plugins"]["loyalty"]["wallet"]["ledger"]] == \
        ["30.00", "5.00", "-5.00", "-30.00"]
    text = json.dumps(data, ensure_ascii=False)
    assert bystander.email not in text and "Bystander Person" not in text
    assert db.session.query(PrivacyRequest).filter_by(user_id=user.id, kind="export").count() == 1
    entry = db.session.query(AuditEntry).filter_by(action="privacy.exported").one()
    assert entry.actor_id == user.id and entry.target == f"user:{user.id}" and entry.details == {"channel": "api"}


def test_api_delete_checks_password_and_revokes_tokens(story, api):
    """A missing or wrong password is a 422 naming the field and changes nothing; the right one erases the
    account, and the token used is refused afterwards."""
    user = story["user"]
    caller = api(user)
    missing = caller.post("/api/v1/me/delete", json={})
    assert missing.status_code == 422 and "password" in missing.get_json()["error"]["fields"]
    wrong = caller.post("/api/v1/me/delete", json={"password": "not-it-at-all"})
    assert wrong.status_code == 422 and "password" in wrong.get_json()["error"]["fields"]
    assert db.session.get(User, user.id).name == NAME
    done = caller.post("/api/v1/me/delete", json={"password": PASSWORD})
    assert done.status_code == 200 and done.get_json()["deleted"] is True
    assert caller.get("/api/v1/me/export").status_code == 401
    assert caller.post("/api/v1/me/delete", json={"password": PASSWORD}).status_code == 401


def test_unsettled_order_or_wallet_cash_refuses_deletion(make_shop, make_user, make_product, make_programme,
                                                         buy, api, client):
    """A paid, unshipped order and ¥12.50 in the wallet each block the deletion with a clear 409; nothing changes."""
    make_programme(None, PLATFORM_PROGRAMME)
    shop = make_shop()
    shopper = make_user(name=NAME)
    placed = buy(shopper, (make_product(shop), 1))
    move(wallet_for(shopper), "cash", D("12.50"), "top_up", "cash-1")
    db.session.commit()
    reply = api(shopper).post("/api/v1/me/delete", json={"password": PASSWORD})
    assert reply.status_code == 409
    message = reply.get_json()["error"]["message"]
    assert f"#{placed.orders[0].id}" in message and "12.50" in message
    assert db.session.get(User, shopper.id).name == NAME
    assert db.session.query(PrivacyRequest).count() == 0
    client.post("/lang/en")
    client.post("/login", data={"email": shopper.email, "password": PASSWORD})
    page = client.get("/account/delete").get_data(as_text=True)
    assert "Your account cannot be deleted yet." in page and "¥12.50" in page and 'data-test="delete-form"' not in page
    posted = client.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert posted.status_code == 422 and db.session.get(User, shopper.id).name == NAME


def test_operator_sees_requests_in_audit_log(story, client, make_user):
    """The shopper downloads and deletes through the pages; the operator's audit log lists both, filterable."""
    user = story["user"]
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    page = client.get("/account")
    assert b"Download my data" in page.data and b"Delete my account" in page.data
    download = client.post("/account/data/export")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert json.loads(download.data)["account"]["name"] == NAME
    refused = client.post("/account/delete", data={"password": "wrong-password", "understood": "y"})
    assert refused.status_code == 422 and b"The password is wrong." in refused.data
    unticked = client.post("/account/delete", data={"password": PASSWORD})
    assert unticked.status_code == 422 and db.session.get(User, user.id).name == NAME
    done = client.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert done.status_code == 302
    assert client.get("/account").status_code == 302  # signed out
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 422
    operator = make_user(operator=True)
    client.post("/login", data={"email": operator.email, "password": PASSWORD})
    log = client.get("/platform/audit/?action=privacy.erased").get_data(as_text=True)
    assert "Account deleted at the shopper&#39;s request" in log or "Account deleted at the shopper's request" in log
    assert f"user:{user.id}" in log and "the website" in log
    log = client.get("/platform/audit/").get_data(as_text=True)
    assert "Personal data downloaded" in log


def test_staff_cannot_delete_their_account(make_shop, make_user, api):
    """A shop's owner is refused with a 409 that says to leave the staff first; the account stays."""
    owner = make_user(name="Owner Person")
    make_shop(owner=owner)
    reply = api(owner).post("/api/v1/me/delete", json={"password": PASSWORD}, headers={"Accept-Language": "en"})
    assert reply.status_code == 409 and "remove you from the staff" in reply.get_json()["error"]["message"]
    assert db.session.get(User, owner.id).name == "Owner Person"


@requires_pg
def test_two_deletions_at_once_erase_once(app, make_user):
    """The phone and the laptop delete at the same moment: both answer 200, one erasure, one audit entry."""
    user = make_user(name=NAME)
    clients = []
    for _ in range(2):
        client = ApiClient(app.test_client(), ApiToken.issue(user))
        db.session.commit()
        assert client.get("/api/v1/orders").status_code == 200  # its token's last-use commit is behind it
        clients.append(client)
    with CommitGate(2) as gate:
        answers = gate.run(*(lambda c=c: c.post("/api/v1/me/delete", {"password": PASSWORD}) for c in clients))
    assert [r.status_code for r in answers] == [200, 200]
    assert answers[0].json["request"]["id"] == answers[1].json["request"]["id"]
    db.session.expire_all()
    assert db.session.query(PrivacyRequest).filter_by(kind="erase").count() == 1
    assert db.session.query(AuditEntry).filter_by(action="privacy.erased").count() == 1
    assert db.session.get(User, user.id).email == f"erased-{user.id}@erased.invalid"


def test_a_two_character_chinese_name_is_scrubbed_from_free_text(make_user):
    """李雷 is a whole name: a staff reason "生日补偿 李雷 13900001234" keeps only its other words."""
    user = make_user(name="李雷", address=False)
    user.phone = "13900001234"
    words = privacy.identifiers(user)
    assert privacy.scrub("生日补偿 李雷 13900001234", words) == "生日补偿 — —"
    assert privacy.scrub({"note": ["李雷"], "n": 3}, words) == {"note": ["—"], "n": 3}
