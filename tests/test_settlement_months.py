"""Settlement pages take a month from 2000-01 to next December; any other value shows this month and says so."""

from zoneinfo import ZoneInfo

import pytest

from mall import clock
from tests.races_support import signed_in

OUT_OF_RANGE = ["9999-12", "0001-01", "1999-12", "10000-01", "2026-13", "2026-00", "abc", "2026-1-1", "\u0662026-01"]


@pytest.fixture
def pages(app, make_user, make_shop):
    """A shop's owner and an operator, each on their own client (English), and the shop's settlement URLs."""
    owner = make_user()
    shop = make_shop(owner=owner, slug="tea")
    return [(signed_in(app, owner), "/admin/tea/loyalty/settlement"),
            (signed_in(app, make_user(operator=True)), "/platform/loyalty/settlement"),
            (None, "/platform/loyalty/settlement/tea")], shop


def _this_month() -> str:
    return clock.now().astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")


@pytest.mark.parametrize("month", OUT_OF_RANGE)
def test_a_month_out_of_range_shows_this_month_with_a_message(pages, month):
    urls, _shop = pages
    operator = urls[1][0]
    for client, url in urls:
        reply = (client or operator).get(url, query_string={"month": month})
        page = reply.get_data(as_text=True)
        assert reply.status_code == 200
        assert "Choose a month from 2000-01 to" in page and f'value="{_this_month()}"' in page


@pytest.mark.parametrize("month", OUT_OF_RANGE[:2])
def test_a_csv_for_a_month_out_of_range_is_this_months(pages, month):
    (client, url), *_rest = pages[0]
    reply = client.get(url, query_string={"month": month, "format": "csv"})
    assert reply.status_code == 200 and f"tea-{_this_month()}.csv" in reply.headers["Content-Disposition"]


def test_the_first_and_last_months_in_range_are_shown(pages):
    (client, url), *_rest = pages[0]
    last = f"{clock.now().year + 1}-12"
    for month in ("2000-01", last):
        page = client.get(url, query_string={"month": month}).get_data(as_text=True)
        assert f'value="{month}"' in page and "Choose a month" not in page
