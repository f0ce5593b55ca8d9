"""An import of 100,000 members on PostgreSQL: exact balances and lots, idempotent, the ledgers balanced."""

import io

import pytest
from werkzeug.datastructures import FileStorage

from mall.extensions import db
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import Membership
from plugins.loyalty.points.models import PointsEntry, PointsLot
from plugins.loyalty.seeds import FOUR_TIERS
from plugins.loyalty.transfers import jobs as transfer_jobs
from plugins.loyalty.transfers import operations as transfers
from plugins.loyalty.transfers.models import MemberImport
from tests.conftest import requires_pg

ROWS = 100_000
TIERS = ("regular", "silver", "gold", "diamond")


def _csv() -> bytes:
    """Member n has n % 1000 points (none for multiples of 1000), tier n % 4, consent to e-mail when n is even."""
    lines = ["email,phone,name,birthday,tier,points,points_expire_at,consent_email,consent_sms"]
    lines += [f"m{n}@bulk.example.com,,Member {n},,{TIERS[n % 4]},{n % 1000},2028-06-30,{1 - n % 2},0"
              for n in range(ROWS)]
    return ("\n".join(lines) + "\n").encode()


@requires_pg
@pytest.mark.postgres
def test_import_100k_exact_and_idempotent(make_user, make_shop, make_programme):
    owner = make_user()
    programme = make_programme(make_shop(owner=owner, slug="bulk"), FOUR_TIERS)
    raw = _csv()
    imp, created = transfers.create_import(programme, FileStorage(io.BytesIO(raw), filename="bulk.csv"), owner,
                                           dry_run=False)
    db.session.commit()  # the run's jobs go out now, inline, one per 1,000 lines
    db.session.refresh(imp)
    assert created and (imp.status, imp.rows_total, imp.valid_rows, imp.error_rows, imp.applied_rows) == \
        ("done", ROWS, ROWS, 0, ROWS)
    expected_points = sum(n % 1000 for n in range(ROWS))  # 100 runs of 0..999 = 49,950,000
    assert expected_points == 49_950_000
    count, points = db.session.execute(db.select(db.func.count(Membership.id), db.func.sum(Membership.points_available))
                                       .where(Membership.programme_id == programme.id)).one()
    assert (count, points) == (ROWS, expected_points)
    lots = db.session.execute(db.select(db.func.count(PointsLot.id), db.func.sum(PointsLot.remaining),
                                        db.func.count(db.distinct(PointsLot.expires_at)))).one()
    assert tuple(lots) == (ROWS - ROWS // 1000, expected_points, 1)
    kinds = db.session.execute(db.select(PointsEntry.kind, db.func.count(), db.func.sum(PointsEntry.delta))
                               .group_by(PointsEntry.kind)).all()
    assert kinds == [("import", ROWS - ROWS // 1000, expected_points)]
    tiers = dict(db.session.execute(db.select(Membership.tier_code, db.func.count())
                                    .group_by(Membership.tier_code)).all())
    assert tiers == dict.fromkeys(TIERS, ROWS // 4)
    assert violations() == []

    # The same file again finds the same import; its run and a replayed chunk add nothing.
    again, created = transfers.create_import(programme, FileStorage(io.BytesIO(raw), filename="again.csv"), owner,
                                             dry_run=False)
    assert (again.id, created) == (imp.id, False)
    assert transfers.start_run(again) is False
    db.session.execute(db.update(MemberImport).where(MemberImport.id == imp.id).values(status="running"))
    db.session.execute(db.text("UPDATE loyalty_member_import_rows SET applied = false WHERE line < 3002"))
    db.session.commit()
    for low in (2, 1002, 2002):
        transfer_jobs.run_chunk(imp.id, low, low + transfer_jobs.CHUNK - 1)
    assert db.session.execute(db.select(db.func.count(PointsEntry.id), db.func.sum(PointsEntry.delta))).one() == \
        (ROWS - ROWS // 1000, expected_points)
    assert db.session.execute(db.select(db.func.count(Membership.id))).scalar() == ROWS
    assert violations() == []
