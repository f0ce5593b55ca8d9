"""A balance that would grow past what its column holds is refused with a message, never a 500."""

from mall.extensions import db
from mall.validation import MAX_INT
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.points import operations as points
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.seeds import VANCL
from tests.conftest import requires_pg


@requires_pg
def test_an_adjustment_past_the_largest_balance_changes_nothing(make_user, make_shop, make_programme, api):
    owner, shopper = make_user(), make_user()
    shop = make_shop(owner=owner)
    programme = make_programme(shop, VANCL)
    member, _created = join_programme(programme, shopper)
    points.credit(member, MAX_INT - 10 - member.points_available, "adjust", "fill-up")
    db.session.commit()
    entries = db.session.query(PointsEntry).count()
    url = f"/api/v1/shops/{shop.slug}/members/{shopper.id}/points/adjust"
    reply = api(owner).post(url, {"delta": 1_000_000, "reason": "bonus"}, headers={"Accept-Language": "en"})
    assert reply.status_code == 422 and reply.json["error"]["code"] == "out_of_range"
    db.session.expire_all()
    assert db.session.get(Membership, member.id).points_available == MAX_INT - 10
    assert db.session.query(PointsEntry).count() == entries
