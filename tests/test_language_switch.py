"""The language switch returns to a page that can be shown; registering never swaps the account in use."""

import pytest

from tests.races_support import signed_in


@pytest.mark.parametrize("came_from,lands_on", [
    ("/account/password", "/account"),
    ("/account", "/account"),
    ("/orders?page=2", "/orders?page=2"),
    ("/no/such/page", "/"),
    ("//elsewhere.example/", "/"),
])
def test_switching_language_lands_on_a_page_that_answers(app, make_user, came_from, lands_on):
    client = signed_in(app, make_user())
    reply = client.post("/lang/zh", data={"next": came_from})
    assert reply.status_code == 302 and reply.headers["Location"] == lands_on
    assert client.get(lands_on).status_code == 200


def test_a_signed_in_person_cannot_register_over_their_account(app, make_user):
    from mall.accounts.models import User
    from mall.extensions import db

    client = signed_in(app, make_user())
    reply = client.post("/register", data={"email": "second@example.com", "name": "Second",
                                           "password": "long-enough-1", "confirm": "long-enough-1"})
    assert reply.status_code == 302
    assert User.by_email("second@example.com") is None and db.session.query(User).count() == 1
