"""The programme document as a form: fields named after their document paths, so errors land in place."""

from __future__ import annotations

import copy

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from mall import form_numbers
from mall.i18n import localized
from plugins.loyalty.events.forms import EventForm, EventRows, event_field, events_of, fill_events
from plugins.loyalty.referrals.forms import INTEGERS as REFERRAL_INTEGERS
from plugins.loyalty.referrals.forms import referee_bonus_field, referee_coupon_field
from plugins.loyalty.reminders import forms as reminder_forms
from plugins.loyalty.rules.forms import SAMPLE, RuleFields, apply_rules, fill_rules, rule_field

#: A new programme starts from this: one tier, a point per yuan, no expiry.
STARTER = {
    "name": "Members",
    "points": {"earn": {"per_amount": "1.00", "points": "1"}, "expiry": {"policy": "none"},
               "redeem": {"points_per_unit": 100, "max_order_fraction": "0.5", "min_points": 100}},
    "levels": {"metric": "spend", "window": {"kind": "lifetime"},
               "tiers": [{"code": "member", "name": "Member", "threshold": "0"}]},
}
TIER_FIELDS = ("code", "name", "name_en", "threshold", "keep", "discount", "points_multiplier", "rebate_rate", "fee",
               "duration_days")
INTEGERS = {"points__expiry__days", "points__expiry__years_after", "points__redeem__points_per_unit",
            "points__redeem__min_points", "points__bonuses__join", "points__bonuses__check_in",
            "points__bonuses__review", "points__bonuses__birthday", "points__bonuses__referral",
            "points__referral_monthly_cap", "points__join_coupon", "points__birthday_coupon",
            "levels__window__days", "levels__activity__active_days", "levels__activity__sleeping_days",
            *REFERRAL_INTEGERS}
STREAK = "points.bonuses.check_in_streak"


def _choices(*pairs):
    return [SelectChoice(value, label) for value, label in pairs]


def _coupon_field(label, help_text):
    """A coupon template picker; its choices are the programme's templates, set per request by `offer_coupons`.

    Any value is let through to the document's check, which names an id that is not this programme's."""
    return SelectField(label, choices=[], validate_choice=False, description=help_text, validators=[Optional()])


class CouponRuleForm(Form):
    """One coupon a tier gives regularly; a row without a coupon is left out."""

    template = _coupon_field(_l("Coupon"), "")
    every = SelectField(_l("Given every"), choices=_choices(("month", _l("Month")), ("quarter", _l("Quarter"))))


class StreakForm(Form):
    """One check-in streak reward: on day N of an unbroken streak, so many extra points."""

    day = StringField(_l("On day"), validators=[Optional()], description=_l("1–999"))
    points = StringField(_l("Extra points"), validators=[Optional()], description=_l("0–100000"))
    remove = BooleanField(_l("Remove"))


class TierForm(Form):
    """One tier card; a card without a code, or marked for removal, is left out."""

    code = StringField(_l("Code"), validators=[Optional()],
                       description=_l("A short id: lowercase letters, digits, - or _ (1–40). Members keep it."))
    name = StringField(_l("Name in Chinese"), validators=[Optional()], description=_l("Up to 40 characters."))
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional()])
    threshold = StringField(_l("Threshold"), validators=[Optional()],
                            description=_l("What a member needs to reach the tier, 0–1000000000; "
                                           "each tier needs more than the one before."))
    keep = StringField(_l("Keep"), validators=[Optional()],
                       description=_l("What a period needs to stay on the tier (optional)."))
    discount = StringField(_l("Price factor"), validators=[Optional()],
                           description=_l("Above 0 and at most 1: 0.95 = 5 percent off, 1 = full price."))
    points_multiplier = StringField(_l("Points multiplier"), validators=[Optional()],
                                    description=_l("0–10: 1.5 earns half as many points again."))
    free_shipping = BooleanField(_l("Free shipping"))
    rebate_rate = StringField(_l("Rebate"), validators=[Optional()],
                              description=_l("0–1 of what is paid, back to the wallet: 0.01 = one yuan in a hundred."))
    perks = StringField(_l("Perks (comma-separated)"), validators=[Optional()],
                        description=_l("Shown to members; at most 20."))
    perks_en = StringField(_l("Perks in English (optional)"), validators=[Optional()],
                           description=_l("In the same order as the Chinese ones."))
    fee = StringField(_l("Fee (paid tier)"), validators=[Optional()],
                      description=_l("Only for a tier members buy: 0.01–100000, with the days."))
    duration_days = StringField(_l("Days (paid tier)"), validators=[Optional()], description=_l("1–3660"))
    coupons = FieldList(FormField(CouponRuleForm), label=_l("Coupons given regularly"))
    remove = BooleanField(_l("Remove this tier"))


