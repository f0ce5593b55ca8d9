"""Transfer jobs on the queue: an import's run in chunks of lines, and a large export written to a file."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import ARRAY, JSON, Integer, Text, bindparam, cast, func, insert, select, update

from mall import clock, jobs
from mall.accounts.models import User
from mall.accounts.operations import new_referral_code
from mall.extensions import db
from mall.money import ZERO
from plugins.loyalty.members.models import Membership, TierChange
from plugins.loyalty.points.models import PointsEntry, PointsLot
from plugins.loyalty.points.operations import lot_expiry
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.transfers.models import MemberImport, MemberImportRow

#: Lines per chunk job: one transaction of bulk statements each.
CHUNK = 2000
#: An imported account has no password: it cannot sign in until its owner sets one.
NO_PASSWORD = "!imported"


def _pg() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def insert_many(table, rows: list[dict], ids: bool = False) -> list[int]:
    """Insert rows in one statement, and with `ids` return their new ids in the rows' order.

    On PostgreSQL each column travels as one array (unnest), and the ids are taken from the sequence first, so
    their order is certain; elsewhere it is an executemany returning the ids in parameter order.
    """
    if not rows:
        return []
    if not _pg():
        statement = insert(table)
        if ids:
            return db.session.execute(statement.returning(table.c.id, sort_by_parameter_order=True),
                                      rows).scalars().all()
        db.session.execute(statement, rows)
        return []
    new_ids = []
    if ids:
        new_ids = db.session.execute(select(func.nextval(func.pg_get_serial_sequence(table.name, "id")))
                                     .select_from(func.generate_series(1, len(rows)))).scalars().all()
        rows = [{**row, "id": new_id} for row, new_id in zip(rows, new_ids, strict=True)]
    columns = list(rows[0])
    source = select(*[_unnest(table.c[name], [row[name] for row in rows]) for name in columns])
    db.session.execute(insert(table).from_select(columns, source))
    return new_ids


def _unnest(column, values: list):
    """One column's values as an array the server unnests (JSON travels as text, read back as JSON)."""
    if isinstance(column.type, JSON):
        return cast(func.unnest(cast(bindparam(f"many_{column.name}", [json.dumps(v) for v in values]),
                                     ARRAY(Text))), column.type)
    return func.unnest(cast(bindparam(f"many_{column.name}", values), ARRAY(column.type)))


def add_points(sums: dict[int, int]) -> None:
    """Move the cached available balances of memberships by the points just written to their ledgers."""
    table = Membership.__table__
    if not _pg():
        db.session.execute(update(table).where(table.c.id == bindparam("mid"))
                           .values(points_available=table.c.points_available + bindparam("pts")),
                           [{"mid": mid, "pts": pts} for mid, pts in sums.items()])
        return
    moves = select(func.unnest(cast(bindparam("mids", list(sums)), ARRAY(Integer))).label("mid"),
                   func.unnest(cast(bindparam("pts", list(sums.values())), ARRAY(Integer))).label("pts")).subquery()
    db.session.execute(update(table).where(table.c.id == moves.c.mid)
                       .values(points_available=table.c.points_available + moves.c.pts))


def row_key(imp: MemberImport, line: int, what: str = "points") -> str:
    """The ledger key of one line of one file in one programme: the same file never credits a line twice."""
    return f"import:{imp.programme_id}:{imp.file_hash[:24]}:{line}:{what}"


def queue_start(import_id: int) -> None:
    """Queue the job that starts an import's run (after the current transaction commits)."""
    jobs.enqueue(start_import, import_id, idempotency_key=f"loyalty-import-start:{import_id}")


