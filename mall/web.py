"""Page blueprints, the login manager and Jinja helpers shared by every layout."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import get_locale
from flask_login import current_user

from mall import clock
from mall.accounts.models import User
from mall.checkout.quote import MAX_QTY
from mall.extensions import db, login_manager
from mall.plugins import nav_entries, template_hook


@login_manager.user_loader
def _load_user(user_id: str):
    return User.for_session(user_id)


def _staff_shops():
    """The shops the signed-in user works in (for the header menu)."""
    if not current_user.is_authenticated:
        return []
    if "staff_shops" not in g:
        from mall.tenants.models import Staff, Tenant

        g.staff_shops = db.session.execute(
            db.select(Tenant).join(Staff, Staff.tenant_id == Tenant.id)
            .where(Staff.user_id == current_user.id).order_by(Tenant.name)
        ).scalars().all()
    return g.staff_shops


def _cart_count() -> int:
    if not current_user.is_authenticated:
        return 0
    # The top bar and the phone's tab bar both show it: one query a request.
    if "cart_count" not in g:
        from sqlalchemy import func

        from mall.cart.models import CartItem

        g.cart_count = db.session.execute(
            db.select(func.coalesce(func.sum(CartItem.qty), 0)).where(CartItem.user_id == current_user.id)
        ).scalar()
    return g.cart_count


def _unread_count() -> int:
    from flask_login import current_user

    from mall.notifications.operations import unread_count

    if not current_user.is_authenticated:
        return 0
    if "unread_count" not in g:  # the top bar and the member menu both show it
        g.unread_count = unread_count(current_user.id)
    return g.unread_count


def init_app(app: Flask) -> None:
    """Register the page blueprints and template helpers."""
    from mall.accounts.views import bp as accounts_bp
    from mall.addresses.views import bp as addresses_bp
    from mall.admin.views import bp as admin_bp
    from mall.audit.views import bp as audit_bp
    from mall.cart.views import bp as cart_bp
    from mall.catalog.views import bp as catalog_bp
    from mall.checkout.views import bp as checkout_bp
    from mall.notifications.views import bp as inbox_bp
    from mall.orders.views import bp as orders_bp
    from mall.platform import messaging  # noqa: F401  (its page joins the platform blueprint)
    from mall.platform.views import bp as platform_bp
    from mall.tenants.access import may_open, may_write

    for bp in (catalog_bp, accounts_bp, cart_bp, checkout_bp, orders_bp, admin_bp, platform_bp, audit_bp,
               inbox_bp, addresses_bp):
        app.register_blueprint(bp)

    from mall import aftersales, privacy, webhooks

    aftersales.init_app(app)
    privacy.init_app(app)
    webhooks.init_app(app)
    login_manager.login_view = "accounts.login"
    app.jinja_env.globals.update(
        template_hook=template_hook, nav_entries=nav_entries, staff_shops=_staff_shops, cart_count=_cart_count,
        get_locale=get_locale, has_endpoint=lambda name: name in app.view_functions, now=clock.now,
        unread_count=_unread_count, may_open=may_open, may_write=may_write, max_qty=MAX_QTY,
    )

    @app.context_processor
    def _layout_context():
        return {"languages": app.config["LANGUAGES"], "request_path": request.full_path.rstrip("?")}