class ProgrammeForm(RuleFields, FlaskForm):
    """Every rule of PROGRAMME.md a merchant sets by hand; the rest of the document is kept as it is."""

    name = StringField(_l("Programme name"), description=_l("Up to 80 characters."))
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional()])
    points__earn__per_amount = StringField(_l("For every (¥)"), description=_l("0.01–100000 yuan paid …"))
    points__earn__points = StringField(_l("points earned"),
                                       description=_l("… earns so many points (at most 100 a yuan)."))
    points__earn__sale_points = StringField(_l("points on sale items"), validators=[Optional()],
                                            description=_l("Empty: the same as regular goods."))
    points__expiry__policy = SelectField(_l("Points expire"), choices=_choices(
        ("none", _l("Never")), ("fixed", _l("A fixed time after they are earned")),
        ("inactivity", _l("After a time without a purchase")), ("year_end", _l("At the end of a later year"))))
    points__expiry__days = StringField(_l("Days"), validators=[Optional()],
                                       description=_l("1–3650, for a fixed time or inactivity."))
    points__expiry__years_after = StringField(_l("Years after"), validators=[Optional()],
                                              description=_l("0–10, for the end of a later year."))
    redeem = BooleanField(_l("Points can pay at checkout"))
    points__redeem__points_per_unit = StringField(_l("Points per ¥1"), validators=[Optional()],
                                                  description=_l("1–100000"))
    points__redeem__max_order_fraction = StringField(_l("Largest share of an order"), validators=[Optional()],
                                                     description=_l("Above 0 and at most 1: 0.5 = half."))
    points__redeem__min_points = StringField(_l("Fewest points per order"), validators=[Optional()],
                                             description=_l("0–10000000"))
    points__bonuses__join = StringField(_l("Joining bonus"), validators=[Optional()], description=_l("0–100000 points"))
    points__bonuses__check_in = StringField(_l("Daily check-in"), validators=[Optional()],
                                            description=_l("0–100000 points a day"))
    #: The streak as text ("7:20, 30:100"), still taken from a client that sends it; the page shows rows.
    points__bonuses__check_in_streak = StringField(validators=[Optional()])
    streak = FieldList(FormField(StreakForm))
    points__bonuses__review = StringField(_l("Review bonus"), validators=[Optional()],
                                          description=_l("0–100000 points"))
    points__bonuses__birthday = StringField(_l("Birthday bonus"), validators=[Optional()],
                                            description=_l("0–100000 points"))
    points__bonuses__referral = StringField(_l("Referral bonus"), validators=[Optional()],
                                            description=_l("0–100000 points"))
    points__referral_monthly_cap = StringField(_l("Referral bonuses per referrer a month"), validators=[Optional()],
                                               description=_l("0–1000"))
    points__bonuses__referee = referee_bonus_field()
    points__referee_coupon = referee_coupon_field()
    points__join_coupon = _coupon_field(_l("Joining coupon"), _l("Given once when a member joins."))
    points__birthday_coupon = _coupon_field(_l("Birthday coupon"), _l("Given on the member's birthday."))
    levels__metric = SelectField(_l("Levels are reached by"), choices=_choices(
        ("spend", _l("Money spent")), ("orders", _l("Number of orders")), ("growth", _l("Growth value"))))
    levels__count_at = SelectField(_l("Counted at"), choices=_choices(
        ("settlement", _l("Settlement (after the return window)")), ("payment", _l("Payment"))))
    levels__window__kind = SelectField(_l("Window"), choices=_choices(
        ("lifetime", _l("Lifetime")), ("validity", _l("Validity period")), ("rolling", _l("Rolling window"))))
    levels__window__days = StringField(_l("Window days"), validators=[Optional()],
                                       description=_l("1–3650, for a validity period or a rolling window."))
    levels__window__evaluate = SelectField(_l("Re-evaluate every"), choices=_choices(
        ("", "—"), ("month", _l("Month")), ("quarter", _l("Quarter"))), validators=[Optional()])
    levels__upgrade = SelectField(_l("Upgrade"), choices=_choices(
        ("jump", _l("Straight to the highest tier reached")), ("step", _l("One tier at a time"))))
    levels__reset_on_change = BooleanField(_l("Restart the count when the tier changes"))
    levels__discount_sale_items = BooleanField(_l("Member prices on sale items too"))
    levels__activity__active_days = StringField(_l("Active if bought within (days)"), validators=[Optional()],
                                                description=_l("1–3650"))
    levels__activity__sleeping_days = StringField(_l("Sleeping after (days)"), validators=[Optional()],
                                                  description=_l("1–3650, more than the active days."))
    tiers = FieldList(FormField(TierForm), min_entries=1)
    reminders = FormField(reminder_forms.ProgrammeRemindersForm)
    events = EventRows(FormField(EventForm))
    sample = StringField(_l("Sample order (¥)"), default=SAMPLE, validators=[Optional()])


