"""Tenant and Staff tables."""

from __future__ import annotations

import logging
from decimal import Decimal
from functools import lru_cache
from zoneinfo import available_timezones

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlalchemy.types import TypeDecorator

from mall import clock
from mall.dbtypes import Money, UTCDateTime
from mall.extensions import db

log = logging.getLogger(__name__)


#: Files in the system zone folder that are not IANA zones: `localtime` is the host's own zone, so a shop set to
#: it would change its dates when moved to another machine.
_HOST_ONLY = frozenset({"localtime", "posixrules"})


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _HOST_ONLY


def is_zone(name) -> bool:
    """Whether `name` is a real IANA time zone (Asia/Shanghai, UTC, …), never a name only this machine has."""
    return isinstance(name, str) and name in _zones()


class ZoneName(TypeDecorator):
    """A time zone name; a stored one this machine does not know reads as the platform's zone, with a log line.

    Zones are checked where they are set, but a row written before that (or a zone since removed
    from the time zone database) must not make every date computation of its shop fail.
    """

    impl = String(64)
    cache_ok = True

    def process_result_value(self, value, dialect):
        if value is not None and not is_zone(value):
            log.warning("unknown time zone %r stored for a shop; using %s", value, clock.PLATFORM_ZONE)
            return clock.PLATFORM_ZONE
        return value


class TenantStatus:
    """Shop statuses."""

    ACTIVE = "active"
    SUSPENDED = "suspended"


class StaffRole:
    """Staff roles inside one shop, weakest first."""

    SUPPORT = "support"
    MANAGER = "manager"
    OWNER = "owner"
    ORDER = (SUPPORT, MANAGER, OWNER)

    @classmethod
    def at_least(cls, role: str, needed: str) -> bool:
        """Whether `role` includes the rights of `needed`."""
        return cls.ORDER.index(role) >= cls.ORDER.index(needed)


class Tenant(db.Model):
    """A merchant shop on the platform."""

    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'suspended')", name="status"),
        CheckConstraint("shipping_fee >= 0", name="shipping_fee_nonneg"),
        CheckConstraint("return_window_days >= 0", name="return_window_nonneg"),
    )

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(40), nullable=False, unique=True)
    #: The Chinese name; `name_en` / `description_en` the English (shown by mall.i18n.localized).
    name = db.Column(db.String(120), nullable=False)
    name_en = db.Column(db.String(120), nullable=False, default="", server_default="")
    status = db.Column(db.String(16), nullable=False, default=TenantStatus.ACTIVE)
    timezone = db.Column(ZoneName(), nullable=False, default=clock.PLATFORM_ZONE)
    currency = db.Column(db.String(3), nullable=False, default="CNY")
    shipping_fee = db.Column(Money, nullable=False, default=Decimal("0.00"))
    #: Goods total (after coupons) from which shipping is free; None = never free.
    free_shipping_threshold = db.Column(Money, nullable=True)
    return_window_days = db.Column(db.Integer, nullable=False, default=30)
    #: The platform's own self-operated shop (自营).
    is_self_operated = db.Column(db.Boolean, nullable=False, default=False)
    description = db.Column(db.Text, nullable=False, default="")
    description_en = db.Column(db.Text, nullable=False, default="", server_default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    @property
    def is_active(self) -> bool:
        """Whether the storefront is open."""
        return self.status == TenantStatus.ACTIVE

    def __repr__(self):
        return f"<Tenant {self.slug}>"


class Staff(db.Model):
    """A user's role in one shop."""

    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id"),
        CheckConstraint("role IN ('owner', 'manager', 'support')", name="role"),
    )

    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    role = db.Column(db.String(16), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    tenant = db.relationship("Tenant")
    user = db.relationship("User")
