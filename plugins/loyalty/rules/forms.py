"""The programme editor's earning rules (one row per rule) and the preview's sample order, with its arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from mall import clock, form_numbers
from mall.catalog.models import Category, Product
from mall.errors import FieldErrors
from mall.extensions import db
from mall.i18n import localized
from mall.money import round_half_up
from mall.tenants.models import Tenant
from plugins.loyalty.programmes.models import Rules
from plugins.loyalty.rules.operations import effective, evaluate, in_force, local_moment, shown_rules

SAMPLE = "500.00"
WEEKDAYS = ((1, _l("Mon")), (2, _l("Tue")), (3, _l("Wed")), (4, _l("Thu")), (5, _l("Fri")), (6, _l("Sat")),
            (7, _l("Sun")))
METHODS = (("gateway", _l("Card")), ("wallet_cash", _l("Wallet cash")), ("wallet_bonus", _l("Wallet bonus")))
#: Document keys of a rule and the row field that shows each (errors land there).
FIELDS = {"name": "name", "name_en": "name_en", "categories": "categories", "products": "products", "tiers": "tiers",
          "from": "starts", "until": "ends", "weekdays": "weekdays", "payment_methods": "payment_methods",
          "multiplier": "multiplier", "extra_points": "extra_points", "stacking": "stacking",
          "cap_per_order": "cap_per_order", "cap_per_member": "cap_points", "budget": "budget_points"}


class Checks(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _choices(*pairs):
    return [SelectChoice(value, label) for value, label in pairs]


class RuleForm(Form):
    """One earning rule; a row without a name is left out."""

    name = StringField(_l("Name"), description=_l("Up to 60 characters; members see it in their points history."))
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional()])
    categories = Checks(_l("Categories"), choices=[], validate_choice=False, coerce=str)
    products = Checks(_l("Products"), choices=[], validate_choice=False, coerce=str)
    tiers = Checks(_l("Tiers"), choices=[], validate_choice=False, coerce=str)
    starts = StringField(_l("From"), validators=[Optional()], description=_l("Local time; empty: already on."))
    ends = StringField(_l("Until (not included)"), validators=[Optional()], description=_l("Empty: no end."))
    weekdays = Checks(_l("Weekdays"), choices=_choices(*WEEKDAYS), validate_choice=False, coerce=str)
    payment_methods = Checks(_l("Paid with"), choices=_choices(*METHODS), validate_choice=False, coerce=str)
    multiplier = StringField(_l("Multiplier"), validators=[Optional()], description=_l("1.01–10, e.g. 2 = double."))
    extra_points = StringField(_l("Or extra points per order"), validators=[Optional()],
                               description=_l("1–100000, once per order."))
    stacking = SelectField(_l("With the tier's multiplier"), choices=_choices(
        ("best", _l("The higher of the two applies (2× rule, 1.5× tier → 2×)")),
        ("add", _l("They add up (2× rule + 1.5× tier → 2.5×)"))))
    cap_per_order = StringField(_l("Most extra points per order"), validators=[Optional()],
                                description=_l("Empty: no cap."))
    cap_points = StringField(_l("Most extra points per member"), validators=[Optional()],
                             description=_l("Empty: no cap."))
    cap_period = SelectField(_l("per"), choices=_choices(("day", _l("Day")), ("week", _l("Week")),
                                                         ("month", _l("Month")), ("campaign", _l("Whole campaign"))))
    budget_points = StringField(_l("Budget in points"), validators=[Optional()],
                                description=_l("Extra points for everyone; earning stops when it is spent."))
    budget_period = SelectField(_l("per"), choices=_choices(("month", _l("Month")),
                                                            ("campaign", _l("Whole campaign"))))
    remove = BooleanField(_l("Remove this rule"))


class RuleFields:
    """The programme form's rule rows and the preview's sample date and category (mixed into ProgrammeForm)."""

    rules = FieldList(FormField(RuleForm))
    #: Set by the page that shows the rule rows (a hidden input, not in hidden_tag): a form sent without them
    #: leaves the document's rules alone.
    rules_shown = StringField(default="", validators=[Optional()])
    sample_at = StringField(_l("Sample date and time"), validators=[Optional()],
                            description=_l("Date and time; empty: now."))
    sample_category = SelectField(_l("In category"), choices=[], validate_choice=False, validators=[Optional()])


def _text(value) -> str:
    return "" if value is None else str(value)


def fill_rules(form, document: dict) -> None:
    """Put a document's rules into the form's rows."""
    while form.rules.entries:
        form.rules.pop_entry()
    for rule in document["points"].get("rules") or []:
        cap, budget = rule.get("cap_per_member") or {}, rule.get("budget") or {}
        form.rules.append_entry({
            "name": rule["name"], "name_en": rule.get("name_en"), "starts": _local(rule.get("from")),
            "ends": _local(rule.get("until")), "multiplier": rule.get("multiplier"),
            "extra_points": _text(rule.get("extra_points")), "stacking": rule.get("stacking", "best"),
            "cap_per_order": _text(rule.get("cap_per_order")), "cap_points": _text(cap.get("points")),
            "cap_period": cap.get("period", "week"), "budget_points": _text(budget.get("points")),
            "budget_period": budget.get("period", "month"),
            **{key: [str(v) for v in rule.get(key) or []] for key in ("categories", "products", "tiers", "weekdays",
                                                                      "payment_methods")}})


def _local(value: str | None) -> str:
    """"2026-12-05T00:00:00" as a datetime-local box shows it."""
    return value[:16] if value else ""


def offer_rule_choices(form, programme, tenant, document: dict) -> None:
    """The catalogue, tiers and categories the rule rows and the sample pick from, by name; each saved rule's
    budget with what it has spent this period; one spare row."""
    if not form.rules.entries or (form.rules.entries[-1].form.name.data or "").strip():
        form.rules.append_entry()
    categories, products = _catalogue(tenant)
    tiers = [(t["code"], localized(t, "name")) for t in document["levels"]["tiers"]]
    saved = {rule["name"]: rule for rule in shown_rules(programme, document)} if programme is not None else {}
    for entry in form.rules.entries:
        rule = entry.form
        rule.spent = (saved.get((rule.name.data or "").strip()) or {}).get("budget")
        rule.categories.choices = _with_unknown(categories, rule.categories.data)
        rule.products.choices = _with_unknown(products, rule.products.data)
        rule.tiers.choices = _with_unknown(tiers, rule.tiers.data)
    form.sample_category.choices = [("", _("— any —"))] + categories


def _catalogue(tenant) -> tuple[list, list]:
    """(id, name) of the shop's categories and products (every shop's, named with the shop, for the platform)."""
    def named(model):
        query = db.select(model).order_by(model.tenant_id, model.name)
        if tenant is not None:
            query = query.where(model.tenant_id == tenant.id)
        rows = db.session.execute(query.limit(500)).scalars().all()
        if tenant is not None:
            return [(str(row.id), localized(row, "name")) for row in rows]
        shops = {t.id: t for t in db.session.execute(
            db.select(Tenant).where(Tenant.id.in_({row.tenant_id for row in rows}))).scalars()}
        return [(str(row.id), f"{localized(shops[row.tenant_id], 'name')} · {localized(row, 'name')}") for row in rows]
    return named(Category), named(Product)


def _with_unknown(offered: list, chosen) -> list:
    """The offered choices, and any chosen id no longer offered (shown by number, refused by the save)."""
    known = {value for value, _label in offered}
    return offered + [(v, f"#{v}") for v in chosen or [] if v not in known]


def _int_or_text(raw):
    raw = (raw or "").strip()
    if not raw:
        return None
    return int(raw) if form_numbers.is_whole_number(raw) else raw


def apply_rules(form, document: dict) -> None:
    """Put the rules the rows describe into the document, when the page showed them."""
    if form.rules_shown.data:
        document["points"]["rules"] = rules_from(form)


def rules_from(form) -> list[dict]:
    """The rules the rows describe, in order (rows without a name or marked removed are left out); the row of
    each rule is kept on the form so the document's errors land beside its boxes."""
    out, form.rule_rows = [], []
    for i, entry in enumerate(form.rules.entries):
        row = entry.form
        if row.remove.data or not (row.name.data or "").strip():
            continue
        rule = {"name": row.name.data.strip(), "stacking": row.stacking.data or "best"}
        if (row.name_en.data or "").strip():
            rule["name_en"] = row.name_en.data.strip()
        for key in ("categories", "products", "weekdays"):
            if row[key].data:
                rule[key] = [_int_or_text(v) for v in row[key].data]
        for key in ("tiers", "payment_methods"):
            if row[key].data:
                rule[key] = list(row[key].data)
        for key, name in (("from", "starts"), ("until", "ends"), ("multiplier", "multiplier")):
            if (row[name].data or "").strip():
                rule[key] = row[name].data.strip()
        for key in ("extra_points", "cap_per_order"):
            if (value := _int_or_text(row[key].data)) is not None:
                rule[key] = value
        if (points := _int_or_text(row.cap_points.data)) is not None:
            rule["cap_per_member"] = {"points": points, "period": row.cap_period.data}
        if (points := _int_or_text(row.budget_points.data)) is not None:
            rule["budget"] = {"points": points, "period": row.budget_period.data}
        out.append(rule)
        form.rule_rows.append(i)
    return out


