"""Every core form re-shows itself with a field message on an invalid value, and saves nothing."""

import pytest

from mall.accounts.models import User
from mall.extensions import db
from mall.tenants.models import Staff, Tenant
from tests.fixtures.factories import PASSWORD


def _login(client, user):
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_login_with_a_wrong_password_is_refused_with_a_message(client, make_user):
    """The login form says why, and no session starts."""
    user = make_user()
    client.post("/lang/en")
    response = client.post("/login", data={"email": user.email, "password": "wrong-password"})
    assert response.status_code == 422 and "Wrong e-mail address or password." in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_profile_with_an_empty_name_changes_nothing(client, make_user):
    """An empty name is a 422 with its message; the name stays."""
    user = make_user(name="Amy")
    _login(client, user)
    response = client.post("/account", data={"name": "", "birthday": "not a date"})
    assert response.status_code == 422 and 'class="error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Amy"


@pytest.mark.parametrize("data", [
    {"pw-current_password": "wrong-one", "pw-new_password": "another-pass-1", "pw-confirm": "another-pass-1"},
    {"pw-current_password": PASSWORD, "pw-new_password": "another-pass-1", "pw-confirm": "different-pass-1"},
    {"pw-current_password": PASSWORD, "pw-new_password": "short", "pw-confirm": "short"},
])
def test_password_change_refused(client, make_user, data):
    """A wrong current password, a mismatch or a short password: 422 with a message; the old password works."""
    user = make_user()
    _login(client, user)
    response = client.post("/account/password", data=data)
    assert response.status_code == 422 and 'class="error"' in response.get_data(as_text=True)
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("data", [{"email": "nobody@example.com", "role": "support"},
                                  {"email": "not-an-email", "role": "support"},
                                  {"email": "x@example.com", "role": "king"}])
def test_staff_form_refusals(client, make_user, make_shop, data):
    """An unknown account, a malformed address or an unknown role: 422 with a message, no staff added."""
    owner = make_user()
    shop = make_shop(owner=owner)
    _login(client, owner)
    response = client.post(f"/admin/{shop.slug}/staff", data=data)
    assert response.status_code == 422 and 'class="error"' in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Staff.id))).scalar() == 1


@pytest.mark.parametrize("change", [{"slug": "Bad Slug!"}, {"owner_email": "nobody@example.com"},
                                    {"return_window_days": "400"}, {"shipping_fee": "-1"}])
def test_tenant_form_refusals(client, make_user, change):
    """Each invalid shop value: 422 with a message next to the field; no shop created."""
    operator = make_user(operator=True)
    owner = make_user()
    _login(client, operator)
    data = {"slug": "teahouse", "name": "Tea house", "owner_email": owner.email, "return_window_days": "7",
            "shipping_fee": "0", **change}
    response = client.post("/platform/", data=data)
    assert response.status_code == 422 and 'class="error"' in response.get_data(as_text=True)
    assert db.session.execute(db.select(Tenant)).first() is None
