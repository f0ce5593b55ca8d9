"""Address book operations: the one set of rules for addresses, the default moved by conditional updates.

Callers commit. Every write first locks the shopper's row (PostgreSQL; SQLite serialises writers anyway), so
two requests of one shopper cannot both pass the size limit or both move the default; the partial unique index
on (user_id) WHERE is_default is the guarantee behind it.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from mall.accounts.models import User
from mall.addresses.models import NAME_MAX, PHONE_MAX, PLACE_MAX, POSTCODE_MAX, STREET_MAX, Address
from mall.errors import Conflict, FieldErrors
from mall.extensions import db

#: Addresses one shopper may keep (as the big Chinese marketplaces allow).
MAX_ADDRESSES = 20
#: Digits a telephone number has: a 7-digit local line at the least, E.164's 15 at the most.
PHONE_DIGITS = (7, 15)
_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]*[0-9]")
_POSTCODE = re.compile(r"[A-Z0-9][A-Z0-9 \-]*[A-Z0-9]")
#: Text fields: (name, longest, required).
TEXT_FIELDS = (("name", NAME_MAX, True), ("region", PLACE_MAX, True), ("city", PLACE_MAX, True),
               ("district", PLACE_MAX, False), ("street", STREET_MAX, True))


def _one_line(value) -> str | None:
    """Text as typed on one line: full-width forms folded (NFKC), runs of white space made one space."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError
    return " ".join(unicodedata.normalize("NFKC", value).split())


def _printable(value: str) -> bool:
    return not any(unicodedata.category(ch).startswith("C") for ch in value)


def phone_problem(phone: str) -> str | None:
    """Why a telephone number cannot be dialled as typed, or None.

    Mainland mobiles (13800138000), landlines with their area code (010-12345678) and international
    numbers (+44 20 7946 0958, +1 (415) 555-0100) pass; letters, a "+" inside, too few or too many digits fail.
    """
    digits = sum(ch.isdigit() for ch in phone)
    if not _PHONE.fullmatch(phone) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        return _("Enter a phone number of 7 to 15 digits, such as 13800138000 or +44 20 7946 0958.")
    if phone[0] == "1" and phone.isdigit() and len(phone) == 11 and phone[1] in "012":
        return _("A mainland mobile number starts with 13 to 19.")
    return None


def clean(values: dict) -> dict:
    """Address values checked and tidied (FieldErrors naming each wrong field); is_default is kept as given."""
    errors: dict = {}
    cleaned: dict = {}
    for name, longest, required in TEXT_FIELDS:
        try:
            text = _one_line(values.get(name))
        except TypeError:
            errors[name] = [_("Enter text.")]
            continue
        if not text:
            if required:
                errors[name] = [_("This field is required.")]
            cleaned[name] = None
        elif len(text) > longest:
            errors[name] = [_("Must be at most %(n)s characters (or items) long.", n=longest)]
        elif not _printable(text):
            errors[name] = [_("Use letters, digits and punctuation only.")]
        else:
            cleaned[name] = text
    _clean_phone(values.get("phone"), cleaned, errors)
    _clean_postcode(values.get("postcode"), cleaned, errors)
    if errors:
        raise FieldErrors(_("Please correct the address."), errors)
    cleaned["is_default"] = values.get("is_default")
    return cleaned


def _clean_phone(value, cleaned: dict, errors: dict) -> None:
    try:
        phone = _one_line(value)
    except TypeError:
        errors["phone"] = [_("Enter text.")]
        return
    if not phone:
        errors["phone"] = [_("This field is required.")]
    elif len(phone) > PHONE_MAX or (problem := phone_problem(phone)) is not None:
        errors["phone"] = [problem if len(phone) <= PHONE_MAX else
                           _("Must be at most %(n)s characters (or items) long.", n=PHONE_MAX)]
    else:
        cleaned["phone"] = phone


def _clean_postcode(value, cleaned: dict, errors: dict) -> None:
    try:
        postcode = (_one_line(value) or "").upper()
    except TypeError:
        errors["postcode"] = [_("Enter text.")]
        return
    if postcode and (len(postcode) > POSTCODE_MAX or not _POSTCODE.fullmatch(postcode)):
        errors["postcode"] = [_("Enter a postcode of up to %(n)d letters and digits, such as 200040.",
                                n=POSTCODE_MAX)]
    cleaned["postcode"] = postcode or None


