"""The programme document as a form: fields named after their document paths, so errors land in place."""

from __future__ import annotations

import copy
import math
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from mall import form_numbers
from mall.i18n import localized
from mall.money import round_half_up

#: A new programme starts from this: one tier, a point per yuan, no expiry.
STARTER = {
    "name": "Members",
    "points": {"earn": {"per_amount": "1.00", "points": "1"}, "expiry": {"policy": "none"},
               "redeem": {"points_per_unit": 100, "max_order_fraction": "0.5", "min_points": 100}},
    "levels": {"metric": "spend", "window": {"kind": "lifetime"},
               "tiers": [{"code": "member", "name": "Member", "threshold": "0"}]},
}
SAMPLE = "500.00"
TIER_FIELDS = ("code", "name", "name_en", "threshold", "keep", "discount", "points_multiplier", "rebate_rate", "fee",
               "duration_days")
INTEGERS = {"points__expiry__days", "points__expiry__years_after", "points__redeem__points_per_unit",
            "points__redeem__min_points", "points__bonuses__join", "points__bonuses__check_in",
            "points__bonuses__review", "points__bonuses__birthday", "points__bonuses__referral",
            "points__referral_monthly_cap",
            "levels__window__days", "levels__activity__active_days", "levels__activity__sleeping_days"}


def _choices(*pairs):
    return [SelectChoice(value, label) for value, label in pairs]


class TierForm(Form):
    """One tier row; a row without a code is left out."""

    code = StringField(_l("Code"), validators=[Optional()])
    name = StringField(_l("Name in Chinese"), validators=[Optional()])
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional()])
    threshold = StringField(_l("Threshold"), validators=[Optional()])
    keep = StringField(_l("Keep"), validators=[Optional()])
    discount = StringField(_l("Price factor"), validators=[Optional()])
    points_multiplier = StringField(_l("Points ×"), validators=[Optional()])
    free_shipping = BooleanField(_l("Free shipping"))
    rebate_rate = StringField(_l("Rebate"), validators=[Optional()])
    perks = StringField(_l("Perks (comma-separated)"), validators=[Optional()])
    perks_en = StringField(_l("Perks in English (optional)"), validators=[Optional()])
    fee = StringField(_l("Fee (paid tier)"), validators=[Optional()])
    duration_days = StringField(_l("Days (paid tier)"), validators=[Optional()])


class ProgrammeForm(FlaskForm):
    """Every rule of PROGRAMME.md a merchant sets by hand; the rest of the document is kept as it is."""

    name = StringField(_l("Programme name"))
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional()])
    points__earn__per_amount = StringField(_l("For every (¥)"))
    points__earn__points = StringField(_l("points earned"))
    points__earn__sale_points = StringField(_l("points on sale items"), validators=[Optional()])
    points__expiry__policy = SelectField(_l("Points expire"), choices=_choices(
        ("none", _l("Never")), ("fixed", _l("A fixed time after they are earned")),
        ("inactivity", _l("After a time without a purchase")), ("year_end", _l("At the end of a later year"))))
    points__expiry__days = StringField(_l("Days"), validators=[Optional()])
    points__expiry__years_after = StringField(_l("Years after"), validators=[Optional()])
    redeem = BooleanField(_l("Points can pay at checkout"))
    points__redeem__points_per_unit = StringField(_l("Points per ¥1"), validators=[Optional()])
    points__redeem__max_order_fraction = StringField(_l("Largest share of an order"), validators=[Optional()])
    points__redeem__min_points = StringField(_l("Fewest points per order"), validators=[Optional()])
    points__bonuses__join = StringField(_l("Joining bonus"), validators=[Optional()])
    points__bonuses__check_in = StringField(_l("Daily check-in"), validators=[Optional()])
    points__bonuses__check_in_streak = StringField(_l("Streak bonuses (day:points, …)"), validators=[Optional()])
    points__bonuses__review = StringField(_l("Review bonus"), validators=[Optional()])
    points__bonuses__birthday = StringField(_l("Birthday bonus"), validators=[Optional()])
    points__bonuses__referral = StringField(_l("Referral bonus"), validators=[Optional()])
    points__referral_monthly_cap = StringField(_l("Referral bonuses per referrer a month"), validators=[Optional()])
    levels__metric = SelectField(_l("Levels are reached by"), choices=_choices(
        ("spend", _l("Money spent")), ("orders", _l("Number of orders")), ("growth", _l("Growth value"))))
    levels__count_at = SelectField(_l("Counted at"), choices=_choices(
        ("settlement", _l("Settlement (after the return window)")), ("payment", _l("Payment"))))
    levels__window__kind = SelectField(_l("Window"), choices=_choices(
        ("lifetime", _l("Lifetime")), ("validity", _l("Validity period")), ("rolling", _l("Rolling window"))))
    levels__window__days = StringField(_l("Window days"), validators=[Optional()])
    levels__window__evaluate = SelectField(_l("Re-evaluate every"), choices=_choices(
        ("", "—"), ("month", _l("Month")), ("quarter", _l("Quarter"))), validators=[Optional()])
    levels__upgrade = SelectField(_l("Upgrade"), choices=_choices(
        ("jump", _l("Straight to the highest tier reached")), ("step", _l("One tier at a time"))))
    levels__reset_on_change = BooleanField(_l("Restart the count when the tier changes"))
    levels__discount_sale_items = BooleanField(_l("Member prices on sale items too"))
    levels__activity__active_days = StringField(_l("Active if bought within (days)"), validators=[Optional()])
    levels__activity__sleeping_days = StringField(_l("Sleeping after (days)"), validators=[Optional()])
    tiers = FieldList(FormField(TierForm), min_entries=1)
    sample = StringField(_l("Sample order (¥)"), default=SAMPLE, validators=[Optional()])


