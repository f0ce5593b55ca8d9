"""Personal-data rights (PIPL / GDPR): a shopper downloads everything held about them, or has the account erased."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages and the audit log's words for the requests (the API routes join the API blueprint)."""
    from flask_babel import lazy_gettext as _l

    from mall.audit.operations import register_action
    from mall.privacy.views import bp

    app.register_blueprint(bp)
    register_action("privacy.exported", "privacy.erased",
                    labels={"privacy.exported": _l("Personal data downloaded"),
                            "privacy.erased": _l("Account deleted at the shopper's request")},
                    fields={"channel": _l("Asked through")},
                    values={"web": _l("the website"), "api": _l("the API")})
