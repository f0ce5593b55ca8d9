"""Personal-data rights: a shopper's export of everything held about them, and the erasure of their account."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import inspect, or_

from mall import clock
from mall.accounts.models import ApiToken, User
from mall.accounts.operations import end_sessions, new_referral_code
from mall.addresses.models import Address
from mall.aftersales.models import AfterSale, AfterSaleStatus
from mall.audit.models import AuditEntry
from mall.audit.operations import record
from mall.cart.models import CartItem
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.idempotency import IdempotencyRecord
from mall.insert_once import insert_once
from mall.notifications.models import MarketingContact, Notification
from mall.orders.models import Order, OrderStatus, Payment, Refund
from mall.plugins import registry
from mall.privacy.models import PrivacyRequest
from mall.reviews.models import Review
from mall.tenants.models import Staff

#: What scrubbed text becomes: the same in both languages, and never mistaken for a value.
PLACEHOLDER = "—"
#: Erased accounts' e-mail domain: ".invalid" is reserved (RFC 2606), so no message can ever reach it.
ERASED_DOMAIN = "erased.invalid"
#: An order's delivery snapshot keeps its region and city (for tax and sales reports); the rest goes.
SNAPSHOT_SCRUBBED = ("name", "phone", "district", "street", "postcode")
#: Statuses of an order that is still in motion: money may still move (a refund, a settlement).
UNSETTLED = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED)
#: Single characters are not searched for in free text (they would match inside unrelated words); two are,
#: since many Chinese names have two characters.
MIN_IDENTIFIER = 2


def json_value(value):
    """A column value as JSON: money and moments as strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def row_json(row, exclude: tuple[str, ...] = ()) -> dict:
    """Every column of a row as JSON, but the excluded ones (plugins use it for their part too)."""
    return {attr.key: json_value(getattr(row, attr.key)) for attr in inspect(type(row)).column_attrs
            if attr.key not in exclude}


def rows_json(model, *where, exclude: tuple[str, ...] = ()) -> list[dict]:
    """The rows of a table that match, oldest first, as JSON."""
    found = db.session.execute(db.select(model).where(*where).order_by(model.id)).scalars()
    return [row_json(row, exclude) for row in found]


def collect(user: User) -> dict:
    """Everything held about the user: the core's tables, then each plugin's part under its name."""
    orders = db.session.execute(db.select(Order).where(Order.user_id == user.id).order_by(Order.id)).scalars()
    after_sales = db.session.execute(
        db.select(AfterSale).where(AfterSale.user_id == user.id).order_by(AfterSale.id)).scalars()
    return {
        "generated_at": clock.now().isoformat(),
        "account": row_json(user, exclude=("password_hash", "session_version")),
        "addresses": rows_json(Address, Address.user_id == user.id),
        "orders": [{**row_json(o), "lines": [row_json(line) for line in o.lines],
                    "payments": rows_json(Payment, Payment.order_id == o.id),
                    "refunds": rows_json(Refund, Refund.order_id == o.id)} for o in orders],
        "after_sales": [{**row_json(a), "lines": [row_json(line) for line in a.lines]} for a in after_sales],
        "reviews": rows_json(Review, Review.user_id == user.id),
        "notifications": rows_json(Notification, Notification.user_id == user.id),
        "marketing_contacts": rows_json(MarketingContact, MarketingContact.user_id == user.id),
        "cart": rows_json(CartItem, CartItem.user_id == user.id),
        # Browser sessions are signed cookies the server does not store; API tokens are its only sessions.
        "sessions": {"api_tokens": rows_json(ApiToken, ApiToken.user_id == user.id, exclude=("token_hash",))},
        "privacy_requests": rows_json(PrivacyRequest, PrivacyRequest.user_id == user.id),
        "plugins": {name: part.collect(user) for name, part in sorted(registry().personal_data.items())},
    }


def export(user: User, channel: str = "web") -> dict:
    """The user's data, with the request recorded and audited in the caller's transaction."""
    request_row = PrivacyRequest(user_id=user.id, kind="export", channel=channel, created_at=clock.now(),
                                 idempotency_key=f"export:{user.id}:{uuid.uuid4().hex}")
    db.session.add(request_row)
    db.session.flush()
    record("privacy.exported", f"user:{user.id}", actor=user, channel=channel)
    return collect(user)


def erasure_of(user: User) -> PrivacyRequest | None:
    """The user's erasure request, once it has happened."""
    return db.session.execute(db.select(PrivacyRequest).filter_by(idempotency_key=f"erase:{user.id}")
                              ).scalar_one_or_none()


