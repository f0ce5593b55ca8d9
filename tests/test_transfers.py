"""Member import (checked report, run on the queue, idempotent per file) and export, on the API and the pages."""

import io
from datetime import UTC, datetime, timedelta

import pytest

from mall import clock
from mall.accounts.models import User
from mall.extensions import db
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import Membership, TierChange
from plugins.loyalty.points.models import PointsEntry, PointsLot
from plugins.loyalty.seeds import FOUR_TIERS
from plugins.loyalty.transfers import jobs as transfer_jobs
from plugins.loyalty.transfers import operations as transfers
from plugins.loyalty.transfers.models import MemberExport, MemberImport, MemberImportRow

HEADER = "email,phone,name,birthday,tier,points,points_expire_at,consent_email,consent_sms\n"
SMALL = HEADER + (
    "ann@example.com,138-0000-0001,Ann,1990-05-01,silver,1200,2027-12-31,1,0\n"    # 2 valid
    "KNOWN@example.com,,Someone Else,,gold,300,,yes,no\n"                          # 3 update (an existing account)
    "bob@example.com,,Bob,,,0,,0,0\n"                                              # 4 valid, no points
    "bad-email,,X,,,5,,1,1\n"                                                      # 5 email
    "carl@example.com,,Carl,2990-01-01,,,,,\n"                                     # 6 birthday
    "dan@example.com,,Dan,,platinum,,,,\n"                                         # 7 tier
    "eve@example.com,,Eve,,,10000001,,,\n"                                         # 8 points
    "ann@example.com,,Ann again,,,5,,,\n"                                          # 9 duplicate
    "fay@example.com,,Fay,,,50,2020-01-01,,\n"                                     # 10 expiry
    "gus@example.com,,Gus,,,,,maybe,\n"                                            # 11 consent
    ",13900000000,,,,7,,,\n"                                                       # 12 phone_unknown
    "hal@example.com,,Hal\n"                                                       # 13 columns
)
REASONS = {5: "email", 6: "birthday", 7: "tier", 8: "points", 9: "duplicate", 10: "expiry", 11: "consent",
           12: "phone_unknown", 13: "columns"}


def upload(client, path, text, dry_run=None, name="members.csv"):
    """POST a CSV as the multipart field `file` (bytes are sent as they are)."""
    raw = text.encode() if isinstance(text, str) else text
    data = {"file": (io.BytesIO(raw), name)}
    if dry_run is not None:
        data["dry_run"] = dry_run
    return client.client.post(path, data=data, headers=client._headers(None), content_type="multipart/form-data")


