"""Budget pages: every budget of the shop's (or the platform's) programme with its burn-down this period."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from mall import clock
from mall.audit.operations import record
from mall.boundary import commits
from mall.forms import show_validation_errors
from mall.tenants.access import actor, operator_required, staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty.budgets import operations as budgets
from plugins.loyalty.budgets.forms import CofundingForm, flat_budget_errors
from plugins.loyalty.budgets.schemas import BudgetSchema
from plugins.loyalty.programmes.operations import platform_programme
from plugins.loyalty.web.blueprints import merchant_bp, platform_bp, shop_programme


def _rows(programme) -> list[dict]:
    """The page's budgets, each with its burn-down."""
    at = clock.now()
    return [{**owned, **budgets.burn_down(programme, owned["owner"], owned["budget"], at)}
            for owned in budgets.owned_budgets(programme)]


@merchant_bp.route("/budgets")
@staff_required(StaffRole.SUPPORT)
def budget_list(shop: str):
    """The shop's coupon, push and earning-rule budgets: spent, left and a burn-down of the period so far."""
    return render_template("loyalty/budgets/budgets.html", layout="admin_layout.html", shop=g.tenant,
                           rows=_rows(shop_programme()), form=None)


@platform_bp.route("/platform/loyalty/budgets", methods=["GET", "POST"], endpoint="budgets")
@operator_required
@commits
def platform_budgets():
    """The platform's budgets, and its co-funding budget for the platform's share of shop coupons."""
    programme = platform_programme() or abort(404, description=_("The platform has no programme yet."))
    form = CofundingForm()
    if request.method == "GET":
        form.fill_budget(programme.cofunding_budget)
    elif form.validate_on_submit():
        try:
            raw = form.budget_raw()
            budget = budgets.stored(BudgetSchema().load(raw)) if raw is not None else None
        except ValidationError as exc:
            show_validation_errors(form, ValidationError(flat_budget_errors({"budget": exc.messages})))
        else:
            programme.cofunding_budget = budget
            record("budget.cofunding_saved", _("Co-funding budget"), actor=actor(), budget=budget)
            flash(_("The co-funding budget is saved."), "success")
            return redirect(url_for("loyalty_platform.budgets"))
    return render_template("loyalty/budgets/budgets.html", layout="platform_layout.html", shop=None,
                           rows=_rows(programme), form=form), 422 if request.method == "POST" else 200
