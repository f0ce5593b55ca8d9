"""Finding programmes and saving new versions of their documents."""

from __future__ import annotations

from flask import g
from marshmallow import ValidationError

from mall import clock
from mall.audit.operations import record
from mall.extensions import db
from plugins.loyalty.document import Rules, validate_document
from plugins.loyalty.models import PLATFORM, CouponTemplate, Programme, ProgrammeVersion


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
