"""Merchant member admin: filters, tags and notes, a coupon sent once, bulk actions, the CSV export, foreign ids."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mall import clock
from mall.audit.models import AuditEntry
from mall.extensions import db
from mall.notifications.models import Notification
from plugins.loyalty import keys
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.members.models import MemberNote, Membership, MemberTag, MemberTagging
from plugins.loyalty.members.operations import join_programme, membership
from plugins.loyalty.roster import operations as roster
from plugins.loyalty.seeds import FOUR_TIERS
from tests.conftest import requires_pg
from tests.races_support import CommitGate, flashes, form_key, signed_in
from tests.test_merchant_members import _login, _names, shop  # noqa: F401  (the four-member shop)

BASE = "/admin/tea/loyalty/members"


def _template(programme, name="5 off", **extra):
    template = coupon_ops.create_template(programme, {"name": name, "kind": "amount_off", "value": "5",
                                                      "valid_days": 30, **extra})
    db.session.commit()
    return template


def _tags_of(programme, user) -> set[str]:
    db.session.expire_all()
    m = membership(programme, user)
    return {t.name for t in roster.tags_by_member([m.id])[m.id]}


def _page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def manager(client, shop):  # noqa: F811
    """The shop's manager, signed in (in English)."""
    _login(client, shop["manager"])
    return client


@pytest.fixture
def other_shop(make_shop, make_user, make_programme):
    """Another shop with a programme, a member, a tag and a coupon template."""
    tenant = make_shop(owner=make_user(), slug="other")
    programme = make_programme(tenant, FOUR_TIERS)
    member, _created = join_programme(programme, make_user(name="Olga"))
    tag = MemberTag(tenant_id=tenant.id, name="Theirs")
    db.session.add(tag)
    db.session.commit()
    return {"tenant": tenant, "member": member, "tag": tag, "template": _template(programme, "Their coupon")}


def test_tags_are_added_shown_filtered_and_removed_with_an_audit(manager, shop):  # noqa: F811
    ann, programme = shop["people"]["Ann"], shop["programme"]
    reply = manager.post(f"{BASE}/{ann.id}/tags", data={"name": "  VIP   gold "}, follow_redirects=True)
    assert "Tag “VIP gold” added." in _page(reply)
    assert _tags_of(programme, ann) == {"VIP gold"}
    again = manager.post(f"{BASE}/{ann.id}/tags", data={"name": "VIP gold"}, follow_redirects=True)
    assert "Ann already has this tag." in _page(again)
    tag = db.session.execute(db.select(MemberTag).filter_by(name="VIP gold")).scalar_one()
    listing = _page(manager.get(BASE))
    assert f'tag={tag.id}">VIP gold</a>' in listing
    assert _names(manager, f"?tag={tag.id}") == {"Ann"}
    manager.post(f"{BASE}/{ann.id}/tags", data={"remove": str(tag.id)})
    assert _tags_of(programme, ann) == set()
    actions = [e.action for e in db.session.execute(db.select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert actions.count("member.tagged") == 1 and actions.count("member.untagged") == 1
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="member.tagged")).scalar_one()
    assert entry.actor_id == shop["manager"].id and entry.details == {"member": ann.id, "tag": "VIP gold"}


@pytest.mark.parametrize("name", ["", "   ", "x" * 21])
def test_a_bad_tag_re_shows_the_form_and_changes_nothing(manager, shop, name):  # noqa: F811
    ann = shop["people"]["Ann"]
    reply = manager.post(f"{BASE}/{ann.id}/tags", data={"name": name})
    assert reply.status_code == 422 and 'class="error"' in _page(reply)
    assert db.session.execute(db.select(db.func.count(MemberTag.id))).scalar() == 0


def test_a_member_takes_at_most_ten_tags(manager, shop):  # noqa: F811
    ann = shop["people"]["Ann"]
    for i in range(roster.MAX_TAGS_PER_MEMBER):
        assert manager.post(f"{BASE}/{ann.id}/tags", data={"name": f"t{i}"}).status_code == 302
    reply = manager.post(f"{BASE}/{ann.id}/tags", data={"name": "one more"})
    assert reply.status_code == 422 and "at most 10 tags" in _page(reply)
    assert len(_tags_of(shop["programme"], ann)) == roster.MAX_TAGS_PER_MEMBER