def offer_coupons(form: ProgrammeForm, templates) -> None:
    """Let every coupon picker offer the programme's templates by name and value (an unknown id stays shown)."""
    from plugins.loyalty.coupons.views import coupon_conditions

    offered = [("", _("— none —"))] + [(str(t.id), f"{localized(t, 'name')} · {coupon_conditions(t)}")
                                      for t in templates]
    pickers = [form.points__join_coupon, form.points__birthday_coupon, form.points__referee_coupon]
    pickers += [rule.form.template for tier in form.tiers.entries for rule in tier.form.coupons.entries]
    for picker in pickers:
        known = {value for value, _label in offered}
        extra = [(picker.data, _("Coupon #%(id)s (not in this programme)", id=picker.data))] \
            if picker.data and str(picker.data) not in known else []
        picker.choices = offered + extra


def fill(form: ProgrammeForm, document: dict) -> None:
    """Put a document's values into an unsubmitted form."""
    flat = _flatten(document)
    for name, field in form._fields.items():
        if "__" in name and name.replace("__", ".") in flat and name != "points__bonuses__check_in_streak":
            value = flat[name.replace("__", ".")]
            field.data = ("" if value is None else str(value)) if isinstance(field, SelectField) else value
    form.name.data = document.get("name")
    form.name_en.data = document.get("name_en")
    form.redeem.data = bool(document["points"].get("redeem"))
    reminder_forms.fill(form.reminders.form, document)
    fill_events(form.events, document)
    _refill(form.streak, [{"day": day, "points": points} for day, points in sorted(
        (document["points"].get("bonuses") or {}).get("check_in_streak", {}).items(), key=lambda p: int(p[0]))])
    _refill(form.tiers, [{**{k: tier.get(k) for k in TIER_FIELDS}, "free_shipping": tier.get("free_shipping"),
                          "perks": ", ".join(tier.get("perks") or []),
                          "perks_en": ", ".join(tier.get("perks_en") or []),
                          "coupons": [{"template": str(c["template"]), "every": c["every"]}
                                      for c in tier.get("coupons") or []]}
                         for tier in document["levels"]["tiers"]])
    fill_rules(form, document)


def _refill(field_list, rows) -> None:
    while field_list.entries:
        field_list.pop_entry()
    for row in rows:
        field_list.append_entry(row)


def _blank(entry) -> bool:
    names = ("code", "name", "day", "points", "template")
    return not any((getattr(entry.form, name).data or "").strip() for name in names if name in entry.form._fields)


def pad(form: ProgrammeForm, tiers: int = 0, streaks: int = 0) -> None:
    """One empty tier card, streak row and coupon row at the end of each list (and `tiers`/`streaks` more),
    so a page without a script can add one by filling it in."""
    for field_list, more in ((form.tiers, tiers), (form.streak, streaks)):
        if not field_list.entries or not _blank(field_list.entries[-1]):
            field_list.append_entry()
        for _i in range(more):
            field_list.append_entry()
    for tier in form.tiers.entries:
        rules = tier.form.coupons
        if len(rules.entries) < 10 and (not rules.entries or not _blank(rules.entries[-1])):
            rules.append_entry()


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
    if name in INTEGERS or name in ("duration_days", "template", "points"):
        try:
            return int(raw)
        except ValueError:
            return raw
    return raw


def _list(raw: str | None) -> list[str]:
    """"a, b" → ["a", "b"]."""
    return [p.strip() for p in (raw or "").split(",") if p.strip()]


def take_streak_text(form: ProgrammeForm) -> None:
    """Streak bonuses sent as text ("7:20, 30:100") become rows; a part that is not day:points stays whole in
    its row's day, to be refused there."""
    text = (form.points__bonuses__check_in_streak.data or "").strip()
    if not text:
        return
    rows = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        day, _sep, points = part.partition(":")
        whole = form_numbers.is_whole_number(day.strip()) and form_numbers.is_whole_number(points.strip())
        rows.append({"day": day.strip(), "points": points.strip()} if whole else {"day": part, "points": ""})
    _refill(form.streak, rows)


def _streak_rows(form: ProgrammeForm) -> list:
    return [e for e in form.streak.entries if not e.form.remove.data and not _blank(e)]


