"""The programme editor: a form over the document, with preview, field messages, versions and JSON files."""

import io
import json

import pytest

from mall.extensions import db
from plugins.loyalty.demo import four_tiers_programme
from plugins.loyalty.programmes.models import Programme
from plugins.loyalty.programmes.operations import programme_for
from plugins.loyalty.seeds import VANCL
from tests.fixtures.factories import PASSWORD


@pytest.fixture
def owner(client, make_shop, make_user):
    """A shop's owner, signed in, English."""
    user = make_user()
    shop = make_shop(owner=user, slug="tea")
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return {"user": user, "shop": shop}


def _form(client, url):
    """The form's current values, as a browser would send them back."""
    from html.parser import HTMLParser

    class Fields(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data, self.select = {}, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("name") and a.get("type") not in ("file", "submit"):
                if a.get("type") == "checkbox":
                    if "checked" in a:
                        self.data[a["name"]] = "y"
                else:
                    self.data[a["name"]] = a.get("value", "")
            elif tag == "select":
                self.select = a["name"]
            elif tag == "option" and self.select and ("selected" in a or self.select not in self.data):
                self.data[self.select] = a.get("value", "")

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None

    parser = Fields()
    parser.feed(client.get(url).get_data(as_text=True))
    return parser.data


def test_first_save_creates_the_programme(client, owner):
    """Without a programme the form shows starting values; saving them creates version 1."""
    url = "/admin/tea/loyalty/programme"
    assert "No programme yet" in client.get(url).get_data(as_text=True)
    data = _form(client, url)
    response = client.post(url, data={**data, "action": "save"}, follow_redirects=True)
    assert "Programme saved as version 1." in response.get_data(as_text=True)
    assert programme_for(owner["shop"]).document["levels"]["tiers"][0]["code"] == "member"


def test_preview_edit_and_keep_what_the_form_does_not_show(client, owner):
    """Four tiers: a 500.00 sample earns 500 / 1000 / 1500 / 2000 points; raising silver to 1200 saves
    version 3 and keeps silver's monthly coupon; a decreasing threshold is refused next to its field."""
    four_tiers_programme(owner["shop"])
    db.session.commit()
    url = "/admin/tea/loyalty/programme"
    data = _form(client, url)
    preview = client.post(url, data={**data, "action": "preview", "sample": "500"}).get_data(as_text=True)
    for points in (">500<", ">1,000<", ">1,500<", ">2,000<"):
        assert points in preview
    bad = client.post(url, data={**data, "tiers-2-threshold": "900", "action": "save"})
    assert bad.status_code == 422
    assert "Thresholds must increase from tier to tier." in bad.get_data(as_text=True)
    assert programme_for(owner["shop"]).version == 2
    client.post(url, data={**data, "tiers-1-threshold": "1200", "action": "save"})
    db.session.expire_all()
    saved = db.session.execute(db.select(Programme)).scalar_one()
    silver = saved.document["levels"]["tiers"][1]
    assert (saved.version, silver["threshold"], len(silver["coupons"])) == (3, "1200", 1)


@pytest.mark.parametrize("change,message", [
    ({"points__earn__points": "-1"}, "Must be zero or more."),
    ({"points__expiry__policy": "fixed", "points__expiry__days": ""}, "Give the number of days."),
    ({"points__redeem__points_per_unit": "many"}, "Enter a whole number."),
    ({"points__bonuses__check_in_streak": "seven:20"}, "seven:20"),
    ({"tiers-0-code": "Bad Code"}, "Use 1–40 lowercase letters"),
])
def test_invalid_values_are_shown_and_nothing_is_saved(client, owner, change, message):
    """Each invalid value re-shows the form (422) with its message; no version is written."""
    url = "/admin/tea/loyalty/programme"
    data = _form(client, url)
    response = client.post(url, data={**data, **change, "action": "save"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.execute(db.select(Programme)).first() is None


def test_download_and_upload(client, owner):
    """The JSON downloads; an uploaded VANCL document becomes the programme; a broken file is refused."""
    url = "/admin/tea/loyalty/programme"
    upload = client.post(url, data={"document": (io.BytesIO(json.dumps(VANCL).encode()), "vancl.json")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert "saved as version 1" in upload.get_data(as_text=True)
    downloaded = client.get("/admin/tea/loyalty/programme.json")
    assert downloaded.headers["Content-Disposition"].startswith("attachment")
    assert json.loads(downloaded.data)["name"] == "VANCL style"
    broken = client.post(url, data={"document": (io.BytesIO(b"{nope"), "x.json")}, content_type="multipart/form-data")
    assert broken.status_code == 422 and "not a JSON document" in broken.get_data(as_text=True)
    wrong = dict(VANCL, surprise=1)
    refused = client.post(url, data={"document": (io.BytesIO(json.dumps(wrong).encode()), "x.json")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "surprise" in refused.get_data(as_text=True)
    assert programme_for(owner["shop"]).version == 1


def test_roles(client, owner, make_user, add_staff):
    """Support staff read but cannot save; the platform programme is for operators."""
    support = make_user()
    add_staff(owner["shop"], support, "support")
    client.post("/logout")
    client.post("/login", data={"email": support.email, "password": PASSWORD})
    page = client.get("/admin/tea/loyalty/programme")
    assert page.status_code == 200 and "Save as a new version" not in page.get_data(as_text=True)
    assert client.post("/admin/tea/loyalty/programme", data={"action": "save"}).status_code == 403
    assert client.get("/platform/loyalty/programme").status_code == 403
    operator = make_user(operator=True)
    client.post("/logout")
    client.post("/login", data={"email": operator.email, "password": PASSWORD})
    assert client.get("/platform/loyalty/programme").status_code == 200