def test_the_note_is_saved_bounded_and_audited(manager, shop):  # noqa: F811
    ben = shop["people"]["Ben"]
    reply = manager.post(f"{BASE}/{ben.id}/note", data={"note": "Prefers green tea.\r\nCall after 6pm."},
                         follow_redirects=True)
    assert "Note saved." in _page(reply) and "Call after 6pm." in _page(reply)
    too_long = manager.post(f"{BASE}/{ben.id}/note", data={"note": "x" * 1001})
    assert too_long.status_code == 422 and 'class="error"' in _page(too_long)
    note = db.session.execute(db.select(MemberNote)).scalar_one()
    assert note.body == "Prefers green tea.\nCall after 6pm." and note.updated_by == shop["manager"].id
    assert db.session.execute(db.select(AuditEntry).filter_by(action="member.noted")).scalar_one().details["note"]


def test_support_staff_read_tags_and_notes_but_cannot_write_them(client, shop):  # noqa: F811
    _login(client, shop["support"])
    ann = shop["people"]["Ann"]
    assert client.post(f"{BASE}/{ann.id}/tags", data={"name": "VIP"}).status_code == 403
    assert client.post(f"{BASE}/{ann.id}/note", data={"note": "hi"}).status_code == 403
    page = _page(client.get(f"{BASE}/{ann.id}"))
    assert "No tags yet." in page and "Add tag" not in page and "Send a coupon" not in page


def test_a_coupon_sent_twice_by_one_form_is_issued_once(manager, shop):  # noqa: F811
    ann, template = shop["people"]["Ann"], _template(shop["programme"], per_member_limit=5)
    form = {"template": str(template.id), "idempotency_key": "form-1"}
    first = manager.post(f"{BASE}/{ann.id}/coupon", data=form, follow_redirects=True)
    second = manager.post(f"{BASE}/{ann.id}/coupon", data=form, follow_redirects=True)
    for reply in (first, second):
        assert "“5 off” sent to Ann." in _page(reply)
    assert db.session.execute(db.select(db.func.count(Coupon.id)).filter_by(user_id=ann.id)).scalar() == 1
    coupon = db.session.execute(db.select(Coupon).filter_by(user_id=ann.id)).scalar_one()
    assert coupon.source == "staff"
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="coupon.sent")).scalar_one()
    assert entry.details == {"member": ann.id, "template": template.id}
    notice = db.session.execute(db.select(Notification).filter_by(user_id=ann.id, kind="loyalty.push_coupon")
                                ).scalar_one()
    assert notice.idempotency_key == keys.sent_coupon_notice(coupon.id) == f"sent-coupon:{coupon.id}"
    assert notice.link == "/member/coupons" and notice.params["coupon"] == "5 off"


def test_a_coupon_over_the_limit_or_sold_out_says_so(manager, shop):  # noqa: F811
    ann, ben = shop["people"]["Ann"], shop["people"]["Ben"]
    limited = _template(shop["programme"], "Once", per_member_limit=1)
    manager.post(f"{BASE}/{ann.id}/coupon", data={"template": str(limited.id), "idempotency_key": "a"})
    again = manager.post(f"{BASE}/{ann.id}/coupon", data={"template": str(limited.id), "idempotency_key": "b"},
                         follow_redirects=True)
    assert "Ann already has as many of these coupons as allowed." in _page(again)
    scarce = _template(shop["programme"], "Scarce", stock=1)
    assert "Scarce (1 left)" in _page(manager.get(f"{BASE}/{ben.id}"))
    manager.post(f"{BASE}/{ben.id}/coupon", data={"template": str(scarce.id), "idempotency_key": "c"})
    gone = manager.post(f"{BASE}/{ann.id}/coupon", data={"template": str(scarce.id), "idempotency_key": "d"},
                        follow_redirects=True)
    assert "This coupon is sold out." in _page(gone)
    assert db.session.execute(db.select(db.func.count(Coupon.id))).scalar() == 2


@pytest.mark.parametrize("template", ["", "abc"])
def test_no_coupon_chosen_re_shows_the_form(manager, shop, template):  # noqa: F811
    _template(shop["programme"])
    ann = shop["people"]["Ann"]
    reply = manager.post(f"{BASE}/{ann.id}/coupon", data={"template": template, "idempotency_key": "k"})
    assert reply.status_code in (404, 422)
    if template == "":
        assert reply.status_code == 422 and "Choose a coupon." in _page(reply)
    assert db.session.execute(db.select(db.func.count(Coupon.id))).scalar() == 0


