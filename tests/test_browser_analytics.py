"""In a real browser, in Chinese and English, on a laptop and a phone: the analytics page with six months of
trade draws its charts and tables without scrolling sideways, and a push's report compares it with its holdout."""

from datetime import timedelta

import pytest

from mall import clock
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.models import Membership
from plugins.loyalty.points.models import PointsEntry, PointsLot
from plugins.loyalty.pushes import operations as pushes
from plugins.loyalty.seeds import FOUR_TIERS
from tests.analytics_support import bulk_members, paid_order
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in, use_language

pytestmark = [pytest.mark.browser, requires_browser]

SCREENS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGS = {"zh": ("zh-CN", "en-US"), "en": ("en", "zh-CN")}


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the four walks."""
    with chromium() as launched:
        yield launched


def _history(programme, tenant):
    """Members joining over six months on every tier, buying now and then, earning and spending points with
    lots that lapse over the coming year; then a push to everyone holding back a fifth."""
    now = clock.now()
    tiers = [t["code"] for t in FOUR_TIERS["levels"]["tiers"]]
    users = []
    for month in range(6):
        users += bulk_members(programme, 8, now - timedelta(days=175 - month * 30), tiers[month % 4],
                              prefix=f"{tenant.slug}-{month}-")
    for i, uid in enumerate(users):
        member = db.session.execute(db.select(Membership.id).where(Membership.user_id == uid)).scalar()
        joined = now - timedelta(days=175 - (i // 8) * 30)
        for k in range(i % 4):
            paid_order(uid, tenant.id, str(60 + 35 * k + i), joined + timedelta(days=3 + 11 * k))
        db.session.add_all([
            PointsEntry(membership_id=member, bucket="available", delta=200 + i * 10, kind="earn",
                        programme_version=1, idempotency_key=f"b:{uid}:earn", created_at=joined + timedelta(days=3)),
            PointsLot(membership_id=member, amount=200 + i * 10, remaining=150 + i * 10,
                      expires_at=now + timedelta(days=20 + i * 7), created_at=joined + timedelta(days=3))])
        if i % 3 == 0:
            db.session.add(PointsEntry(membership_id=member, bucket="available", delta=-50, kind="redeem",
                                       programme_version=1, idempotency_key=f"b:{uid}:redeem",
                                       created_at=joined + timedelta(days=10)))
    db.session.commit()
    template = coupon_ops.create_template(programme, {"name": "满100减10", "name_en": "10 off 100",
                                                      "kind": "amount_off", "value": "10", "valid_days": 30})
    with clock.frozen_at(now - timedelta(days=20)):
        push = pushes.create_push(programme, {"template_id": template.id, "filter": {}, "holdout": "0.2",
                                              "seed": 5})
        db.session.commit()
    for i, uid in enumerate(users[::3]):
        paid_order(uid, tenant.id, str(88 + i), now - timedelta(days=15 - i % 10))
    db.session.commit()
    return push.id


@requires_browser
@pytest.mark.parametrize("screen", ["laptop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_analytics_and_holdout_report(app, browser, make_user, make_shop, make_programme, lang, screen):
    html_lang, other = LANGS[lang]
    owner = make_user(name="Owner")
    slug = f"tea-{lang}-{screen}"
    tenant = make_shop(owner=owner, slug=slug)
    push_id = _history(make_programme(tenant, FOUR_TIERS), tenant)
    bare = f"new-{lang}-{screen}"
    make_programme(make_shop(owner=owner, slug=bare), FOUR_TIERS)
    email = owner.email
    db.session.remove()  # SQLite: end our transaction before the server writes
    camera = Camera(f"analytics/{lang}-{screen}")

    with live_server(app) as base, browser.new_context(locale=other, viewport=SCREENS[screen]) as context:
        page = context.new_page()
        sign_in(page, base, email)
        use_language(page, base, html_lang)

        def see(path, label, least_charts=0):
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            camera.shoot(page, label)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{label}: {page.url} scrolls sideways by {overflow}px"
            canvases = page.evaluate("document.querySelectorAll('canvas[data-chart]').length")
            drawn = page.evaluate("[...document.querySelectorAll('canvas[data-chart]')]"
                                  ".filter(c => window.Chart && Chart.getChart(c)).length")
            assert drawn == canvases >= least_charts, f"{label}: {drawn} of {canvases} charts drawn"

        see(f"/admin/{slug}/loyalty/analytics", "analytics", least_charts=8)
        assert page.locator("[data-kpi=redemption_rate] strong").inner_text().endswith("%")
        assert page.locator("#cohorts tbody tr").count() == 6
        see(f"/admin/{slug}/loyalty/analytics?from=2026-03-10&to=2026-03-01", "analytics-bad-range")
        assert page.locator("[role=alert]").count() == 1
        see(f"/admin/{bare}/loyalty/analytics", "analytics-empty")
        assert page.locator(".empty").count() == 1
        see(f"/admin/{slug}/loyalty/pushes/{push_id}", "push-holdout")
        assert page.locator("#holdout tbody tr").count() == 2
        assert page.locator("[data-field=lift]").count() == 1
        see(f"/admin/{slug}/loyalty/pushes/{push_id}?days=30", "push-holdout-30-days")