def start_import(import_id: int) -> None:
    """Job: mark the import running and queue one job per chunk of lines."""
    moved = db.session.execute(update(MemberImport).where(MemberImport.id == import_id,
                                                          MemberImport.status == "queued")
                               .values(status="running", started_at=clock.now())
                               .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.rollback()
        return
    imp = db.session.get(MemberImport, import_id)
    for low in range(2, imp.rows_total + 2, CHUNK):
        _queue_chunk(imp.id, low)
    db.session.commit()
    _finish_if_complete(import_id)


def _queue_chunk(import_id: int, low: int) -> None:
    jobs.enqueue(run_chunk, import_id, low, low + CHUNK - 1, idempotency_key=f"loyalty-import:{import_id}:{low}")


def run_chunk(import_id: int, low: int, high: int) -> None:
    """Job: apply the chunk's checked lines not applied yet, in one transaction of bulk statements."""
    imp = db.session.get(MemberImport, import_id)
    if imp is None or imp.status != "running":
        return
    if db.session.get_bind().dialect.name == "postgresql":
        # Copies of one chunk (a retried job beside a slow one) take turns; the second finds nothing to do.
        db.session.execute(db.select(func.pg_advisory_xact_lock(-import_id, low)))
    apply_chunk(imp, low, high)
    db.session.commit()
    _finish_if_complete(import_id)


def apply_chunk(imp: MemberImport, low: int, high: int) -> int:
    """Apply the checked lines from `low` to `high` not applied yet, and count them as applied; how many."""
    import_id = imp.id
    # Plain rows, not ORM objects: a chunk reads thousands and changes few of them.
    rows = [SimpleNamespace(id=row.id, line=row.line, status=row.status, reason=None, data=row.data, user_id=None)
            for row in db.session.execute(db.select(
                MemberImportRow.id, MemberImportRow.line, MemberImportRow.status, MemberImportRow.data).where(
                MemberImportRow.import_id == import_id, MemberImportRow.line.between(low, high),
                MemberImportRow.status != "error", MemberImportRow.applied.is_(False))
                .order_by(MemberImportRow.line)).all()]
    if rows:
        apply_rows(imp, rows)
        db.session.execute(update(MemberImportRow).where(
            MemberImportRow.import_id == import_id, MemberImportRow.line.between(low, high),
            MemberImportRow.applied.is_(False)).values(applied=True).execution_options(synchronize_session=False))
        db.session.execute(update(MemberImport).where(MemberImport.id == import_id)
                           .values(applied_rows=MemberImport.applied_rows + len(rows))
                           .execution_options(synchronize_session=False))
    return len(rows)


def _users(rows: list, at: datetime) -> dict[int, int]:
    """The user id of each row's line: found by e-mail (or phone), else a new account without a password."""
    emails = [r.data["email"] for r in rows if r.data.get("email")]
    # E-mail addresses are stored normalised (lower case), so the unique index finds them.
    by_email = dict(db.session.execute(db.select(User.email, User.id).where(User.email.in_(emails))).all()) \
        if emails else {}
    phones = [r.data["phone"] for r in rows if not r.data.get("email")]
    by_phone: dict[str, list[int]] = defaultdict(list)
    for uid, phone in db.session.execute(db.select(User.id, User.phone).where(User.phone.in_(phones))).all() \
            if phones else ():
        by_phone[phone].append(uid)
    new = [r for r in rows if r.data.get("email") and r.data["email"] not in by_email]
    if new:
        made = insert_many(User.__table__, [
            {"email": r.data["email"], "password_hash": NO_PASSWORD, "name": r.data["name"] or
             r.data["email"].split("@", 1)[0][:80], "phone": r.data["phone"],
             "birthday": r.data["birthday"] and datetime.fromisoformat(r.data["birthday"]).date(),
             "consent_email": r.data.get("consent_email", False), "consent_sms": r.data.get("consent_sms", False),
             "referral_code": new_referral_code(), "is_operator": False, "is_disabled": False,
             "session_version": 0, "created_at": at} for r in new], ids=True)
        by_email.update((r.data["email"], uid) for r, uid in zip(new, made, strict=True))
    out = {}
    for r in rows:
        if r.data.get("email"):
            out[r.line] = by_email[r.data["email"]]
        elif len(by_phone.get(r.data["phone"], ())) == 1:
            out[r.line] = by_phone[r.data["phone"]][0]
    return out


def _memberships(programme, users: dict[int, int], at: datetime) -> dict:
    """Each user's membership of the programme (id, user, tier; lowest tier when new), the new ones made at once."""
    ids = sorted(set(users.values()))
    found = {row.user_id: row for row in db.session.execute(db.select(
        Membership.id, Membership.user_id, Membership.tier_code).where(
        Membership.programme_id == programme.id, Membership.user_id.in_(ids))).all()}
    lowest = rules(programme).lowest.code
    missing = [uid for uid in ids if uid not in found]
    made = insert_many(Membership.__table__, [
        {"programme_id": programme.id, "user_id": uid, "tier_code": lowest, "joined_at": at, "period_start": at,
         "period_metric": ZERO, "lifetime_metric": ZERO, "points_available": 0, "points_pending": 0, "streak": 0}
        for uid in missing], ids=True)
    found.update((uid, SimpleNamespace(id=mid, user_id=uid, tier_code=lowest))
                 for uid, mid in zip(missing, made, strict=True))
    return found


def _set_tiers(imp: MemberImport, rows, members: dict, at: datetime) -> None:
    """The tier each line names, with its change recorded (reason "import"); no notices for a migration."""
    moves = [(r, members[r.user_id]) for r in rows if r.data.get("tier") and
             r.data["tier"] != members[r.user_id].tier_code.lower()]
    if not moves:
        return
    codes = {t.code.lower(): t.code for t in rules(imp.programme).earned_tiers}
    insert_many(TierChange.__table__, [
        {"membership_id": m.id, "from_code": m.tier_code, "to_code": codes[r.data["tier"]], "reason": "import",
         "at": at, "idempotency_key": row_key(imp, r.line, "tier")} for r, m in moves])
    by_tier = defaultdict(list)
    for r, m in moves:
        by_tier[codes[r.data["tier"]]].append(m.id)
    for code, ids in by_tier.items():
        db.session.execute(update(Membership).where(Membership.id.in_(ids)).values(tier_code=code)
                           .execution_options(synchronize_session=False))


def _credit_points(imp: MemberImport, rows, members: dict, at: datetime) -> None:
    """Each line's points as a lot with its expiry and an `import` entry, and the balances moved by the same sums."""
    rows = [r for r in rows if r.data.get("points")]
    keys = {r.line: row_key(imp, r.line) for r in rows}
    used = set(db.session.execute(db.select(PointsEntry.idempotency_key).where(
        PointsEntry.idempotency_key.in_(list(keys.values())))).scalars()) if keys else set()
    rows = [r for r in rows if keys[r.line] not in used]
    if not rows:
        return
    programme = imp.programme
    default_expiry = lot_expiry(SimpleNamespace(programme=programme), at)
    expiry = {r.line: datetime.fromisoformat(r.data["expires_at"]) if r.data.get("expires_at") else default_expiry
              for r in rows}
    lots = insert_many(PointsLot.__table__, [
        {"membership_id": members[r.user_id].id, "amount": r.data["points"], "remaining": r.data["points"],
         "expires_at": expiry[r.line], "created_at": at} for r in rows], ids=True)
    insert_many(PointsEntry.__table__, [
        {"membership_id": members[r.user_id].id, "bucket": "available", "delta": r.data["points"], "kind": "import",
         "lot_id": lot, "expires_at": expiry[r.line], "programme_version": programme.version,
         "idempotency_key": keys[r.line], "funded_by": "shop" if programme.tenant_id else "platform",
         "created_at": at} for r, lot in zip(rows, lots, strict=True)])
    sums = Counter()
    for r in rows:
        sums[members[r.user_id].id] += r.data["points"]
    add_points(sums)


def apply_rows(imp: MemberImport, rows: list) -> None:
    """Apply checked lines: accounts found or made, memberships, tiers, points; a line whose tier was removed
    since the check, or whose phone no longer names one account, becomes an error instead."""
    at = clock.now()
    tiers = {t.code.lower() for t in rules(imp.programme).earned_tiers}
    for r in rows:
        if r.data.get("tier") and r.data["tier"] not in tiers:
            r.status, r.reason = "error", "tier_gone"
    users = _users([r for r in rows if r.status != "error"], at)
    for r in rows:
        if r.status != "error" and r.line not in users:
            r.status, r.reason = "error", "phone_unknown"
        r.user_id = users.get(r.line)
    for reason in {r.reason for r in rows if r.status == "error"}:
        db.session.execute(update(MemberImportRow).where(MemberImportRow.id.in_(
            [r.id for r in rows if r.status == "error" and r.reason == reason]))
            .values(status="error", reason=reason).execution_options(synchronize_session=False))
    ok = [r for r in rows if r.status != "error"]
    members = _memberships(imp.programme, {r.line: r.user_id for r in ok}, at)
    _set_tiers(imp, ok, members, at)
    _credit_points(imp, ok, members, at)


def _finish_if_complete(import_id: int) -> None:
    """Mark the import done once no checked line is left (finish), and commit."""
    finish(import_id)
    db.session.commit()


def finish(import_id: int) -> None:
    """Mark the import done once no checked line is left, with its counts taken again from the rows."""
    left = db.session.execute(db.select(func.count(MemberImportRow.id)).where(
        MemberImportRow.import_id == import_id, MemberImportRow.status != "error",
        MemberImportRow.applied.is_(False))).scalar()
    if left:
        return
    count = dict(db.session.execute(db.select(MemberImportRow.status, func.count(MemberImportRow.id))
                                    .where(MemberImportRow.import_id == import_id)
                                    .group_by(MemberImportRow.status)).all())
    db.session.execute(update(MemberImport).where(MemberImport.id == import_id, MemberImport.status == "running")
                       .values(status="done", finished_at=clock.now(), valid_rows=count.get("valid", 0),
                               update_rows=count.get("update", 0), error_rows=count.get("error", 0))
                       .execution_options(synchronize_session=False))


def recover() -> int:
    """Queue again the start of queued imports and the chunks of running ones with lines left."""
    queued = 0
    for imp in db.session.execute(db.select(MemberImport).where(
            MemberImport.status.in_(("queued", "running")))).scalars().all():
        if imp.status == "queued":
            queue_start(imp.id)
            queued += 1
            continue
        lines = db.session.execute(db.select(MemberImportRow.line).where(
            MemberImportRow.import_id == imp.id, MemberImportRow.status != "error",
            MemberImportRow.applied.is_(False))).scalars().all()
        for low in sorted({2 + (line - 2) // CHUNK * CHUNK for line in lines}):
            _queue_chunk(imp.id, low)
            queued += 1
    return queued


def write_export(export_id: int) -> None:
    """Job: write a queued export's CSV under the instance folder and mark it done."""
    from plugins.loyalty.transfers.models import MemberExport

    export = db.session.get(MemberExport, export_id)
    if export is None or export.status != "queued":
        return
    write_file(export)
    db.session.commit()


def write_file(export) -> None:
    """Write an export's CSV (in the language of who asked) to the instance folder, then mark it done."""
    import csv
    import os

    from flask import current_app
    from flask_babel import force_locale

    from plugins.loyalty.roster import operations as roster
    from plugins.loyalty.transfers.operations import export_table

    programme = export.programme
    folder = os.path.join(current_app.instance_path, "exports")
    os.makedirs(folder, exist_ok=True)
    name = f"export-{export.id}.csv"
    count = 0
    with force_locale(export.locale or "zh"):
        lf, _errors = roster.parse_filter(export.filter, programme.tenant)
        header, rows = export_table(programme, programme.tenant, export.kind, roster.list_select(programme, lf))
        with open(os.path.join(folder, name + ".part"), "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            out.write("\ufeff")
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                count += 1
    # Renamed when whole, so a download never reads a file half written.
    os.replace(os.path.join(folder, name + ".part"), os.path.join(folder, name))
    export.status, export.rows, export.path, export.finished_at = "done", count, name, clock.now()
