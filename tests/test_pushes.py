"""Coupon pushes: frozen segment, chunks, one coupon per member within stock and limits, counts that add up."""

import pytest

from mall.extensions import db
from mall.notifications.models import Notification
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.pushes import jobs as pushes_jobs
from plugins.loyalty.pushes import operations as pushes
from plugins.loyalty.pushes.models import Push, PushResult
from plugins.loyalty.seeds import FOUR_TIERS


@pytest.fixture
def shop(make_shop, make_user, make_programme, api, monkeypatch):
    """A four-tier shop with 12 members (4 with e-mail consent, one already holding the coupon) and a coupon
    with stock 10; chunks of 5 members so the push takes several jobs."""
    monkeypatch.setattr(pushes_jobs, "CHUNK", 5)
    owner = make_user()
    tenant = make_shop(owner=owner, slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    template = coupon_ops.create_template(programme, {"name": "8 off", "kind": "amount_off", "value": "8",
                                                      "valid_days": 30, "stock": 10, "per_member_limit": 1})
    users = []
    for i in range(12):
        user = make_user(consent_email=i < 4)
        join_programme(programme, user)
        users.append(user)
    coupon_ops.issue(template, users[0], "staff")
    db.session.commit()
    return {"owner": api(owner), "template": template, "users": users}


def test_push_to_every_member(shop):
    """12 targeted: one already had it (limit), 9 issued (stock 10 with 1 out), 2 out of stock; 9 inbox messages."""
    response = shop["owner"].post("/api/v1/shops/tea/pushes", {"template_id": shop["template"].id, "filter": {}})
    assert response.status_code == 202 and response.json["push"]["status"] == "queued"
    push_id = response.json["push"]["id"]
    state = shop["owner"].get(f"/api/v1/shops/tea/pushes/{push_id}").json["push"]
    assert (state["status"], state["targeted"], state["issued"], state["skipped"]) == ("done", 12, 9, 3)
    assert state["skipped_by_reason"] == {"limit": 1, "out_of_stock": 2}
    assert db.session.execute(db.select(db.func.count(Coupon.id))).scalar() == 10
    assert db.session.execute(db.select(db.func.count(Notification.id))).scalar() == 9
    assert violations() == []


def test_segment_is_frozen_and_replays_change_nothing(shop, make_user):
    """Only the 4 with e-mail consent are targeted; running every chunk again issues nothing more."""
    reply = shop["owner"].post("/api/v1/shops/tea/pushes", {"template_id": shop["template"].id,
                                                             "filter": {"consent": "email"}, "channels": ["inbox"]})
    push = db.session.get(Push, reply.json["push"]["id"])
    assert (push.status, push.targeted) == ("done", 4)
    db.session.execute(db.update(Push).where(Push.id == push.id).values(status="running"))
    db.session.commit()
    for low in range(0, 100, 5):
        pushes_jobs.run_chunk(push.id, low, low + 4)
    pushes_jobs.start_push(push.id)
    assert db.session.execute(db.select(db.func.count(PushResult.id))).scalar() == 4
    assert db.session.execute(db.select(db.func.count(Coupon.id))).scalar() == 1 + 3
    assert violations() == []


def test_cancel_and_bad_requests(shop, make_shop, make_user, api):
    """A cancelled push runs no chunk; another shop's push id is a 404; bad fields are 422."""
    with db.session.no_autoflush:
        push = pushes.create_push(shop["template"].programme, {"template_id": shop["template"].id})
    assert pushes.cancel(push) is True
    db.session.commit()  # the start job runs now, and finds the push cancelled
    db.session.refresh(push)
    assert (push.status, push.targeted) == ("cancelled", 0)
    assert shop["owner"].post("/api/v1/shops/tea/pushes", {"template_id": 999999}).status_code == 422
    assert shop["owner"].post("/api/v1/shops/tea/pushes", {"template_id": shop["template"].id,
                                                           "channels": ["pigeon"]}).status_code == 422
    assert shop["owner"].post("/api/v1/shops/tea/pushes", {"template_id": shop["template"].id,
                                                           "filter": {"lifecycle": "x"}}).status_code == 422
    other = make_user()
    make_shop(owner=other, slug="other")
    assert api(other).get(f"/api/v1/shops/other/pushes/{push.id}").status_code == 404


def test_push_pages(client, shop):
    """The manager previews a segment, sends the push, and the push page shows its progress; the JSON the
    page polls has the counts."""
    from mall.tenants.models import Staff
    from tests.fixtures.factories import PASSWORD

    owner = db.session.execute(db.select(Staff)).scalars().first().user
    client.post("/lang/en")
    client.post("/login", data={"email": owner.email, "password": PASSWORD})
    form = {"template_id": shop["template"].id, "tier": "", "activity": "", "lifecycle": "", "channels": "inbox"}
    preview = client.post("/admin/tea/loyalty/pushes", data={**form, "action": "preview"}).get_data(as_text=True)
    assert "12 members match." in preview
    sent = client.post("/admin/tea/loyalty/pushes", data={**form, "action": "send"}, follow_redirects=True)
    text = sent.get_data(as_text=True)
    assert "The push is on its way." in text and 'class="progress"' in text
    push = db.session.execute(db.select(Push)).scalar_one()
    state = client.get(f"/admin/tea/loyalty/pushes/{push.id}.json").json
    assert (state["status"], state["targeted"], state["issued"], state["skipped"]) == ("done", 12, 9, 3)
    bad = client.post("/admin/tea/loyalty/pushes", data={**form, "template_id": "999999", "action": "send"})
    assert bad.status_code == 422
    assert "has already ended" in client.post(f"/admin/tea/loyalty/pushes/{push.id}/cancel",
                                              follow_redirects=True).get_data(as_text=True)


def test_report_counts_used_coupons_and_their_revenue(shop, make_product, checkout_at):
    """One pushed coupon used on a 50.00 order: the report says 1 used, 42.00 of revenue (50 − 8)."""
    from mall import clock

    reply = shop["owner"].post("/api/v1/shops/tea/pushes", {"template_id": shop["template"].id})
    push = db.session.get(Push, reply.json["push"]["id"])
    result = db.session.execute(db.select(PushResult).where(PushResult.push_id == push.id,
                                                            PushResult.outcome == "issued")).scalars().first()
    buyer = next(u for u in shop["users"] if u.id == result.user_id)
    product = make_product(shop["template"].programme.tenant, price="50.00")
    checkout_at(buyer, clock.now(), (product, 1), coupons=[result.coupon_id])
    state = shop["owner"].get(f"/api/v1/shops/tea/pushes/{push.id}").json["push"]
    assert (state["used"], state["revenue"]) == (1, "42.00")


def test_the_push_list_reads_every_pushs_progress_at_once(client, shop, make_product, checkout_at):
    """Three pushes on the list page: each shows what its own report says (one used coupon, 42.00), and the
    page makes as many queries as it did with one push."""
    from sqlalchemy import event

    from mall import clock
    from mall.tenants.models import Staff
    from tests.fixtures.factories import PASSWORD

    def queries_for_list() -> tuple[int, str]:
        seen = []

        def note(_conn, _cursor, statement, *_args):
            if not statement.startswith("BEGIN"):  # SQLite's transaction start is not a query of the page
                seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            html = client.get("/admin/tea/loyalty/pushes").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        return len(seen), html

    owner = db.session.execute(db.select(Staff)).scalars().first().user
    client.post("/lang/en")
    client.post("/login", data={"email": owner.email, "password": PASSWORD})
    first = shop["owner"].post("/api/v1/shops/tea/pushes", {"template_id": shop["template"].id}).json["push"]["id"]
    result = db.session.execute(db.select(PushResult).where(PushResult.push_id == first,
                                                            PushResult.outcome == "issued")).scalars().first()
    buyer = next(u for u in shop["users"] if u.id == result.user_id)
    checkout_at(buyer, clock.now(), (make_product(shop["template"].programme.tenant, price="50.00"), 1),
                coupons=[result.coupon_id])
    one, _html = queries_for_list()
    for _ in range(2):  # the stock is gone: these push to nobody new
        shop["owner"].post("/api/v1/shops/tea/pushes", {"template_id": shop["template"].id})
    three, html = queries_for_list()
    assert three == one
    listed = db.session.execute(db.select(Push).order_by(Push.id)).scalars().all()
    states = pushes.progress_of(listed)
    assert len(states) == 3
    for push in listed:
        assert states[push.id] == pushes.progress(push)
    assert (states[first]["used"], states[first]["revenue"], states[first]["issued"]) == (1, "42.00", 9)
    assert states[listed[-1].id]["issued"] == 0 and states[listed[-1].id]["used"] == 0
