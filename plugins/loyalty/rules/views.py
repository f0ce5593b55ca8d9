"""Template-slot functions of earning rules: the promotions a programme runs now, in the member's language."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from mall import clock
from mall.i18n import localized
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.rules.forms import WEEKDAYS, scope
from plugins.loyalty.rules.operations import local_moment


def promotions(programme) -> list[dict]:
    """The programme's rules that are on now or later (not ended): name, what they give, and when and for whom."""
    r = rules(programme)
    local = local_moment(programme, clock.now())
    tiers = {t.code: localized(t, "name") for t in r.tiers}
    out = []
    for rule in r.earning_rules:
        if rule.get("until") and datetime.fromisoformat(rule["until"]) <= local:
            continue
        if "extra_points" in rule:
            gives = _("%(n)s extra points an order on %(what)s", n=rule["extra_points"], what=scope(rule))
        else:
            gives = _("%(m)s× points on %(what)s", m=rule["multiplier"], what=scope(rule))
        terms = []
        if rule.get("weekdays"):
            terms.append(", ".join(str(label) for day, label in WEEKDAYS if day in rule["weekdays"]))
        if rule.get("tiers"):
            terms.append(_("for %(tiers)s", tiers=", ".join(tiers.get(code, code) for code in rule["tiers"])))
        if rule.get("from") and datetime.fromisoformat(rule["from"]) > local:
            terms.append(_("from %(d)s", d=rule["from"][:10]))
        if rule.get("until"):
            terms.append(_("until %(d)s", d=rule["until"][:16].replace("T", " ")))
        out.append({"name": localized(rule, "name"), "gives": gives, "terms": terms})
    return out
