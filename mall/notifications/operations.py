"""Sending to the inbox and rendering messages: plugins register the kinds of message they send."""

from __future__ import annotations

from mall import clock
from mall.extensions import db
from mall.i18n import localized
from mall.insert_once import insert_once
from mall.notifications.models import Notification

#: kind → lazily translated message with %(name)s parameters.
KINDS: dict = {}


def register_kind(kind: str, message) -> None:
    """Name a kind of message and its translatable text (a lazy_gettext string with %(param)s)."""
    KINDS[kind] = message


def notify(user_id: int, kind: str, key: str, *, link: str | None = None, tenant_id: int | None = None,
           **params) -> Notification | None:
    """Put a message in the user's inbox once per key (None when the key was used before)."""
    return insert_once(Notification(user_id=user_id, tenant_id=tenant_id, channel="inbox", kind=kind, params=params,
                                    link=link, status="sent", idempotency_key=key, created_at=clock.now()))


def content(key: str, obj, field: str = "name") -> dict:
    """Merchant content as message parameters: {key: the Chinese, key_en: the English when there is one}.

    The message is rendered when read, in the reader's language, so it keeps both and `render` picks.
    """
    values = {key: obj[field] if isinstance(obj, dict) else getattr(obj, field)}
    english = obj.get(f"{field}_en") if isinstance(obj, dict) else getattr(obj, f"{field}_en", "")
    if english:
        values[f"{key}_en"] = english
    return values


def render(notification: Notification) -> str:
    """The message in the reader's language (merchant content too: a parameter with an `_en` twin)."""
    message = KINDS.get(notification.kind)
    if message is None:
        return notification.kind
    params = notification.params
    if isinstance(params, dict):
        params = {key: localized(params, key) if f"{key}_en" in params else value for key, value in params.items()}
    try:
        return str(message) % params
    except (KeyError, TypeError, ValueError):
        return str(message)


def inbox_select(user_id: int):
    """A select of the user's inbox messages, newest first (the inbox page and the API list the same rows)."""
    return (db.select(Notification)
            .where(Notification.user_id == user_id, Notification.channel == "inbox", Notification.status == "sent")
            .order_by(Notification.id.desc()))


def unread_count(user_id: int) -> int:
    """Unread inbox messages of a user (for the header)."""
    return db.session.execute(
        db.select(db.func.count(Notification.id)).where(Notification.user_id == user_id,
                                                        Notification.channel == "inbox",
                                                        Notification.status == "sent",
                                                        Notification.read_at.is_(None))).scalar()


def mark_read(user_id: int) -> None:
    """Mark every inbox message of the user read."""
    db.session.execute(db.update(Notification).where(Notification.user_id == user_id, Notification.channel == "inbox",
                                                     Notification.read_at.is_(None)).values(read_at=clock.now()))