def test_another_shops_member_template_and_tag_are_404(manager, shop, other_shop):  # noqa: F811
    ann, olga = shop["people"]["Ann"], other_shop["member"].user_id
    tag, template = other_shop["tag"], other_shop["template"]
    assert manager.post(f"{BASE}/{olga}/tags", data={"name": "VIP"}).status_code == 404
    assert manager.post(f"{BASE}/{olga}/note", data={"note": "x"}).status_code == 404
    assert manager.post(f"{BASE}/{ann.id}/tags", data={"remove": str(tag.id)}).status_code == 404
    assert manager.post(f"{BASE}/{ann.id}/coupon", data={"template": str(template.id)}).status_code == 404
    assert manager.get(f"{BASE}?tag={tag.id}").status_code == 404
    assert manager.get(f"{BASE}/export?tag={tag.id}").status_code == 404
    bulk = {"action": "add_tag", "ids": [str(ann.id), str(olga)]}
    assert manager.post(f"{BASE}/bulk", data=bulk).status_code == 404
    own = {"action": "remove_tag", "ids": [str(ann.id)], "confirm": "1", "tag": str(tag.id)}
    assert manager.post(f"{BASE}/bulk", data=own).status_code == 404
    own = {"action": "coupon", "ids": [str(ann.id)], "confirm": "1", "template": str(template.id)}
    assert manager.post(f"{BASE}/bulk", data=own).status_code == 404
    assert db.session.execute(db.select(db.func.count(MemberTagging.id))).scalar() == 0
    assert db.session.execute(db.select(db.func.count(Coupon.id))).scalar() == 0


def test_list_filters_by_points_joined_and_last_order(manager, shop):  # noqa: F811
    people, programme = shop["people"], shop["programme"]
    m = membership(programme, people["Di"])
    m.points_available, m.joined_at = 5000, datetime(2026, 1, 15, 1, 0, tzinfo=UTC)
    db.session.commit()
    assert _names(manager, "?points_min=1000") == {"Di"}
    assert _names(manager, "?points_max=999") == {"Ann", "Ben", "Cy"}
    assert _names(manager, "?joined_from=2026-01-15&joined_to=2026-01-15") == {"Di"}
    today = clock.local_date(clock.zone_of(shop["tenant"]))
    since = (today - timedelta(days=90)).isoformat()
    assert _names(manager, f"?ordered_from={since}") == {"Ann", "Ben"}
    assert _names(manager, f"?ordered_to={since}") == {"Cy"}


@pytest.mark.parametrize("query, field", [("points_min=abc", "Points from"),
                                          ("points_min=9&points_max=3", "Points up to"),
                                          ("joined_from=2026-13-01", "Joined from"),
                                          ("ordered_from=2026-02-01&ordered_to=2026-01-01", "Last order up to"),
                                          ("joined_to=1999-01-01", "Joined up to")])
def test_a_bad_filter_is_named_and_left_out(manager, shop, query, field):  # noqa: F811
    reply = manager.get(f"{BASE}?{query}")
    assert reply.status_code == 422 and f"{field}:" in _page(reply)
    assert manager.get(f"{BASE}/export?{query}").status_code == 302


def test_the_list_is_empty_with_a_way_back(manager, shop):  # noqa: F811
    page = _page(manager.get(f"{BASE}?q=nobody"))
    assert "No member matches these filters." in page and "Clear filters" in page


def _csv(reply) -> list[list[str]]:
    raw = reply.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_csv_export_follows_the_filters_in_the_viewers_language(manager, shop):  # noqa: F811
    ann, tenant = shop["people"]["Ann"], shop["tenant"]
    manager.post(f"{BASE}/{ann.id}/tags", data={"name": "VIP"})
    manager.post(f"{BASE}/{ann.id}/note", data={"note": "=HYPERLINK(1)"})
    reply = manager.get(f"{BASE}/export?activity=active")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    assert 'attachment; filename="members-tea-' in reply.headers["Content-Disposition"]
    rows = _csv(reply)
    assert rows[0] == ["Member name", "E-mail", "Tier", "Points", "Pending points", "Spent (¥)", "Joined", "Last order",
                       "Tags", "Note"]
    assert len(rows) == 2 and rows[1][0] == "Ann" and rows[1][1] == ann.email
    m = membership(shop["programme"], ann)
    local = m.joined_at.astimezone(ZoneInfo(tenant.timezone))
    assert rows[1][3:7] == [str(m.points_available), str(m.points_pending), "300.00", local.strftime("%Y-%m-%d %H:%M")]
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}", rows[1][7])
    assert rows[1][8:] == ["VIP", "'=HYPERLINK(1)"]  # a formula is written as text
    manager.post("/lang/zh")
    zh = _csv(manager.get(f"{BASE}/export?q=ben"))
    assert zh[0][:4] == ["会员姓名", "邮箱", "等级", "积分"] and [r[0] for r in zh[1:]] == ["Ben"]


