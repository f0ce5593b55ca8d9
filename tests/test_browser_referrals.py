"""In a real browser, in Chinese and English, on a laptop and a phone: "Invite friends" and the referral boards.

A member who invited three friends (one rewarded, one pending, one held for a shared address) opens the invite
page; the shop's owner and the operator open their boards of held referrals. No page scrolls sideways.
"""

import copy

import pytest

from mall import clock
from mall.extensions import db
from plugins.loyalty import keys
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.referrals.models import Referral
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in, use_language

pytestmark = [pytest.mark.browser, requires_browser]

SCREENS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
WORDS = {
    "zh": {"locale": "zh-CN", "html": "zh-CN", "invite": "邀请好友", "held": "收货地址与邀请人相同",
           "rewarded": "已奖励", "board": "邀请有礼"},
    "en": {"locale": "en-US", "html": "en", "invite": "Invite friends", "held": "Delivered to the inviting friend",
           "rewarded": "Rewarded", "board": "Referrals"},
}


def _referrals(make_programme, make_shop, make_user) -> dict:
    """Three friends of one member, in the platform's programme and the tea shop's."""
    doc = copy.deepcopy(FOUR_TIERS)
    doc["points"]["bonuses"].update(referral=30, referee=20)
    owner, operator = make_user(), make_user(operator=True)
    shop = make_shop(owner=owner, slug="tea")
    programmes = (make_programme(None, PLATFORM_PROGRAMME), make_programme(shop, doc))
    member = make_user(name="Li Lei")
    join_programme(programmes[1], member)
    now = clock.now()
    for name, status, reason in (("Wang Fang", "rewarded", None), ("张伟", "pending", None),
                                 ("Zhao Min", "held", "self_referral_address")):
        friend = make_user(name=name, referral_code=member.referral_code)
        for programme in programmes:
            row = db.session.execute(db.select(Referral).filter_by(
                idempotency_key=keys.referral_record(programme.id, friend.id))).scalar_one_or_none()
            row = row or Referral(idempotency_key=keys.referral_record(programme.id, friend.id),
                                  programme_id=programme.id, referrer_id=member.id, referee_id=friend.id)
            row.status, row.reason, row.decided_at = status, reason, now if status != "pending" else None
            if status == "rewarded":
                row.rewarded_at, row.referrer_points, row.referee_points = now, 200, 80
            db.session.add(row)
    db.session.commit()
    return {"member": member, "owner": owner, "operator": operator}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_referral_pages_walk(app, make_programme, make_shop, make_user, lang):
    """The invite page (code, link, QR code, friends with their state) and both boards at 1366 and 390 px."""
    people = _referrals(make_programme, make_shop, make_user)
    words = WORDS[lang]
    emails = {who: people[who].email for who in ("member", "owner", "operator")}
    db.session.remove()  # SQLite: let the server take the write lock
    camera = Camera(f"referrals/{lang}")
    walks = [("member", "invite", "/member/invite", (words["invite"], words["held"], words["rewarded"], "W**")),
             ("owner", "shop-board", "/admin/tea/loyalty/referrals", (words["board"], words["held"])),
             ("operator", "platform-board", "/platform/loyalty/referrals", (words["board"], words["held"]))]
    with live_server(app) as base, chromium() as browser:
        for screen, viewport in SCREENS.items():
            for who, label, path, texts in walks:
                page = browser.new_context(locale=words["locale"], viewport=viewport).new_page()
                sign_in(page, base, emails[who])
                use_language(page, base, words["html"])
                page.goto(f"{base}{path}")
                page.wait_for_load_state("networkidle")
                camera.shoot(page, f"{lang}-{screen}-{label}")
                body = page.locator("body").inner_text()
                for text in texts:
                    assert text in body, f"{lang}/{screen}/{label}: {text!r} missing"
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{lang}/{screen}/{label} scrolls sideways by {overflow}px"
                if label == "invite":
                    assert page.locator(".qr svg").is_visible()
                page.context.close()
