"""Member import: read and check an uploaded CSV into a per-row report, and start the run that applies it."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError

from mall import clock
from mall.accounts.models import User
from mall.accounts.operations import NAME_MAX, check_email
from mall.audit.operations import record
from mall.errors import FieldErrors
from mall.extensions import db
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.transfers.jobs import insert_many
from plugins.loyalty.transfers.models import MemberImport, MemberImportRow

#: The pinned CSV header, in this order.
HEADERS = ("email", "phone", "name", "birthday", "tier", "points", "points_expire_at", "consent_email",
           "consent_sms")
#: The largest file and the most rows one import takes.
MAX_BYTES = 16 * 1024 * 1024
MAX_ROWS = 100_000
#: Imported points may lapse at most this many years ahead.
MAX_EXPIRY_YEARS = 10
#: The most points one line brings: far below what a balance column holds, even after several imports.
MAX_POINTS = 10_000_000
#: Report rows written per INSERT, and lookups per query.
BATCH = 2000
_PHONE = re.compile(r"\+?[0-9]{5,20}")
#: A plain address (letters, digits, dots, dashes) the full check would accept as it is: checked without it,
#: because the full check costs a file of 100,000 lines over a minute.
_PLAIN_EMAIL = re.compile(r"[a-z0-9_%+-]+(\.[a-z0-9_%+-]+)*@"
                          r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,24}")
_YES, _NO = {"1", "true", "yes", "y", "是"}, {"", "0", "false", "no", "n", "否"}
#: What each reason code in a report means, in the reader's language.
REASONS = {
    "columns": _l("The line does not have the 9 columns of the header."),
    "email": _l("Not a valid e-mail address."),
    "contact": _l("Give an e-mail address (or the phone number of an existing account)."),
    "phone": _l("Not a valid phone number."),
    "phone_unknown": _l("No account has this phone number; give an e-mail address to create one."),
    "phone_many": _l("Several accounts have this phone number; give the e-mail address."),
    "name": _l("The name is longer than 80 characters."),
    "birthday": _l("The birthday is not a date (YYYY-MM-DD) between 1900 and today."),
    "tier": _l("The programme has no earned tier with this code."),
    "points": _l("Points must be a whole number from 0 to 10,000,000."),
    "expiry": _l("The expiry is not a date (YYYY-MM-DD) from tomorrow to 10 years ahead."),
    "consent": _l("Consent must be yes or no (1/0, true/false)."),
    "duplicate": _l("The same member is on an earlier line."),
    "tier_gone": _l("The tier was removed from the programme before the run."),
}
STATUSES = {"valid": _l("Valid row"), "update": _l("Would update"), "error": _l("Error")}


def _refuse(message: str) -> FieldErrors:
    return FieldErrors(message, {"file": [message]}, code="invalid_file")


def read_csv(upload) -> tuple[str, bytes, list[list[str]]]:
    """The upload's name, bytes and data lines (header checked); a clear refusal on `file` for a bad file."""
    if upload is None or not getattr(upload, "filename", None):
        raise _refuse(_("Choose a CSV file to upload."))
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise _refuse(_("The file is larger than %(n)d MB.", n=MAX_BYTES // (1024 * 1024)))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(_("The file is not UTF-8 text; save it as \"CSV UTF-8\" and try again.")) from None
    if "\x00" in text:
        raise _refuse(_("The file is not a CSV text file."))
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise _refuse(_("The file is not a valid CSV file.")) from None
    lines = [line for line in lines if any(cell.strip() for cell in line)] if lines else []
    header = tuple(cell.strip().lower() for cell in lines[0]) if lines else ()
    if header != HEADERS:
        raise _refuse(_("The first line must be the header: %(h)s.", h=",".join(HEADERS)))
    if len(lines) < 2:
        raise _refuse(_("The file has no members."))
    if len(lines) - 1 > MAX_ROWS:
        raise _refuse(_("The file has more than %(n)d members; split it.", n=MAX_ROWS))
    name = str(upload.filename).replace("\\", "/").rsplit("/", 1)[-1][:200]
    return name, raw, lines[1:]


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _check_line(cells: list[str], tiers: set[str], tz: str, today: date) -> tuple[dict, str | None]:
    """One line's values and the first problem found (a reason code), or None."""
    if len(cells) != len(HEADERS):
        return {}, "columns"
    v = dict(zip(HEADERS, (cell.strip() for cell in cells), strict=True))
    out: dict = {"email": None, "phone": None, "name": v["name"], "birthday": None, "tier": None, "points": 0,
                 "expires_at": None}
    if v["email"]:
        plain = v["email"].lower()
        if len(plain) <= 254 and len(plain.split("@")[0]) <= 64 and _PLAIN_EMAIL.fullmatch(plain):
            out["email"] = plain
        else:
            try:
                out["email"] = check_email(v["email"])
            except FieldErrors:
                return out, "email"
    if v["phone"]:
        phone = re.sub(r"[\s\-()]", "", v["phone"])
        if not _PHONE.fullmatch(phone):
            return out, "phone"
        out["phone"] = phone
    if not out["email"] and not out["phone"]:
        return out, "contact"
    if len(v["name"]) > NAME_MAX:
        return out, "name"
    if v["birthday"]:
        born = _day(v["birthday"])
        if born is None or not date(1900, 1, 1) <= born <= today:
            return out, "birthday"
        out["birthday"] = born.isoformat()
    if v["tier"]:
        if v["tier"].lower() not in tiers:
            return out, "tier"
        out["tier"] = v["tier"].lower()
    if v["points"]:
        if not (v["points"].isascii() and v["points"].isdigit()) or int(v["points"]) > MAX_POINTS:
            return out, "points"
        out["points"] = int(v["points"])
    if v["points_expire_at"]:
        until = _day(v["points_expire_at"])
        if until is None or not today < until <= today.replace(year=today.year + MAX_EXPIRY_YEARS):
            return out, "expiry"
        # The points can be spent through the whole day named, in the shop's timezone.
        out["expires_at"] = clock.as_utc(datetime.combine(until + timedelta(days=1), datetime.min.time(),
                                                          tzinfo=ZoneInfo(tz))).isoformat()
    for name in ("consent_email", "consent_sms"):
        word = v[name].lower()
        if word not in _YES | _NO:
            return out, "consent"
        out[name] = word in _YES
    return out, None


def _lookup(column, values: list[str]) -> dict[str, list[int]]:
    """User ids by a column's value (the e-mail, stored lower-cased, or the phone), in batches."""
    found: dict[str, list[int]] = {}
    for start in range(0, len(values), BATCH):
        for uid, value in db.session.execute(db.select(User.id, column).where(
                column.in_(values[start:start + BATCH]))).all():
            found.setdefault(value, []).append(uid)
    return found


def check_lines(programme, lines: list[list[str]]) -> list[dict]:
    """The report rows of a file's data lines: valid (a new account), update (an existing one) or error."""
    tz = clock.zone_of(programme.tenant)
    today = clock.local_date(tz)
    tiers = {t.code.lower() for t in rules(programme).earned_tiers}
    checked = [(n + 2, *_check_line(cells, tiers, tz, today)) for n, cells in enumerate(lines)]
    emails = _lookup(User.email, sorted({d["email"] for _, d, why in checked if not why and d["email"]}))
    phones = _lookup(User.phone, sorted({d["phone"] for _, d, why in checked
                                         if not why and not d["email"] and d["phone"]}))
    seen: set[str] = set()
    rows = []
    for line, data, why in checked:
        status = "valid"
        if why is None and data["email"]:
            status = "update" if data["email"] in emails else "valid"
            who = data["email"]
        elif why is None:
            ids = phones.get(data["phone"], [])
            why = "phone_unknown" if not ids else "phone_many" if len(ids) > 1 else None
            status, who = "update", f"phone:{data['phone']}"
        if why is None and who in seen:
            why = "duplicate"
        if why is None:
            seen.add(who)
        rows.append({"line": line, "status": "error" if why else status, "reason": why, "data": data})
    return rows


def file_hash(raw: bytes) -> str:
    """The content hash that makes an import idempotent per file."""
    return hashlib.sha256(raw).hexdigest()


def create_import(programme, upload, actor=None, dry_run: bool = True) -> tuple[MemberImport, bool]:
    """Check an uploaded file into an import with its report (created), or find the import of the same file;
    without a dry run the checked import starts at once."""
    name, raw, lines = read_csv(upload)
    digest = file_hash(raw)
    found = db.session.execute(db.select(MemberImport).where(MemberImport.programme_id == programme.id,
                                                             MemberImport.file_hash == digest)).scalar_one_or_none()
    if found is not None:
        return found, False
    rows = check_lines(programme, lines)
    count = {status: sum(1 for r in rows if r["status"] == status) for status in STATUSES}
    imp = MemberImport(programme_id=programme.id, tenant_id=programme.tenant_id, file_hash=digest, filename=name,
                       rows_total=len(rows), valid_rows=count["valid"], update_rows=count["update"],
                       error_rows=count["error"], created_by=getattr(actor, "id", None),
                       points_total=sum(r["data"].get("points") or 0 for r in rows if r["status"] != "error"))
    try:
        with db.session.begin_nested():
            db.session.add(imp)
    except IntegrityError:  # the same file, uploaded at the same moment by another request
        return db.session.execute(db.select(MemberImport).where(
            MemberImport.programme_id == programme.id, MemberImport.file_hash == digest)).scalar_one(), False
    for start in range(0, len(rows), BATCH * 5):
        insert_many(MemberImportRow.__table__, [{**r, "import_id": imp.id, "applied": False}
                                                for r in rows[start:start + BATCH * 5]])
    if not dry_run:
        start_run(imp, actor)
    return imp, True


def start_run(imp: MemberImport, actor=None) -> bool:
    """Queue the checked import's run once (a second call, or a run of a finished import, does nothing)."""
    from plugins.loyalty.transfers.jobs import queue_start

    moved = db.session.execute(update(MemberImport).where(MemberImport.id == imp.id, MemberImport.status == "checked")
                               .values(status="queued").execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        return False
    imp.status = "queued"
    record("members.imported", imp.filename, actor=actor, tenant=imp.tenant_id, rows=imp.to_apply,
           points=imp.points_total)
    queue_start(imp.id)
    return True


def progress(imp: MemberImport) -> dict:
    """An import's status and counts, with the share of its rows applied (0–100)."""
    share = 100 if imp.status == "done" or not imp.to_apply else min(100, imp.applied_rows * 100 // imp.to_apply)
    return {"id": imp.id, "status": imp.status, "filename": imp.filename, "rows": imp.rows_total,
            "valid": imp.valid_rows, "update": imp.update_rows, "error": imp.error_rows,
            "applied": imp.applied_rows, "points": imp.points_total, "percent": share}


def report_select(imp: MemberImport, status: str | None = None):
    """The import's report rows in file order, of one status or all."""
    q = db.select(MemberImportRow).where(MemberImportRow.import_id == imp.id)
    if status in STATUSES:
        q = q.where(MemberImportRow.status == status)
    return q.order_by(MemberImportRow.line)


def history(programme, limit: int = 20) -> list[MemberImport]:
    """The programme's latest imports, newest first."""
    return db.session.execute(db.select(MemberImport).where(MemberImport.programme_id == programme.id)
                              .order_by(MemberImport.id.desc()).limit(limit)).scalars().all()


def reason_text(code: str | None) -> str:
    """A report row's reason in the reader's language."""
    return str(REASONS.get(code, "")) if code else ""


# Export.

#: What an export holds, by its `kind`.
EXPORT_KINDS = {"members": _l("Members"), "ledger": _l("Points ledger"), "coupons": _l("Coupons")}
#: Exports of more members than this are written by the queue and downloaded when ready.
DIRECT_MAX = 2000


def member_count(select) -> int:
    """How many members a filtered member list holds."""
    return db.session.execute(db.select(func.count()).select_from(select.order_by(None).subquery())).scalar()


def export_table(programme, tenant, kind: str, select):
    """An export's header and rows (a generator) for the members of a filtered list."""
    from plugins.loyalty.coupons.models import Coupon
    from plugins.loyalty.members.models import Membership
    from plugins.loyalty.points.models import PointsEntry
    from plugins.loyalty.roster import operations as roster

    if kind == "members":
        return roster.export_header(), roster.export_rows(programme, select, tenant)
    members = select.order_by(None).with_only_columns(Membership.id, Membership.user_id).subquery()
    zone = ZoneInfo(clock.zone_of(tenant))

    def local(moment):
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    if kind == "ledger":
        header = [_("E-mail"), _("Date"), _("Kind"), _("Bucket"), _("Points"), _("Expires"), _("Reason")]
        q = (db.select(User.email, PointsEntry.created_at, PointsEntry.kind, PointsEntry.bucket, PointsEntry.delta,
                       PointsEntry.expires_at, PointsEntry.reason)
             .join(members, members.c.id == PointsEntry.membership_id).join(User, User.id == members.c.user_id)
             .order_by(PointsEntry.membership_id, PointsEntry.id))
        def shape(r):
            return [roster._cell(r[0]), local(r[1]), r[2], r[3], r[4], local(r[5]), roster._cell(r[6])]
    else:
        from plugins.loyalty.coupons.models import CouponTemplate

        header = [_("E-mail"), _("Coupon"), _("Issued"), _("Valid until"), _("Used")]
        q = (db.select(User.email, CouponTemplate.name, Coupon.created_at, Coupon.valid_until, Coupon.used_at)
             .join(members, members.c.user_id == Coupon.user_id).join(User, User.id == Coupon.user_id)
             .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
             .where(Coupon.programme_id == programme.id).order_by(Coupon.user_id, Coupon.id))
        def shape(r):
            return [roster._cell(r[0]), roster._cell(r[1]), local(r[2]), local(r[3]), local(r[4])]
    return header, (shape(r) for r in db.session.execute(q.execution_options(yield_per=2000)))


def csv_text(header, rows) -> str:
    """A whole CSV as text: UTF-8 with a BOM so that spreadsheets read Chinese."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def queue_export(programme, kind: str, args: dict, actor=None, locale: str | None = None):
    """An export row for the queue to write (a large list); its file is offered for download when done."""
    from plugins.loyalty.transfers.jobs import write_export
    from plugins.loyalty.transfers.models import MemberExport

    export = MemberExport(programme_id=programme.id, tenant_id=programme.tenant_id, kind=kind, filter=args,
                          created_by=getattr(actor, "id", None), locale=locale)
    db.session.add(export)
    db.session.flush()
    from mall import jobs

    jobs.enqueue(write_export, export.id, idempotency_key=f"loyalty-export:{export.id}")
    return export
