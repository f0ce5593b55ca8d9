"""In a real browser, in Chinese and English, on a laptop and a phone: a shop owner filters the member list, selects
two members and tags them after the confirmation step, then opens a member, writes a note and sends a coupon;
no page scrolls sideways."""

from datetime import timedelta

import pytest

from mall import clock
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.models import MemberTag, MemberTagging
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import FOUR_TIERS
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in
from tests.test_browser_commerce import SCREENS, Walk, _go, _speak

pytestmark = [pytest.mark.browser, requires_browser]

WORDS = {
    "zh": {"html": "zh-CN", "other": "en-US", "members": "会员", "select_all": "全选本页", "export": "导出 CSV",
           "confirm": "为 2 位会员添加标签", "summary": "已为 2 位会员添加标签“老客户”", "tag": "老客户",
           "note_saved": "备注已保存。", "sent": "已向", "send": "发放优惠券", "coupon": "满100减10",
           "more": "更多筛选", "confirm_coupon": "向 8 位会员发放优惠券", "coupon_left": "满100减10",
           "coupons_sent": "已向 8 位会员发放“满100减10”。"},
    "en": {"html": "en", "other": "zh-CN", "members": "Members", "select_all": "Select all on this page",
           "export": "Export CSV", "confirm": "Add a tag to 2 members", "summary": "Tag “Regular” added to 2.",
           "tag": "Regular", "note_saved": "Note saved.", "sent": "sent to", "send": "Send a coupon",
           "coupon": "10 off 100", "more": "More filters", "confirm_coupon": "Send a coupon to 8 members",
           "coupon_left": "10 off 100", "coupons_sent": "“10 off 100” sent to 8."},
}
NAMES = ["王芳", "李小龙 Bruce Lee", "欧阳娜娜 Ouyang Nana", "Alexandra Konstantinopoulou-Papadimitriou", "陈静",
         "Zhang Wei", "刘洋", "Maximilian von Habsburg"]


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the four walks."""
    with chromium() as launched:
        yield launched


def _shop(make_user, make_shop, make_programme, slug: str):
    """A tea shop with eight members (one tagged VIP 金卡 and 回头客), and a coupon to send."""
    owner = make_user(name="Owner")
    tenant = make_shop(owner=owner, slug=slug)
    programme = make_programme(tenant, FOUR_TIERS)
    now = clock.now()
    members = []
    for i, name in enumerate(NAMES):
        member, _created = join_programme(programme, make_user(name=name), now - timedelta(days=10 * i))
        member.last_order_at = now - timedelta(days=20 * i) if i % 3 else None
        members.append(member)
    for tag_name in ("VIP 金卡", "回头客"):
        tag = MemberTag(tenant_id=tenant.id, name=tag_name)
        db.session.add(tag)
        db.session.flush()
        db.session.add(MemberTagging(tenant_id=tenant.id, membership_id=members[2].id, tag_id=tag.id))
    coupon_ops.create_template(programme, {"name": "满100减10", "name_en": "10 off 100", "kind": "amount_off",
                                           "value": "10", "min_spend": "100", "valid_days": 30,
                                           "per_member_limit": 2})
    db.session.commit()
    return owner.email, members[2].user_id


@pytest.mark.parametrize("screen", ["laptop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_filter_select_tag_note_and_send_a_coupon(app, browser, make_user, make_shop, make_programme, lang, screen):
    words, viewport = WORDS[lang], SCREENS[screen]
    slug = f"tea-{lang}-{screen}"
    owner_email, nana = _shop(make_user, make_shop, make_programme, slug)
    db.session.remove()  # SQLite: end our transaction before the server writes
    walk = Walk(Camera(f"members/{lang}-{screen}"), "owner")
    members_url = f"/admin/{slug}/loyalty/members"

    with live_server(app) as base, browser.new_context(locale=words["other"], viewport=viewport) as context:
        page = context.new_page()
        sign_in(page, base, owner_email)
        _speak(page, base, words)
        page.goto(base + members_url)
        walk.see(page, "list", words["members"], words["select_all"], words["export"], "VIP 金卡")

        # Two members ticked, then "add a tag": the confirmation step names the tag and lists them.
        boxes = page.locator("input[name=ids]")
        boxes.nth(0).check()
        boxes.nth(2).check()
        walk.see(page, "list-selected")
        page.select_option("#bulk-action", "add_tag")
        _go(page, lambda: page.click(".bulk-bar button[type=submit]"))
        walk.see(page, "confirm", words["confirm"])
        page.fill("input[name=name]", words["tag"])
        _go(page, lambda: page.click(".confirm-actions button[type=submit]"))
        walk.see(page, "tagged", words["summary"])

        # Everyone on the page at once ("select all" ticks each row), sent a coupon after its confirmation.
        page.check("[data-select-all]")
        assert page.locator("input[name=ids]:checked").count() == len(NAMES)
        page.select_option("#bulk-action", "coupon")
        _go(page, lambda: page.click(".bulk-bar button[type=submit]"))
        walk.see(page, "confirm-coupon", words["confirm_coupon"])
        page.select_option("select[name=template]", label=words["coupon_left"])
        _go(page, lambda: page.click(".confirm-actions button[type=submit]"))
        walk.see(page, "coupons-sent", words["coupons_sent"])

        # Filtered by the new tag, the two are listed with its chip.
        page.select_option("#mf-tag", label=words["tag"])
        _go(page, lambda: page.click(".mf-go button[type=submit]"))
        assert page.locator("input[name=ids]").count() == 2
        walk.see(page, "filtered", words["tag"])
        page.goto(f"{base}{members_url}?points_min=0&joined_from=2020-01-01")
        assert page.locator("details.mf-more").get_attribute("open") is not None
        walk.see(page, "more-filters", words["more"])

        # A member's page: a note, then a coupon sent.
        page.goto(f"{base}{members_url}/{nana}")
        page.fill("textarea[name=note]", "喜欢乌龙茶，周末下午送货。Prefers oolong; deliver on weekend afternoons.")
        _go(page, lambda: page.click("#note button[type=submit]"))
        walk.see(page, "member-noted", words["note_saved"], words["send"], "VIP 金卡")
        page.select_option("#send-coupon select", label=words["coupon"])
        _go(page, lambda: page.click("#send-coupon button[type=submit]"))
        walk.see(page, "member-sent", words["sent"])