def addresses_of(user) -> list[Address]:
    """The shopper's addresses: the default first, then the newest."""
    return list(db.session.execute(
        db.select(Address).where(Address.user_id == user.id)
        .order_by(Address.is_default.desc(), Address.id.desc())
    ).scalars())


def own_address(user, address_id) -> Address | None:
    """The shopper's address with this id; None for a missing id or another shopper's (callers answer 404)."""
    if not isinstance(address_id, int) or isinstance(address_id, bool):
        return None
    return db.session.execute(
        db.select(Address).where(Address.id == address_id, Address.user_id == user.id)
    ).scalar_one_or_none()


def default_address(user) -> Address | None:
    """The shopper's default address (None without any)."""
    return db.session.execute(
        db.select(Address).where(Address.user_id == user.id)
        .order_by(Address.is_default.desc(), Address.id.desc()).limit(1)
    ).scalar_one_or_none()


def for_checkout(user, address_id) -> Address:
    """The address a checkout ships to: the one named, else the default; FieldErrors on address_id otherwise."""
    if address_id is None:
        address = default_address(user)
        if address is None:
            message = _("Add a delivery address before you check out.")
            raise FieldErrors(message, {"address_id": [_("You have no delivery address yet: add one first.")]})
        return address
    address = own_address(user, address_id)
    if address is None:
        raise FieldErrors(_("Choose one of your delivery addresses."),
                          {"address_id": [_("This is not one of your addresses.")]})
    return address


def _lock_owner(user_id: int) -> None:
    """Hold the shopper's row until commit, so their address book changes one request at a time."""
    db.session.execute(db.select(User.id).where(User.id == user_id).with_for_update())


def _count(user_id: int) -> int:
    return db.session.execute(
        db.select(db.func.count(Address.id)).where(Address.user_id == user_id)
    ).scalar()


def add_address(user, values: dict) -> Address:
    """Add an address; the shopper's first one, or one marked is_default, becomes the default."""
    cleaned = clean(values)
    _lock_owner(user.id)
    if _count(user.id) >= MAX_ADDRESSES:
        message = _("You can keep up to %(n)d addresses: delete one you no longer use first.", n=MAX_ADDRESSES)
        raise FieldErrors(message, {"_schema": [message]})
    wants_default = bool(cleaned.pop("is_default")) or default_address(user) is None
    address = Address(user_id=user.id, is_default=False, **cleaned)
    db.session.add(address)
    db.session.flush()
    if wants_default:
        make_default(address)
    return address


def update_address(address: Address, values: dict) -> Address:
    """Change an address; is_default true moves the default here, false on the default is refused."""
    cleaned = clean(values)
    wants_default = cleaned.pop("is_default")
    if wants_default is False and address.is_default:
        raise FieldErrors(_("Your default address stays the default until you choose another one."),
                          {"is_default": [_("Make another address the default instead.")]})
    _lock_owner(address.user_id)
    for name, value in cleaned.items():
        setattr(address, name, value)
    db.session.flush()
    if wants_default:
        make_default(address)
    return address


def make_default(address: Address) -> Address:
    """Make this the shopper's default: one conditional update takes the flag off the old default, one sets it."""
    _lock_owner(address.user_id)
    try:
        with db.session.begin_nested():
            db.session.execute(
                update(Address).where(Address.user_id == address.user_id, Address.is_default.is_(True),
                                      Address.id != address.id)
                .values(is_default=False).execution_options(synchronize_session=False))
            db.session.execute(
                update(Address).where(Address.id == address.id, Address.user_id == address.user_id)
                .values(is_default=True).execution_options(synchronize_session=False))
    except IntegrityError:
        raise Conflict(_("Your default address changed at the same moment; please try again."),
                       code="conflict") from None
    _reload(address.user_id)
    return address


def delete_address(address: Address) -> Address | None:
    """Delete an address (placed orders keep their own copy); the newest other one becomes the default.

    Returns the default afterwards, or None when the book is empty.
    """
    _lock_owner(address.user_id)
    user_id, was_default = address.user_id, address.is_default
    db.session.delete(address)
    db.session.flush()
    successor = db.session.execute(
        db.select(Address).where(Address.user_id == user_id).order_by(Address.is_default.desc(), Address.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if successor is not None and was_default:
        make_default(successor)
    return successor


def _reload(user_id: int) -> None:
    """Refresh the loaded addresses of this shopper after the flag moved in the database."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Address) and obj.user_id == user_id:
            db.session.refresh(obj, ["is_default"])
