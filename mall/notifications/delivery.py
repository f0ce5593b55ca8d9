"""Delivering e-mail and SMS rows (and deferred inbox messages): claimed, sent, recorded; retried, never doubled.

Sending happens only in `deliver` jobs, which `mall.jobs` hands out after the commit that wrote
the rows (the tick's step too: it only hands due rows out), so no message leaves for work that
could still roll back. A row is claimed with a conditional update (queued → sending, committed)
before it is sent and marked sent after, so two workers never send the same row. A worker that
dies between sending and marking leaves the row `sending`; the tick hands such rows out again
after STALE. The outbox folders and SMS providers drop the repeat by the row's key (file name,
client reference), so the member gets it once; SMTP servers do not, so with SMTP each row is
marked as soon as it is out, and a crash can repeat at most the one message in flight.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import update

from mall import clock, jobs
from mall.accounts.models import User
from mall.extensions import db
from mall.insert_once import insert_once
from mall.notifications import pressure
from mall.notifications.channels import email_sender, sms_sender
from mall.notifications.models import MarketingContact, Notification
from mall.notifications.operations import render
from mall.tenant_work import in_own_transaction

log = logging.getLogger(__name__)
STALE = timedelta(minutes=10)
BATCH = 500
#: Minutes to wait before attempt n + 1 after a failure.
BACKOFF = (1, 5, 30, 120, 720)


def contact_key(notification) -> str:
    """The marketing message a row belongs to: its key without the trailing channel ("push:7:42:email")."""
    return notification.idempotency_key.rsplit(":", 1)[0]


def queue_delivery(ids) -> None:
    """Deliver these rows in a job after the current transaction commits, in batches."""
    ids = list(ids)
    for start in range(0, len(ids), BATCH):
        jobs.enqueue(deliver, ids[start:start + BATCH])


def deliver(ids: list[int]) -> dict:
    """Job: send the listed rows that are queued and due; returns how many were sent, failed or held."""
    at = clock.now()
    claimed = db.session.execute(
        update(Notification).where(Notification.id.in_(ids), Notification.status == "queued",
                                   db.or_(Notification.send_after.is_(None), Notification.send_after <= at))
        .values(status="sending", attempts=Notification.attempts + 1, claimed_at=at)
        .returning(Notification.id).execution_options(synchronize_session=False)).scalars().all()
    db.session.commit()
    counts = {"sent": 0, "failed": 0, "held": 0}
    sent: list[int] = []  # sent, not yet marked: marked in small batches so a crash leaves few to hand out again
    # An SMTP server does not drop a repeated Message-ID: mark each message the moment it is out,
    # so a crash can repeat at most the one being sent. The outbox folders and SMS providers drop
    # repeats by key, so there a batch of marks is safe and cheaper.
    mark_every = 1 if current_app.config.get("MAIL_SERVER") else 100
    n = Notification
    # Plain rows, not ORM objects: the commits below would otherwise reload each one.
    rows = db.session.execute(db.select(n.id, n.user_id, n.tenant_id, n.channel, n.kind, n.params, n.link,
                                        n.idempotency_key, n.address, n.send_after, n.marketing, n.attempts,
                                        User.locale).join(User, User.id == n.user_id)
                              .where(n.id.in_(claimed)).order_by(n.id)).all()
    for notification in rows:
        if notification.send_after is not None and notification.marketing and _held_again(notification, at):
            counts["held"] += 1
            continue
        try:
            _send(notification)
        except Exception as exc:  # any provider failure: record it and retry later
            log.warning("delivery of notification %s failed: %s", notification.id, exc)
            _failed(notification, at, exc)
            counts["failed"] += 1
            continue
        sent.append(notification.id)
        counts["sent"] += 1
        if len(sent) >= mark_every:
            _mark_sent(sent)
            sent = []
    _mark_sent(sent)
    return counts


def absolute(link: str | None) -> str | None:
    """A page path as a full address (BASE_URL before it): a mail client or phone has no site to resolve it on."""
    if not link or "://" in link:
        return link
    return current_app.config["BASE_URL"] + ("" if link.startswith("/") else "/") + link


def _send(notification) -> None:
    with force_locale(notification.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = render(notification)
    link = absolute(notification.link)
    if notification.channel == "email":
        body = text + (f"\n\n{link}" if link else "")
        email_sender().send(notification.idempotency_key, notification.address, text[:120], body)
    elif notification.channel == "sms":
        sms_sender().send(notification.idempotency_key, notification.address, text + (f" {link}" if link else ""))
    # inbox: becoming `sent` is the delivery


def _mark_sent(ids: list[int]) -> None:
    if ids:
        db.session.execute(update(Notification).where(Notification.id.in_(ids), Notification.status == "sending")
                           .values(status="sent", delivered_at=clock.now(), error=None)
                           .execution_options(synchronize_session=False))
    db.session.commit()


def _failed(notification, at, exc: Exception) -> None:
    attempts = notification.attempts
    final = attempts >= current_app.config["DELIVERY_ATTEMPTS"]
    db.session.execute(update(Notification).where(Notification.id == notification.id)
                       .values(status="failed" if final else "queued", error=str(exc)[:300] or type(exc).__name__,
                               send_after=None if final else at + timedelta(
                                   minutes=BACKOFF[min(attempts, len(BACKOFF)) - 1]))
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _held_again(notification, at) -> bool:
    """A deferred marketing message that is due: count it against the week, or wait for room or morning."""
    rules = pressure.policy()
    later = None
    if notification.channel in pressure.INTERRUPTING:
        from mall.tenants.models import Tenant

        tenant = db.session.get(Tenant, notification.tenant_id) if notification.tenant_id else None
        later = pressure.quiet_until(rules, clock.zone_of(tenant), at)
    key = contact_key(notification)
    counted = db.session.execute(db.select(MarketingContact.id).filter_by(idempotency_key=key)).first()
    if later is None and not counted:
        if notification.user_id in pressure.at_cap(rules, [notification.user_id], at):
            later = at + timedelta(days=1)
        else:
            insert_once(MarketingContact(user_id=notification.user_id, tenant_id=notification.tenant_id,
                                         idempotency_key=key, at=at))
    if later is not None:
        db.session.execute(update(Notification).where(Notification.id == notification.id)
                           .values(status="queued", send_after=later, attempts=Notification.attempts - 1)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    return later is not None


def deliver_due(at, dry_run: bool = False) -> int:
    """Tick: hand out rows that are due (deferred, retried) or stuck `sending` after a dead worker.

    Only hands them out: the sending is `deliver` jobs that leave after the caller's commit, so no
    message goes out while the work that wrote it may still roll back. Returns how many rows.
    """
    stuck = (Notification.status == "sending") & (Notification.claimed_at < at - STALE)
    due = (Notification.status == "queued") & (Notification.send_after <= at)
    ids = db.session.execute(db.select(Notification.id).where(stuck | due).order_by(Notification.id)
                             .limit(10 * BATCH)).scalars().all()
    if dry_run or not ids:
        return len(ids)
    db.session.execute(update(Notification).where(Notification.id.in_(ids), stuck)
                       .values(status="queued").execution_options(synchronize_session=False))
    queue_delivery(ids)
    return len(ids)


def on_tick(sender, at, dry_run, report, **kwargs) -> None:
    """The core tick's delivery step: one transaction of its own; the messages leave after its commit."""
    report["messages_due"] = in_own_transaction(report, "delivery", deliver_due, at, dry_run, dry_run=dry_run) or 0