def fill(form: ProgrammeForm, document: dict) -> None:
    """Put a document's values into an unsubmitted form (one empty tier row more, for adding a tier)."""
    flat = _flatten(document)
    for name, field in form._fields.items():
        if "__" in name and name.replace("__", ".") in flat:
            value = flat[name.replace("__", ".")]
            field.data = ", ".join(f"{k}:{v}" for k, v in value.items()) if isinstance(value, dict) else value
    form.name.data = document.get("name")
    form.name_en.data = document.get("name_en")
    form.redeem.data = bool(document["points"].get("redeem"))
    while len(form.tiers.entries):
        form.tiers.pop_entry()
    for tier in document["levels"]["tiers"] + [{}]:
        form.tiers.append_entry({**{k: tier.get(k) for k in TIER_FIELDS}, "free_shipping": tier.get("free_shipping"),
                                 "perks": ", ".join(tier.get("perks") or []),
                                 "perks_en": ", ".join(tier.get("perks_en") or [])})


def _flatten(document: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in document.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and key not in ("check_in_streak", "payment_methods"):
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


def _value(name: str, raw):
    """A form string as the schema takes it: empty → absent, whole numbers → int, the rest as typed."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    raw = raw.strip() if isinstance(raw, str) else raw
    if name in INTEGERS or name == "duration_days":
        try:
            return int(raw)
        except ValueError:
            return raw
    return raw


def _list(raw: str | None) -> list[str]:
    """"a, b" → ["a", "b"]."""
    return [p.strip() for p in (raw or "").split(",") if p.strip()]


def _streaks(raw: str):
    """"7:20, 30:100" → {"7": 20, "30": 100}; anything else goes to the schema as typed, to be refused there."""
    out = {}
    for part in (raw or "").split(","):
        if not part.strip():
            continue
        day, _sep, points = part.partition(":")
        try:
            out[day.strip()] = int(points)
        except ValueError:
            return part.strip()
    return out


def document_from(form: ProgrammeForm, current: dict) -> tuple[dict, list[int]]:
    """The document the form describes, keeping what the form does not show; and the form row of each tier."""
    doc = copy.deepcopy(current)
    doc["name"] = form.name.data
    if (form.name_en.data or "").strip():
        doc["name_en"] = form.name_en.data.strip()
    else:
        doc.pop("name_en", None)
    for name, field in form._fields.items():
        if "__" not in name:
            continue
        *parents, leaf = name.split("__")
        target = doc
        for key in parents:
            target = target.setdefault(key, {}) if isinstance(target.get(key), dict | None) else target[key]
        if isinstance(field, BooleanField):
            target[leaf] = bool(field.data)
        elif leaf == "check_in_streak":
            target[leaf] = _streaks(field.data)
        else:
            value = _value(name, field.data)
            if value is None:
                target.pop(leaf, None)
            else:
                target[leaf] = value
    if not form.redeem.data:
        doc["points"]["redeem"] = None
    if not doc["levels"].get("activity"):
        doc["levels"].pop("activity", None)  # both left empty: the schema's defaults apply
    old = {t.get("code"): t for t in current.get("levels", {}).get("tiers", [])}
    tiers, rows = [], []
    for i, entry in enumerate(form.tiers.entries):
        data = entry.form
        if not (data.code.data or "").strip():
            continue
        tier = {"coupons": old.get(data.code.data.strip(), {}).get("coupons", [])}
        for key in TIER_FIELDS:
            value = _value(key, getattr(data, key).data)
            if value is not None:
                tier[key] = value
        tier["free_shipping"] = bool(data.free_shipping.data)
        tier["perks"] = _list(data.perks.data)
        if english := _list(data.perks_en.data):
            tier["perks_en"] = english
        tiers.append(tier)
        rows.append(i)
    doc["levels"]["tiers"] = tiers
    return doc, rows


def place_errors(form: ProgrammeForm, messages: dict, rows: list[int]) -> None:
    """Put flattened document errors ("levels.tiers.2.threshold") on the matching form fields."""
    form.form_errors = list(getattr(form, "form_errors", []))
    for path, texts in messages.items():
        parts = path.split(".")
        field = None
        in_tier = parts[:2] == ["levels", "tiers"] and len(parts) >= 4 and form_numbers.is_whole_number(parts[2])
        if in_tier and int(parts[2]) < len(rows):
            field = getattr(form.tiers.entries[rows[int(parts[2])]].form, parts[3], None)
        elif path == "name":
            field = form.name
        else:
            field = form._fields.get(path.replace(".", "__"))
        if field is not None:
            field.errors = list(field.errors) + list(texts)
        else:
            form.form_errors.extend(texts)


def sample_amount(form: ProgrammeForm) -> Decimal:
    """The preview's sample order: an amount from 0 with at most two decimals (FieldErrors on the sample field)."""
    return form_numbers.amount(form.sample.data or SAMPLE, "sample")


def preview(document: dict, amount: Decimal = Decimal(SAMPLE)) -> list[dict]:
    """What a sample order of regular goods costs and earns at each tier under the document's rules."""
    earn = document["points"]["earn"]
    rate = Fraction(Decimal(earn["points"])) / Fraction(Decimal(earn["per_amount"]))
    rows = []
    for tier in document["levels"]["tiers"]:
        paid = round_half_up(amount * Decimal(tier.get("discount") or "1"))
        points = math.floor(Fraction(paid) * rate * Fraction(Decimal(tier.get("points_multiplier") or "1")))
        rows.append({"tier": localized(tier, "name"), "paid": paid, "points": points, "amount": amount,
                     "rebate": round_half_up(paid * Decimal(tier.get("rebate_rate") or "0"))})
    return rows