def blockers(user: User) -> list[str]:
    """Why the account cannot be erased now (empty when it can): roles, money still moving, plugins' reasons."""
    reasons = []
    if user.is_operator:
        reasons.append(_("An operator account cannot be deleted here: ask another operator to disable it."))
    if db.session.execute(db.select(Staff.id).where(Staff.user_id == user.id).limit(1)).first():
        reasons.append(_("You work for a shop: ask its owner to remove you from the staff first."))
    orders = db.session.execute(db.select(Order.id).where(
        Order.user_id == user.id, or_(Order.status.in_(UNSETTLED), db.and_(
            Order.status == OrderStatus.PARTIALLY_REFUNDED, Order.settled_at.is_(None))),
    ).order_by(Order.id)).scalars().all()
    if orders:
        reasons.append(_("Orders not settled yet: %(orders)s. Wait until they are settled (or cancel the unpaid "
                         "ones), then ask again.", orders=", ".join(f"#{i}" for i in orders)))
    open_after_sales = db.session.execute(db.select(AfterSale.id).where(
        AfterSale.user_id == user.id, AfterSale.status.in_(AfterSaleStatus.OPEN)).order_by(AfterSale.id)
    ).scalars().all()
    if open_after_sales:
        reasons.append(_("After-sales requests still open: %(ids)s. Wait until the shop has finished them.",
                         ids=", ".join(f"#{i}" for i in open_after_sales)))
    for part in registry().personal_data.values():
        reasons += part.blockers(user) if part.blockers else []
    return reasons


def identifiers(user: User) -> list[str]:
    """The strings that identify the user (name, e-mail, phone, birthday, their addresses'), longest first."""
    found = {user.name, user.email, user.phone, user.birthday.isoformat() if user.birthday else None}
    for address in db.session.execute(db.select(Address).where(Address.user_id == user.id)).scalars():
        found.update(str(getattr(address, name) or "") for name in SNAPSHOT_SCRUBBED)
    for snapshot in db.session.execute(db.select(Order.address).where(Order.user_id == user.id)).scalars():
        found.update(str((snapshot or {}).get(name) or "") for name in SNAPSHOT_SCRUBBED)
    return sorted((s for s in found if s and len(s) >= MIN_IDENTIFIER and s != PLACEHOLDER), key=len, reverse=True)


def scrub(value, words: list[str]):
    """The value with every identifying word replaced by the placeholder, inside lists and objects too."""
    if isinstance(value, str):
        for word in words:
            value = value.replace(word, PLACEHOLDER)
        return value
    if isinstance(value, list):
        return [scrub(v, words) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v, words) for k, v in value.items()}
    return value


def erase(user: User, password: str | None, channel: str = "web") -> PrivacyRequest:
    """Anonymise the account after checking the password; orders and ledgers keep their amounts. Asking again
    after it happened changes nothing and returns the same request."""
    done = erasure_of(user)
    if done is not None:
        return done
    if not user.check_password(password or ""):
        raise FieldErrors(_("Your account was not deleted."), {"password": [_("The password is wrong.")]})
    reasons = blockers(user)
    if reasons:
        raise Conflict(_("Your account cannot be deleted yet.") + " " + " ".join(reasons))
    request_row = insert_once(PrivacyRequest(user_id=user.id, kind="erase", channel=channel, created_at=clock.now(),
                                             idempotency_key=f"erase:{user.id}"))
    if request_row is None:  # a concurrent request erased it first
        return erasure_of(user)
    words = identifiers(user)
    old_targets = [user.email, user.name]
    for part in registry().personal_data.values():
        part.anonymise(user, words)
    _scrub_core(user, words)
    _scrub_audit(user, old_targets, words)
    end_sessions(user)
    _scrub_account(user)
    record("privacy.erased", f"user:{user.id}", actor=user, channel=channel)
    return request_row


def _scrub_core(user: User, words: list[str]) -> None:
    """The core's rows: addresses, cart, inbox and replayable answers go; orders and after-sales lose their text."""
    for model in (Address, CartItem, Notification, IdempotencyRecord):
        db.session.execute(db.delete(model).where(model.user_id == user.id))
    for order in db.session.execute(db.select(Order).where(Order.user_id == user.id, Order.address.is_not(None))
                                    ).scalars():
        order.address = {**order.address, **{name: PLACEHOLDER for name in SNAPSHOT_SCRUBBED}}
    db.session.execute(db.update(Review).where(Review.user_id == user.id).values(text=""))
    for after_sale in db.session.execute(db.select(AfterSale).where(AfterSale.user_id == user.id)).scalars():
        after_sale.reason, after_sale.photos = "", []
        after_sale.reject_reason = scrub(after_sale.reject_reason, words)


def _scrub_audit(user: User, targets: list[str], words: list[str]) -> None:
    """Audit entries about the user name them by id, and their details lose identifying words and notes."""
    entries = db.session.execute(db.select(AuditEntry).where(AuditEntry.target.in_(targets))).scalars().all()
    entries += [e for e in db.session.execute(db.select(AuditEntry).where(AuditEntry.action.like("member.%")))
                .scalars() if (e.details or {}).get("member") == user.id and e not in entries]
    for entry in entries:
        details = {k: v for k, v in (entry.details or {}).items() if k != "note"}
        entry.target, entry.details = f"user:{user.id}", scrub(details, words)


def _scrub_account(user: User) -> None:
    """The account itself: placeholders that keep UNIQUE columns unique, no way to sign in again."""
    user.email = f"erased-{user.id}@{ERASED_DOMAIN}"
    user.name = PLACEHOLDER
    user.phone, user.birthday = None, None
    user.consent_email = user.consent_sms = False
    user.referral_code = new_referral_code()
    user.set_password(secrets.token_urlsafe(32))
    user.is_disabled = True
