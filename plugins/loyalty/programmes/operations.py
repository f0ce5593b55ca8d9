"""Finding programmes and saving new versions of their documents."""

from __future__ import annotations

from functools import lru_cache

from flask import abort, g
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import bindparam
from sqlalchemy.orm.attributes import set_committed_value

from mall import clock
from mall.audit.operations import record
from mall.extensions import db
from mall.i18n import localized
from mall.request_cache import remember
from plugins.loyalty.coupons.models import CouponTemplate
from plugins.loyalty.programmes.models import PLATFORM, Programme, ProgrammeVersion, Rules
from plugins.loyalty.programmes.schemas import validate_document

#: The document's keys that name one coupon template.
COUPON_KEYS = ("join_coupon", "birthday_coupon", "referee_coupon")


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
    from plugins.loyalty.rules.operations import check_references

    document = validate_document(raw)
    programme = programme_for(tenant)
    _check_coupon_references(document, programme)
    check_references(document, tenant)
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
              ("points.birthday_coupon", points.get("birthday_coupon")),
              ("points.referee_coupon", points.get("referee_coupon"))}
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


def coupon_templates(programme: Programme | None) -> list:
    """The programme's coupon templates a rule may name, by name (none before the programme exists)."""
    if programme is None:
        return []
    return list(db.session.execute(db.select(CouponTemplate).where(CouponTemplate.programme_id == programme.id)
                                   .order_by(CouponTemplate.name, CouponTemplate.id)).scalars())


def _label(unbound) -> str:
    first = unbound.args[0] if unbound.args else None
    return str(unbound.kwargs.get("label") or (first if first is not None and not hasattr(first, "bind") else ""))


def _words():
    """Field labels and choice words of the editor, by document path: the diff names fields as the form does."""
    from wtforms.fields.core import UnboundField

    from plugins.loyalty.programmes.forms import ProgrammeForm, TierForm

    fields, choices = {}, {}
    for name, unbound in vars(ProgrammeForm).items():
        if isinstance(unbound, UnboundField) and (unbound.args or "label" in unbound.kwargs):
            path = "points.redeem" if name == "redeem" else name.replace("__", ".")
            fields[path] = _label(unbound)
            choices[path] = {value: str(words) for value, words, *_rest in unbound.kwargs.get("choices") or []}
    fields["points.bonuses.check_in_streak"] = _("Check-in streak")
    tiers = {name: _label(u) for name, u in vars(TierForm).items() if isinstance(u, UnboundField)}
    return fields, choices, tiers


def _flat(document: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in document.items():
        if isinstance(value, dict) and key not in ("check_in_streak", "payment_methods") and value:
            out.update(_flat(value, f"{prefix}{key}."))
        elif f"{prefix}{key}" != "levels.tiers":
            out[f"{prefix}{key}"] = value
    return out


def _shown(value, words: dict | None = None, coupons: dict | None = None) -> str:
    """A document value as the reader sees it."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, dict) and "template" in value:
        return f"{(coupons or {}).get(value['template'], '#' + str(value['template']))} / {_shown(value['every'])}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_shown(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_shown(v, coupons=coupons) for v in value)
    text = str(value)
    return (words or {}).get(text) or {"month": _("Month"), "quarter": _("Quarter")}.get(text, text)


def changes(before: dict, after: dict) -> list[dict]:
    """What changed between two programme documents, in words: {"what", "old", "new", "kind"} with kind
    "change", "add" (a tier added) or "del" (a tier removed); fields named as the editor names them."""
    fields, choices, tier_fields = _words()
    coupon_ids = {r["template"] for doc in (before, after) for t in doc["levels"]["tiers"]
                  for r in t.get("coupons") or []}
    coupon_ids |= {doc["points"].get(k) for doc in (before, after) for k in COUPON_KEYS} - {None}
    coupons = {t.id: localized(t, "name") for t in db.session.execute(
        db.select(CouponTemplate).where(CouponTemplate.id.in_(coupon_ids))).scalars()} if coupon_ids else {}
    for key in COUPON_KEYS:
        choices[f"points.{key}"] = {str(i): name for i, name in coupons.items()}
    out = []
    old, new = _flat(before), _flat(after)
    for path in [*fields, *sorted((set(old) | set(new)) - set(fields))]:
        if old.get(path) != new.get(path) and (path in old or path in new):
            words = choices.get(path)
            out.append({"what": fields.get(path, path), "old": _shown(old.get(path), words),
                        "new": _shown(new.get(path), words), "kind": "change"})
    old_tiers = {t["code"]: t for t in before["levels"]["tiers"]}
    new_tiers = {t["code"]: t for t in after["levels"]["tiers"]}
    for code, tier in old_tiers.items():
        if code not in new_tiers:
            out.append({"what": _("Tier removed"), "old": localized(tier, "name"), "new": None, "kind": "del"})
    for code, tier in new_tiers.items():
        if code not in old_tiers:
            out.append({"what": _("Tier added"), "old": None, "new": localized(tier, "name"), "kind": "add"})
            continue
        was = old_tiers[code]
        for key in [*tier_fields, *sorted((set(tier) | set(was)) - set(tier_fields))]:
            if was.get(key) != tier.get(key) and (key in was or key in tier):
                out.append({"what": f"{localized(tier, 'name')} {tier_fields.get(key, key)}",
                            "old": _shown(was.get(key), coupons=coupons), "new": _shown(tier.get(key), coupons=coupons),
                            "kind": "change"})
    return out


def change_lines(before: dict, after: dict, listed: list | None = None) -> list[str]:
    """The changes as one line each, for the audit log (`listed`: changes() already worked out)."""
    lines = []
    for change in changes(before, after) if listed is None else listed:
        if change["kind"] == "change":
            lines.append(_("%(field)s: %(old)s → %(new)s", field=change["what"], old=change["old"], new=change["new"]))
        else:
            lines.append(_("%(what)s: %(name)s", what=change["what"], name=change["old"] or change["new"]))
    return lines


def audit_lines(entries) -> dict:
    """The audit log's words for programme saves: what the actor did to whose programme, and what changed from
    the version before (versions fetched at once)."""
    wanted = {(e.details.get("programme_id"), v) for e in entries for v in
              (e.details.get("version"), (e.details.get("version") or 0) - 1)}
    wanted = {(p, v) for p, v in wanted if isinstance(p, int) and isinstance(v, int) and v > 0}
    if not wanted:
        return {}
    versions = {(row.programme_id, row.version): row.document for row in db.session.execute(
        db.select(ProgrammeVersion).where(ProgrammeVersion.programme_id.in_({p for p, _v in wanted}),
                                          ProgrammeVersion.version.in_({v for _p, v in wanted}))).scalars()}
    out = {}
    for e in entries:
        key = (e.details.get("programme_id"), e.details.get("version"))
        if key not in versions:
            continue
        whose = localized(e.tenant, "name") if e.tenant is not None else _("the platform")
        before = versions.get((key[0], key[1] - 1))
        listed = changes(before, versions[key]) if before is not None else []
        if before is None:
            sentence = _("created %(shop)s's programme", shop=whose)
        elif len(listed) == 1:
            sentence = _("changed %(what)s of %(shop)s's programme", what=listed[0]["what"], shop=whose)
        elif listed:
            sentence = _("changed %(n)d rules of %(shop)s's programme", n=len(listed), shop=whose)
        else:
            sentence = _("saved %(shop)s's programme without changes", shop=whose)
        out[e.id] = {"sentence": sentence,
                     "lines": [_("Version %(v)d", v=key[1]), *change_lines(before or {}, versions[key], listed)]}
    return out