@pytest.fixture
def shop(make_user, make_shop, make_programme, api):
    owner = make_user()
    known = make_user(name="Known")
    known.email = "known@example.com"
    tenant = make_shop(owner=owner, slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    db.session.commit()
    owner_api = api(owner)
    owner_api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the reasons below are the English ones
    return {"owner": owner_api, "owner_user": owner, "programme": programme, "known": known, "tenant": tenant}


def test_dry_run_report_then_run(shop):
    """12 lines: 2 valid, 1 update, 9 errors with their reasons; nothing is written until the run; the run makes
    2 accounts, 3 memberships, 2 lots of 1200 and 300 points with their expiry, and the ledgers balance."""
    reply = upload(shop["owner"], "/api/v1/shops/tea/members/import", SMALL)
    assert reply.status_code == 202 and reply.json["import"]["status"] == "checked"
    import_id = reply.json["import"]["id"]
    report = shop["owner"].get(f"/api/v1/shops/tea/members/imports/{import_id}").json["import"]
    assert (report["rows"], report["valid"], report["update"], report["error"], report["points"]) == (12, 2, 1, 9, 1500)
    assert [(r["line"], r["status"]) for r in report["report"][:3]] == [(2, "valid"), (3, "update"), (4, "valid")]
    rows = {r.line: r for r in db.session.execute(db.select(MemberImportRow)).scalars()}
    assert {line: r.reason for line, r in rows.items() if r.status == "error"} == REASONS
    assert rows[2].data["phone"] == "13800000001"
    errors = shop["owner"].get(f"/api/v1/shops/tea/members/imports/{import_id}?status=error").json["import"]["report"]
    assert [r["line"] for r in errors] == list(range(5, 14)) and errors[0]["reason"] == "Not a valid e-mail address."
    assert db.session.execute(db.select(db.func.count(Membership.id))).scalar() == 0

    run = shop["owner"].post(f"/api/v1/shops/tea/members/imports/{import_id}/run")
    assert run.status_code == 202
    imp = db.session.get(MemberImport, import_id)
    db.session.refresh(imp)
    assert (imp.status, imp.applied_rows, transfers.progress(imp)["percent"]) == ("done", 3, 100)
    members = {m.user.email: m for m in db.session.execute(db.select(Membership)).scalars()}
    assert sorted(members) == ["ann@example.com", "bob@example.com", "known@example.com"]
    assert {e: (m.tier_code, m.points_available) for e, m in members.items()} == {
        "ann@example.com": ("silver", 1200), "known@example.com": ("gold", 300), "bob@example.com": ("regular", 0)}
    ann = User.by_email("ann@example.com")
    assert (ann.name, ann.phone, ann.birthday.isoformat(), ann.consent_email, ann.consent_sms) == \
        ("Ann", "13800000001", "1990-05-01", True, False)
    assert not ann.check_password("") and ann.password_hash == transfer_jobs.NO_PASSWORD
    assert User.by_email("known@example.com").name == "Known"  # an existing account's profile is its owner's
    lots = {lot.membership_id: lot for lot in db.session.execute(db.select(PointsLot)).scalars()}
    # 2027-12-31 is spendable through that day in Shanghai: it lapses at 2028-01-01 00:00 +08:00.
    assert lots[members["ann@example.com"].id].expires_at == datetime(2027, 12, 31, 16, 0, tzinfo=UTC)
    known_expiry = lots[members["known@example.com"].id].expires_at
    assert abs(known_expiry - (clock.now() + timedelta(days=365))) < timedelta(minutes=5)  # the fixed 365 days
    entries = db.session.execute(db.select(PointsEntry.kind, PointsEntry.delta).order_by(PointsEntry.id)).all()
    assert entries == [("import", 1200), ("import", 300)]
    changes = db.session.execute(db.select(TierChange.from_code, TierChange.to_code, TierChange.reason)
                                 .order_by(TierChange.id)).all()
    assert changes == [("regular", "silver", "import"), ("regular", "gold", "import")]
    assert violations() == []

    # Twice: the same run, the same file again, a chunk replayed: nothing more.
    assert shop["owner"].post(f"/api/v1/shops/tea/members/imports/{import_id}/run").json["import"]["status"] == "done"
    again = upload(shop["owner"], "/api/v1/shops/tea/members/import", SMALL, dry_run="false")
    assert again.json["import"] == {"id": import_id, "status": "done"}
    db.session.execute(db.update(MemberImportRow).values(applied=False))
    db.session.execute(db.update(MemberImport).values(status="running"))
    db.session.commit()
    transfer_jobs.run_chunk(import_id, 2, 1001)
    assert db.session.execute(db.select(db.func.sum(PointsEntry.delta))).scalar() == 1500
    assert db.session.execute(db.select(db.func.count(Membership.id))).scalar() == 3
    assert violations() == []


def test_bad_files_are_clear_422s(shop, monkeypatch):
    """Not UTF-8, wrong header, no members, binary, no file, a bad dry_run, too large: 422 on the field, no import."""
    path = "/api/v1/shops/tea/members/import"
    cases = [(b"email,phone\n\xff\xfe\xfa\n", "UTF-8"), ("name,email\nA,a@b.cn\n", "header"),
             (HEADER, "no members"), (b"\x00\x01PK\x03\x04" + b"\x00" * 50, "CSV")]
    for body, words in cases:
        reply = upload(shop["owner"], path, body)
        assert reply.status_code == 422, body
        assert words in reply.json["error"]["fields"]["file"][0]
    no_file = shop["owner"].client.post(path, data={"dry_run": "true"}, headers=shop["owner"]._headers(None),
                                        content_type="multipart/form-data")
    assert no_file.status_code == 422 and "file" in no_file.json["error"]["fields"]
    assert upload(shop["owner"], path, SMALL, dry_run="perhaps").json["error"]["fields"]["dry_run"]
    monkeypatch.setattr(transfers, "MAX_BYTES", 100)
    big = upload(shop["owner"], path, SMALL)
    assert big.status_code == 422 and "larger than" in big.json["error"]["fields"]["file"][0]
    assert db.session.execute(db.select(db.func.count(MemberImport.id))).scalar() == 0


def test_tenancy(shop, make_user, make_shop, make_programme, api, add_staff):
    """Another shop's import is a 404 through that shop; shoppers and other shops' staff are refused (403)."""
    reply = upload(shop["owner"], "/api/v1/shops/tea/members/import", SMALL)
    import_id = reply.json["import"]["id"]
    other_owner = make_user()
    make_programme(make_shop(owner=other_owner, slug="other"), FOUR_TIERS)
    other = api(other_owner)
    assert other.get(f"/api/v1/shops/other/members/imports/{import_id}").status_code == 404
    assert other.post(f"/api/v1/shops/other/members/imports/{import_id}/run").status_code == 404
    assert other.get(f"/api/v1/shops/tea/members/imports/{import_id}").status_code == 403
    assert upload(other, "/api/v1/shops/tea/members/import", SMALL).status_code == 403
    shopper = api(make_user())
    assert shopper.get("/api/v1/shops/tea/members/export").status_code == 403
    assert shopper.post(f"/api/v1/shops/tea/members/imports/{import_id}/run").status_code == 403
    assert other.get("/api/v1/shops/tea/members/imports/999999").status_code == 403
    assert shop["owner"].get("/api/v1/shops/tea/members/imports/999999").status_code == 404


def test_export_content(shop, monkeypatch):
    """Members with tier and balance, the ledger, the coupons; filtered by tier; a large one written by the queue."""
    imp, _ = transfers.create_import(shop["programme"], _file(SMALL), dry_run=False)
    db.session.commit()
    owner = shop["owner"]
    members = owner.get("/api/v1/shops/tea/members/export").json["export"]
    assert (members["status"], members["rows"]) == ("done", 3)
    lines = members["csv"].lstrip("\ufeff").splitlines()
    assert any(line.startswith("Ann,ann@example.com,") and ",1200,0," in line for line in lines)
    silver = owner.get("/api/v1/shops/tea/members/export?level=silver").json["export"]
    assert silver["rows"] == 1 and "ann@example.com" in silver["csv"] and "bob@" not in silver["csv"]
    ledger = owner.get("/api/v1/shops/tea/members/export?kind=ledger").json["export"]
    assert ledger["rows"] == 2 and ",import,available,1200," in ledger["csv"]
    assert owner.get("/api/v1/shops/tea/members/export?kind=coupons").json["export"]["rows"] == 0
    bad = owner.get("/api/v1/shops/tea/members/export?kind=secrets&points_min=x")
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"kind", "points_min"}
    monkeypatch.setattr(transfers, "DIRECT_MAX", 1)
    queued = owner.get("/api/v1/shops/tea/members/export?kind=ledger").json["export"]
    assert queued["status"] == "queued" and queued["csv"] is None
    export = db.session.get(MemberExport, queued["id"])
    db.session.refresh(export)
    assert (export.status, export.rows) == ("done", 2)


