"""The addresses table: a shopper's delivery addresses, at most one of them the default."""

from __future__ import annotations

from sqlalchemy import text

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db

NAME_MAX = 40
PHONE_MAX = 32
PLACE_MAX = 40
STREET_MAX = 200
POSTCODE_MAX = 12
#: The fields an order copies when it is placed (its snapshot), in display order.
SNAPSHOT_FIELDS = ("name", "phone", "region", "city", "district", "street", "postcode")


class Address(db.Model):
    """A delivery address in a shopper's address book."""

    __tablename__ = "addresses"
    __table_args__ = (
        # At most one default per shopper, whatever races: the database refuses a second one.
        db.Index("uq_addresses_one_default", "user_id", unique=True,
                 sqlite_where=text("is_default"), postgresql_where=text("is_default")),
    )

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    #: The recipient, who may not be the shopper.
    name = db.Column(db.String(NAME_MAX), nullable=False)
    phone = db.Column(db.String(PHONE_MAX), nullable=False)
    #: Province or state (省 / 直辖市), then city (市) and district (区 / 县, optional).
    region = db.Column(db.String(PLACE_MAX), nullable=False)
    city = db.Column(db.String(PLACE_MAX), nullable=False)
    district = db.Column(db.String(PLACE_MAX), nullable=True)
    street = db.Column(db.String(STREET_MAX), nullable=False)
    postcode = db.Column(db.String(POSTCODE_MAX), nullable=True)
    is_default = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    def snapshot(self) -> dict:
        """The address as an order keeps it: plain values that later edits of the address do not touch."""
        return {name: getattr(self, name) for name in SNAPSHOT_FIELDS}
