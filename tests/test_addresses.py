"""The address book: add, change, delete and the default (one per shopper, in the database), bounds, tenancy."""

import pytest
from sqlalchemy.exc import IntegrityError

from mall.addresses.models import Address
from mall.addresses.operations import MAX_ADDRESSES
from mall.extensions import db
from tests.fixtures.factories import HOME
from tests.races_support import signed_in

BASE = "/api/v1/me/addresses"
OFFICE = {"name": "Han Meimei 韩梅梅", "phone": "+86 139 1000 2002", "region": "北京市", "city": "北京市",
          "street": "建国门外大街 1 号"}


def _rows(user) -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(db.select(Address.id, Address.street, Address.is_default)
                              .where(Address.user_id == user.id).order_by(Address.id)).all()


def test_add_list_change_and_delete_through_the_api(api, make_user):
    user = make_user(address=False)
    shopper = api(user)
    assert shopper.get(BASE).json == {"items": []}
    first = shopper.post(BASE, HOME)
    assert first.status_code == 201
    home = first.json["address"]
    assert home == {"id": home["id"], **HOME, "is_default": True}  # the first address is the default
    office = shopper.post(BASE, OFFICE).json["address"]
    assert office["is_default"] is False and office["district"] is None and office["postcode"] is None
    assert [a["id"] for a in shopper.get(BASE).json["items"]] == [home["id"], office["id"]]

    changed = shopper.put(f"{BASE}/{office['id']}", {"street": "建国门外大街 2 号", "postcode": "100004"})
    assert changed.status_code == 200
    assert changed.json["address"] == {**office, "street": "建国门外大街 2 号", "postcode": "100004"}

    moved = shopper.put(f"{BASE}/{office['id']}", {"is_default": True})
    assert moved.json["address"]["is_default"] is True
    assert [(a["id"], a["is_default"]) for a in shopper.get(BASE).json["items"]] == [
        (office["id"], True), (home["id"], False)]

    gone = shopper.delete(f"{BASE}/{office['id']}")
    assert gone.status_code == 200 and gone.json == {"deleted": office["id"], "default_id": home["id"]}
    assert _rows(user) == [(home["id"], HOME["street"], True)]  # the other address became the default
    last = shopper.delete(f"{BASE}/{home['id']}")
    assert last.json == {"deleted": home["id"], "default_id": None}
    assert _rows(user) == []


def test_a_new_default_moves_the_flag_and_the_default_cannot_be_unset(api, make_user):
    user = make_user(address=False)
    shopper = api(user)
    home = shopper.post(BASE, HOME).json["address"]
    office = shopper.post(BASE, {**OFFICE, "is_default": True}).json["address"]
    assert office["is_default"] is True
    assert [(i, d) for i, _s, d in _rows(user)] == [(home["id"], False), (office["id"], True)]
    refused = shopper.put(f"{BASE}/{office['id']}", {"is_default": False, "street": "Elsewhere 1"})
    assert refused.status_code == 422 and "is_default" in refused.json["error"]["fields"]
    assert _rows(user)[1] == (office["id"], OFFICE["street"], True)  # nothing changed


def test_the_database_holds_at_most_one_default_per_shopper(make_user):
    user = make_user()
    db.session.add(Address(user_id=user.id, is_default=True, **{**HOME, "street": "Second 2"}))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    other = make_user()  # another shopper's default is no conflict
    assert [d for *_r, d in _rows(other)] == [True]


@pytest.mark.parametrize("field,value", [
    ("name", ""), ("name", "x" * 41), ("name", 7), ("phone", "call me"), ("phone", "12345"),
    ("phone", "+86 138+0013"), ("phone", "1" * 16), ("phone", "12012345678"), ("phone", "138-0013-8000\u0007"),
    ("region", None), ("city", "   "), ("district", "d" * 41), ("street", "s" * 201), ("street", "Road\u0000 1"),
    ("postcode", "20-"), ("postcode", "ABCDEFGHIJKLM"), ("postcode", "20#040"), ("is_default", "yes"),
    ("colour", "red"),
])
def test_bad_values_are_422_naming_the_field_and_save_nothing(api, make_user, field, value):
    user = make_user(address=False)
    response = api(user).post(BASE, {**HOME, field: value})
    assert response.status_code in (400, 422), response.json
    if response.status_code == 422:
        assert field in response.json["error"]["fields"], response.json
    assert _rows(user) == []