def check_rows(form: ProgrammeForm) -> bool:
    """Row rules the document cannot see (a day given twice, a tier card without a code); True when all hold."""
    ok, seen = True, set()
    for entry in _streak_rows(form):
        day = (entry.form.day.data or "").strip()
        if day in seen:
            entry.form.day.errors = [*entry.form.day.errors, _("This day is given twice.")]
            ok = False
        seen.add(day)
    for entry in form.tiers.entries:
        tier = entry.form
        if not tier.remove.data and not (tier.code.data or "").strip() and (tier.name.data or "").strip():
            tier.code.errors = [*tier.code.errors, _("Give the tier a code.")]
            ok = False
    return ok


def document_from(form: ProgrammeForm, current: dict) -> tuple[dict, list]:
    """The document the form describes, keeping what the form does not show; and the form rows of each tier
    (its card and its coupon rows)."""
    doc = copy.deepcopy(current)
    doc["name"] = form.name.data
    if (form.name_en.data or "").strip():
        doc["name_en"] = form.name_en.data.strip()
    else:
        doc.pop("name_en", None)
    for name, field in form._fields.items():
        if "__" not in name or name == "points__bonuses__check_in_streak":
            continue
        *parents, leaf = name.split("__")
        target = doc
        for key in parents:
            if target.get(key) is None:
                target[key] = {}  # a null section (no redemption) the form's boxes fill in; see `redeem` below
            target = target[key]
        if isinstance(field, BooleanField):
            target[leaf] = bool(field.data)
        else:
            value = _value(name, field.data)
            if value is None:
                target.pop(leaf, None)
            else:
                target[leaf] = value
    doc["points"].setdefault("bonuses", {})["check_in_streak"] = {
        (e.form.day.data or "").strip(): _value("points", e.form.points.data) for e in _streak_rows(form)}
    doc["points"]["events"] = events_of(form.events)
    if not form.redeem.data:
        doc["points"]["redeem"] = None
    if not doc["levels"].get("activity"):
        doc["levels"].pop("activity", None)  # both left empty: the schema's defaults apply
    doc["levels"]["tiers"], rows = _tiers(form)
    apply_rules(form, doc)
    reminder_forms.apply(form.reminders.form, doc)
    return doc, rows


def _tiers(form: ProgrammeForm) -> tuple[list, list]:
    tiers, rows = [], []
    for i, entry in enumerate(form.tiers.entries):
        data = entry.form
        if not (data.code.data or "").strip() or data.remove.data:
            continue
        rules = [(j, rule.form) for j, rule in enumerate(data.coupons.entries) if (rule.form.template.data or "")]
        tier = {"coupons": [{"template": _value("template", r.template.data), "every": r.every.data}
                            for _j, r in rules]}
        for key in TIER_FIELDS:
            value = _value(key, getattr(data, key).data)
            if value is not None:
                tier[key] = value
        tier["free_shipping"] = bool(data.free_shipping.data)
        tier["perks"] = _list(data.perks.data)
        if english := _list(data.perks_en.data):
            tier["perks_en"] = english
        tiers.append(tier)
        rows.append((i, [j for j, _r in rules]))
    return tiers, rows


def place_errors(form: ProgrammeForm, messages: dict, rows: list) -> None:
    """Put flattened document errors ("levels.tiers.2.threshold") on the matching form fields."""
    form.form_errors = list(getattr(form, "form_errors", []))
    for path, texts in messages.items():
        field = _field_at(form, path, rows)
        if field is not None:
            field.errors = list(field.errors) + list(texts)
        else:
            form.form_errors.extend(texts)


def _field_at(form: ProgrammeForm, path: str, rows: list):
    """The form field a document path is shown in, or None (then the message goes above the form)."""
    parts = path.split(".")
    if path.startswith("points.events."):
        return event_field(form.events, path)
    if path.startswith(STREAK + "."):
        day = path[len(STREAK) + 1:].rsplit(".", 1)
        for entry in _streak_rows(form):
            if (entry.form.day.data or "").strip() == day[0]:
                return entry.form.points if day[-1] == "value" else entry.form.day
        return None
    in_tier = parts[:2] == ["levels", "tiers"] and len(parts) >= 4 and form_numbers.is_whole_number(parts[2])
    if in_tier and int(parts[2]) < len(rows):
        card, coupon_rows = rows[int(parts[2])]
        tier = form.tiers.entries[card].form
        if parts[3] == "coupons" and len(parts) >= 6 and form_numbers.is_whole_number(parts[4]) \
                and int(parts[4]) < len(coupon_rows):
            return getattr(tier.coupons.entries[coupon_rows[int(parts[4])]].form, parts[5], None)
        return getattr(tier, parts[3], None)
    if path.startswith("points.rules."):
        return rule_field(form, path)
    if path == "name":
        return form.name
    if parts[:2] == ["points", "reminders"]:
        return reminder_forms.field_at(form.reminders.form, parts[2:])
    return form._fields.get(path.replace(".", "__"))
