"""Reminders: points about to lapse, what keeps a tier and a tier reached, each as the member chooses."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the member's reminder settings (page and API), the inbox's link to them and the reminders' words."""
    from flask_babel import lazy_gettext as _l

    from mall.notifications.operations import register_kind
    from plugins.loyalty.reminders import api, views  # noqa: F401  (their routes join shared blueprints)

    plugin.register_template_hook("inbox-top", views.inbox_link)
    register_kind("loyalty.reminder_expiry", _l("%(shop)s: %(points)s points expire on %(date)s."))
    register_kind("loyalty.reminder_expiry_one", _l("%(shop)s: 1 point expires on %(date)s."))
    register_kind("loyalty.reminder_keep", _l("%(shop)s: keep %(tier)s — spend %(amount)s more by %(date)s."))
    register_kind("loyalty.reminder_keep_more", _l("%(shop)s: keep %(tier)s — %(amount)s more by %(date)s."))
    register_kind("loyalty.reminder_reached", _l("%(shop)s: you reached %(tier)s."))