@pytest.mark.parametrize("phone,stored", [
    ("13800138000", "13800138000"), ("010-12345678", "010-12345678"), ("+44 20 7946 0958", "+44 20 7946 0958"),
    ("+1 (415) 555-0100", "+1 (415) 555-0100"), ("１３８００１３８０００", "13800138000"),
    ("  138  0013   8000 ", "138 0013 8000"),
])
def test_phones_as_shoppers_type_them(api, make_user, phone, stored):
    reply = api(make_user(address=False)).post(BASE, {**HOME, "phone": phone})
    assert reply.status_code == 201, reply.json
    assert reply.json["address"]["phone"] == stored


def test_the_address_book_is_bounded(api, make_user):
    user = make_user(address=False)
    shopper = api(user)
    for i in range(MAX_ADDRESSES):
        assert shopper.post(BASE, {**HOME, "street": f"Road {i}"}).status_code == 201
    over = shopper.post(BASE, {**HOME, "street": "One too many"})
    assert over.status_code == 422 and over.json["error"]["fields"]["_schema"]
    assert len(_rows(user)) == MAX_ADDRESSES


def test_another_shoppers_address_is_404_in_the_api(api, make_user):
    owner, intruder = make_user(), make_user()
    theirs = _rows(owner)[0][0]
    other = api(intruder)
    assert other.put(f"{BASE}/{theirs}", {"street": "Mine now"}).status_code == 404
    assert other.put(f"{BASE}/{theirs}", {"is_default": True}).status_code == 404
    assert other.delete(f"{BASE}/{theirs}").status_code == 404
    assert other.delete(f"{BASE}/2147483647").status_code == 404
    assert [a["id"] for a in other.get(BASE).json["items"]] != [theirs]
    assert _rows(owner) == [(theirs, HOME["street"], True)]
    assert api().get(BASE).status_code == 401


def test_another_shoppers_address_is_404_on_the_pages(app, make_user):
    owner, intruder = make_user(), make_user()
    theirs = _rows(owner)[0][0]
    client = signed_in(app, intruder)
    assert client.get(f"/addresses/{theirs}/edit").status_code == 404
    assert client.post(f"/addresses/{theirs}/edit", data={**HOME, "street": "Mine now"}).status_code == 404
    assert client.post(f"/addresses/{theirs}/delete").status_code == 404
    assert client.post(f"/addresses/{theirs}/default").status_code == 404
    assert _rows(owner) == [(theirs, HOME["street"], True)]


def test_the_address_pages_add_change_default_and_delete(app, make_user):
    user = make_user(address=False)
    client = signed_in(app, user)
    empty = client.get("/addresses").get_data(as_text=True)
    assert "You have no delivery addresses yet." in empty and 'href="/addresses/new"' in empty
    form = client.get("/addresses/new").get_data(as_text=True)
    assert f'value="{user.name}"' in form  # the recipient starts as the shopper
    saved = client.post("/addresses/new", data=HOME, follow_redirects=True).get_data(as_text=True)
    assert "Address saved." in saved and HOME["street"] in saved and "Default" in saved
    client.post("/addresses/new", data=OFFICE)
    (home_id, *_h), (office_id, *_o) = _rows(user)
    edit = client.get(f"/addresses/{office_id}/edit").get_data(as_text=True)
    assert OFFICE["street"] in edit and "Make this my default address" in edit
    client.post(f"/addresses/{office_id}/edit", data={**OFFICE, "street": "建国门外大街 9 号"})
    client.post(f"/addresses/{office_id}/default")
    assert _rows(user) == [(home_id, HOME["street"], False), (office_id, "建国门外大街 9 号", True)]
    # Saving the default without the box ticked keeps it the default.
    client.post(f"/addresses/{office_id}/edit", data=OFFICE)
    assert _rows(user)[1][2] is True
    listing = client.get("/addresses").get_data(as_text=True)
    assert "Delete this address? Orders already placed keep their delivery address." in listing
    deleted = client.post(f"/addresses/{office_id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "Address deleted." in deleted
    assert _rows(user) == [(home_id, HOME["street"], True)]


def test_a_bad_form_is_reshown_with_messages_and_saves_nothing(app, make_user):
    user = make_user(address=False)
    client = signed_in(app, user)
    response = client.post("/addresses/new", data={**HOME, "phone": "call me", "postcode": "#1", "street": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a phone number of 7 to 15 digits" in page and "This field is required." in page
    assert _rows(user) == []
    bad_postcode = client.post("/addresses/new", data={**HOME, "postcode": "#1"})
    assert bad_postcode.status_code == 422 and "Enter a postcode" in bad_postcode.get_data(as_text=True)
    assert _rows(user) == []


def test_the_address_pages_speak_chinese(app, make_user):
    user = make_user()
    client = signed_in(app, user)
    client.post("/lang/zh")
    page = client.get("/addresses").get_data(as_text=True)
    assert "收货地址" in page and "默认" in page and HOME["street"] in page
