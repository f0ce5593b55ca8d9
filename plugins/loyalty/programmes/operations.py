"""Finding programmes and saving new versions of their documents."""

from __future__ import annotations

from functools import lru_cache

from flask import abort, g
from marshmallow import ValidationError
from sqlalchemy import bindparam
from sqlalchemy.orm.attributes import set_committed_value

from mall import clock
from mall.audit.operations import record
from mall.extensions import db
from mall.request_cache import remember
from plugins.loyalty.coupons.models import CouponTemplate
from plugins.loyalty.programmes.models import PLATFORM, Programme, ProgrammeVersion, Rules
from plugins.loyalty.programmes.schemas import validate_document


def key_for(tenant) -> str:
    """The programme key of a shop, or of the platform for None."""
    return PLATFORM if tenant is None else f"shop:{tenant.id}"


def programme_for(tenant) -> Programme | None:
    """The shop's programme (None = the platform's); None when there is none."""
    cache = g.setdefault("_loyalty_programmes", {})
    key = key_for(tenant)
    if key not in cache:
        cache[key] = db.session.execute(db.select(Programme).filter_by(key=key)).scalar_one_or_none()
    return cache[key]


def preload(user, tenants, wallet: bool = False, coupon_ids=()) -> None:
    """The programmes of these shops and the platform, with the user's memberships, wallet and the named
    coupons of those programmes (with their templates), in one query.

    Fills the caches programme_for(), membership(), wallet_for() and usable_coupon() read, so a checkout
    looks each up once; anything not found here is looked up as before.
    """
    cache = g.setdefault("_loyalty_programmes", {})
    keys = [key for key in dict.fromkeys([*(key_for(t) for t in tenants), PLATFORM]) if key not in cache]
    if not keys or user is None:
        return
    coupon_ids = list(dict.fromkeys(i for i in coupon_ids if isinstance(i, int) and not isinstance(i, bool)))
    params = {"user_id": user.id, **{f"key_{i}": key for i, key in enumerate(keys)},
              **{f"coupon_{i}": coupon_id for i, coupon_id in enumerate(coupon_ids)}}
    for key in keys:
        cache[key] = None
    for row in db.session.execute(_preload_query(len(keys), wallet, len(coupon_ids)), params):
        programme, member = row[0], row[1]
        cache[programme.key] = programme
        if member is not None:
            set_committed_value(member, "programme", programme)  # no identity-map look-up on each use
        remember("membership", (programme.id, user.id), member)
        if wallet:
            remember("wallet", user.id, row[2])
        if coupon_ids and row[-2] is not None:
            coupon, template = row[-2], row[-1]
            set_committed_value(coupon, "template", template)
            set_committed_value(coupon, "programme", programme)
            remember("coupon", coupon.id, coupon)


@lru_cache(maxsize=256)  # shapes are bounded by cart lines and coupons per checkout
def _preload_query(keys: int, wallet: bool, coupons: int):
    """The preload statement for so many programme keys and coupon ids, built once per shape (building it
    costs more than running it; one parameter per value, so nothing is re-rendered per call)."""
    from plugins.loyalty.coupons.models import Coupon, CouponTemplate
    from plugins.loyalty.members.models import Membership
    from plugins.loyalty.wallet.models import Wallet

    user_id = bindparam("user_id")
    query = (db.select(Programme, Membership)
             .outerjoin(Membership, db.and_(Membership.programme_id == Programme.id, Membership.user_id == user_id))
             .where(Programme.key.in_([bindparam(f"key_{i}") for i in range(keys)])))
    if wallet:
        query = query.add_columns(Wallet).outerjoin(Wallet, Wallet.user_id == user_id)
    if coupons:
        query = (query.add_columns(Coupon, CouponTemplate)
                 .outerjoin(Coupon, db.and_(Coupon.programme_id == Programme.id, Coupon.user_id == user_id,
                                            Coupon.id.in_([bindparam(f"coupon_{i}") for i in range(coupons)])))
                 .outerjoin(CouponTemplate, CouponTemplate.id == Coupon.template_id))
    return query


def find_in_programme(model, object_id, programme, by: str = "id"):
    """The `model` row whose `by` column is `object_id` and whose programme is `programme`, else None.

    Every plugin object reached by an id from a URL or a body is found here, so another programme's object
    and a malformed id are simply not found. `by` names another key within the programme: a membership by
    its "user_id", a programme version by its "version".
    """
    if programme is None or not isinstance(object_id, int) or isinstance(object_id, bool):
        return None
    if by == "id":  # the primary key: a repeated look-up in one request is answered from the session
        found = db.session.get(model, object_id)
        return found if found is not None and found.programme_id == programme.id else None
    return db.session.execute(db.select(model).where(getattr(model, by) == object_id,
                                                     model.programme_id == programme.id)).scalar_one_or_none()


def get_in_programme_or_404(model, object_id, programme, by: str = "id"):
    """The `model` row with this id in this programme, or a 404 (for another programme's id and a missing one)."""
    found = find_in_programme(model, object_id, programme, by)
    if found is None:
        abort(404)
    return found


def platform_programme() -> Programme | None:
    """The platform programme, if the operator has set one up."""
    return programme_for(None)


def rules(programme: Programme) -> Rules:
    """Typed rules of the programme's current version (parsed once per request)."""
    cache = g.setdefault("_loyalty_rules", {})
    cached = cache.get(programme.id)
    if cached is None or cached.version != programme.version:
        cached = cache[programme.id] = Rules(programme.document, programme.version)
    return cached


def save_document(tenant, raw, actor=None) -> Programme:
    """Validate and store a programme document as a new version (the first creates the programme).

    Raises ValidationError with field messages; nothing is written then.
    """
    document = validate_document(raw)
    programme = programme_for(tenant)
    _check_coupon_references(document, programme)
    if programme is None:
        programme = Programme(key=key_for(tenant), tenant_id=getattr(tenant, "id", None), version=1,
                              document=document)
        db.session.add(programme)
        db.session.flush()
    else:
        # Bump the version with a conditional update so two concurrent saves cannot share a number.
        programme.version = Programme.version + 1
        programme.document = document
        programme.updated_at = clock.now()
        db.session.flush()
        db.session.refresh(programme)
    db.session.add(ProgrammeVersion(programme_id=programme.id, version=programme.version, document=document,
                                    actor_id=getattr(actor, "id", None)))
    record("programme.saved", programme.key, actor=actor, tenant=programme.tenant_id, programme_id=programme.id,
           version=programme.version)
    db.session.flush()
    g.pop("_loyalty_programmes", None)
    return programme


def _check_coupon_references(document: dict, programme: Programme | None) -> None:
    """Coupon template ids in the document must be this programme's own templates."""
    points, levels = document["points"], document["levels"]
    wanted = {("points.join_coupon", points.get("join_coupon")),
              ("points.birthday_coupon", points.get("birthday_coupon"))}
    for i, tier in enumerate(levels["tiers"]):
        for j, rule in enumerate(tier.get("coupons") or []):
            wanted.add((f"levels.tiers.{i}.coupons.{j}.template", rule["template"]))
    errors = {}
    for field, template_id in wanted:
        if template_id is None:
            continue
        template = db.session.get(CouponTemplate, template_id)
        if template is None or programme is None or template.programme_id != programme.id:
            errors[field] = ["No coupon template with this id in this programme."]
    if errors:
        raise ValidationError(errors)
