"""Every number of a programme document is bounded; the editor refuses what would break the shop later."""

import copy
import io

import pytest

from mall.extensions import db
from plugins.loyalty.programmes.models import Programme, ProgrammeVersion
from plugins.loyalty.programmes.operations import programme_for
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME, VANCL
from tests.fixtures.factories import PASSWORD
from tests.test_programme_editor import _form

HUGE = 10**12


@pytest.fixture
def owner(client, make_shop, make_user, api):
    """A shop's owner: signed in on the pages (English) and with an API client."""
    user = make_user()
    shop = make_shop(owner=user, slug="tea")
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return {"user": user, "shop": shop, "api": api(user)}


def _put(owner, doc, lang="en"):
    owner["api"].client.post(f"/lang/{lang}")
    return owner["api"].client.put("/api/v1/shops/tea/programme", json=doc,
                                   headers={"Authorization": f"Bearer {owner['api'].token}", })


def _with(doc, path, value):
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


GROWTH = _with(_with(FOUR_TIERS, ("levels", "metric"), "growth"), ("levels", "growth"),
               {"per_amount": "1.00", "points": "1", "check_in": 1, "review": 5})
COUPONED = _with(FOUR_TIERS, ("levels", "tiers", 1, "coupons"), [{"template": 1, "every": "month"}])


@pytest.mark.parametrize("base,path", [
    (VANCL, ("points", "bonuses", "join")), (VANCL, ("points", "bonuses", "check_in")),
    (VANCL, ("points", "bonuses", "review")), (VANCL, ("points", "bonuses", "birthday")),
    (VANCL, ("points", "bonuses", "referral")), (VANCL, ("points", "bonuses", "check_in_streak", "7")),
    (VANCL, ("points", "earn", "points")), (VANCL, ("points", "earn", "sale_points")),
    (VANCL, ("points", "earn", "per_amount")), (VANCL, ("points", "earn", "payment_methods", "wallet_bonus")),
    (VANCL, ("points", "redeem", "points_per_unit")), (VANCL, ("points", "redeem", "min_points")),
    (VANCL, ("points", "expiry", "days")), (VANCL, ("points", "referral_monthly_cap")),
    (VANCL, ("points", "join_coupon")), (VANCL, ("points", "birthday_coupon")),
    (VANCL, ("levels", "window", "days")), (VANCL, ("levels", "activity", "sleeping_days")),
    (VANCL, ("levels", "tiers", 2, "threshold")), (VANCL, ("levels", "tiers", 2, "keep")),
    (VANCL, ("levels", "tiers", 2, "points_multiplier")), (VANCL, ("levels", "tiers", 2, "rebate_rate")),
    (PLATFORM_PROGRAMME, ("levels", "tiers", 3, "fee")), (PLATFORM_PROGRAMME, ("levels", "tiers", 3, "duration_days")),
    (COUPONED, ("levels", "tiers", 1, "coupons", 0, "template")),
    (GROWTH, ("levels", "growth", "points")), (GROWTH, ("levels", "growth", "check_in")),
    (GROWTH, ("levels", "growth", "review")),
])
def test_a_number_beyond_its_bound_is_a_422_naming_it(owner, base, path):
    """10¹² anywhere (as a number and as text) → 422 naming the field; nothing is saved."""
    field = ".".join(str(p) for p in path)
    for value in (HUGE, str(HUGE)):
        response = _put(owner, _with(base, path, value))
        assert response.status_code == 422, (path, value)
        fields = response.json["error"]["fields"]
        assert any(field == name or field.startswith(name + ".") or name.startswith(field) for name in fields), fields
    assert db.session.execute(db.select(ProgrammeVersion)).first() is None


@pytest.mark.parametrize("path,value,en,zh", [
    (("points", "bonuses", "join"), HUGE, "Must be at most 100000.", "不能超过 100000。"),
    (("points", "earn", "points"), "1E-999999", "Use at most 4 decimal places.", "最多保留 4 位小数。"),
    (("points", "earn", "points"), "101", "At most 100 points a yuan.", "每元最多 100 积分。"),
    (("levels", "tiers", 1, "points_multiplier"), "11", "Must be at most 10.", "不能超过 10。"),
    (("points", "referral_monthly_cap"), -1, "Must be zero or more.", "不能小于 0。"),
])
def test_bound_messages_in_both_languages(owner, path, value, en, zh):
    """The field message says what the bound is, in English and in Chinese."""
    doc = _with(VANCL, path, value)
    field = ".".join(str(p) for p in path)
    assert _put(owner, doc, "en").json["error"]["fields"][field] == [en]
    assert _put(owner, doc, "zh").json["error"]["fields"][field] == [zh]


def test_the_seeds_programmes_are_within_bounds(owner):
    """Every seed document still saves, with the referral cap's default of 10 a month."""
    for doc in (VANCL, FOUR_TIERS, PLATFORM_PROGRAMME):
        assert _put(owner, _with(doc, ("points", "join_coupon"), None)).status_code == 200
    assert programme_for(owner["shop"]).document["points"]["referral_monthly_cap"] == 10


def test_the_editor_reshows_a_huge_bonus_with_its_message(client, owner):
    """A joining bonus of 10¹² typed in the editor: 422, the message beside the field, nothing saved."""
    url = "/admin/tea/loyalty/programme"
    data = _form(client, url)
    response = client.post(url, data={**data, "points__bonuses__join": str(HUGE), "action": "save"})
    assert response.status_code == 422 and "Must be at most 100000." in response.get_data(as_text=True)
    assert db.session.execute(db.select(Programme)).first() is None


def test_the_editor_shows_and_saves_the_referral_cap(client, owner):
    """The monthly referral cap is a field of the form: shown with its default, saved when changed."""
    url = "/admin/tea/loyalty/programme"
    data = _form(client, url)
    client.post(url, data={**data, "action": "save"})
    assert _form(client, url)["points__referral_monthly_cap"] == "10"
    client.post(url, data={**data, "points__referral_monthly_cap": "3", "action": "save"})
    db.session.expire_all()
    assert programme_for(owner["shop"]).document["points"]["referral_monthly_cap"] == 3


def test_a_deeply_nested_upload_is_refused_like_any_broken_file(client, owner):
    """JSON nested deeper than the parser goes is "not a JSON document" (422), not a server error."""
    deep = b"[" * 100_000 + b"]" * 100_000
    response = client.post("/admin/tea/loyalty/programme", data={"document": (io.BytesIO(deep), "deep.json")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "not a JSON document" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Programme)).first() is None


@pytest.mark.parametrize("sample", ["-100", "1e999", "NaN", "12.345", "abc"])
def test_the_preview_refuses_a_sample_order_that_is_not_an_amount(client, owner, sample):
    """A negative, exponent, NaN, three-decimal or text sample: 422 with the sample field's message."""
    url = "/admin/tea/loyalty/programme"
    data = _form(client, url)
    response = client.post(url, data={**data, "sample": sample, "action": "preview"})
    assert response.status_code == 422
    assert "Enter an amount from 0 to 100000000.00 with at most two decimals." in response.get_data(as_text=True)


def test_the_preview_of_a_plain_sample(client, owner):
    """A 200.00 sample at one point a yuan earns 200 points."""
    url = "/admin/tea/loyalty/programme"
    response = client.post(url, data={**_form(client, url), "sample": "200", "action": "preview"})
    assert response.status_code == 200 and ">200<" in response.get_data(as_text=True)
