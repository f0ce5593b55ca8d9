"""An audit entry in words: the action as a phrase, the target by name, the details as "field: old → new" lines."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mall.accounts.models import User
from mall.audit.models import AuditEntry
from mall.extensions import db
from mall.i18n import localized

#: action → phrase (plugins add theirs through `register_action(..., labels=...)`).
ACTION_LABELS: dict = {
    "tenant.created": _l("Shop opened"), "tenant.suspended": _l("Shop suspended"),
    "tenant.reopened": _l("Shop reopened"), "staff.added": _l("Staff member added"),
    "staff.changed": _l("Staff role changed"), "staff.removed": _l("Staff member removed"),
    "user.disabled": _l("Account disabled"), "user.enabled": _l("Account enabled"),
    "marketing.policy": _l("Marketing limits changed"),
}
#: detail or field name → label.
FIELD_LABELS: dict = {
    "name": _l("Name"), "status": _l("Status"), "role": _l("Role"), "reason": _l("Reason"),
    "weekly_cap": _l("Weekly cap"), "quiet_start": _l("Quiet hours start"), "quiet_end": _l("Quiet hours end"),
    "held": _l("Held-back messages"),
}
#: stored codes shown as words (statuses, roles, choices).
VALUE_LABELS: dict = {
    "active": _l("Open"), "suspended": _l("Suspended"), "owner": _l("Owner"), "manager": _l("Manager"),
    "support": _l("Support"), "defer": _l("sent later"), "drop": _l("dropped"),
}
#: action → function(entries) → {entry id: {"sentence": what the actor did, "lines": the details}}: a plugin's
#: own words for entries whose details need looking up.
DETAIL_LINES: dict = {}
#: targets that are names of things, not records.
TARGET_LABELS: dict = {"marketing": _l("Marketing limits"), "platform": _l("Platform")}


def value_words(value) -> str:
    """One stored value as the reader sees it."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):  # a filter: only the parts that were set
        return ", ".join(_("%(field)s: %(value)s", field=label(k), value=value_words(v))
                         for k, v in sorted(value.items()) if v not in (None, "", [], {}))
    if isinstance(value, list):
        return ", ".join(value_words(v) for v in value)
    text = str(value)
    return str(VALUE_LABELS.get(text, text))


def label(name: str) -> str:
    """A field's label; an unknown name with its underscores as spaces."""
    return str(FIELD_LABELS.get(name, name.replace("_", " ")))


def lines(details: dict) -> list[str]:
    """The details as lines: a change as "field: old → new", any other value as "field: value"; ids left out."""
    out: list[str] = []
    before, after = details.get("before"), details.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        out += [_changed(k, before.get(k), after.get(k)) for k in sorted(after) if before.get(k) != after.get(k)]
    if "old" in details and "new" in details:
        out.append(_changed("status", details["old"], details["new"]))
    for name, change in sorted((details.get("changes") or {}).items()):
        old, new = change if isinstance(change, list) and len(change) == 2 else (None, change)
        out.append(_changed(name, old, new))
    for name, value in sorted(details.items()):
        if name in ("before", "after", "old", "new", "changes") or name == "id" or name.endswith("_id"):
            continue
        out.append(_("%(field)s: %(value)s", field=label(name), value=value_words(value)))
    return out


def _changed(name: str, old, new) -> str:
    return _("%(field)s: %(old)s → %(new)s", field=label(name), old=value_words(old), new=value_words(new))


def target_words(entry: AuditEntry, users: dict) -> str:
    """Whom or what the entry is about: a shop by name, a person by name (and e-mail), else the stored name."""
    target = entry.target or ""
    if entry.action.startswith("tenant.") and entry.tenant is not None:
        return localized(entry.tenant, "name")
    if target in users:
        user = users[target]
        return f"{user.name} ({user.email})"
    shop = re.fullmatch(r"shop:(\d+)", target)
    if shop and entry.tenant is not None and str(entry.tenant_id) == shop.group(1):
        return localized(entry.tenant, "name")
    return str(TARGET_LABELS.get(target) or VALUE_LABELS.get(target, target)) or "—"


def describe(entries) -> list[dict]:
    """Each entry as {entry, action, target, lines} for the log page (people looked up in one query)."""
    emails = {e.target for e in entries if "@" in (e.target or "")}
    users = {u.email: u for u in db.session.execute(db.select(User).where(User.email.in_(emails))).scalars()} \
        if emails else {}
    special = {}
    for action, words in DETAIL_LINES.items():
        special.update(words([e for e in entries if e.action == action]))
    return [{"entry": e, "action": str(ACTION_LABELS.get(e.action, e.action)), "target": target_words(e, users),
             "sentence": special.get(e.id, {}).get("sentence"),
             "lines": special.get(e.id, {}).get("lines") or lines(e.details or {})} for e in entries]
