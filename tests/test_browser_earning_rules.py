"""In a real browser, in Chinese and English, on a laptop and a phone: the owner reads the programme's earning
rules with their budget spent and previews a Saturday order of shoes; a Gold member sees which rule gave points
and the promotions on now."""

import copy
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from mall import clock
from mall.extensions import db
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.programmes.operations import save_document
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in
from tests.test_browser_commerce import SCREENS, Walk, _speak

pytestmark = [pytest.mark.browser, requires_browser]

WORDS = {
    "zh": {"html": "zh-CN", "other": "en-US", "section": "促销 / 积分规则", "rule": "双倍积分周末", "spent": "本期已用",
           "stacking": "与等级的 1.5 倍相加 = 2.5 倍", "promotions": "当前活动", "bonus": "新品加赠"},
    "en": {"html": "en", "other": "zh-CN", "section": "Promotions / earning rules", "rule": "Double weekend",
           "spent": "Spent this period", "stacking": "added to the tier's 1.5× = 2.5×",
           "promotions": "Current promotions", "bonus": "New arrivals bonus"},
}
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def _last_saturday() -> datetime:
    """10:00 in Shanghai on the last Saturday before now."""
    today = clock.now().astimezone(SHANGHAI).date()
    day = today - timedelta(days=(today.isoweekday() - 6) % 7 or 7)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=SHANGHAI)


def _shop(make_user, make_shop, make_product, checkout_at, slug):
    owner, shopper = make_user(name="Wang Fang"), make_user(name="Li Lei")
    shop = make_shop(owner=owner, slug=slug)
    shoes = make_product(shop, price="100.00", stock=100, category="Shoes", name="跑鞋 Runner")
    make_product(shop, price="40.00", stock=100, category="Socks", name="羊毛袜 Wool socks")
    doc = {"name": "鞋店会员", "name_en": "Shoe club",
           "points": {"earn": {"per_amount": "1.00", "points": "1"},
                      "rules": [{"name": "双倍积分周末", "name_en": "Double weekend", "categories": [shoes.category_id],
                                 "weekdays": [6, 7], "tiers": ["gold"], "multiplier": "2", "stacking": "add",
                                 "cap_per_member": {"points": 500, "period": "week"}},
                                {"name": "新品加赠", "name_en": "New arrivals bonus", "extra_points": 20,
                                 "budget": {"points": 1000, "period": "month"}}]},
           "levels": {"tiers": [{"code": "normal", "name": "普通", "name_en": "Regular", "threshold": "0"},
                                {"code": "gold", "name": "金卡", "name_en": "Gold", "threshold": "1000",
                                 "points_multiplier": "1.5"}]}}
    saturday = _last_saturday()
    with clock.frozen_at(saturday - timedelta(days=30)):
        programme = save_document(shop, copy.deepcopy(doc))
        member, _created = join_programme(programme, shopper)
        member.tier_code = "gold"
        db.session.commit()
    checkout_at(shopper, saturday, (shoes, 1))  # 150 + 100 (weekend) + 20 (bonus)
    checkout_at(shopper, clock.now(), (shoes, 1))  # this month's bonus: 20 of the budget's 1000
    return owner.email, shopper.email


@pytest.mark.parametrize("screen", ["laptop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rules_in_the_editor_the_preview_and_the_member_centre(app, browser, make_user, make_shop, make_product,
                                                               checkout_at, lang, screen):
    """The editor shows both rules with the bonus's budget spent; a Saturday sample in Shoes previews Gold's
    1,250 points with the stacking in words; the member's history names the rule; nothing scrolls sideways."""
    words, slug = WORDS[lang], f"shoes-{lang}-{screen}"
    owner, shopper = _shop(make_user, make_shop, make_product, checkout_at, slug)
    shoes_category = db.session.execute(db.text("SELECT id FROM categories WHERE name = 'Shoes' ORDER BY id DESC")
                                        ).scalar()
    db.session.remove()
    camera = Camera(f"rules/{lang}-{screen}")
    with live_server(app) as base, browser.new_context(locale=words["other"], viewport=SCREENS[screen],
                                                         timezone_id="Asia/Shanghai") as context:
        page = context.new_page()
        walk = Walk(camera, "owner")
        sign_in(page, base, owner)
        _speak(page, base, words)
        page.goto(f"{base}/admin/{slug}/loyalty/programme")
        page.evaluate("document.getElementById('earning-rules').scrollIntoView({block: 'start'})")
        walk.see(page, "rules", words["section"], words["rule"], words["spent"], words["bonus"])
        page.screenshot(path=str(camera.folder / "01b-rules-as-seen.png"))
        assert page.locator(".rule-spent").first.inner_text().replace(" ", "") == "20/1,000"
        page.fill("#sample_at", "2026-11-28T10:00")
        page.select_option("#sample_category", str(shoes_category))
        expect(page.locator("#programme-preview .pe-points").nth(1)).to_have_text("1,270")
        walk.see(page, "preview", words["stacking"])
        page.evaluate("document.getElementById('programme-preview').scrollIntoView({block: 'start'})")
        page.screenshot(path=str(camera.folder / "02b-preview-as-seen.png"))

        context.clear_cookies()
        walk = Walk(camera, "member")
        sign_in(page, base, shopper)
        _speak(page, base, words)
        page.goto(f"{base}/member/points?programme={slug}")
        walk.see(page, "history", f"{words['rule']} +100", f"{words['bonus']} +20")
        page.goto(f"{base}/member/memberships")
        walk.see(page, "memberships", words["promotions"], words["rule"])