def rule_field(form, path: str):
    """The box a document error on "points.rules.<n>.<key>[...]" belongs beside, or None."""
    parts = path.split(".")
    rows = getattr(form, "rule_rows", [])
    if len(parts) < 4 or not form_numbers.is_whole_number(parts[2]) or int(parts[2]) >= len(rows):
        return None
    row = form.rules.entries[rows[int(parts[2])]].form
    return row[FIELDS[parts[3]]] if parts[3] in FIELDS else None


@dataclass(frozen=True)
class Sample:
    """The preview's sample order: an amount of regular goods, paid by card at a moment, in a category."""

    amount: Decimal
    at: datetime | None = None
    category: int | None = None


def sample_of(form) -> Sample:
    """The sample the form asks for (FieldErrors on its boxes when an amount or a date cannot be read)."""
    amount = form_numbers.amount(form.sample.data or SAMPLE, "sample")
    at = None
    if (text := (form.sample_at.data or "").strip()):
        try:
            at = datetime.fromisoformat(text)
        except ValueError:
            raise FieldErrors(_("Check the sample."), {"sample_at": [_("Give a date and time.")]}) from None
    category = form.sample_category.data
    return Sample(amount, at, int(category) if category and form_numbers.is_whole_number(category) else None)


def preview(document: dict, sample: Sample | None = None, programme=None) -> list[dict]:
    """What a sample order of regular goods costs and earns at each tier, with and without the earning rules in
    force at the sample's moment and category, the rules' stacking in words, and what a member needs to reach
    the tier."""
    sample = sample or Sample(Decimal(SAMPLE))
    r = Rules(document)
    local = sample.at or (local_moment(programme, clock.now()) if programme is not None
                          else clock.now().astimezone(ZoneInfo(clock.zone_of(None))).replace(tzinfo=None))
    rows = []
    for tier in r.tiers:
        paid = round_half_up(sample.amount * tier.discount)
        order = SimpleNamespace(lines=[SimpleNamespace(id=1, product_id=0, qty=1, paid=paid, sale=False)])
        found = [(i, rule) for i, rule in enumerate(r.earning_rules) if in_force(rule, tier.code, local)]
        earning = evaluate(order, r, tier.points_multiplier, found, payments=[("gateway", paid)],
                           categories={0: sample.category})
        raw = document["levels"]["tiers"][tier.rank]
        rows.append({"tier": localized(raw, "name"), "paid": paid, "points": earning.base + sum(
            e.asked for e in earning.extras), "base": earning.base, "amount": sample.amount,
            "rules": [{"name": localized(e.rule, "name"), "words": _words(e.rule, tier.points_multiplier),
                       "points": e.asked} for e in earning.extras],
            "rebate": round_half_up(paid * tier.rebate_rate), "threshold": tier.threshold, "metric": r.metric,
            "fee": raw.get("fee"), "threshold_text": f"{tier.threshold.normalize():f}"})
    return rows


