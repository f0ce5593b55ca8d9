"""The programme editor's parts: tier cards, coupons picked by name, streak rows, the JSON tab, the live
preview, support staff kept to reading, and programme changes in words."""

import copy
import html
import json

import pytest

from mall.extensions import db
from plugins.loyalty.demo import four_tiers_programme
from plugins.loyalty.programmes.models import Programme
from plugins.loyalty.programmes.operations import changes, programme_for
from plugins.loyalty.seeds import FOUR_TIERS
from tests.fixtures.factories import PASSWORD
from tests.test_programme_editor import _form

URL = "/admin/tea/loyalty/programme"


def _login(client, user, lang="en"):
    client.post("/logout")
    client.post(f"/lang/{lang}")
    client.post("/login", data={"email": user.email, "password": PASSWORD})


@pytest.fixture
def shop(client, make_shop, make_user):
    """A shop with the four-tier programme and its coupon templates, its owner signed in (English)."""
    owner = make_user(name="Wang Fang")
    tenant = make_shop(owner=owner, slug="tea")
    _programme, templates = four_tiers_programme(tenant)
    db.session.commit()
    _login(client, owner)
    return {"owner": owner, "shop": tenant, "templates": templates}


def _document(shop):
    db.session.expire_all()
    return programme_for(shop["shop"]).document


def test_tiers_are_cards_and_a_spare_card_adds_a_tier(client, shop):
    """Four tier cards and an empty "New tier" card; filling the spare card adds a tier, ticking "Remove this tier"
    removes one; "Add a tier" without a script shows one more empty card."""
    page = client.get(URL).get_data(as_text=True)
    assert page.count('class="card tier-card"') == 4 and page.count("tier-card spare") == 1
    data = _form(client, URL)
    data.update({"tiers-4-code": "black", "tiers-4-name": "黑金", "tiers-4-threshold": "50000",
                 "tiers-4-points_multiplier": "5", "tiers-2-remove": "y", "action": "save"})
    assert client.post(URL, data=data).status_code == 302
    tiers = _document(shop)["levels"]["tiers"]
    assert [t["code"] for t in tiers] == ["regular", "silver", "diamond", "black"]
    assert (tiers[3]["threshold"], tiers[3]["points_multiplier"]) == ("50000", "5")
    more = client.post(URL, data={**_form(client, URL), "action": "add_tier"}).get_data(as_text=True)
    assert more.count("tier-card spare") == 2 and programme_for(shop["shop"]).version == 3