def test_bulk_tagging_confirms_then_acts_once_and_summarises(manager, shop):  # noqa: F811
    people, programme = shop["people"], shop["programme"]
    ids = [str(people[n].id) for n in ("Ann", "Ben")]
    step = manager.post(f"{BASE}/bulk", data={"action": "add_tag", "ids": ids})
    assert step.status_code == 200 and "Add a tag to 2 members" in _page(step) and "Confirm" in _page(step)
    assert db.session.execute(db.select(db.func.count(MemberTag.id))).scalar() == 0
    bad = manager.post(f"{BASE}/bulk", data={"action": "add_tag", "ids": ids, "confirm": "1", "name": ""})
    assert bad.status_code == 422 and 'class="error"' in _page(bad)
    manager.post(f"{BASE}/{people['Ann'].id}/tags", data={"name": "Tea lover"})
    done = manager.post(f"{BASE}/bulk", data={"action": "add_tag", "ids": ids, "confirm": "1", "name": "Tea lover",
                                              "idempotency_key": "bulk-1"}, follow_redirects=True)
    assert "Tag “Tea lover” added to 1. 1 already had it." in _page(done)
    assert _tags_of(programme, people["Ben"]) == {"Tea lover"}
    tag = db.session.execute(db.select(MemberTag)).scalar_one()
    off = manager.post(f"{BASE}/bulk", data={"action": "remove_tag", "all_on_page": "1", "page_ids": ids + [
        str(people["Cy"].id)], "confirm": "1", "tag": str(tag.id), "idempotency_key": "bulk-2"}, follow_redirects=True)
    assert "Tag “Tea lover” removed from 2. 1 did not have it." in _page(off)
    back = manager.post(f"{BASE}/bulk", data={"action": "add_tag", "ids": ids, "confirm": "1", "name": "VIP",
                                              "back": "activity=active&page=2&evil=x&q="})
    assert back.status_code == 302 and back.headers["Location"].endswith(f"{BASE}?activity=active&page=2")


def test_bulk_coupon_counts_who_already_had_it_and_a_double_submit_sends_once(manager, shop):  # noqa: F811
    people = shop["people"]
    template = _template(shop["programme"], per_member_limit=1)
    manager.post(f"{BASE}/{people['Ann'].id}/coupon", data={"template": str(template.id), "idempotency_key": "x"})
    form = {"action": "coupon", "ids": [str(people[n].id) for n in ("Ann", "Ben", "Cy")], "confirm": "1",
            "template": str(template.id), "idempotency_key": "bulk-c"}
    first = manager.post(f"{BASE}/bulk", data=form, follow_redirects=True)
    second = manager.post(f"{BASE}/bulk", data=form, follow_redirects=True)
    for reply in (first, second):
        assert "“5 off” sent to 2. 1 already had it." in _page(reply)
    assert db.session.execute(db.select(db.func.count(Coupon.id))).scalar() == 3


def test_bulk_selection_is_bounded_and_required(manager, shop):  # noqa: F811
    none = manager.post(f"{BASE}/bulk", data={"action": "add_tag"}, follow_redirects=True)
    assert "Select at least one member." in _page(none)
    many = manager.post(f"{BASE}/bulk", data={"action": "add_tag", "ids": [str(i) for i in range(1, 102)]},
                        follow_redirects=True)
    assert "Select at most 100 members at a time." in _page(many)
    odd = manager.post(f"{BASE}/bulk", data={"action": "delete", "ids": [str(shop["people"]["Ann"].id)]},
                       follow_redirects=True)
    assert "Choose what to do with the selected members." in _page(odd)


def test_bulk_export_of_the_selection(manager, shop):  # noqa: F811
    people = shop["people"]
    rows = _csv(manager.post(f"{BASE}/bulk", data={"action": "export", "ids": [str(people["Cy"].id),
                                                                              str(people["Di"].id)]}))
    assert sorted(r[0] for r in rows[1:]) == ["Cy", "Di"]
    assert db.session.execute(db.select(db.func.count(Membership.id))).scalar() == 4


@requires_pg
def test_one_coupon_form_sent_twice_at_once_issues_once(app, shop):  # noqa: F811
    ann, template = shop["people"]["Ann"], _template(shop["programme"], per_member_limit=5)
    clients = [signed_in(app, shop["manager"]) for _ in range(2)]
    url = f"{BASE}/{ann.id}"
    form = {"template": str(template.id), "idempotency_key": form_key(clients[0], url)}
    with CommitGate(2) as gate:
        replies = gate.run(*(lambda c=c: c.post(f"{url}/coupon", data=form) for c in clients))
    assert [r.status_code for r in replies] == [302, 302]
    assert [flashes(c) for c in clients] == [["“5 off” sent to Ann."]] * 2
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count(Coupon.id)).filter_by(user_id=ann.id)).scalar() == 1