def _file(text: str, name: str = "members.csv"):
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(text.encode()), filename=name)


def test_pages_upload_report_run_and_export(shop, client, make_user, make_shop, make_programme, monkeypatch):
    """The merchant uploads, reads the report by status, runs it, exports; others are refused or get a 404."""
    from tests.fixtures.factories import PASSWORD

    client.post("/lang/en")
    client.post("/login", data={"email": shop["owner_user"].email, "password": PASSWORD})
    base = "/admin/tea/loyalty/members/imports"
    assert "members.csv" not in client.get(base).get_data(as_text=True)
    bad = client.post(base, data={"file": (io.BytesIO(b"\xff\xfe"), "x.csv")}, content_type="multipart/form-data",
                      follow_redirects=True)
    assert "UTF-8" in bad.get_data(as_text=True)
    sent = client.post(base, data={"file": (io.BytesIO(SMALL.encode()), "members.csv")},
                       content_type="multipart/form-data")
    imp = db.session.execute(db.select(MemberImport)).scalar_one()
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"{base}/{imp.id}")
    page = client.get(f"{base}/{imp.id}?status=error").get_data(as_text=True)
    assert 'data-field="error">9<' in page and "The same member is on an earlier line." in page
    assert client.get(f"{base}/{imp.id}.json").json["percent"] == 0
    assert client.post(f"{base}/{imp.id}/run").status_code == 302
    assert client.get(f"{base}/{imp.id}.json").json == {**transfers.progress(imp), "status": "done", "applied": 3,
                                                          "percent": 100}
    assert "members.csv" in client.get(base).get_data(as_text=True)
    csv = client.post("/admin/tea/loyalty/members/exports", data={"kind": "members", "level": "gold"})
    assert csv.mimetype == "text/csv" and "known@example.com" in csv.get_data(as_text=True)
    monkeypatch.setattr(transfers, "DIRECT_MAX", 1)
    client.post("/lang/zh")
    assert client.post("/admin/tea/loyalty/members/exports", data={"kind": "coupons"}).status_code == 302
    export = db.session.execute(db.select(MemberExport)).scalar_one()
    client.post("/lang/en")
    download = client.get(f"/admin/tea/loyalty/members/exports/{export.id}")
    # Written in the language of the page that asked (Chinese), whatever the downloader reads.
    assert download.status_code == 200 and download.get_data(as_text=True).lstrip("\ufeff").startswith("邮箱,")
    download.close()
    other = make_user()
    make_programme(make_shop(owner=other, slug="other"), FOUR_TIERS)
    client.post("/logout")
    client.post("/login", data={"email": other.email, "password": PASSWORD})
    assert client.get(f"/admin/other/loyalty/members/imports/{imp.id}").status_code == 404
    assert client.get(f"/admin/other/loyalty/members/exports/{export.id}").status_code == 404
    assert client.get(f"{base}/{imp.id}").status_code == 403
    assert client.get("/platform/loyalty/members/imports").status_code == 403