def _words(rule: dict, tier_multiplier: Decimal) -> str:
    """How a rule stacks with the tier, in words: "2× on Shoes, added to the tier's 1.5× = 2.5×"."""
    what = scope(rule)
    if "extra_points" in rule:
        return _("%(n)s extra points an order on %(what)s", n=rule["extra_points"], what=what)
    total = effective(rule, Fraction(tier_multiplier))
    number = f"{Decimal(total.numerator) / Decimal(total.denominator):.2f}".rstrip("0").rstrip(".")
    values = {"m": rule["multiplier"], "what": what, "t": f"{tier_multiplier.normalize():f}", "total": number}
    if rule.get("stacking") == "add":
        return _("%(m)s× on %(what)s, added to the tier's %(t)s× = %(total)s×", **values)
    return _("%(m)s× on %(what)s, the higher of it and the tier's %(t)s× = %(total)s×", **values)


def scope(rule: dict) -> str:
    """The categories (and products) a rule names, or "every product"."""
    names = []
    if rule.get("categories"):
        names += [localized(c, "name") for c in db.session.execute(
            db.select(Category).where(Category.id.in_(rule["categories"])).order_by(Category.name)).scalars()]
    if rule.get("products"):
        names.append(_("%(n)d chosen products", n=len(rule["products"])))
    return ", ".join(names) if names else _("every product")