def test_coupons_are_picked_by_name(client, shop, make_shop):
    """The pickers list the shop's coupons by name and value; choosing one saves its id; another shop's
    template id is refused next to its picker and nothing is saved."""
    templates = shop["templates"]
    page = client.get(URL).get_data(as_text=True)
    assert "Silver monthly 10% off · 10% off" in page
    assert f'<option selected value="{templates["monthly"].id}">' in page
    data = _form(client, URL)
    client.post(URL, data={**data, "points__join_coupon": str(templates["quarterly"].id), "action": "save"})
    assert _document(shop)["points"]["join_coupon"] == templates["quarterly"].id
    _other, foreign = four_tiers_programme(make_shop(slug="other"))
    db.session.commit()
    refused = client.post(URL, data={**data, "tiers-0-coupons-0-template": str(foreign["join"].id),
                                     "action": "save"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "No coupon template with this id in this programme." in html
    assert "(not in this programme)" in html and programme_for(shop["shop"]).version == 3


def test_the_check_in_streak_is_rows(client, shop):
    """Streak rows save as day → points; a row is added by filling the spare one, removed by its box; a day
    given twice or a day that is not a number is shown beside the row and nothing is saved."""
    data = _form(client, URL)
    assert (data["streak-0-day"], data["streak-0-points"], data["streak-1-day"]) == ("7", "20", "")
    client.post(URL, data={**data, "streak-1-day": "30", "streak-1-points": "100", "action": "save"})
    assert _document(shop)["points"]["bonuses"]["check_in_streak"] == {"7": 20, "30": 100}
    data = _form(client, URL)
    client.post(URL, data={**data, "streak-0-remove": "y", "action": "save"})
    assert _document(shop)["points"]["bonuses"]["check_in_streak"] == {"30": 100}
    data = _form(client, URL)
    for change, message in (({"streak-1-day": "30", "streak-1-points": "5"}, "This day is given twice."),
                            ({"streak-0-day": "0"}, "A streak length in days."),
                            ({"streak-0-points": "lots"}, "Enter a whole number.")):
        response = client.post(URL, data={**data, **change, "action": "save"})
        assert response.status_code == 422 and message in response.get_data(as_text=True), change
    assert programme_for(shop["shop"]).version == 4


@pytest.mark.parametrize("change,field,message", [
    ({"tiers-1-threshold": "abc"}, "tiers-1-threshold", "Enter a number."),
    ({"tiers-1-discount": "1.5"}, "tiers-1-discount", "Must be above 0 and at most 1."),
    ({"tiers-4-name": "黑金"}, "tiers-4-code", "Give the tier a code."),
    ({"points__earn__per_amount": ""}, "points__earn__per_amount", "This field is required."),
])
def test_bad_values_reshow_the_form_with_messages(client, shop, change, field, message):
    """Each bad value: 422, the message inside the field's own box, the typed values kept, nothing saved."""
    response = client.post(URL, data={**_form(client, URL), **change, "action": "save"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    start = html.rindex('<div class="field', 0, html.index(f'id="{field}"'))
    box = html[start:html.index("</div>", start)]
    assert "has-error" in box and message in box
    assert all(f'value="{value}"' in html for value in change.values() if value)
    assert programme_for(shop["shop"]).version == 2


def test_support_staff_read_only(client, shop, make_user, add_staff):
    """Support staff see a banner and disabled fields without save buttons; a save (form or JSON) and the live
    preview are refused with 403 and nothing changes."""
    data = _form(client, URL)
    support = make_user()
    add_staff(shop["shop"], support, "support")
    _login(client, support)
    page = client.get(URL).get_data(as_text=True)
    assert "Read only." in page and "Your role in this shop is support." in page
    assert page.count("<fieldset class=\"bare\" disabled>") == 2 and 'value="save"' not in page
    for body in ({**data, "tiers-1-threshold": "1200", "action": "save"},
                 {"document_json": json.dumps(FOUR_TIERS), "action": "save_json"}):
        assert client.post(URL, data=body).status_code == 403
    assert client.post(URL + "/preview", data=data).status_code == 403
    assert programme_for(shop["shop"]).version == 2


def test_the_json_tab_saves_and_validates(client, shop):
    """The document, edited as text, saves as a new version; broken JSON or an unknown key is shown beside the
    text, which is kept as typed, and nothing is saved."""
    page = client.get(URL).get_data(as_text=True)
    assert '<details class="card pe-json">' in page and "&#34;check_in_streak&#34;" in page
    doc = copy.deepcopy(_document(shop))
    doc["points"]["bonuses"]["join"] = 300
    saved = client.post(URL, data={"document_json": json.dumps(doc), "action": "save_json"}, follow_redirects=True)
    assert "Programme saved as version 3." in saved.get_data(as_text=True)
    assert _document(shop)["points"]["bonuses"]["join"] == 300
    for text, message in (("{nope", "The file is not a JSON document."),
                          (json.dumps({**doc, "surprise": 1}), "surprise: Unknown field.")):
        response = client.post(URL, data={"document_json": text, "action": "save_json"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and message in html and '<details class="card pe-json" open>' in html
        assert ("{nope" if text == "{nope" else "&#34;surprise&#34;") in html
    assert programme_for(shop["shop"]).version == 3


def test_the_live_preview_is_computed_by_the_server(client, shop):
    """The preview endpoint answers the form as it stands: silver at ×5 earns 2500 points on ¥500; a bad value
    gives its message instead, and nothing is saved either way."""
    data = _form(client, URL)
    reply = client.post(URL + "/preview", data={**data, "tiers-1-points_multiplier": "5"}).json
    assert reply["ok"] and ">2,500<" in reply["html"] and "from ¥1,000.00 spent" in reply["html"]
    bad = client.post(URL + "/preview", data={**data, "tiers-1-points_multiplier": "11"}).json
    assert not bad["ok"] and "Tier 2 · Points multiplier: Must be at most 10." in bad["problems"]
    assert programme_for(shop["shop"]).version == 2


def test_changes_in_words(app):
    """A price factor, an added and a removed tier, a streak day and a choice are named as the editor names them."""
    before = copy.deepcopy(FOUR_TIERS)
    before["levels"]["tiers"][3]["discount"] = "0.98"
    after = copy.deepcopy(before)
    after["levels"]["tiers"][3]["discount"] = "0.97"
    after["levels"]["tiers"].pop(0)
    after["levels"]["tiers"].append({"code": "black", "name": "黑金", "threshold": "50000"})
    after["points"]["bonuses"]["check_in_streak"] = {"7": 30}
    after["levels"]["metric"] = "orders"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        words = [(c["what"], c["old"], c["new"]) for c in changes(before, after)]
    assert ("Diamond Price factor", "0.98", "0.97") in words
    assert ("Tier removed", "Regular", None) in words and ("Tier added", None, "黑金") in words
    assert ("Check-in streak", "7: 20", "7: 30") in words
    assert ("Levels are reached by", "Money spent", "Number of orders") in words


def test_the_diff_page_and_the_log_speak_in_words(client, shop, make_user):
    """After the owner raises silver's multiplier, the log says so under her name and the diff page lists it."""
    client.post(URL, data={**_form(client, URL), "tiers-1-points_multiplier": "3", "action": "save"})
    _login(client, make_user(operator=True))
    log = html.unescape(client.get("/platform/audit/?tenant=tea").get_data(as_text=True))
    name = shop["shop"].name
    assert f"Wang Fang</strong>\n    changed Silver Points multiplier of {name}'s programme" in log
    assert "Silver Points multiplier: 2 → 3" in log and "Version 3" in log
    assert log.count("<th>") == 2
    programme = db.session.execute(db.select(Programme)).scalar_one()
    diff = client.get(f"/platform/programmes/{programme.id}/versions/3/diff").get_data(as_text=True)
    assert '<span class="what">Silver Points multiplier</span> <span class="del">2</span>' in diff
    client.post("/lang/zh")
    zh = client.get("/platform/audit/?tenant=tea").get_data(as_text=True)
    assert "银牌 积分倍数：2 → 3" in zh and "第 3 版" in zh and f"修改了 {name} 会员方案的“银牌 积分倍数”" in zh


@pytest.mark.parametrize("change", [
    {"streak-0-day": "", "streak-0-points": "5"}, {"tiers-0-coupons-0-template": "abc"},
    {"tiers-0-coupons-0-template": "1", "tiers-0-coupons-0-every": "week"}, {"points__join_coupon": "9" * 30},
    {"tiers-99999-code": "far", "tiers-99999-name": "远", "tiers-99999-threshold": "1e999"},
    {"points__bonuses__check_in_streak": "7:20, 7:30"}, {"sample": "１００"},
])
def test_odd_values_are_messages_not_errors(client, shop, change):
    """Odd values, on a save and in the live preview, are answered with messages; nothing is saved (a save
    ignores the preview's sample order)."""
    data = {**_form(client, URL), **change}
    assert client.post(URL, data={**data, "action": "save"}).status_code == (302 if "sample" in change else 422)
    assert client.post(URL + "/preview", data=data).json["ok"] is False
    for text in ("null", "[]", '{"name": 1}'):
        assert client.post(URL, data={"document_json": text, "action": "save_json"}).status_code == 422
    assert programme_for(shop["shop"]).version == (3 if "sample" in change else 2)