def test_platform_import_page(make_user, make_programme, client):
    """An operator imports into the platform programme from the platform's own page."""
    from tests.fixtures.factories import PASSWORD

    operator = make_user(operator=True)
    db.session.commit()
    make_programme(None, FOUR_TIERS)
    client.post("/login", data={"email": operator.email, "password": PASSWORD})
    sent = client.post("/platform/loyalty/members/imports", data={
        "file": (io.BytesIO(SMALL.encode()), "platform.csv")}, content_type="multipart/form-data")
    imp = db.session.execute(db.select(MemberImport)).scalar_one()
    assert imp.tenant_id is None and sent.headers["Location"].endswith(f"/platform/loyalty/members/imports/{imp.id}")
    assert client.post(f"/platform/loyalty/members/imports/{imp.id}/run").status_code == 302
    db.session.refresh(imp)
    assert (imp.status, imp.applied_rows) == ("done", 3)
    assert db.session.execute(db.select(PointsEntry.funded_by).distinct()).scalars().all() == ["platform"]
    assert violations() == []


def test_a_tier_removed_before_the_run_turns_its_line_into_an_error(shop):
    """Ann's line names silver; silver is removed after the check: her line becomes an error, nothing of hers is
    written, the other two lines are applied."""
    import copy

    from plugins.loyalty.programmes.operations import save_document

    imp, _ = transfers.create_import(shop["programme"], _file(SMALL))
    db.session.commit()
    document = copy.deepcopy(FOUR_TIERS)
    document["levels"]["tiers"] = [t for t in document["levels"]["tiers"] if t["code"] != "silver"]
    save_document(shop["tenant"], document)
    transfers.start_run(imp)
    db.session.commit()
    db.session.refresh(imp)
    assert (imp.status, imp.valid_rows, imp.update_rows, imp.error_rows, imp.applied_rows) == ("done", 1, 1, 10, 3)
    ann = db.session.execute(db.select(MemberImportRow).filter_by(import_id=imp.id, line=2)).scalar_one()
    assert (ann.status, ann.reason) == ("error", "tier_gone")
    assert User.by_email("ann@example.com") is None
    assert db.session.execute(db.select(db.func.sum(PointsEntry.delta))).scalar() == 300
    assert violations() == []
