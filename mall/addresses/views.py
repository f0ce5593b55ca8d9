"""Address book pages: list, add, change, delete (after a confirmation) and choose the default."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from mall.addresses import operations
from mall.addresses.forms import AddressForm
from mall.boundary import commits
from mall.errors import FieldErrors
from mall.forms import show_field_errors
from mall.tenants.access import actor, login_required

bp = Blueprint("addresses", __name__)


def own_address_or_404(address_id: int):
    """The signed-in shopper's address; anyone else's is a 404."""
    return operations.own_address(actor(), address_id) or abort(404)


def _back(address):
    """Where a saved address leads: back to the checkout it was opened from (with it chosen), else the book."""
    if request.args.get("from") == "checkout":
        return url_for("checkout.checkout", address_id=address.id)
    return url_for("addresses.index")


@bp.route("/addresses")
@login_required
def index():
    """The shopper's addresses, the default first (at most MAX_ADDRESSES, so one page)."""
    return render_template("addresses/list.html", addresses=operations.addresses_of(actor()),
                           limit=operations.MAX_ADDRESSES)


@bp.route("/addresses/new", methods=["GET", "POST"])
@login_required
@commits
def new():
    """Add an address; the first one becomes the default."""
    user = actor()
    form = AddressForm() if request.method == "POST" else AddressForm(name=user.name, phone=user.phone)
    if form.validate_on_submit():
        try:
            address = operations.add_address(user, form.values())
        except FieldErrors as exc:
            show_field_errors(form, exc)
        else:
            flash(_("Address saved."), "success")
            return redirect(_back(address))
    status = 422 if request.method == "POST" else 200
    return render_template("addresses/form.html", form=form, address=None), status


@bp.route("/addresses/<int:address_id>/edit", methods=["GET", "POST"])
@login_required
@commits
def edit(address_id: int):
    """Change an address (the default stays the default)."""
    address = own_address_or_404(address_id)
    form = AddressForm(obj=address) if request.method == "GET" else AddressForm()
    if form.validate_on_submit():
        values = form.values()
        if address.is_default or not values["is_default"]:
            values["is_default"] = None  # unticked means "leave it", and the default has no box to untick
        try:
            operations.update_address(address, values)
        except FieldErrors as exc:
            show_field_errors(form, exc)
        else:
            flash(_("Address saved."), "success")
            return redirect(_back(address))
    status = 422 if request.method == "POST" else 200
    return render_template("addresses/form.html", form=form, address=address), status


@bp.route("/addresses/<int:address_id>/delete", methods=["POST"])
@login_required
@commits
def delete(address_id: int):
    """Delete an address; orders already placed keep the copy they ship to."""
    operations.delete_address(own_address_or_404(address_id))
    flash(_("Address deleted."), "success")
    return redirect(url_for("addresses.index"))


@bp.route("/addresses/<int:address_id>/default", methods=["POST"])
@login_required
@commits
def make_default(address_id: int):
    """Make an address the default one."""
    operations.make_default(own_address_or_404(address_id))
    flash(_("Default address changed."), "success")
    return redirect(url_for("addresses.index"))
