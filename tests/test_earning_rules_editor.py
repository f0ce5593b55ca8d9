"""The programme editor's earning rules: rows picked by name from the catalogue, errors beside their boxes, the
budget's spend, and the preview's sample on a chosen day and category with the stacking in words."""

import copy
from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from werkzeug.datastructures import MultiDict

from mall import clock
from mall.extensions import db
from mall.orders import operations as orders  # noqa: F401  (orders exist for the budget's spend)
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.programmes.operations import programme_for, save_document
from tests.fixtures.factories import PASSWORD

URL = "/admin/shoes/loyalty/programme"
SAT = datetime(2026, 1, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DOC = {
    "name": "Shoe shop",
    "points": {"earn": {"per_amount": "1.00", "points": "1"}},
    "levels": {"tiers": [{"code": "normal", "name": "普通", "name_en": "Regular", "threshold": "0"},
                         {"code": "gold", "name": "金卡", "name_en": "Gold", "threshold": "1000",
                          "points_multiplier": "1.5"}]},
}


@pytest.fixture
def shop(client, make_shop, make_user, make_product):
    """A shoe shop with its owner signed in (English), shoes in "Shoes", socks in "Socks"."""
    owner = make_user()
    tenant = make_shop(owner=owner, slug="shoes")
    shoes = make_product(tenant, price="100.00", stock=100, category="Shoes", name="Runner")
    socks = make_product(tenant, price="40.00", stock=100, category="Socks", name="Wool socks")
    save_document(tenant, copy.deepcopy(DOC))
    db.session.commit()
    client.post("/lang/en")
    client.post("/login", data={"email": owner.email, "password": PASSWORD})
    return {"tenant": tenant, "owner": owner, "shoes": shoes, "socks": socks}


class _Fields(HTMLParser):
    """The form's values as a browser sends them: every checked box (with its value), each select's choice."""

    def __init__(self):
        super().__init__()
        self.data, self.select, self.chosen = MultiDict(), None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("file", "submit"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.data.add(a["name"], a.get("value", "y" if a.get("type") == "checkbox" else ""))
        elif tag == "select":
            self.select, self.chosen = a["name"], False
        elif tag == "option" and self.select and ("selected" in a or self.select not in self.data):
            self.data.setlist(self.select, [a.get("value", "")])

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def _form(client) -> MultiDict:
    parser = _Fields()
    parser.feed(client.get(URL).get_data(as_text=True))
    return parser.data


def _spare(data: MultiDict) -> int:
    """The index of the spare rule row (the last one)."""
    return max(int(k.split("-")[1]) for k in data if k.startswith("rules-"))


def test_a_rule_is_added_from_the_spare_row_with_its_choices_by_name(client, shop):
    """The page offers the shop's categories, products and tiers by name; filling the spare row with "Double
    weekend" on Shoes, Saturday and Sunday, Gold, 2× added to the tier saves it in the document."""
    page = client.get(URL).get_data(as_text=True)
    assert "Promotions / earning rules" in page
    for name in ("Shoes", "Socks", "Runner", "Wool socks", "Gold", "Sat"):
        assert name in page
    data = _form(client)
    n = _spare(data)
    data[f"rules-{n}-name"] = "Double weekend"
    data.setlist(f"rules-{n}-categories", [str(shop["shoes"].category_id)])
    data.setlist(f"rules-{n}-weekdays", ["6", "7"])
    data.setlist(f"rules-{n}-tiers", ["gold"])
    data[f"rules-{n}-multiplier"] = "2"
    data[f"rules-{n}-stacking"] = "add"
    data[f"rules-{n}-budget_points"] = "5000"
    data["action"] = "save"
    response = client.post(URL, data=data, follow_redirects=True)
    assert "Programme saved as version 2." in response.get_data(as_text=True)
    db.session.expire_all()
    (rule,) = programme_for(shop["tenant"]).document["points"]["rules"]
    assert rule == {"name": "Double weekend", "categories": [shop["shoes"].category_id], "weekdays": [6, 7],
                    "tiers": ["gold"], "multiplier": "2", "stacking": "add",
                    "budget": {"points": 5000, "period": "month"}}
    # Saved again untouched, the rule stays as it is.
    again = _form(client)
    again["action"] = "save"
    client.post(URL, data=again)
    assert programme_for(shop["tenant"]).document["points"]["rules"] == [rule]


def test_a_bad_rule_is_shown_again_with_the_message_beside_its_box(client, shop):
    """Both a multiplier and extra points, and an end before the start: 422, each message in its rule's card."""
    data = _form(client)
    n = _spare(data)
    data[f"rules-{n}-name"] = "Confused"
    data[f"rules-{n}-multiplier"] = "2"
    data[f"rules-{n}-extra_points"] = "10"
    data[f"rules-{n}-starts"] = "2026-02-01T00:00"
    data[f"rules-{n}-ends"] = "2026-01-01T00:00"
    data["action"] = "save"
    response = client.post(URL, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    card = page[page.index('id="rules-0-multiplier"'):]
    assert "Give either a multiplier or extra points." in card[:1500]
    assert "Must be after the start." in page[page.index('id="rules-0-ends"'):][:800]
    assert programme_for(shop["tenant"]).document["points"]["rules"] == []


def test_a_form_without_the_rule_rows_leaves_the_rules_alone(client, shop):
    """A client that sends the older form (no rule rows) keeps the saved rules."""
    doc = copy.deepcopy(DOC)
    doc["points"]["rules"] = [{"name": "Every day", "extra_points": 5}]
    save_document(shop["tenant"], doc)
    db.session.commit()
    data = _form(client)
    for key in [k for k in data if k.startswith("rules")]:
        data.poplist(key)
    data["action"] = "save"
    client.post(URL, data=data)
    db.session.expire_all()
    assert programme_for(shop["tenant"]).version == 3
    assert programme_for(shop["tenant"]).document["points"]["rules"] == [
        {"name": "Every day", "extra_points": 5, "stacking": "best"}]


def test_preview_on_a_saturday_in_shoes_says_the_stacking_in_words(client, shop):
    """500.00 of shoes on Saturday: Regular earns 500 (the rule is Gold's); Gold 500 × 1.5 = 750 without the
    rule and 500 × 2.5 = 1,250 with it, "2× on Shoes, added to the tier's 1.5× = 2.5×". On a Monday: 750."""
    doc = copy.deepcopy(DOC)
    doc["points"]["rules"] = [{"name": "Double weekend", "categories": [shop["shoes"].category_id],
                               "weekdays": [6, 7], "tiers": ["gold"], "multiplier": "2", "stacking": "add"}]
    save_document(shop["tenant"], doc)
    db.session.commit()
    data = _form(client)
    for key, value in {"action": "preview", "sample": "500", "sample_at": "2026-01-10T10:00",
                       "sample_category": str(shop["shoes"].category_id)}.items():
        data[key] = value
    page = client.post(URL, data=data).get_data(as_text=True)
    preview = page[page.index('id="programme-preview"'):]
    assert ">1,250<" in preview and "750 points without promotions" in preview
    assert "2× on Shoes, added to the tier&#39;s 1.5× = 2.5×" in preview
    assert "+500" in preview
    data["sample_at"] = "2026-01-12T10:00"
    monday = client.post(URL, data=data).get_data(as_text=True)
    monday = monday[monday.index('id="programme-preview"'):]
    assert ">750<" in monday and "without promotions" not in monday
    data["sample_at"], data["sample_category"] = "2026-01-10T10:00", str(shop["socks"].category_id)
    socks = client.post(URL, data=data).get_data(as_text=True)
    assert "without promotions" not in socks[socks.index('id="programme-preview"'):]
    bad = client.post(URL, data={**data.to_dict(), "sample_at": "Saturday"})
    assert bad.status_code == 422 and "Give a date and time." in bad.get_data(as_text=True)


def test_the_editor_shows_each_rule_budget_spent(client, shop, make_user, checkout_at):
    """One Gold pair of shoes on a Saturday under a 2× add rule with a 1000-point budget: spent 100 / 1,000."""
    doc = copy.deepcopy(DOC)
    doc["points"]["rules"] = [{"name": "Double weekend", "categories": [shop["shoes"].category_id],
                               "multiplier": "2", "stacking": "add", "budget": {"points": 1000, "period": "month"}}]
    programme = save_document(shop["tenant"], doc)
    shopper = make_user()
    with clock.frozen_at(SAT - timedelta(days=1)):
        member, _created = join_programme(programme, shopper)
        member.tier_code = "gold"
        db.session.commit()
    checkout_at(shopper, SAT, (shop["shoes"], 1))
    with clock.frozen_at(SAT + timedelta(hours=1)):
        page = client.get(URL).get_data(as_text=True)
    assert "Spent this period" in page
    assert "<strong>100</strong> / 1,000" in page


def test_the_platform_editor_offers_every_shop_s_categories_and_products_named_with_their_shop(
        client, shop, make_user):
    """The platform programme's rules may name any shop's categories and products: each is offered as
    "<shop> · <name>", the shop looked up by id (categories hold no link to their shop object)."""
    operator = make_user(operator=True)
    client.post("/logout")
    client.post("/login", data={"email": operator.email, "password": PASSWORD})
    page = client.get("/platform/loyalty/programme")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    name = shop["tenant"].name
    assert f"{name} · Shoes" in text and f"{name} · Runner" in text
