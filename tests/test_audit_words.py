"""The audit log reads as sentences: actions as phrases, shops and people by name, details as changes."""

import re

from mall.extensions import db
from mall.notifications.models import MarketingPolicy
from plugins.loyalty.seeds import VANCL
from tests.fixtures.factories import PASSWORD


def _rows(client, lang, **query):
    client.post(f"/lang/{lang}")
    html = client.get("/platform/audit/", query_string=query).get_data(as_text=True)
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return body


def test_log_entries_are_written_in_words_in_both_languages(client, api, make_user, make_shop):
    """A programme save names the shop, a points adjustment the member, a policy change lists old → new."""
    owner = make_user(name="Wang Fang")
    make_shop(owner=owner, slug="vancl").name = "VANCL style"
    db.session.commit()
    member = make_user(name="Li Lei")
    merchant = api(owner)
    merchant.client.put("/api/v1/shops/vancl/programme", json=VANCL,
                        headers={"Authorization": f"Bearer {merchant.token}"})
    api(member).post("/api/v1/shops/vancl/join")
    merchant.post(f"/api/v1/shops/vancl/members/{member.id}/points/adjust", {"delta": 30, "reason": "Late parcel"})
    operator = make_user(operator=True, name="Zhao Ops")
    client.post("/login", data={"email": operator.email, "password": PASSWORD})
    client.post("/lang/en")
    client.post("/platform/messages", data={"weekly_cap": "5", "quiet_start": "22", "quiet_end": "8",
                                            "held": "drop"})
    assert db.session.execute(db.select(MarketingPolicy.weekly_cap)).scalar() == 5
    english = _rows(client, "en")
    for words in ("Loyalty programme saved", "VANCL style", "Points adjusted", "Li Lei", "Points: 30",
                  "Reason: Late parcel", "Marketing limits changed", "Weekly cap: 3 → 5",
                  "Held-back messages: sent later → dropped", "Wang Fang"):
        assert words in english, words
    for code in ("programme.saved", ">shop:", "{", "membership_id", "points.adjusted<"):
        assert code not in re.sub(r' data-action="[^"]*"', "", english), code
    chinese = _rows(client, "zh")
    for words in ("会员方案已保存", "积分已调整", "Li Lei", "原因：Late parcel", "营销限制已修改", "每周上限：3 → 5"):
        assert words in chinese, words
