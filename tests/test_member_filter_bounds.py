"""Member filters refuse malformed or unbounded numbers: a message on the merchant page, a 422 in the API."""

import pytest

from mall.extensions import db
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import FOUR_TIERS
from tests.fixtures.factories import PASSWORD

BAD = ["min_spend=NaN", "min_spend=1e999", "min_spend=0.001", "min_spend=-1", "min_spend=²",
       "asleep_days=99999999999", "asleep_days=36501", "asleep_days=1e3", "segment=99999999999"]


@pytest.fixture
def shop(make_shop, make_user, make_programme):
    """A four-tier shop with one member, Ann; its owner."""
    owner = make_user(name="Owner")
    tenant = make_shop(owner=owner, slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    join_programme(programme, make_user(name="Ann"))
    db.session.commit()
    return {"tenant": tenant, "owner": owner}


@pytest.mark.parametrize("query", BAD)
def test_members_page_shows_the_filters_message_and_lists_without_it(client, shop, query):
    """The page answers 422 with the field's message and the list as if that value were not given."""
    client.post("/lang/en")
    client.post("/login", data={"email": shop["owner"].email, "password": PASSWORD})
    response = client.get(f"/admin/tea/loyalty/members?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="flash flash-error" role="alert"' in page and ("Enter a whole number" in page
                                                                  or "Enter an amount from 0 to" in page)
    assert ">Ann</a>" in page


@pytest.mark.parametrize("query", BAD)
def test_members_api_answers_422_naming_the_field(api, shop, query):
    """GET …/members with a malformed number is a 422 whose fields name the parameter."""
    response = api(shop["owner"]).get(f"/api/v1/shops/tea/members?{query}")
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == [query.split("=")[0]]


def test_well_formed_filters_still_filter(client, api, shop):
    """A plain amount and day count are taken as before."""
    response = api(shop["owner"]).get("/api/v1/shops/tea/members?min_spend=0.00&asleep_days=36500")
    assert response.status_code == 200 and response.json["total"] == 1


@pytest.mark.parametrize("field,value", [("min_spend", "NaN"), ("min_spend", "1e999"), ("min_spend", "0.001"),
                                         ("asleep_days", 10**12), ("asleep_days", 36501)])
def test_segment_filters_in_the_api_are_bounded_too(api, shop, field, value):
    """The segment preview takes the same bounds: 422 naming the filter's field."""
    response = api(shop["owner"]).post("/api/v1/shops/tea/segments/preview", json={field: value})
    assert response.status_code == 422 and field in str(response.json["error"]["fields"])
